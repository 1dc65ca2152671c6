"""Against the real api.zotero.org: runs only with ZOTERO_API_KEY and ZOTERO_TEST_GROUP set.

Use a throwaway group: the test creates three items with unique citation keys, syncs them again,
trashes them with --prune semantics, and deletes them at the end. pyzotero, an independent client,
checks what the server holds.

    ZOTERO_API_KEY=... ZOTERO_TEST_GROUP=123456 pytest tests/test_sync_live.py -m live
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bibsync.mappings import load_mappings
from bibsync.model import Entry, Keyed, Person
from bibsync.zotero.cache import LibraryCache
from bibsync.zotero.client import DEFAULT_API_URL, ApiKey, ZoteroClient
from bibsync.zotero.items import load_style
from bibsync.zotero.sync import SyncResult, run_sync

KEY = os.environ.get("ZOTERO_API_KEY", "")
GROUP = os.environ.get("ZOTERO_TEST_GROUP", "")
API_URL = os.environ.get("ZOTERO_API_URL", DEFAULT_API_URL)

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not (KEY and GROUP.isdigit()), reason="needs ZOTERO_API_KEY and ZOTERO_TEST_GROUP"),
]


@pytest.fixture
def entries() -> tuple[Keyed, ...]:
    run = uuid.uuid4().hex[:10]
    return tuple(
        Keyed(
            f"bibsynclive{run}{n}",
            Entry(
                line=n + 1,
                category="LG",
                date=dt.date(2024, 3, n + 1),
                title=f"bibsync live test {run} paper {n}",
                authors=(Person("Tester", "Ada"),),
                truncated=n == 0,
                organisations=("bibsync-live",),
                abstract=f"Made by tests/test_sync_live.py, run {run}; safe to delete.",
            ),
        )
        for n in range(3)
    )


@pytest.fixture
def reader() -> Any:
    from pyzotero import zotero

    library = zotero.Zotero(GROUP, "group", KEY)
    library.endpoint = API_URL
    return library


@pytest.fixture
def cleanup(reader: Any, entries: tuple[Keyed, ...]) -> Iterator[None]:
    yield
    keys = {k.key for k in entries}
    mine = [
        item for item in reader.everything(reader.items(includeTrashed=1)) if item["data"].get("citationKey") in keys
    ]
    if mine:
        reader.delete_item(mine, last_modified=reader.last_modified_version())


def sync(entries: tuple[Keyed, ...], cache_dir: Path, *, prune: bool = False) -> SyncResult:
    with (
        ZoteroClient(API_URL, int(GROUP), ApiKey(KEY)) as client,
        LibraryCache(cache_dir, API_URL, int(GROUP)) as cache,
    ):
        return run_sync(entries, load_mappings(), load_style(), client, cache, prune=prune)


@pytest.mark.usefixtures("cleanup")
def test_live_sync_creates_repeats_and_prunes(tmp_path: Path, entries: tuple[Keyed, ...], reader: Any) -> None:
    first = sync(entries, tmp_path)
    assert first.converged and first.created == 3, first.failures

    held = {
        item["data"]["citationKey"]: item["data"]
        for item in reader.everything(reader.top())
        if item["data"].get("citationKey", "").startswith("bibsynclive")
    }
    for one in entries:
        data = held[one.key]
        assert data["itemType"] == "preprint" and data["title"] == one.entry.title
        assert {"tag": "bibsync:bibsync-live"} in data["tags"]

    again = sync(entries, tmp_path)
    assert again.converged and again.unchanged == 3 and again.requests <= 2

    pruned = sync(entries[1:], tmp_path, prune=True)
    assert pruned.converged and pruned.trashed == 1
