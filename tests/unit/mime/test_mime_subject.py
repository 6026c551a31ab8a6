"""Base subject for sorting and threading (RFC 5256 §2.1)."""

from __future__ import annotations

import pytest

from mailx.mime import base_subject


@pytest.mark.parametrize(
    ("subject", "base"),
    [
        ("Re: [list] Fwd: hello (fwd)", "hello"),
        ("hello", "hello"),
        ("Re: hello", "hello"),
        ("RE: Re: re: hello", "hello"),
        ("Fw: hello", "hello"),
        ("FWD: hello", "hello"),
        ("Re [2]: hello", "hello"),  # subj-refwd with a blob before the colon
        ("[list] hello", "hello"),
        ("[list] [tag] Re: hello", "hello"),
        ("[list]", "[list]"),  # removing the blob would leave nothing
        ("[a] [b]", "[b]"),
        ("[fwd: hello]", "hello"),
        ("[Fwd: Re: hello (fwd)]", "hello"),
        ("hello (fwd) (FWD)  ", "hello"),
        ("  hello \t world  ", "hello world"),
        ("Re:hello", "hello"),
        ("Reply: hello", "Reply: hello"),
        ("Re: ", ""),
        ("", ""),
    ],
)
def test_mime_base_subject(subject: str, base: str) -> None:
    assert base_subject(subject) == base
