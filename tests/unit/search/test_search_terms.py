"""Tokens of the full-text index: folding, CJK bigrams, field masks (mailx.search.terms)."""

from __future__ import annotations

from mailx.search import terms


def test_folding_removes_case_and_diacritics() -> None:
    assert terms.tokens("Café CRÈME Straße naïve Ångström") == [
        "cafe",
        "creme",
        "strasse",
        "naive",
        "angstrom",
    ]


def test_words_split_on_punctuation_and_addresses() -> None:
    assert terms.tokens("Bob <bob@example.org>, re:invoice_42") == ["bob", "bob", "example", "org", "re",
                                                                      "invoice", "42"]  # fmt: skip


def test_cjk_runs_become_bigrams_and_the_index_keeps_the_last_character() -> None:
    assert terms.tokens("東京都に行く") == ["東京", "京都", "都に", "に行", "行く"]
    indexed = terms.doc_terms({"body": "東京都"})
    assert set(indexed) == {"東京", "京都", "都"}
    assert terms.tokens("会議 meeting 会") == ["会議", "meeting", "会"]


def test_field_masks_record_where_each_term_occurs() -> None:
    masks = terms.doc_terms({"subject": "Invoice", "body": "the invoice total", "from": "Ann <ann@x.org>"})
    assert masks["invoice"] == terms.FIELDS["subject"] | terms.FIELDS["body"]
    assert masks["ann"] == terms.FIELDS["from"]
    assert masks["total"] == terms.FIELDS["body"]


def test_very_long_tokens_are_cut() -> None:
    [token] = terms.tokens("a" * 500)
    assert token == "a" * terms.MAX_TERM
