"""Settings, storage and the first account for the local runtime: what a fresh clone needs to log in."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from mailx.local import paths

LOCAL_ENV = {
    "TABLE_PREFIX": "mailx-",
    "BUCKET_NAME": "mailx-local",
    "DOMAIN": "localhost.test",
}
FIRST_USERNAME = "admin"
FALLBACK_DOMAIN = "localhost.test"


@dataclass(frozen=True)
class Login:
    """The first account's credentials as generated at first start."""

    username: str
    password: str
    address: str


def configure_environment(folder: Path, aws_endpoint_url: str, port: int, websocket_url: str = "") -> None:
    """Point settings and every AWS client at the local moto, before anything reads settings.

    Dummy credentials are forced so the write-ahead log (which keeps request headers) never holds
    real ones, and no AWS profile can redirect a call to a real account.
    """
    for key, value in LOCAL_ENV.items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("LOCAL_RELAY_DIR", str(folder / "outbox"))
    # Push subscriptions may reach loopback (over http, too): a local client's receiver runs there.
    os.environ.setdefault("PUSH_ALLOW_LOOPBACK", "true")
    os.environ.update(
        {
            "TOKEN_SECRET": paths.kept_secret(folder, paths.TOKEN_SECRET_FILE),
            "MANAGEMENT_KEY": paths.kept_secret(folder, paths.MANAGEMENT_KEY_FILE),
            "PUBLIC_BASE_URL": f"http://{paths.LOCAL_HOST}:{port}",
            "WEBSOCKET_URL": websocket_url,
            "AWS_ENDPOINT_URL": aws_endpoint_url,
            "AWS_ACCESS_KEY_ID": "mailx-local",
            "AWS_SECRET_ACCESS_KEY": "mailx-local",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
    )
    for key in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_SECURITY_TOKEN"):
        os.environ.pop(key, None)

    from mailx import aws, config

    config.reset_settings()
    aws.reset()


def prepare_storage() -> None:
    """Create the tables, the bucket and the outbound queues when missing (a replayed log has usually
    made them already)."""
    from mailx.mail import outbound
    from mailx.store import blobs, tables

    tables.create_all()
    blobs.ensure_bucket()
    outbound.ensure_queues()


def _read_login(folder: Path) -> Login | None:
    text = paths.read_text(folder, paths.LOGIN_FILE)
    if text is None:
        return None
    data = json.loads(text)
    return Login(str(data["username"]), str(data["password"]), str(data.get("address", "")))


def ensure_first_account(folder: Path) -> Login | None:
    """Create `admin` when there is no account at all; the login kept from first start otherwise.

    The password is written before the account is created, so a crash in between cannot leave an
    account whose password nobody knows.
    """
    from mailx.admin.accounts import create_account, list_accounts
    from mailx.admin.settings import effective_settings

    kept = _read_login(folder)
    if list_accounts():
        return kept
    domains = effective_settings().domain
    login = kept or Login(
        FIRST_USERNAME,
        secrets.token_urlsafe(15),
        f"{FIRST_USERNAME}@{domains[0] if domains else FALLBACK_DOMAIN}",
    )
    paths.write_private(folder, paths.LOGIN_FILE, json.dumps(login.__dict__))
    create_account(login.username, login.password, name="Administrator", addresses=[login.address])
    return login
