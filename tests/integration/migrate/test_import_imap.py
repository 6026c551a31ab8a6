"""`mailx import imap://USER@127.0.0.1:PORT` against a real Dovecot (Debian's dovecot-imapd, installed by
`make test`), started on a free loopback port with a throwaway configuration: every folder, RFC 6154
special-use as roles, flags as keywords, INTERNALDATE as receivedAt, octets byte-exact, resumable."""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.helpers.migrate import (
    client,
    create_account,
    holdings,
    mailbox_tree,
    mailx,
)
from tests.helpers.ports import free_port

DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)
USER, SECRET = "imapuser", "imap secret"

CONFIG = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \\Sent
    auto = create
  }}
  mailbox "Deleted Messages" {{
    special_use = \\Trash
    auto = create
  }}
  mailbox Spam {{
    special_use = \\Junk
    auto = create
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""


@pytest.fixture
def dovecot() -> Iterator[int]:
    """A Dovecot of our own: config, users and mail under a temporary folder, a free loopback port."""
    if DOVECOT is None:
        pytest.skip(
            "dovecot is not installed: `make test` installs Debian's dovecot-imapd (needs root or sudo)"
        )
    # Not under pytest's tmp_path: that is private to us (0700) and Dovecot's own users must read it.
    root = Path(tempfile.mkdtemp(prefix="mailx-dovecot-"))
    os.chmod(root, 0o755)
    port = free_port()
    if os.getuid() == 0:  # Dovecot refuses to keep mail as root: use its own unprivileged account
        account = pwd.getpwnam("dovenull")
        uid, gid, internal, login = account.pw_uid, account.pw_gid, "dovecot", "dovenull"
    else:
        account = pwd.getpwuid(os.getuid())
        uid, gid, internal, login = account.pw_uid, account.pw_gid, account.pw_name, account.pw_name
    (root / "home").mkdir()
    os.chown(root / "home", uid, gid)
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{SECRET}\n")
    config = root / "dovecot.conf"
    config.write_text(CONFIG.format(root=root, port=port, uid=uid, gid=gid, internal=internal, login=login))
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while True:
        try:
            imaplib.IMAP4("127.0.0.1", port).logout()
            break
        except OSError:
            log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
            assert process.poll() is None, f"dovecot did not start: {process.stderr} {log}"
            assert time.monotonic() < deadline, f"dovecot did not listen: {log}"
            time.sleep(0.1)
    try:
        yield port
    finally:
        process.terminate()
        process.wait(20)
        if process.stderr:
            process.stderr.close()
        shutil.rmtree(root, ignore_errors=True)


def _message(subject: str, extra: str = "") -> bytes:
    return (
        f"From: Sam <sam@example.org>\r\nTo: imapuser@example.com\r\nSubject: {subject}\r\n"
        f"Message-ID: <{subject.replace(' ', '-')}@example.org>\r\n{extra}\r\nHello from {subject}.\r\n"
    ).encode()


def _fill(port: int) -> dict[str, bytes]:
    """Folders (nested, non-ASCII, special-use) and messages with flags and dates, by IMAP APPEND."""
    conn = imaplib.IMAP4("127.0.0.1", port)
    conn.login(USER, SECRET)
    for folder in ("Work", "Work/Reports", "Caf&AOk-"):  # "Café" in modified UTF-7
        assert conn.create(folder)[0] == "OK"
    messages = {
        "hello": ("INBOX", r"(\Seen)", _message("hello")),
        "unread": ("INBOX", "()", _message("unread")),
        "report": ("Work/Reports", r"(\Seen \Flagged $Forwarded)", _message("report")),
        "reply": (
            "Sent",
            r"(\Seen \Answered)",
            _message("Re: hello", "In-Reply-To: <hello@example.org>\r\nReferences: <hello@example.org>\r\n"),
        ),
        "cafe": ("Caf&AOk-", r"(\Seen)", _message("cafe")),
        "spam": ("Spam", "()", _message("spam")),
        "doomed": ("Work", r"(\Seen \Deleted)", _message("doomed")),
    }
    for n, (folder, flags, raw) in enumerate(messages.values()):
        when = imaplib.Time2Internaldate(datetime(2022, 3, 1 + n, 8, 30, tzinfo=UTC).timestamp())
        typ, data = conn.append(folder, flags, when, raw)
        assert typ == "OK", data
    conn.logout()
    return {name: raw for name, (_, _, raw) in messages.items()}


def test_imap_folders_special_use_flags_and_dates(
    dovecot: int, url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    # Given a Dovecot account with nested, non-ASCII and special-use folders, flags and dates
    raws = _fill(dovecot)
    create_account(capsys, url, "ivy")
    monkeypatch.setenv("IMAP_PASSWORD", SECRET)
    source = f"imap://{USER}@127.0.0.1:{dovecot}"
    state = tmp_path / "s.jsonl"
    # When it is imported (password from a named environment variable)
    argv = ("import", source, "--account", "ivy", "--password-env", "IMAP_PASSWORD", "--state", str(state))
    code, out, err = mailx(capsys, url, *argv)
    assert code == 0, err + out
    jmap = client(url, "ivy")
    held = {h["subject"]: h for h in holdings(jmap)}
    # Then special-use folders map to roles, others mirror the tree (Deleted Messages is the Trash)
    assert held["hello"]["roles"] == ["inbox"]
    assert held["Re: hello"]["roles"] == ["sent"]
    assert held["spam"]["roles"] == ["junk"]
    assert held["report"]["mailboxes"] == ["Work/Reports"]
    assert held["cafe"]["mailboxes"] == ["Café"]
    assert held["doomed"]["roles"] == ["trash"]  # \Deleted: there is no JMAP keyword for it
    assert mailbox_tree(jmap)["Work"] is None
    # And flags become keywords, INTERNALDATE becomes receivedAt, the octets are exact
    assert held["hello"]["keywords"] == ["$seen"]
    assert held["unread"]["keywords"] == []
    assert held["report"]["keywords"] == ["$flagged", "$forwarded", "$seen"]
    assert held["Re: hello"]["keywords"] == ["$answered", "$seen"]
    assert held["hello"]["receivedAt"] == "2022-03-01T08:30:00Z"
    assert held["report"]["receivedAt"] == "2022-03-03T08:30:00Z"
    by_subject = {h["subject"]: h["raw"] for h in held.values()}
    assert by_subject["report"] == raws["report"]
    assert by_subject["Re: hello"] == raws["reply"]
    # And the reply threads with the message it answers
    assert held["hello"]["threadId"] == held["Re: hello"]["threadId"]
    # And a second run fetches nothing again and creates nothing
    code, out, err = mailx(capsys, url, *argv)
    assert code == 0, err
    assert "imported 0, skipped 0 already imported, failed 0" in out
    assert len(holdings(jmap)) == 7


def test_imap_refuses_plain_text_to_a_remote_host(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    create_account(capsys, url, "pat")
    monkeypatch.setenv("MAILX_SOURCE_PASSWORD", "x")
    code, _, err = mailx(capsys, url, "import", "imap://someone@mail.example.net", "--account", "pat")
    assert code == 1
    assert "loopback" in err
