"""`mailx doctor` against a deployment-like setup: the app on a non-loopback address (so it is not taken
for the local runtime), SES and CloudWatch in moto, and a real DNS server on loopback answering for the
domains. (The local runtime's report is checked in test_local_runtime.)"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Iterator

import boto3
import pytest

from mailx.cli import dns
from mailx.cli.client import Api
from mailx.cli.doctor import ALARM_IDS, Check, SesView, diagnose
from tests.helpers.cli import KEY
from tests.helpers.ports import free_port as _free_port

ZONE: dict[tuple[str, str], list[str]] = {
    ("example.com", "MX"): ["10 inbound-smtp.us-east-1.amazonaws.com"],
    ("example.com", "TXT"): ["v=spf1 include:amazonses.com ~all", "google-site-verification=x"],
    ("resend._domainkey.example.com", "TXT"): ["p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ" + "A" * 300],
    ("_dmarc.example.com", "TXT"): ["v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com"],
    ("example.org", "MX"): ["10 mx.elsewhere.example.net"],
}  # fmt: skip


def _name(value: str) -> bytes:
    return b"".join(bytes([len(p)]) + p.encode() for p in value.split(".")) + b"\x00"


def _rdata(rtype: str, value: str) -> bytes:
    if rtype == "MX":
        preference, host = value.split()
        return struct.pack(">H", int(preference)) + _name(host)
    if rtype == "TXT":
        raw = value.encode()
        return b"".join(bytes([len(raw[i : i + 255])]) + raw[i : i + 255] for i in range(0, len(raw), 255))
    return _name(value)


class FakeDns:
    """A UDP name server on loopback answering from ZONE (NXDOMAIN otherwise)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.asked: list[tuple[str, str]] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        names = {v: k for k, v in dns.TYPES.items()}
        while not self.stopped.is_set():
            try:
                query, peer = self.sock.recvfrom(512)
            except TimeoutError:
                continue
            ident = struct.unpack(">H", query[:2])[0]
            name, offset = dns._read_name(query, 12)
            rtype = names[struct.unpack(">H", query[offset : offset + 2])[0]]
            self.asked.append((name, rtype))
            question = query[12 : offset + 4]
            records = ZONE.get((name, rtype), [])
            rcode = 0 if records or any(k[0] == name for k in ZONE) else 3
            answers = b"".join(
                b"\xc0\x0c" + struct.pack(">HHIH", dns.TYPES[rtype], 1, 300, len(data)) + data
                for data in (_rdata(rtype, r) for r in records)
            )
            header = struct.pack(">HHHHHH", ident, 0x8180 | rcode, 1, len(records), 0, 0)
            self.sock.sendto(header + question + answers, peer)

    def close(self) -> None:
        self.stopped.set()
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def fake_dns() -> Iterator[FakeDns]:
    server = FakeDns()
    yield server
    server.close()


@pytest.fixture
def deployment_url(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The app under uvicorn on 127.0.0.2 (not a 'local' address for the command), Resend configured."""
    import uvicorn

    from jmap_api.app import create_app
    from mailx import config

    monkeypatch.setenv("RELAY", "resend")
    monkeypatch.setenv("RESEND_API_KEY", "re_test_0123456789")
    monkeypatch.setenv("RESEND_FROM_DOMAIN", "example.com")
    monkeypatch.setenv("RESEND_WEBHOOK_SECRET", "whsec_dGVzdA==")
    monkeypatch.setenv("DOMAIN", "example.com,example.org")
    config.reset_settings()
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(), host="127.0.0.2", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    yield f"http://127.0.0.2:{port}"
    server.should_exit = True
    thread.join(10)


def _ses_and_alarms(recipients: list[str]) -> None:
    ses = boto3.client("ses", region_name="us-east-1")
    ses.create_receipt_rule_set(RuleSetName="mailx-inbound")
    ses.create_receipt_rule(
        RuleSetName="mailx-inbound",
        Rule={"Name": "mailx-store-and-deliver", "Enabled": True, "Recipients": recipients, "Actions": []},
    )
    ses.set_active_receipt_rule_set(RuleSetName="mailx-inbound")
    cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
    for alarm in ALARM_IDS:
        cloudwatch.put_metric_alarm(
            AlarmName=f"mailx-{alarm}-1A2B3C", Namespace="AWS/Lambda", MetricName="Errors", Statistic="Sum",
            Period=300, EvaluationPeriods=1, Threshold=0, ComparisonOperator="GreaterThanThreshold",
        )  # fmt: skip


def _doctor(url: str, dns_server: FakeDns) -> dict[str, tuple[str, str]]:
    """Every check as {name: (status, detail)}, asking the fake name server and moto's AWS."""
    checks: list[Check] = diagnose(
        Api(url, lambda: KEY), stack="mailx", region="us-east-1", view=SesView("us-east-1", "mailx"),
        dns_server="127.0.0.1", dns_port=dns_server.port,
    )  # fmt: skip
    return {c.check: (c.status, c.detail) for c in checks}


def test_doctor_reports_a_deployment_and_changes_nothing(deployment_url: str, fake_dns: FakeDns) -> None:
    # Given a deployment with its rule set active (but example.org missing from the filter) and alarms
    _ses_and_alarms(["example.com"])
    # When the doctor runs
    found = _doctor(deployment_url, fake_dns)
    # Then the endpoints, sending and the AWS side are reported
    assert found["JMAP session"][0] == found["JMAP API"][0] == found["Management API"][0] == "ok"
    assert found["Domains"] == ("ok", "example.com, example.org")
    assert found["Sending (Resend)"] == ("ok", "RESEND_API_KEY set; sending domain example.com")
    assert found["Resend webhooks"][0] == "ok"
    assert found["SES receipt rule set"] == ("ok", "mailx-inbound is active")
    assert (
        found["Receipt rule recipients"][0] == "fail" and "example.org" in found["Receipt rule recipients"][1]
    )
    assert found["Alarms"][0] == "ok"
    # And each domain's DNS, as the name server answers it
    assert found["example.com MX"] == ("ok", "10 inbound-smtp.us-east-1.amazonaws.com")
    assert found["example.com SPF"][0] == "ok" and found["example.com DKIM"][0] == "ok"
    assert found["example.com DMARC"] == ("ok", "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com")
    assert found["example.org MX"] == ("fail", "10 mx.elsewhere.example.net")
    assert found["example.org SPF"] == ("warn", "no v=spf1 TXT record")
    assert found["example.org DKIM"][0] == found["example.org DMARC"][0] == "warn"
    assert ("_dmarc.example.org", "TXT") in fake_dns.asked
    # And nothing was changed: the same rule set, still active, with the same recipients
    active = boto3.client("ses", region_name="us-east-1").describe_active_receipt_rule_set()
    assert active["Metadata"]["Name"] == "mailx-inbound" and active["Rules"][0]["Recipients"] == [
        "example.com"
    ]


def test_doctor_says_when_nothing_is_active_or_alarmed(deployment_url: str, fake_dns: FakeDns) -> None:
    found = _doctor(deployment_url, fake_dns)
    assert found["SES receipt rule set"] == (
        "fail",
        "no active rule set; activate mailx-inbound (docs/deploy.md)",
    )
    assert found["Alarms"][0] == "warn" and "InboundDeadLetterAlarm" in found["Alarms"][1]


def test_the_dns_client_reads_long_txt_records_split_in_strings(fake_dns: FakeDns) -> None:
    answer = dns.lookup("resend._domainkey.example.com", "TXT", server="127.0.0.1", port=fake_dns.port)
    assert answer.records == tuple(ZONE[("resend._domainkey.example.com", "TXT")])
    missing = dns.lookup("nothing.example.com", "MX", server="127.0.0.1", port=fake_dns.port)
    assert (missing.rcode, missing.records) == ("NXDOMAIN", ())


def test_the_alarms_doctor_expects_are_the_templates() -> None:
    from tests.helpers.sam_template import resources_of

    # Every alarm the template defines is one the doctor looks for, and no other
    assert sorted(ALARM_IDS) == sorted(resources_of("AWS::CloudWatch::Alarm"))
