"""template.yaml's monitoring: alarms on both dead-letter queues and every function's errors and
throttles, all to one SNS topic with an optional e-mail subscription; the HTTP API's access log; and the
receipt rule's recipient filter, built from the Domain parameter the functions also get."""

from __future__ import annotations

import json
import re
from typing import Any

from mailx.config import load_settings
from tests.helpers.sam_template import TEMPLATE_DATA

RESOURCES: dict[str, Any] = TEMPLATE_DATA["Resources"]
FUNCTIONS = sorted(n for n, r in RESOURCES.items() if r["Type"] == "AWS::Serverless::Function")
QUEUES = ("InboundDeadLetterQueue", "OutboundDeadLetterQueue", "PushDeadLetterQueue")


def _alarms() -> dict[str, dict[str, Any]]:
    return {n: r for n, r in RESOURCES.items() if r["Type"] == "AWS::CloudWatch::Alarm"}


def _watched(alarm: dict[str, Any]) -> tuple[str, str, str]:
    props = alarm["Properties"]
    [dimension] = props["Dimensions"]
    value = dimension["Value"]
    target = value.get("Ref") or value.get("Fn::GetAtt", [""])[0]
    return props["Namespace"], props["MetricName"], target


def test_every_dead_letter_queue_and_function_has_its_alarms_to_the_topic() -> None:
    alarms = _alarms()
    watched = {_watched(a) for a in alarms.values()}
    expected = {("AWS/SQS", "ApproximateNumberOfMessagesVisible", q) for q in QUEUES}
    expected |= {("AWS/Lambda", m, f) for f in FUNCTIONS for m in ("Errors", "Throttles")}
    assert len(FUNCTIONS) == 6 and watched == expected
    for name, alarm in alarms.items():
        props = alarm["Properties"]
        assert props["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
        # anything at all is worth a message; no data (an idle month) is not an alarm
        assert (props["Threshold"], props["ComparisonOperator"]) == (0, "GreaterThanThreshold"), name
        assert props["TreatMissingData"] == "notBreaching" and alarm["Condition"] == "AlarmsOn", name


def test_the_topic_has_an_email_subscription_when_an_address_is_given() -> None:
    parameter = TEMPLATE_DATA["Parameters"]["AlarmEmail"]
    assert parameter["Default"] == ""
    subscription = RESOURCES["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"] == {
        "TopicArn": {"Ref": "AlarmTopic"},
        "Protocol": "email",
        "Endpoint": {"Ref": "AlarmEmail"},
    }
    assert TEMPLATE_DATA["Conditions"]["HasAlarmEmail"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]
    }


def test_http_api_access_log_is_json_without_credentials() -> None:
    settings = RESOURCES["HttpApi"]["Properties"]["AccessLogSettings"]
    assert settings["DestinationArn"] == {"Fn::GetAtt": ["HttpApiAccessLogGroup", "Arn"]}
    group = RESOURCES["HttpApiAccessLogGroup"]["Properties"]
    assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    line = re.sub(r"\$context\.[A-Za-z.]+", "x", settings["Format"])
    fields = json.loads(line)  # CloudWatch stores each access-log line as this JSON object
    assert {"requestId", "status", "route", "ip", "integrationMs", "error"} <= set(fields)
    assert not re.search(r"header|authorizer|querystring|path", settings["Format"], re.IGNORECASE)


def test_receipt_rule_takes_only_the_configured_domains() -> None:
    rule = RESOURCES["InboundRule"]["Properties"]["Rule"]
    assert rule["Recipients"] == {
        "Fn::If": ["HasDomains", {"Fn::Split": [",", {"Ref": "Domain"}]}, {"Ref": "AWS::NoValue"}]
    }
    assert rule["Enabled"] == {"Fn::If": ["HasDomains", True, False]}
    # The same parameter is DOMAIN, which the functions read as the same list
    env = TEMPLATE_DATA["Globals"]["Function"]["Environment"]["Variables"]
    assert env["DOMAIN"] == {"Ref": "Domain"}
    secrets = {"TOKEN_SECRET": "t" * 32, "MANAGEMENT_KEY": "m" * 32, "PUBLIC_BASE_URL": "https://x.example"}
    parsed = load_settings({**secrets, "DOMAIN": "Example.com,mail.example.org"})
    assert parsed.domain == ("example.com", "mail.example.org")


def test_domain_parameter_accepts_a_comma_list_only() -> None:
    pattern = re.compile(TEMPLATE_DATA["Parameters"]["Domain"]["AllowedPattern"])
    for good in ("", "example.com", "example.com,mail.example.org", "a-b.example.co.uk"):
        assert pattern.fullmatch(good), good
    for bad in ('["example.com"]', "example.com, example.org", "example", "-x.example.com", "a..b"):
        assert not pattern.fullmatch(bad), bad
