"""Query values as the index reads them: words, the last word as a prefix, phrases (mailx.search.query)."""

from __future__ import annotations

from mailx.search import query
from mailx.search.terms import ALL_FIELDS, FIELDS

FIELDS_OF_MAIL = {"subject": "Invoice 42 for Café Nord", "from": "Bob <bob@example.org>",
                  "body": "Total due: 99 EUR. Thanks!", "to": "", "cc": "", "bcc": "",
                  "attachments": "rechnung.pdf"}  # fmt: skip


def test_the_last_unquoted_word_is_a_prefix() -> None:
    parsed = query.parse("total invoi")
    assert parsed.terms == {"total"} and parsed.prefixes == {"invoi"}
    assert query.matches(parsed, FIELDS_OF_MAIL, ALL_FIELDS)
    assert not query.matches(query.parse("invoi total"), FIELDS_OF_MAIL, ALL_FIELDS)  # not a prefix there


def test_a_one_letter_last_word_is_exact() -> None:
    assert query.parse("x").terms == {"x"} and not query.parse("x").prefixes


def test_quoted_phrases_must_be_in_a_row() -> None:
    assert query.matches(query.parse('"due: 99"'), FIELDS_OF_MAIL, ALL_FIELDS)
    assert not query.matches(query.parse('"99 due"'), FIELDS_OF_MAIL, ALL_FIELDS)
    assert query.parse('"due 99"').phrases == (query.Phrase(("due", "99")),)


def test_a_word_of_several_tokens_is_a_phrase() -> None:
    assert query.matches(query.parse("bob@example"), FIELDS_OF_MAIL, FIELDS["from"])
    assert not query.matches(query.parse("example@bob"), FIELDS_OF_MAIL, FIELDS["from"])


def test_fields_are_respected_and_folding_applies_to_queries() -> None:
    assert query.matches(query.parse("CAFE"), FIELDS_OF_MAIL, FIELDS["subject"])
    assert not query.matches(query.parse("cafe"), FIELDS_OF_MAIL, FIELDS["body"])
    assert query.matches(query.parse("rechnung"), FIELDS_OF_MAIL, ALL_FIELDS)
    assert not query.matches(query.parse("rechnung"), FIELDS_OF_MAIL, FIELDS["body"])


def test_cjk_queries_match_by_bigrams_and_single_characters() -> None:
    fields = {"body": "明日は東京都で会議があります"}
    assert query.matches(query.parse("東京都"), fields, ALL_FIELDS)
    assert query.matches(query.parse("会議"), fields, ALL_FIELDS)
    assert query.matches(query.parse("都"), fields, ALL_FIELDS)
    assert not query.matches(query.parse("京東"), fields, ALL_FIELDS)


def test_an_empty_value_matches_everything() -> None:
    assert query.parse("  ").empty and query.matches(query.parse(""), FIELDS_OF_MAIL, ALL_FIELDS)


def test_highlight_spans_cover_matching_words_in_the_original_text() -> None:
    text = "Le CAFÉ est ouvert; café crème"
    spans = query.highlight_spans([query.parse("cafe cre")], text)
    assert [text[a:b] for a, b in spans] == ["CAFÉ", "café", "crème"]
