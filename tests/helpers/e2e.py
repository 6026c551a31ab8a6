"""The live local runtime the e2e tests drive, started as `make dev` starts it, and accounts and mail for it.

The runtime is `python functions/jmap/jmap_local.py` on a free port with a temporary data folder; accounts are
made with the `mailx` command and mail arrives through `mailx deliver` (the SES ingest path). Each
client module then drives a webmail workflow with that client's own API. The session's runtime is the
`runtime` fixture of tests/e2e/conftest.py.
"""

from __future__ import annotations

import itertools
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest

from tests.helpers.paths import REPO
from tests.helpers.ports import free_port

VENV_BIN = REPO / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
DOMAIN = "localhost.test"
START_TIMEOUT = 40.0
STOP_TIMEOUT = 15.0
CLI_TIMEOUT = 30.0
LOG_TAIL = 150

_SERIAL = itertools.count(1)


@dataclass
class Runtime:
    """A running `python functions/jmap/jmap_local.py`, what its banner said, and everything it printed."""

    process: subprocess.Popen[str]
    port: int
    data_dir: Path
    log: list[str] = field(default_factory=list, repr=False)
    base: str = ""
    moto: str = ""

    @property
    def session_url(self) -> str:
        return f"{self.base}/.well-known/jmap"

    def env(self) -> dict[str, str]:
        return _env(self.port, self.data_dir)

    def mailx(self, *argv: str) -> str:
        """Run the `mailx` command against this runtime; its stdout, or a failure naming what it said."""
        command = [str(VENV_BIN / "mailx")] if (VENV_BIN / "mailx").exists() else [PYTHON, "-m", "mailx.cli"]
        done = subprocess.run(
            [*command, "--url", self.base, *argv],
            env=self.env(),
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT,
            check=False,
        )
        if done.returncode != 0:
            pytest.fail(f"`mailx {' '.join(argv)}` exited {done.returncode}:\n{done.stderr}{done.stdout}")
        return done.stdout.strip()

    def tail(self, lines: int = LOG_TAIL) -> str:
        return "".join(self.log[-lines:])


def _env(port: int, data_dir: Path) -> dict[str, str]:
    """What the runtime and the `mailx` command see: no AWS or mailx setting of the caller leaks in."""
    reserved = ("TOKEN_SECRET", "MANAGEMENT_KEY", "PUBLIC_BASE_URL", "DOMAIN", "TABLE_PREFIX", "BUCKET_NAME")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MAILX_")) and k not in reserved}
    env.update({"PORT": str(port), "MAILX_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"})
    return env


def _banner_value(text: str, label: str) -> str:
    found = re.search(rf"^\s*{label}\s+(\S+)", text, re.MULTILINE)
    if not found:
        pytest.fail(f"no {label!r} in the runtime's banner:\n{text}")
    return found.group(1)


def start(data_dir: Path) -> Runtime:
    """Start the runtime on a free port with DATA_DIR; return once its banner names the URL and login."""
    port = free_port()
    process = subprocess.Popen(
        [PYTHON, "functions/jmap/jmap_local.py"],
        cwd=REPO,
        env=_env(port, data_dir),
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    runtime = Runtime(process, port, data_dir)
    ready = threading.Event()

    def pump() -> None:
        assert runtime.process.stdout is not None
        for line in runtime.process.stdout:
            runtime.log.append(line)
            if "Press Ctrl-C to stop." in line:
                ready.set()

    threading.Thread(target=pump, name="mailx-runtime-log", daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT
    while not ready.wait(0.2):
        if time.monotonic() > deadline or runtime.process.poll() is not None:
            runtime.process.kill()
            runtime.process.wait(timeout=STOP_TIMEOUT)
            pytest.fail(f"the local runtime did not become ready in {START_TIMEOUT:.0f} s:\n{runtime.tail()}")
    text = "".join(runtime.log)
    runtime.base = _banner_value(text, "URL")
    runtime.moto = _banner_value(text, "AWS endpoint")
    return runtime


def stop(runtime: Runtime) -> None:
    """Stop the runtime as Ctrl-C would (SIGINT), killing it if it does not exit in time."""
    if runtime.process.poll() is not None:
        return
    runtime.process.send_signal(signal.SIGINT)
    try:
        runtime.process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        runtime.process.kill()
        runtime.process.wait(timeout=STOP_TIMEOUT)


# --- accounts and mail ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    """A user made with `mailx account create`, with a Bearer token from `mailx login`."""

    username: str
    password: str
    address: str
    token: str


def create_account(runtime: Runtime, prefix: str) -> Account:
    """A fresh account with its own address and a Bearer token (the names are unique per session)."""
    username = f"{prefix}{next(_SERIAL)}"
    password = f"{username} correct horse battery"
    address = f"{username}@{DOMAIN}"
    runtime.mailx("account", "create", username, "--password", password, "--address", address)
    runtime.mailx("identity", "add", username, f"{username}.alias@{DOMAIN}", "--name", f"{username} alias")
    token = runtime.mailx("login", username, "--password", password)
    return Account(username, password, address, token)


def message(
    to: str,
    subject: str,
    body: str,
    *,
    sender: str = f"Sam Sender <sam@{DOMAIN}>",
    reply_to: EmailMessage | None = None,
    attachment: tuple[str, str, bytes] | None = None,
) -> EmailMessage:
    """An RFC 5322 message; `reply_to` threads it under another, `attachment` is (name, type, bytes)."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = format_datetime(datetime.now(UTC))
    mail["Message-ID"] = make_msgid(domain=DOMAIN)
    if reply_to is not None:
        mail["In-Reply-To"] = reply_to["Message-ID"]
        mail["References"] = reply_to["Message-ID"]
    mail.set_content(body)
    if attachment is not None:
        name, content_type, data = attachment
        maintype, subtype = content_type.split("/", 1)
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return mail


def deliver(runtime: Runtime, address: str, *mails: EmailMessage, tmp: Path) -> None:
    """Deliver with `mailx deliver FILE.eml... --to ADDRESS` (the SES ingest path), in the given order."""
    paths = []
    for mail in mails:
        path = tmp / f"{next(_SERIAL):04d}.eml"
        path.write_bytes(mail.as_bytes())
        paths.append(str(path))
    runtime.mailx("deliver", *paths, "--to", address)


@dataclass(frozen=True)
class MailSet:
    """The messages every client module starts with, oldest first, and the facts tests check."""

    first: EmailMessage
    reply: EmailMessage
    with_attachment: EmailMessage
    to_flag: EmailMessage
    to_move: EmailMessage
    attachment: bytes
    search_word: str

    def subject(self, which: EmailMessage) -> str:
        return str(which["Subject"])


ATTACHMENT = bytes(range(256)) * 8 + b"end of the attachment"


def deliver_mailset(runtime: Runtime, account: Account, tmp: Path) -> MailSet:
    """Five messages to the account's address: a thread of two, one with a PDF, two to change."""
    tag = account.username
    first = message(account.address, f"[{tag}] Lunch on Friday?", "Shall we meet at noon?\n")
    reply = message(account.address, f"Re: [{tag}] Lunch on Friday?", "Noon works.\n", reply_to=first)
    with_attachment = message(
        account.address,
        f"[{tag}] The report",
        "The zebrafish report is attached.\n",
        attachment=("report.pdf", "application/pdf", ATTACHMENT),
    )
    to_flag = message(account.address, f"[{tag}] Flag me", "Important.\n")
    to_move = message(account.address, f"[{tag}] Archive me", "Done with this one.\n")
    deliver(runtime, account.address, first, reply, with_attachment, to_flag, to_move, tmp=tmp)
    return MailSet(first, reply, with_attachment, to_flag, to_move, ATTACHMENT, "zebrafish")
