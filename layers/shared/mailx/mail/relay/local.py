"""The local relay for development: our own recipients through ingest, everyone else into a folder.

Envelope recipients (RFC 5321 RCPT TO) are routed exactly as inbound mail is (`mail.routing.route`);
each account they reach gets one copy in its Inbox through `mail.ingest.ingest` with the idempotency key
`relay:{key}`, so a retried send never delivers twice. Mail for anyone else is written byte-exact to
`{LOCAL_RELAY_DIR}/{key}.eml` (a retry overwrites the same file), next to `{key}.json` naming its
envelope, since the Bcc recipients are nowhere in the message itself.
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path

from mailx.mail import ingest as ingest_module
from mailx.mail.relay.base import OutboundMessage, RelayResult, TransientRelayError
from mailx.mail.routing import route, target_mailbox

logger = logging.getLogger("mailx.relay.local")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def file_stem(key: str) -> str:
    """A file name for an idempotency key that cannot leave the folder."""
    stem = _UNSAFE.sub("_", key).lstrip(".")
    return stem or "_"


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)  # whole or not at all: a reader never sees half a message


class LocalRelay:
    """Delivers to this deployment's accounts and writes the rest to OUTBOX."""

    name = "local"

    def __init__(self, outbox: Path | str) -> None:
        self.outbox = Path(outbox)

    def send(self, message: OutboundMessage) -> RelayResult:
        """Ingest for local recipients, write a file for the others; all are accepted unless the
        account has nowhere to put it (rejected with a 550 reply)."""
        try:
            routing = route(list(message.rcpt_to))
        except Exception as exc:
            raise TransientRelayError(f"routing failed: {exc}") from exc
        accepted: list[str] = []
        rejected: dict[str, str] = {}
        for account_id in routing.accounts:
            mine = [r.recipient for r in routing.routes if r.account_id == account_id]
            try:
                self._deliver(account_id, message)
            except ingest_module.IngestError as exc:
                rejected.update({r: f"550 5.2.0 {exc}" for r in mine})
                continue
            accepted.extend(mine)
        if routing.unknown:
            self._write_outbox(message, routing.unknown)
            accepted.extend(routing.unknown)
        return RelayResult(f"local:{message.idempotency_key}", tuple(accepted), rejected)

    def _deliver(self, account_id: str, message: OutboundMessage) -> None:
        try:
            ingest_module.ingest(
                account_id,
                message.raw,
                mailbox_ids=[target_mailbox(account_id, junk=False)],
                idempotency_key=f"relay:{message.idempotency_key}",
            )
        except ingest_module.IngestError:
            raise
        except Exception as exc:  # storage trouble: the accounts done so far are skipped on the retry
            logger.exception("local delivery to %s failed", account_id)
            raise TransientRelayError(f"local delivery to {account_id} failed: {exc}") from exc

    def _write_outbox(self, message: OutboundMessage, recipients: list[str]) -> None:
        stem = file_stem(message.idempotency_key)
        envelope = {"mailFrom": message.mail_from, "rcptTo": recipients, "accountId": message.account_id}
        try:
            self.outbox.mkdir(parents=True, exist_ok=True)
            _write(self.outbox / f"{stem}.eml", message.raw)
            _write(self.outbox / f"{stem}.json", json.dumps(envelope, indent=2).encode())
        except OSError as exc:
            raise TransientRelayError(f"cannot write to {self.outbox}: {exc}") from exc
