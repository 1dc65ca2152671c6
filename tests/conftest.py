"""Shared fixtures: the real listing, a fixed 'today', and helpers to parse and export."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from pytest_httpx import HTTPXMock
from zotero_fake import FakeTime, FakeZotero

from bibsync.listing import ParsedListing, parse_listing
from bibsync.mappings import Mappings, load_mappings

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "fixtures" / "listing.txt"
GOLDEN = Path(__file__).resolve().parent / "golden"
AS_OF = dt.date(2026, 11, 26)  # the listing's "current year" for dates without one
UPDATE_GOLDEN = os.environ.get("BIBSYNC_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="session")
def mappings() -> Mappings:
    return load_mappings()


def parse(text: str, *, titles: tuple[str, ...] = (), as_of: dt.date = AS_OF) -> ParsedListing:
    return parse_listing(text, "listing.txt", as_of=as_of, particles=load_mappings().particles, titles=titles)


def check_golden(name: str, actual: str) -> None:
    """Compare with tests/golden/<name>; BIBSYNC_UPDATE_GOLDEN=1 rewrites it (then review the diff by eye)."""
    path = GOLDEN / name
    if UPDATE_GOLDEN:
        path.write_text(actual, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{name} differs from the golden file; review, then BIBSYNC_UPDATE_GOLDEN=1"


@pytest.fixture
def fake(httpx_mock: HTTPXMock) -> FakeZotero:
    """A stateful fake of the Zotero Web API serving every request httpx makes in the test."""
    return FakeZotero().install(httpx_mock)


@pytest.fixture
def time() -> FakeTime:
    """A clock for the sync's backoff: sleeping advances it, nothing really waits."""
    return FakeTime()
