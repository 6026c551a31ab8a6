"""Each function's IAM policy in template.yaml, flattened to what it grants per table, S3 prefix and queue."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from tests.helpers.sam_template import function_setting, mail_bucket, resources_of


@dataclass
class Grants:
    """A function's policy, flattened: per table and S3 prefix, the actions allowed."""

    tables: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    indexes: set[str] = field(default_factory=set)
    objects: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    list_bucket: bool = False
    queues: set[str] = field(default_factory=set)
    other: set[str] = field(default_factory=set)  # actions granted on Resource "*"
    templates: set[str] = field(default_factory=set)  # SAM policy templates other than SQS send
    execute_api: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # ARN text -> actions


def as_list(value: Any) -> list[Any]:
    """A policy field that may be one value or a list, as a list."""
    return value if isinstance(value, list) else [value]


def _table_of(resource: Any, logical_to_table: dict[str, str]) -> tuple[str, bool] | None:
    """(table, is-index) for `!GetAtt XTable.Arn` or `!Sub "${XTable.Arn}/index/*"`."""
    if "Fn::GetAtt" in resource and resource["Fn::GetAtt"][1] == "Arn":
        logical = resource["Fn::GetAtt"][0]
        return (logical_to_table[logical], False) if logical in logical_to_table else None
    text = resource.get("Fn::Sub", "")
    for logical, table in logical_to_table.items():
        if text == "${" + logical + ".Arn}/index/*":
            return table, True
    return None


def _add_statement(
    grants: Grants, statement: dict[str, Any], bucket: str, logical_to_table: dict[str, str]
) -> None:
    """Fold one Allow statement into GRANTS; any resource shape not understood fails the test."""
    assert statement["Effect"] == "Allow"
    actions = set(as_list(statement["Action"]))
    for resource in as_list(statement["Resource"]):
        if resource == "*":
            grants.other |= actions
            continue
        table = _table_of(resource, logical_to_table)
        if table is not None:
            grants.tables[table[0]] |= actions
            if table[1]:
                grants.indexes.add(table[0])
            continue
        if resource.get("Fn::Sub", "").startswith("arn:${AWS::Partition}:execute-api:"):
            grants.execute_api[resource["Fn::Sub"]] |= actions
            continue
        if resource == {"Fn::GetAtt": [bucket, "Arn"]}:
            assert actions == {"s3:ListBucket"}, actions
            grants.list_bucket = True
            continue
        prefix = resource.get("Fn::Sub", "").removeprefix("${" + bucket + ".Arn}/")
        assert prefix.endswith("/*") and "*" not in prefix[:-2], f"unexpected resource {resource!r}"
        grants.objects[prefix[:-1]] |= actions


def grants_of(name: str) -> Grants:
    """What function NAME's policies grant."""
    bucket, _ = mail_bucket()
    logical_to_table = {}
    for logical, res in resources_of("AWS::DynamoDB::Table").items():
        logical_to_table[logical] = res["Properties"]["TableName"]["Fn::Sub"].removeprefix("${TablePrefix}")
    grants = Grants()
    for policy in function_setting(name, "Policies") or []:
        if "Statement" in policy:
            for statement in policy["Statement"]:
                _add_statement(grants, statement, bucket, logical_to_table)
        elif "SQSSendMessagePolicy" in policy:
            grants.queues.add(policy["SQSSendMessagePolicy"]["QueueName"]["Fn::GetAtt"][0])
        else:
            grants.templates |= set(policy)
    return grants
