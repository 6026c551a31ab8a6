"""Interrupt and resume: the importer is killed (SIGKILL) mid-run, twice, then run to the end; every
message is in the account exactly once, byte for byte, and a further run imports nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.cli import KEY
from tests.helpers.migrate import client, create_account, digest, holdings, mailx

COUNT = 150


def _maildir(root: Path) -> list[bytes]:
    raws = []
    for folder in ("", ".Lists", ".Lists.Work"):
        for sub in ("cur", "new", "tmp"):
            (root / folder / sub).mkdir(parents=True, exist_ok=True)
    for n in range(COUNT):
        raw = f"From: s{n}@example.org\nSubject: number {n}\nMessage-ID: <n{n}@example.org>\n\nbody {n}\n"
        folder = ("", ".Lists", ".Lists.Work")[n % 3]
        (root / folder / "cur" / f"{1700000000 + n}.M{n}P1.host:2,S").write_bytes(raw.encode())
        raws.append(raw.encode())
    return raws


def _imported_lines(state: Path) -> int:
    if not state.exists():
        return 0
    return sum(1 for line in state.read_text().splitlines() if '"e":' in line)


def _run_until(url: str, root: Path, state: Path, imported: int) -> None:
    """Start the importer in its own process and SIGKILL it once the state file shows IMPORTED Emails."""
    command = [
        sys.executable, "-m", "mailx.cli", "--url", url, "--key", KEY, "import", str(root),
        "--account", "kim", "--state", str(state), "--batch", "10", "--import-threads", "1", "--no-progress",
    ]  # fmt: skip
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=dict(os.environ)
    )
    deadline = time.monotonic() + 120
    try:
        while _imported_lines(state) < imported:
            assert process.poll() is None, f"the importer ended before it was killed: {process.stderr}"
            assert time.monotonic() < deadline, "the importer made no progress"
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(30)
        if process.stderr:
            process.stderr.close()


def test_killed_twice_then_resumed_imports_each_message_once(
    url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Given a Maildir of 150 messages and an importer killed twice part way
    create_account(capsys, url, "kim")
    root = tmp_path / "Maildir"
    raws = _maildir(root)
    state = tmp_path / "state.jsonl"
    _run_until(url, root, state, 20)
    first = len(holdings(client(url, "kim")))
    assert 20 <= first < COUNT
    _run_until(url, root, state, 80)
    # When it is run again to the end
    code, out, err = mailx(capsys, url, "import", str(root), "--account", "kim", "--state", str(state))
    assert code == 0, err + out
    # Then every message is there exactly once, with its octets
    held = holdings(client(url, "kim"))
    assert sorted(h["digest"] for h in held) == sorted(digest(r) for r in raws)
    assert len(held) == COUNT
    # And the resumed run counted what the killed ones had done as skipped, not imported again
    imported = int(out.split("imported ")[1].split(",")[0])
    skipped = int(out.split("skipped ")[1].split(" ")[0])
    assert imported + skipped == COUNT
    assert skipped >= 80
    # And a further run imports nothing
    code, out, err = mailx(capsys, url, "import", str(root), "--account", "kim", "--state", str(state))
    assert code == 0, err
    assert f"imported 0, skipped {COUNT} already imported, failed 0" in out
    assert len(holdings(client(url, "kim"))) == COUNT
