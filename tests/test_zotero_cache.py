"""The SQLite cache of remote libraries: where it lives, what it keys on, and crash safety."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bibsync.zotero.cache import CACHE_FILE, LibraryCache, MemoryCache, Snapshot, default_cache_dir
from bibsync.zotero.items import RemoteItem

API = "https://api.zotero.org"


def item(key: str, version: int, title: str = "T") -> RemoteItem:
    return RemoteItem(key, version, {"key": key, "version": version, "itemType": "preprint", "title": title})


def test_nothing_cached_means_no_version(tmp_path: Path) -> None:
    with LibraryCache(tmp_path, API, 1) as cache:
        assert cache.load() == Snapshot(None, {})


def test_items_and_version_survive_a_reopen_per_api_url_and_group(tmp_path: Path) -> None:
    with LibraryCache(tmp_path, API, 1) as cache:
        cache.replace(3, [item("AAAA2222", 2), item("BBBB3333", 3)])
        cache.update(5, [item("BBBB3333", 5, "new"), item("CCCC4444", 4)], deleted=["AAAA2222"])
    with LibraryCache(tmp_path, API + "/", 1) as cache:
        snapshot = cache.load()
    assert snapshot.version == 5
    assert sorted(snapshot.items) == ["BBBB3333", "CCCC4444"]
    assert snapshot.items["BBBB3333"].data["title"] == "new"
    with LibraryCache(tmp_path, API, 2) as other_group, LibraryCache(tmp_path, "http://self", 1) as other_server:
        assert other_group.load().version is None and other_server.load().version is None


def test_a_failed_write_changes_nothing(tmp_path: Path) -> None:
    with LibraryCache(tmp_path, API, 1) as cache:
        cache.replace(3, [item("AAAA2222", 3)])
        broken = RemoteItem(None, 4, {})  # type: ignore[arg-type]  # NOT NULL fails inside the transaction
        with pytest.raises(Exception, match="NOT NULL"):
            cache.update(4, [item("BBBB3333", 4), broken], deleted=["AAAA2222"])
        assert cache.load() == Snapshot(3, {"AAAA2222": item("AAAA2222", 3)})


def test_a_damaged_cache_file_is_rebuilt(tmp_path: Path) -> None:
    (tmp_path / CACHE_FILE).write_bytes(b"this is not a database" * 100)
    with LibraryCache(tmp_path, API, 1) as cache:
        assert cache.load().version is None
        cache.replace(1, [item("AAAA2222", 1)])
        assert cache.load().version == 1


@pytest.mark.skipif(sys.platform != "linux", reason="XDG_CACHE_HOME is a Linux convention")
def test_the_default_folder_follows_xdg_cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "bibsync"


def test_the_memory_cache_writes_nowhere() -> None:
    cache = MemoryCache(Snapshot(2, {"AAAA2222": item("AAAA2222", 2)}))
    cache.update(3, [item("BBBB3333", 3)], deleted=["AAAA2222"])
    assert cache.load() == Snapshot(3, {"BBBB3333": item("BBBB3333", 3)})
