"""Every error wire name we define is in RFC 8620/8621 (or an extension we implement: RFC 9404), and every
name they define is ours."""

from __future__ import annotations

import re
from pathlib import Path

from mailx.protocol import errors

# The RFC texts the wire names are checked against, kept unchanged in the repository.
REFERENCE = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "rfc"

_PAGE_FURNITURE = re.compile(r"^(RFC 862[01] .*|Jenkins & Newman .*\[Page \d+\])$")
# Extensions implemented here, whose error codes are IANA registrations rather than prose lists.
EXTENSIONS = ("rfc9404.txt",)
_SECTION = re.compile(r"^\d+(\.\d+)*\.\s")
# An item in an error list: `"name": text` (RFC 8620 style) or `o  "name": ...` / `o  "name" - ...`.
_ITEM = re.compile(r'^   (?:o  )?"([a-z][A-Za-z]+)"(?::| -) ')
_LEAD_IN = re.compile(r"following .*error", re.IGNORECASE | re.DOTALL)
_REGISTRY = re.compile(r"JMAP Error Code:\s+([a-z][A-Za-z]+)")
_PROSE_SET_ERROR = re.compile(r'with an? "([a-z][A-Za-z]+)"\s+SetError')


def _paragraphs(text: str) -> list[list[str]]:
    lines = [ln for ln in text.replace("\f", "\n").splitlines() if not _PAGE_FURNITURE.match(ln)]
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    return [p for p in paragraphs if p]


def extract_error_lists(text: str) -> tuple[set[str], set[str]]:
    """(method-level names, SetError names) from the lists each RFC introduces in prose.

    A list starts after a paragraph like "The following additional errors may be returned" or
    "The following extra SetError types are defined:", and runs over items (`"name": ...`),
    "For "create":" sub-headings and indented continuations until the next ordinary paragraph
    or section heading.
    """
    method: set[str] = set()
    set_errors: set[str] = set()
    mode: set[str] | None = None
    for paragraph in _paragraphs(text):
        first = paragraph[0]
        item = _ITEM.match(first)
        if _SECTION.match(first):
            mode = None
        elif item:
            if mode is not None:
                mode.add(item.group(1))
        elif first.startswith("   ") and not first.startswith("    ") and not first.startswith('   For "'):
            joined = " ".join(line.strip() for line in paragraph)
            mode = None
            if _LEAD_IN.search(joined) and joined.endswith(":"):
                mode = set_errors if "SetError" in joined else method
    return method, set_errors


def _read(name: str) -> str:
    return (REFERENCE / name).read_text(encoding="utf-8")


def _rfc_names() -> tuple[set[str], set[str], set[str]]:
    method: set[str] = set()
    set_errors: set[str] = set()
    registry: set[str] = set()
    for name in ("rfc8620.txt", "rfc8621.txt"):
        text = _read(name)
        found_method, found_set = extract_error_lists(text)
        method |= found_method
        set_errors |= found_set
        registry |= set(_REGISTRY.findall(text))
        set_errors |= set(_PROSE_SET_ERROR.findall(re.sub(r"\s+", " ", text)))
    return method, set_errors, registry


def _extension_method_errors() -> set[str]:
    """Error codes the extension RFCs register (RFC 9404 §6.2: unknownDataType, a method error, §4.3)."""
    return {code for name in EXTENSIONS for code in _REGISTRY.findall(_read(name))}


def test_the_extraction_finds_the_lists() -> None:
    # A guard on the extractor itself: a handful of names from different sections must show up.
    method, set_errors, registry = _rfc_names()
    assert {"serverUnavailable", "unknownMethod", "requestTooLarge", "tooManyChanges"} <= method
    assert {"forbidden", "invalidPatch", "alreadyExists", "mailboxHasChild", "cannotUnsend"} <= set_errors
    assert {"accountNotFound", "invalidProperties", "forbiddenToSend"} <= registry


def test_method_error_names_match_the_rfcs() -> None:
    method, _, _ = _rfc_names()
    assert method | _extension_method_errors() == errors.METHOD_ERROR_TYPES


def test_rfc_9404_unknown_data_type_is_a_method_error() -> None:
    # Given RFC 9404's registration, when Blob/lookup names a type it cannot look in (§4.3)
    assert _extension_method_errors() == {"unknownDataType"}
    # Then the protocol layer knows it as a method-level error, under its exact wire name
    assert errors.UNKNOWN_DATA_TYPE == "unknownDataType"
    assert errors.UNKNOWN_DATA_TYPE in errors.METHOD_ERROR_TYPES
    wire = errors.MethodError(errors.UNKNOWN_DATA_TYPE, "no such type").to_response_args()
    assert wire == {"type": "unknownDataType", "description": "no such type"}


def test_set_error_names_match_the_rfcs() -> None:
    _, set_errors, _ = _rfc_names()
    assert set_errors == errors.SET_ERROR_TYPES


def test_every_registered_error_code_is_defined_and_every_defined_one_is_in_an_rfc() -> None:
    method, set_errors, registry = _rfc_names()
    # The §9.5.3 registry also holds the request-level names (all but `limit`, see the fact sheet).
    request_level = {urn.removeprefix(errors.ERROR_URN_PREFIX) for urn in errors.REQUEST_ERROR_TYPES}
    ours = errors.METHOD_ERROR_TYPES | errors.SET_ERROR_TYPES
    assert registry <= ours | request_level
    assert ours <= method | set_errors | registry | _extension_method_errors()


def test_request_level_error_types_match_rfc_8620() -> None:
    found = set(re.findall(r"urn:ietf:params:jmap:error:([A-Za-z]+)", _read("rfc8620.txt")))
    assert {urn.removeprefix(errors.ERROR_URN_PREFIX) for urn in errors.REQUEST_ERROR_TYPES} == found


def test_every_constant_is_in_its_tier() -> None:
    # Each module-level name constant must be listed in one of the three frozensets.
    constants = {
        value
        for name, value in vars(errors).items()
        if name.isupper() and isinstance(value, str) and name != "ERROR_URN_PREFIX"
    }
    tiers = errors.METHOD_ERROR_TYPES | errors.SET_ERROR_TYPES | errors.REQUEST_ERROR_TYPES
    assert constants == tiers
