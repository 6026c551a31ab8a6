"""The importer's pure pieces: mbox splitting and quoting, our export's block, Takeout labels, IMAP
names and flags, Maildir flags, and the progress bar's output on a terminal."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from mailx.migrate import keywords, mbox
from mailx.migrate.imap import decode_utf7
from mailx.migrate.maildir import decode_name, encode_name
from mailx.migrate.model import DELETED, Folder, message_key


def _split(data: bytes, quoting: str = "mboxrd") -> list[bytes]:
    return [raw for _, _, raw in mbox.split(io.BytesIO(data), quoting=quoting)]


def test_a_from_line_inside_a_paragraph_does_not_split() -> None:
    data = b"From a Mon Jan  1 00:00:00 2024\nSubject: x\n\nbody\nFrom here, not a separator\n\n"
    assert _split(data) == [b"Subject: x\n\nbody\nFrom here, not a separator\n"]


def test_mboxrd_and_mboxo_unquote_differently() -> None:
    data = b"From a Mon Jan  1 00:00:00 2024\nS: x\n\n>From one\n>>From two\n"
    assert _split(data, "mboxrd") == [b"S: x\n\nFrom one\n>From two\n"]
    assert _split(data, "mboxo") == [b"S: x\n\nFrom one\n>>From two\n"]


def test_crlf_messages_keep_their_line_ends() -> None:
    data = (
        b"From a Mon Jan  1 00:00:00 2024\r\nS: x\r\n\r\nbody\r\n\r\n"
        b"From b Mon Jan  1 00:00:00 2024\r\nS: y\r\n"
    )
    assert _split(data) == [b"S: x\r\n\r\nbody\r\n", b"S: y\r\n"]


@pytest.mark.parametrize(
    "raw",
    [b"S: x\n\nno final newline", b"S: x\n\nFrom inside\n>From quoted\n\n\n", b"S: x\r\n\r\nFrom crlf\r\n"],
)
def test_our_export_entry_gives_back_the_exact_octets(raw: bytes) -> None:
    folders = (Folder(("Work", "a.b"), None), Folder(("Inbox",), "inbox"))
    when = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    entry = mbox.entry(raw, folders, ["$seen", "$flagged", "custom"], when)
    ((_, from_line, quoted),) = list(mbox.split(io.BytesIO(entry)))
    message = mbox.to_message(from_line, quoted, Folder(("Other",)), "ref")
    assert message.raw == raw
    assert message.folders == folders
    assert message.keywords == {"$seen", "$flagged", "custom"}
    assert message.received_at == when


def test_other_programs_see_status_headers_in_our_export() -> None:
    entry = mbox.entry(b"S: x\n\nb\n", [], ["$seen", "$answered", "$flagged", "$draft"], None)
    assert b"\nStatus: RO\n" in entry
    assert b"\nX-Status: AFT\n" in entry


def test_takeout_labels() -> None:
    labels = mbox.split_labels('Inbox,"a, b",Category Social,Unread,=?UTF-8?Q?caf=C3=A9?=,x/y')
    assert labels == ["Inbox", "a, b", "Category Social", "Unread", "café", "x/y"]
    folders, words = mbox.takeout(labels)
    assert [f.path for f in folders] == [("Inbox",), ("a, b",), ("café",), ("x", "y")]
    assert folders[0].role == "inbox"
    assert words == frozenset()  # Unread: not $seen
    assert mbox.takeout(["Opened", "Starred"]) == (
        (Folder(("Archive",), "archive"),),
        frozenset({"$seen", "$flagged"}),
    )


def test_imap_names_and_flags() -> None:
    assert decode_utf7("Caf&AOk-/&ZeVnLIqe-") == "Café/日本語"
    assert decode_utf7("Tom &- Jerry") == "Tom & Jerry"
    flags = keywords.from_imap(["\\Seen", "\\Recent", "\\Deleted", "$Forwarded", "Bad(word"])
    assert flags == {"$seen", DELETED, "$forwarded"}


def test_maildir_flags_and_names() -> None:
    assert keywords.from_maildir("DFPRSTab", {"a": "$label1", "b": "Work"}) == {
        "$draft", "$flagged", "$forwarded", "$answered", "$seen", DELETED, "$label1", "work",
    }  # fmt: skip
    for name in ("a.b", "50% off", "x/y"):
        assert decode_name(encode_name(name)) == name
        assert "." not in encode_name(name)


def test_the_key_is_octets_plus_folders() -> None:
    a, b = Folder(("A",)), Folder(("B",))
    assert message_key(b"x", (a, b)) == message_key(b"x", (b, a))
    assert message_key(b"x", (a,)) != message_key(b"x", (b,))
    assert message_key(b"x", (a,)) != message_key(b"y", (a,))


def test_the_progress_bar_shows_counts_octets_rate_and_time_left(capsys: pytest.CaptureFixture[str]) -> None:
    from mailx.migrate.progress import Progress

    with Progress("import alice", enabled=True, width=200) as progress:
        progress.start(10, 5000)
        progress.advance(4, 2000)
    err = capsys.readouterr().err
    assert "import alice" in err
    assert "4/10" in err
    assert "2.0 kB of 5.0 kB" in err
    assert "msg/s" in err
