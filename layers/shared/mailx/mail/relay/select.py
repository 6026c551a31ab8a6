"""Which relay sends outbound mail, chosen by the RELAY setting (docs/relays.md).

`auto` (the default) picks Resend when a RESEND_API_KEY is configured, the local relay when AWS is an
endpoint override (the local runtime, where nothing may leave the machine by accident), and SES
otherwise: a deployed stack without Resend sends with the account it runs in.
"""

from __future__ import annotations

from pathlib import Path

from mailx.config import ConfigError, Settings
from mailx.mail.relay.base import Relay

RELAYS = ("resend", "ses", "local")


def relay_name(settings: Settings) -> str:
    """The relay RELAY names, with `auto` resolved."""
    chosen = settings.relay.strip().lower() or "auto"
    if chosen == "auto":
        if settings.resend_api_key:
            return "resend"
        return "local" if settings.aws_endpoint_url else "ses"
    if chosen not in RELAYS:
        raise ConfigError(f"RELAY must be auto, {', '.join(RELAYS)}; got {settings.relay!r}")
    return chosen


def local_outbox(settings: Settings) -> Path:
    """LOCAL_RELAY_DIR (the local runtime sets it to `outbox/` in its data folder)."""
    if not settings.local_relay_dir:
        raise ConfigError("RELAY=local needs LOCAL_RELAY_DIR (the local runtime sets it)")
    return Path(settings.local_relay_dir).expanduser()


def get_relay(settings: Settings) -> Relay:
    """The relay to send with; imports only the chosen one (SES pulls in botocore)."""
    name = relay_name(settings)
    if name == "resend":
        if not settings.resend_api_key:
            raise ConfigError("RELAY=resend needs RESEND_API_KEY")
        from mailx.mail.relay.resend import ResendRelay

        return ResendRelay(
            settings.resend_api_key,
            api_url=settings.resend_api_url,
            from_domain=settings.resend_from_domain,
        )
    if name == "ses":
        from mailx.mail.relay.ses import SesRelay

        return SesRelay()
    from mailx.mail.relay.local import LocalRelay

    return LocalRelay(local_outbox(settings))
