"""template.yaml: cfn-lint clean, and in step with the code it deploys (handlers, tables, bucket, secrets).

The code computes table names as TABLE_PREFIX + Meta.table_name and S3 keys as in mailx.store.blobs; a
template that drifts from either deploys fine and fails at the first request, so these tests compare the
two directly.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from mailx import config
from mailx.store import blobs
from mailx.store.tables import all_models
from tests.helpers.paths import REPO
from tests.helpers.sam_template import (
    FUNCTIONS,
    TEMPLATE,
    TEMPLATE_DATA,
    function_env,
    function_setting,
    mail_bucket,
    resources_of,
    tables_by_base_name,
)

ROOT = REPO
LAYER_DIR = ROOT / "layers" / "shared"
DYNAMIC_SECRET = "{{resolve:secretsmanager:"


def model_base_name(model: Any) -> str:
    return str(getattr(model.Meta, "base_name", model.Meta.table_name))


def key_schema(entries: Sequence[Mapping[str, Any]], types: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """{HASH|RANGE: (attribute name, S|N|B)} from a KeySchema list and an attribute type map."""
    return {e["KeyType"]: (e["AttributeName"], types[e["AttributeName"]]) for e in entries}


def test_cfn_lint_reports_nothing() -> None:
    # Given the cfn-lint installed next to this interpreter
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    assert cfn_lint.exists(), f"cfn-lint not found at {cfn_lint}; run `make install`"
    # When it checks the template
    result = subprocess.run(
        [str(cfn_lint), str(TEMPLATE)], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    # Then it finds no error and no warning
    assert result.returncode == 0, result.stdout + result.stderr


def test_there_is_a_function_and_a_shared_layer() -> None:
    assert "JmapFunction" in FUNCTIONS
    layers = resources_of("AWS::Serverless::LayerVersion")
    assert set(layers) == {"SharedLayer"}
    layer = layers["SharedLayer"]
    assert layer["Properties"]["ContentUri"].rstrip("/") == "layers/shared"
    assert layer["Metadata"]["BuildMethod"] == "makefile"  # byte-compiled: see layers/shared/Makefile
    for name in FUNCTIONS:
        assert {"Ref": "SharedLayer"} in function_setting(name, "Layers"), name


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_runtime_is_python_312_or_newer_on_arm64(name: str) -> None:
    runtime = function_setting(name, "Runtime")
    match = re.fullmatch(r"python3\.(\d+)", str(runtime))
    assert match and int(match.group(1)) >= 12, f"{name}: runtime {runtime}"
    assert function_setting(name, "Architectures") == ["arm64"]
    layer_props = TEMPLATE_DATA["Resources"]["SharedLayer"]["Properties"]
    assert runtime in layer_props["CompatibleRuntimes"]
    assert layer_props["CompatibleArchitectures"] == ["arm64"]


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_handler_imports_without_aws_or_settings(name: str) -> None:
    # Given the function's code directory and the shared layer on sys.path, as Lambda arranges them
    props = FUNCTIONS[name]["Properties"]
    code_dir = (ROOT / props["CodeUri"]).resolve()
    module_name, _, attribute = props["Handler"].rpartition(".")
    probe = (
        "import importlib, sys\n"
        f"sys.path[:0] = [{str(code_dir)!r}, {str(LAYER_DIR)!r}]\n"
        f"module = importlib.import_module({module_name!r})\n"
        f"assert module.__file__.startswith({str(code_dir)!r}), module.__file__\n"
        f"assert callable(getattr(module, {attribute!r})), 'handler is not callable'\n"
    )
    # And an environment with no settings and no AWS credentials
    clean_env = {"PATH": os.environ.get("PATH", ""), "AWS_EC2_METADATA_DISABLED": "true"}
    # When a fresh interpreter imports the handler module
    result = subprocess.run(
        [sys.executable, "-c", probe], env=clean_env, capture_output=True, text=True, timeout=120, check=False
    )
    # Then the handler is a callable found in that directory
    assert result.returncode == 0, f"{name}: {props['Handler']}\n{result.stderr}"


def test_every_model_has_its_table_with_the_same_keys() -> None:
    tables = tables_by_base_name()
    models = {model_base_name(m): m for m in all_models()}
    assert set(tables) == set(models), (
        f"models without a table: {sorted(set(models) - set(tables))}; "
        f"tables without a model: {sorted(set(tables) - set(models))}"
    )
    for base, model in models.items():
        schema = model._get_schema()
        props = tables[base]["Properties"]
        model_types = {a["AttributeName"]: a["AttributeType"] for a in schema["attribute_definitions"]}
        table_types = {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]}
        assert table_types == model_types, base
        assert key_schema(props["KeySchema"], table_types) == key_schema(schema["key_schema"], model_types)
        model_gsis = {
            g["index_name"]: (key_schema(g["key_schema"], model_types), g["projection"]["ProjectionType"])
            for g in schema["global_secondary_indexes"]
        }
        table_gsis = {
            g["IndexName"]: (key_schema(g["KeySchema"], table_types), g["Projection"]["ProjectionType"])
            for g in props.get("GlobalSecondaryIndexes", [])
        }
        assert table_gsis == model_gsis, base
        assert not props.get("LocalSecondaryIndexes") and not schema["local_secondary_indexes"], base


def test_ttl_is_on_exactly_where_a_model_declares_it() -> None:
    tables = tables_by_base_name()
    for model in all_models():
        ttl_attribute = getattr(model.Meta, "ttl_attribute", None)
        table = tables.get(model_base_name(model))
        assert table is not None, f"no table for model {model_base_name(model)}"
        spec = table["Properties"].get("TimeToLiveSpecification")
        if ttl_attribute:
            assert spec == {"AttributeName": ttl_attribute, "Enabled": True}, model_base_name(model)
        else:
            assert spec is None or spec.get("Enabled") is False, model_base_name(model)


def test_every_table_is_on_demand_with_point_in_time_recovery() -> None:
    for base, table in tables_by_base_name().items():
        props = table["Properties"]
        assert props["BillingMode"] == "PAY_PER_REQUEST", base
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}, base
        assert "SSESpecification" in props, base


def test_functions_get_the_deployment_settings() -> None:
    settings_keys = {f.name.upper() for f in fields(config.Settings) if f.name != "mutable_keys"}
    prefix_param = TEMPLATE_DATA["Parameters"]["TablePrefix"]
    assert prefix_param["Default"] == config.Settings("t", "m", "u").table_prefix
    for name in FUNCTIONS:
        env = function_env(name)
        missing = (config.RESERVED_KEYS | {"TABLE_PREFIX", "BUCKET_NAME"}) - set(env)
        assert not missing, f"{name} lacks {sorted(missing)}"
        assert set(env) <= settings_keys, f"{name}: not Settings keys: {sorted(set(env) - settings_keys)}"
        # Lambda sets AWS_REGION itself (and refuses it); an endpoint override would bypass AWS.
        assert "AWS_REGION" not in env and "AWS_ENDPOINT_URL" not in env
        assert env["TABLE_PREFIX"] == {"Ref": "TablePrefix"}
        assert env["PUBLIC_BASE_URL"] == {"Ref": "PublicBaseUrl"}


def _secret_leaves(value: Any) -> Iterator[str]:
    """Every way VALUE can produce a secret, as a description; failing ones start with 'LITERAL'."""
    if isinstance(value, str):
        yield value if value.startswith(DYNAMIC_SECRET) else "LITERAL string"
    elif isinstance(value, dict) and "Fn::If" in value:
        for branch in value["Fn::If"][1:]:
            yield from _secret_leaves(branch)
    elif isinstance(value, dict) and "Fn::Sub" in value:
        body = value["Fn::Sub"] if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"][0]
        yield from _secret_leaves(body)
    elif isinstance(value, dict) and value.get("Ref") == "AWS::NoValue":
        yield "unset"
    elif isinstance(value, dict) and "Ref" in value:
        param = TEMPLATE_DATA["Parameters"].get(value["Ref"], {})
        secret_param = param.get("NoEcho") is True and not param.get("Default")
        yield f"NoEcho parameter {value['Ref']}" if secret_param else f"LITERAL via {value['Ref']}"
    else:
        yield f"LITERAL {value!r}"


def test_no_secret_has_a_literal_value() -> None:
    for name in FUNCTIONS:
        env = function_env(name)
        for key in sorted(config.SECRET_KEYS & set(env)):
            sources = list(_secret_leaves(env[key]))
            assert not [s for s in sources if s.startswith("LITERAL")], f"{name}.{key}: {sources}"
            assert "{{resolve:ssm-secure:" not in str(env[key]), "Lambda env vars cannot resolve ssm-secure"
    secret_names = {key.replace("_", "").lower() for key in config.SECRET_KEYS}
    for param_name, param in TEMPLATE_DATA["Parameters"].items():
        if param.get("NoEcho") or param_name.lower() in secret_names:
            assert not param.get("Default"), f"parameter {param_name} has a default secret"


def test_bucket_is_private_encrypted_and_expires_scratch_prefixes() -> None:
    logical_id, bucket = mail_bucket()
    props = bucket["Properties"]
    assert "BucketName" not in props, "let CloudFormation generate the bucket name"
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    encryption = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    algorithms = {rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] for rule in encryption}
    assert algorithms and algorithms <= {"AES256", "aws:kms", "aws:kms:dsse"}, logical_id

    rules = [r for r in props["LifecycleConfiguration"]["Rules"] if r["Status"] == "Enabled"]
    expiry_days = {
        r.get("Prefix", r.get("Filter", {}).get("Prefix", "")): r.get("ExpirationInDays") for r in rules
    }
    uploads_prefix = blobs.upload_key("account", "blob").split("/", 1)[0] + "/"
    assert expiry_days.get("inbound/"), "raw SES drops under inbound/ must expire"
    assert expiry_days.get(uploads_prefix), f"uploads under {uploads_prefix} must expire"
    default_upload_ttl = config.Settings("t", "m", "u").upload_ttl_seconds
    assert expiry_days[uploads_prefix] * 86400 >= default_upload_ttl, "lifecycle would cut uploads short"
    email_prefix = blobs.email_key("account", "email").split("/", 1)[0] + "/"
    assert not any(p and email_prefix.startswith(p) for p, days in expiry_days.items() if days), (
        "mail expires"
    )
    assert any("AbortIncompleteMultipartUpload" in r for r in rules)


def test_http_api_routes_serve_every_app_path_with_cors() -> None:
    # Given the routes API Gateway sends to the JMAP function
    events = FUNCTIONS["JmapFunction"]["Properties"]["Events"].values()
    patterns = [
        re.escape(e["Properties"]["Path"]).replace(re.escape("{proxy+}"), ".+")
        for e in events
        if e["Type"] == "HttpApi" and e["Properties"].get("ApiId") == {"Ref": "HttpApi"}
    ]
    # When every path the FastAPI app documents is matched against them
    from jmap_api.app import create_app

    paths = set(create_app().openapi()["paths"])
    unrouted = sorted(p for p in paths if not any(re.fullmatch(pattern, p) for pattern in patterns))
    # Then none is left without a route
    assert paths and not unrouted, f"paths the HTTP API does not route: {unrouted}"

    cors = TEMPLATE_DATA["Resources"]["HttpApi"]["Properties"]["CorsConfiguration"]
    variants = cors["Fn::If"][1:] if "Fn::If" in cors else [cors]
    for variant in variants:
        assert {"Authorization", "Content-Type"} <= set(variant["AllowHeaders"])
        assert "Content-Disposition" in variant["ExposeHeaders"]
        assert not variant.get("AllowCredentials"), "credentials travel in headers, not cookies"


def test_secrets_come_from_a_secret_or_from_hidden_parameters_that_must_then_be_given() -> None:
    # Secrets Manager by default; with SecretName empty (no secret to pay for, docs/cost.md) the
    # values come from NoEcho parameters, and a rule refuses a deploy that gives neither.
    params = TEMPLATE_DATA["Parameters"]
    assert params["SecretName"]["Default"] and "MinLength" not in params["SecretName"]
    rule = TEMPLATE_DATA["Rules"]["SecretsGivenOneWay"]
    assert rule["RuleCondition"] == {"Fn::Equals": [{"Ref": "SecretName"}, ""]}
    required = {a["Assert"]["Fn::Not"][0]["Fn::Equals"][0]["Ref"] for a in rule["Assertions"]}
    assert required == {"TokenSecret", "ManagementKey"}
    for name in FUNCTIONS:
        env = function_env(name)
        for key, param in (("TOKEN_SECRET", "TokenSecret"), ("MANAGEMENT_KEY", "ManagementKey")):
            condition, from_secret, from_param = env[key]["Fn::If"]
            assert condition == "UseSecretsManager" and from_param == {"Ref": param}, (name, key)
            assert from_secret["Fn::Sub"].startswith(DYNAMIC_SECRET) and key in from_secret["Fn::Sub"]
            assert params[param]["NoEcho"] is True
