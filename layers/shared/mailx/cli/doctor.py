"""`mailx doctor`: check a deployment (or the local runtime) from the operator's machine; report only.

Checks, each `ok`, `warn`, `fail` or `local` (what a local runtime cannot have, which is not a failure):
the session and API endpoints answer and the management key is accepted; sending is configured (Resend
key and domain, or SES out of the sandbox with verified domains); the SES receipt rule set is active
and filters for every configured domain; the alarms exist; and, per domain, MX, SPF, DKIM and DMARC are
published (DNS through the system resolver's name server). Nothing is ever changed. AWS checks use
boto3 with your usual credentials (AWS_PROFILE, AWS_REGION) when it is installed.
"""

from __future__ import annotations

import argparse
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from mailx.cli import dns
from mailx.cli.client import Api, CliError, is_local
from mailx.cli.output import Output, table

Subparsers = Any
LOCAL = "local"
FUNCTIONS = ("JmapFunction", "SesInboundFunction", "OutboundFunction", "WebhookFunction", "WebSocketFunction",
             "PushFunction")  # fmt: skip
ALARM_IDS = (
    "InboundDeadLetterAlarm",
    "OutboundDeadLetterAlarm",
    "PushDeadLetterAlarm",
    *(f"{f}{k}Alarm" for f in FUNCTIONS for k in ("Errors", "Throttles")),
)  # fmt: skip


@dataclass(frozen=True)
class Check:
    """One finding."""

    check: str
    status: str  # ok | warn | fail | local
    detail: str


def _status_of(url: str, method: str, body: bytes | None = None) -> tuple[int, str]:
    # Api.check_url allowed only http(s) base URLs.
    request = urllib.request.Request(  # noqa: S310
        url, data=body, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
            return response.status, response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", "")
    except (urllib.error.URLError, OSError) as exc:
        return 0, str(getattr(exc, "reason", exc))


def endpoint_checks(api: Api) -> list[Check]:
    """The session and API answer (401 without credentials is an answer), the management key works."""
    checks = []
    status, kind = _status_of(f"{api.url}/.well-known/jmap", "GET")
    good = status in (200, 401) and "json" in kind
    checks.append(
        Check("JMAP session", "ok" if good else "fail", f"GET /.well-known/jmap answered {status or kind}")
    )
    status, kind = _status_of(f"{api.url}/jmap/api", "POST", b"{}")
    good = status == 401 and "json" in kind
    checks.append(
        Check(
            "JMAP API",
            "ok" if good else "fail",
            f"POST /jmap/api without credentials answered {status or kind}",
        )
    )
    return checks


def _value(config: dict[str, Any], key: str) -> str:
    return str((config.get(key) or {}).get("value") or "")


def relay_of(config: dict[str, Any]) -> str:
    """RELAY with `auto` resolved as the functions resolve it (mailx.mail.relay.select)."""
    chosen = _value(config, "RELAY").lower() or "auto"
    if chosen != "auto":
        return chosen
    if _value(config, "RESEND_API_KEY"):
        return "resend"
    return "local" if _value(config, "AWS_ENDPOINT_URL") else "ses"


def sending_checks(config: dict[str, Any], relay: str, ses: SesView | None) -> list[Check]:
    if relay == "local":
        return [Check("Sending", LOCAL, "the local relay writes mail to the data folder's outbox/")]
    if relay == "resend":
        key, domain = _value(config, "RESEND_API_KEY"), _value(config, "RESEND_FROM_DOMAIN")
        if not key:
            return [Check("Sending (Resend)", "fail", "RELAY=resend but RESEND_API_KEY is not set")]
        detail = f"RESEND_API_KEY set; sending domain {domain or '(RESEND_FROM_DOMAIN not set)'}"
        webhook = (
            "RESEND_WEBHOOK_SECRET set"
            if _value(config, "RESEND_WEBHOOK_SECRET")
            else "no RESEND_WEBHOOK_SECRET: webhooks answer 503"
        )
        return [
            Check("Sending (Resend)", "ok" if domain else "warn", detail),
            Check("Resend webhooks", "ok" if _value(config, "RESEND_WEBHOOK_SECRET") else "warn", webhook),
        ]
    if ses is None:
        return [
            Check("Sending (SES)", "warn", "boto3 or AWS credentials unavailable: SES sending not checked")
        ]
    return ses.sending()


class SesView:
    """Read-only views of SES, CloudWatch and the stack through boto3 (your AWS credentials)."""

    def __init__(self, region: str | None, stack: str, client: Callable[..., Any] | None = None) -> None:
        if client is None:
            import boto3

            client = boto3.client
        self.client: Any = client  # the stubs' per-service overloads do not take a variable name
        self.region = region
        self.stack = stack

    def _aws(self, service: str) -> Any:
        return self.client(service, region_name=self.region) if self.region else self.client(service)

    def receipt_rules(self, domains: list[str]) -> list[Check]:
        active = self._aws("ses").describe_active_receipt_rule_set()
        name = (active.get("Metadata") or {}).get("Name")
        wanted = f"{self.stack}-inbound"
        if not name:
            return [
                Check(
                    "SES receipt rule set", "fail", f"no active rule set; activate {wanted} (docs/deploy.md)"
                )
            ]
        if name != wanted:
            return [Check("SES receipt rule set", "fail", f"the active rule set is {name}, not {wanted}")]
        recipients = {
            r.lower()
            for rule in active.get("Rules", [])
            if rule.get("Enabled")
            for r in rule.get("Recipients", [])
        }
        missing = [d for d in domains if d not in recipients]
        checks = [Check("SES receipt rule set", "ok", f"{name} is active")]
        if missing:
            checks.append(
                Check(
                    "Receipt rule recipients",
                    "fail",
                    f"not in the rule's filter (add to the Domain parameter): {', '.join(missing)}",
                )
            )
        else:
            checks.append(Check("Receipt rule recipients", "ok", ", ".join(sorted(recipients)) or "-"))
        return checks

    def alarms(self) -> list[Check]:
        names: list[str] = []
        for page in (
            self._aws("cloudwatch")
            .get_paginator("describe_alarms")
            .paginate(AlarmNamePrefix=f"{self.stack}-")
        ):
            names += [a["AlarmName"] for a in page.get("MetricAlarms", [])]
        missing = [i for i in ALARM_IDS if not any(f"-{i}-" in n or n.endswith(f"-{i}") for n in names)]
        if missing:
            return [Check("Alarms", "warn", f"missing (EnableAlarms=false?): {', '.join(missing)}")]
        topics = self._aws("sns").list_topics().get("Topics", [])
        subscribed = any(
            self.stack in t.get("TopicArn", "") and "AlarmTopic" in t.get("TopicArn", "") for t in topics
        )
        return [
            Check(
                "Alarms",
                "ok",
                f"{len(ALARM_IDS)} alarms" + ("" if subscribed else " (alarm topic not found by name)"),
            )
        ]

    def sending(self) -> list[Check]:
        account = self._aws("sesv2").get_account()
        checks = []
        if not account.get("SendingEnabled", False):
            checks.append(Check("Sending (SES)", "fail", "sending is paused for this account"))
        elif not account.get("ProductionAccessEnabled", False):
            checks.append(
                Check("Sending (SES)", "warn", "the account is in the SES sandbox: only verified recipients")
            )
        else:
            checks.append(Check("Sending (SES)", "ok", "production access"))
        return checks

    def dkim_tokens(self, domain: str) -> list[str]:
        try:
            identity = self._aws("sesv2").get_email_identity(EmailIdentity=domain)
        except Exception:  # not an SES identity (or no access): reported by the DKIM check
            return []
        return list((identity.get("DkimAttributes") or {}).get("Tokens") or [])


def dns_checks(domain: str, relay: str, region: str | None, tokens: list[str], server: str | None = None,
               port: int = 53) -> list[Check]:  # fmt: skip
    """MX, SPF, DKIM and DMARC of DOMAIN as the world sees them."""

    def records(name: str, rtype: str) -> tuple[str, ...] | str:
        try:
            return dns.lookup(name, rtype, server=server, port=port).records
        except dns.DnsError as exc:
            return str(exc)

    checks = []
    mx = records(domain, "MX")
    if isinstance(mx, str):
        checks.append(Check(f"{domain} MX", "warn", f"lookup failed: {mx}"))
    else:
        inbound = [r for r in mx if "inbound-smtp." in r and r.rstrip(".").endswith("amazonaws.com")]
        in_region = [r for r in inbound if region is None or f"inbound-smtp.{region}." in r]
        status = "ok" if in_region else "fail"
        checks.append(Check(f"{domain} MX", status, ", ".join(mx) or "no MX record (mail cannot reach SES)"))
    txt = records(domain, "TXT")
    spf = [] if isinstance(txt, str) else [r for r in txt if r.lower().startswith("v=spf1")]
    if len(spf) == 1:
        checks.append(Check(f"{domain} SPF", "ok", spf[0]))
    else:
        many = f"{len(spf)} SPF records (there must be one)"
        checks.append(Check(f"{domain} SPF", "warn", many if spf else "no v=spf1 TXT record"))
    if relay == "resend":
        key = records(f"resend._domainkey.{domain}", "TXT")
        found = not isinstance(key, str) and any("p=" in r for r in key)
        checks.append(
            Check(
                f"{domain} DKIM",
                "ok" if found else "warn",
                "resend._domainkey TXT " + ("found" if found else "missing"),
            )
        )
    elif tokens:
        published = 0
        for token in tokens:
            targets = records(f"{token}._domainkey.{domain}", "CNAME")
            if not isinstance(targets, str) and any(
                r.rstrip(".").endswith("dkim.amazonses.com") for r in targets
            ):
                published += 1
        status = "ok" if published == len(tokens) else "fail"
        checks.append(
            Check(f"{domain} DKIM", status, f"{published} of {len(tokens)} SES DKIM CNAMEs published")
        )
    else:
        checks.append(
            Check(
                f"{domain} DKIM",
                "warn",
                "no SES DKIM tokens to look for (not an SES identity, or no AWS access)",
            )
        )
    dmarc = records(f"_dmarc.{domain}", "TXT")
    policies = [] if isinstance(dmarc, str) else [r for r in dmarc if r.startswith("v=DMARC1")]
    checks.append(
        Check(
            f"{domain} DMARC",
            "ok" if policies else "warn",
            policies[0] if policies else "no v=DMARC1 record at _dmarc",
        )
    )
    return checks


def diagnose(api: Api, *, stack: str, region: str | None, view: SesView | None = None,
             dns_server: str | None = None, dns_port: int = 53) -> list[Check]:  # fmt: skip
    """Every check, in order."""
    checks = endpoint_checks(api)
    config = api.call("GET", "/v0/management/config")["config"]
    checks.append(Check("Management API", "ok", "the management key is accepted"))
    domains = sorted({str(d["domain"]) for d in api.call("GET", "/v0/management/domains")["domains"]})
    checks.append(
        Check(
            "Domains",
            "ok" if domains else "warn",
            ", ".join(domains) or "none configured: no mail is received",
        )
    )
    relay = relay_of(config)
    if is_local(api.url):
        checks += sending_checks(config, relay, None)
        checks.append(
            Check(
                "SES receipt rule set", LOCAL, "a local runtime has no SES: mail arrives with `mailx deliver`"
            )
        )
        checks.append(Check("Alarms", LOCAL, "a local runtime has no CloudWatch alarms"))
        checks.append(Check("DNS (MX, SPF, DKIM, DMARC)", LOCAL, "local domains are not published in DNS"))
        return checks
    if view is None:
        try:
            view = SesView(region, stack)
        except ImportError:
            view = None
    checks += sending_checks(config, relay, view)
    if view is None:
        checks.append(
            Check("AWS", "warn", "boto3 is not installed: receipt rules, alarms and SES not checked")
        )
    else:
        aws_checks: list[Callable[[], list[Check]]] = [lambda: view.receipt_rules(domains), view.alarms]
        for check in aws_checks:
            try:
                checks += check()
            except Exception as exc:  # no credentials, no permission: say so, go on
                checks.append(Check("AWS", "warn", f"could not check: {type(exc).__name__}: {exc}"))
    for domain in domains:
        tokens = view.dkim_tokens(domain) if view is not None and relay == "ses" else []
        checks += dns_checks(domain, relay, region, tokens, dns_server, dns_port)
    return checks


def _doctor(args: argparse.Namespace, api: Api) -> Output:
    checks = diagnose(api, stack=args.stack, region=args.region)
    rows = [[c.status.upper(), c.check, c.detail] for c in checks]
    data = {"checks": [asdict(c) for c in checks], "ok": not any(c.status == "fail" for c in checks)}
    result = Output(data, table(["STATUS", "CHECK", "DETAIL"], rows))
    if any(c.status == "fail" for c in checks):
        failed = CliError(f"{sum(c.status == 'fail' for c in checks)} check(s) failed")
        failed.data = data
        if not args.json:
            print(result.text)
        raise failed
    return result


def register(commands: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add the `doctor` command."""
    doctor = commands.add_parser(
        "doctor", parents=[common], help="check a deployment or the local runtime (changes nothing)"
    )
    doctor.add_argument("--stack", default="mailx", help="the CloudFormation stack name (default mailx)")
    doctor.add_argument("--region", default=None, help="AWS region (default: your AWS configuration's)")
    doctor.set_defaults(handler=_doctor)
