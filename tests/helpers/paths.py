"""Where the repository and the test data sit, so a test file can move without recounting `parents[n]`."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TESTS = REPO / "tests"
EVENTS = TESTS / "events"  # real-shaped Lambda events
MIME_FIXTURES = TESTS / "fixtures" / "mime"  # golden messages: NAME.eml in, NAME.json out
