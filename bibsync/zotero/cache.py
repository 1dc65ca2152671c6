"""The local copy of a remote Zotero library: its items and the library version they are current at.

One SQLite file in platformdirs' user cache directory (``XDG_CACHE_HOME`` moves it; ``--cache-dir``
overrides it) holds every library bibsync syncs, each keyed by API URL and group id. A sync reads
from the server only what changed since the cached version.

Every change is one transaction that stores items, deletions and the new version together, so a
crash or Ctrl-C leaves the copy as it was before the change or after it, never in between: the
version never claims items the cache does not hold.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self

from bibsync.zotero.items import RemoteItem

CACHE_FILE = "zotero-cache.sqlite3"
_SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS libraries (
    api_url TEXT NOT NULL,
    group_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (api_url, group_id)
);
CREATE TABLE IF NOT EXISTS items (
    api_url TEXT NOT NULL,
    group_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    version INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (api_url, group_id, key)
);
"""


def default_cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("bibsync", appauthor=False))


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The cached library: ``version`` is None when nothing is cached yet."""

    version: int | None
    items: Mapping[str, RemoteItem]


class Cache(Protocol):
    def load(self) -> Snapshot: ...
    def replace(self, version: int, items: Iterable[RemoteItem]) -> None: ...
    def update(self, version: int, changed: Iterable[RemoteItem], deleted: Iterable[str] = ()) -> None: ...


class LibraryCache:
    """The cached copy of one library (API URL + group). Use as a context manager, or call close()."""

    def __init__(self, directory: Path, api_url: str, group_id: int) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / CACHE_FILE
        self._api_url = api_url.rstrip("/")
        self._group_id = group_id
        # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE ... COMMIT) below.
        self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        try:
            self._prepare()
        except sqlite3.DatabaseError:
            # A cache is only a copy: a damaged one is thrown away and rebuilt from the server.
            self._db.close()
            for leftover in (self.path, *(self.path.with_name(self.path.name + end) for end in ("-wal", "-shm"))):
                leftover.unlink(missing_ok=True)
            self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self._prepare()

    def _prepare(self) -> None:
        self._db.execute("PRAGMA journal_mode=WAL")
        found = self._db.execute("PRAGMA user_version").fetchone()[0]
        if found not in (0, _SCHEMA_VERSION):
            self._db.executescript("DROP TABLE IF EXISTS libraries; DROP TABLE IF EXISTS items;")
        self._db.executescript(_SCHEMA)
        self._db.execute(f"PRAGMA user_version={_SCHEMA_VERSION}")

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def load(self) -> Snapshot:
        where = (self._api_url, self._group_id)
        row = self._db.execute("SELECT version FROM libraries WHERE api_url=? AND group_id=?", where).fetchone()
        if row is None:
            return Snapshot(None, {})
        rows = self._db.execute(
            "SELECT key, version, data FROM items WHERE api_url=? AND group_id=? ORDER BY key", where
        )
        items = {key: RemoteItem(key, version, json.loads(data)) for key, version, data in rows}
        return Snapshot(int(row[0]), items)

    def replace(self, version: int, items: Iterable[RemoteItem]) -> None:
        """Forget what was cached for this library and store ``items`` at ``version``."""
        self._write(version, items, (), clear=True)

    def update(self, version: int, changed: Iterable[RemoteItem], deleted: Iterable[str] = ()) -> None:
        """Store changed items and forget deleted ones, now current at ``version``."""
        self._write(version, changed, deleted, clear=False)

    def _write(self, version: int, changed: Iterable[RemoteItem], deleted: Iterable[str], *, clear: bool) -> None:
        where = (self._api_url, self._group_id)
        rows = [(*where, item.key, item.version, json.dumps(item.data, sort_keys=True)) for item in changed]
        gone = [(*where, key) for key in deleted]
        self._db.execute("BEGIN IMMEDIATE")
        try:
            if clear:
                self._db.execute("DELETE FROM items WHERE api_url=? AND group_id=?", where)
            self._db.executemany("DELETE FROM items WHERE api_url=? AND group_id=? AND key=?", gone)
            self._db.executemany("INSERT OR REPLACE INTO items VALUES (?, ?, ?, ?, ?)", rows)
            self._db.execute("INSERT OR REPLACE INTO libraries VALUES (?, ?, ?)", (*where, version))
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise


class MemoryCache:
    """A cache that keeps nothing between runs: for ``--dry-run``, which must write nothing."""

    def __init__(self, snapshot: Snapshot | None = None) -> None:
        self._version = snapshot.version if snapshot else None
        self._items = dict(snapshot.items) if snapshot else {}

    def load(self) -> Snapshot:
        return Snapshot(self._version, dict(self._items))

    def replace(self, version: int, items: Iterable[RemoteItem]) -> None:
        self._items = {item.key: item for item in items}
        self._version = version

    def update(self, version: int, changed: Iterable[RemoteItem], deleted: Iterable[str] = ()) -> None:
        for key in deleted:
            self._items.pop(key, None)
        self._items.update((item.key, item) for item in changed)
        self._version = version

    def close(self) -> None:
        pass
