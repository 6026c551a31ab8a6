"""template.yaml read as CloudFormation means it: short forms (!Ref, !Sub, !GetAtt) as their long forms, the
resources by type, each function's settings with SAM's Globals applied, the tables and the mail bucket."""

from __future__ import annotations

import re
from typing import Any

import yaml  # type: ignore[import-untyped, unused-ignore]

from tests.helpers.paths import REPO

TEMPLATE = REPO / "template.yaml"


class CfnLoader(yaml.SafeLoader):  # type: ignore[misc, unused-ignore]
    """A SafeLoader that reads CloudFormation short forms (!Ref, !Sub, !GetAtt ...) as their long forms."""


def _short_form(loader: Any, suffix: str, node: Any) -> dict[str, Any]:
    """`!Suffix value` as `{"Fn::Suffix": value}` (`Ref` and `Condition` keep their bare names)."""
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    key = suffix if suffix in {"Ref", "Condition"} else f"Fn::{suffix}"
    return {key: value}


CfnLoader.add_multi_constructor("!", _short_form)


def load_template() -> dict[str, Any]:
    """template.yaml, parsed."""
    with TEMPLATE.open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = yaml.load(handle, Loader=CfnLoader)
    return loaded


TEMPLATE_DATA = load_template()


def resources_of(kind: str) -> dict[str, dict[str, Any]]:
    """The resources of type KIND by logical id."""
    return {name: res for name, res in TEMPLATE_DATA["Resources"].items() if res["Type"] == kind}


FUNCTIONS = resources_of("AWS::Serverless::Function")


def function_setting(name: str, key: str) -> Any:
    """A function property, falling back to Globals.Function as SAM does."""
    props = FUNCTIONS[name]["Properties"]
    return props.get(key, TEMPLATE_DATA.get("Globals", {}).get("Function", {}).get(key))


def function_env(name: str) -> dict[str, Any]:
    """The environment SAM gives a function: Globals variables overlaid by the function's own."""
    merged: dict[str, Any] = {}
    global_env = TEMPLATE_DATA.get("Globals", {}).get("Function", {}).get("Environment", {})
    merged.update(global_env.get("Variables", {}))
    merged.update(FUNCTIONS[name]["Properties"].get("Environment", {}).get("Variables", {}))
    return merged


def tables_by_base_name() -> dict[str, dict[str, Any]]:
    """Every DynamoDB table keyed by its name without the prefix; the name must be TablePrefix + base."""
    found: dict[str, dict[str, Any]] = {}
    for logical_id, res in resources_of("AWS::DynamoDB::Table").items():
        name = res["Properties"].get("TableName")
        match = re.fullmatch(r"\$\{TablePrefix\}([A-Za-z0-9_.-]+)", name.get("Fn::Sub", "")) if name else None
        assert match, f"{logical_id}: TableName must be !Sub ${{TablePrefix}}<name>, got {name!r}"
        found[match.group(1)] = res
    return found


def mail_bucket() -> tuple[str, dict[str, Any]]:
    """The bucket the functions get as BUCKET_NAME."""
    refs = {str(function_env(name).get("BUCKET_NAME", {}).get("Ref")) for name in FUNCTIONS}
    assert len(refs) == 1, f"every function must get the same BUCKET_NAME, got {refs}"
    logical_id = refs.pop()
    bucket = TEMPLATE_DATA["Resources"].get(logical_id)
    assert bucket is not None and bucket["Type"] == "AWS::S3::Bucket", f"BUCKET_NAME -> {logical_id}"
    return logical_id, bucket
