"""Make a Zotero group library match the listing: read what changed, plan, write in batches, converge.

The protocol, and why it never duplicates an item:

1. Read. With a cached library version V, one conditional request asks for the items changed since V
   (304: nothing did), then the deletions since V. Without a cache, the whole library, 100 a page.
2. Plan (:mod:`bibsync.zotero.plan`).
3. Write in batches of 50, each with ``If-Unmodified-Since-Version`` set to the library version the
   plan was made from, and a write token. The server refuses (412) a batch if anything changed the
   library since, so the plan is never applied to a library it was not made from; the answer's
   ``Last-Modified-Version`` and objects bring the cache up to date without another read.
4. On a 412 (someone else wrote, or a batch whose answer was lost was in fact committed), read what
   changed since the cached version and plan again: items a lost answer created are now seen and
   matched by citation key, not sent a second time. Per-object failures are reported, except a
   per-object 412, which is retried after the refresh.

The cache is updated in one transaction per read or write, so an interruption at any point leaves it
true to some past state of the library, and the next run picks up from there.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bibsync.mappings import Mappings
from bibsync.model import Keyed
from bibsync.zotero.cache import Cache, MemoryCache
from bibsync.zotero.client import WRITE_LIMIT, PreconditionFailed, WriteResult, ZoteroClient, ZoteroError
from bibsync.zotero.items import ItemStyle, RemoteItem
from bibsync.zotero.plan import Action, ActionKind, Plan, make_plan

MAX_ROUNDS = 6  # plan-and-write rounds before giving up on a library that keeps changing
MAX_READS = 3  # attempts at a consistent read of a library that changes while it is read

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (objects written so far, objects to write)


@dataclass(frozen=True, slots=True)
class Failure:
    """An entry (or pruned item) that could not be written, with the server's message."""

    entry_key: str
    item_key: str
    message: str


@dataclass(frozen=True, slots=True)
class SyncResult:
    plan: Plan  # the plan as first made (what --dry-run shows)
    created: int = 0
    updated: int = 0
    trashed: int = 0
    unchanged: int = 0
    conflicts: tuple[Action, ...] = ()
    failures: tuple[Failure, ...] = ()
    converged: bool = False
    requests: int = 0
    dry_run: bool = False

    @property
    def failed(self) -> int:
        return len(self.failures)


@dataclass
class _Library:
    """The library as this run knows it: exactly the server's state at ``version``."""

    version: int | None
    items: dict[str, RemoteItem] = field(default_factory=dict)


def run_sync(
    keyed: Sequence[Keyed],
    mappings: Mappings,
    style: ItemStyle,
    client: ZoteroClient,
    cache: Cache,
    *,
    prune: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> SyncResult:
    """Sync ``keyed`` into the client's group. Raises :class:`ZoteroError` when the server cannot
    be used at all (403, unreachable); everything else is in the result."""
    snapshot = cache.load()
    if dry_run:
        cache = MemoryCache(snapshot)  # a dry run reads, and keeps what it read to itself
    library = _Library(snapshot.version, dict(snapshot.items))
    _refresh(client, cache, library)

    def plan_now() -> Plan:
        return make_plan(keyed, library.items, mappings, style, prune=prune)

    plan = first_plan = plan_now()
    if dry_run:
        problems = first_plan.of(ActionKind.CONFLICT) + first_plan.of(ActionKind.INVALID)
        return SyncResult(
            plan=first_plan,
            created=first_plan.count(ActionKind.CREATE),
            updated=first_plan.count(ActionKind.UPDATE),
            trashed=first_plan.count(ActionKind.TRASH),
            unchanged=first_plan.count(ActionKind.UNCHANGED),
            conflicts=first_plan.of(ActionKind.CONFLICT),
            failures=tuple(_invalid_failures(first_plan).values()),
            converged=not problems and not first_plan.writes,
            requests=client.requests,
            dry_run=True,
        )

    run = _Run(library, cache)
    for _round in range(MAX_ROUNDS):
        pending = [action for action in plan.writes if _ident(action) not in run.finished]
        if not pending:
            break
        if run.write(client, pending, progress):
            _refresh(client, cache, library, full=run.reread_all)
            run.reread_all = False
        plan = plan_now()
    else:
        for action in plan.writes:
            if _ident(action) not in run.finished:
                run.failures[_ident(action)] = Failure(
                    action.entry_key, _item_key(action), "the library kept changing during the sync"
                )

    failures = {**_invalid_failures(plan), **run.failures}
    conflicts = plan.of(ActionKind.CONFLICT)
    unsettled = [action for action in plan.writes if _ident(action) not in run.finished]
    unchanged = sum(1 for action in plan.of(ActionKind.UNCHANGED) if _ident(action) not in run.written)
    return SyncResult(
        plan=first_plan,
        created=run.done[ActionKind.CREATE],
        updated=run.done[ActionKind.UPDATE],
        trashed=run.done[ActionKind.TRASH],
        unchanged=unchanged + len(run.settled),
        conflicts=conflicts,
        failures=tuple(failures[key] for key in sorted(failures)),
        converged=not conflicts and not failures and not unsettled,
        requests=client.requests,
    )


class _Run:
    """The writes of one sync, and what came of them."""

    def __init__(self, library: _Library, cache: Cache) -> None:
        self.library = library
        self.cache = cache
        self.done: Counter[ActionKind] = Counter()
        self.written: set[tuple[str, str]] = set()  # confirmed by the server
        self.settled: set[tuple[str, str]] = set()  # the server found nothing to change
        self.failures: dict[tuple[str, str], Failure] = {}  # refused for good
        self.reread_all = False  # an item's version was not what the cache said

    @property
    def finished(self) -> set[tuple[str, str]]:
        """Actions not to send again in this run (written ones drop out of the plan by themselves)."""
        return self.settled | set(self.failures)

    def write(self, client: ZoteroClient, pending: Sequence[Action], progress: Progress | None) -> bool:
        """Send ``pending`` in batches; True when the library must be read again before going on."""
        total = len(pending)
        for start in range(0, total, WRITE_LIMIT):
            batch = pending[start : start + WRITE_LIMIT]
            assert self.library.version is not None  # a refresh always sets it
            try:
                result = client.write_items([action.payload or {} for action in batch], self.library.version)
            except PreconditionFailed as error:
                log.info("the library changed (%s); reading the changes and planning again", error)
                return True
            stale = self._apply(result, batch)
            if progress is not None:
                progress(start + len(batch), total)
            if stale:
                return True
        return False

    def _apply(self, result: WriteResult, batch: Sequence[Action]) -> bool:
        changed: list[RemoteItem] = []
        stale = False
        for index, action in enumerate(batch):
            ident = _ident(action)
            if index in result.success:
                self.done[action.kind] += 1
                self.written.add(ident)
                if index in result.successful:
                    changed.append(result.successful[index])
                else:
                    stale = True  # written, but the answer left the item out: read it back
            elif index in result.unchanged:
                # The server holds the value in a form bibsync compares as different: sending the
                # patch again in this run would change nothing either.
                self.settled.add(ident)
            elif index in result.failed:
                failure = result.failed[index]
                if failure.code == 412:
                    stale = self.reread_all = True
                else:
                    self.failures[ident] = Failure(action.entry_key, failure.key or _item_key(action), failure.message)
            else:
                stale = True  # the answer does not say what became of it: read it back
        library = self.library
        library.items.update((item.key, item) for item in changed)
        if result.version is not None and not stale:
            library.version = result.version
        else:
            # Keep the old version, so the next read (since it) brings what the answer left out.
            stale = True
        assert library.version is not None
        self.cache.update(library.version, changed)
        return stale


def _refresh(client: ZoteroClient, cache: Cache, library: _Library, *, full: bool = False) -> None:
    """Bring ``library`` (and the cache) up to the server's current state."""
    for _attempt in range(MAX_READS):
        since = None if full or library.version is None else library.version
        read = client.read_items(since)
        if read is None:
            return  # 304: nothing changed since the cached version
        if since is not None and read.version < since:
            full = True  # the library went back in time (restored from a backup): start over
            continue
        if not read.consistent:
            continue  # the library changed between pages: a page may have missed an item
        if since is None:
            library.items = {item.key: item for item in read.items}
            library.version = read.version
            cache.replace(read.version, read.items)
            return
        deleted, _ = client.read_deleted(since)
        for key in deleted:
            library.items.pop(key, None)
        library.items.update((item.key, item) for item in read.items)
        library.version = read.version
        cache.update(read.version, read.items, sorted(deleted))
        return
    raise ZoteroError("the library kept changing while bibsync read it; try again in a moment")


def _ident(action: Action) -> tuple[str, str]:
    if action.kind is ActionKind.TRASH:
        return ("", _item_key(action))
    return (action.entry_key, "")


def _item_key(action: Action) -> str:
    return action.item_keys[0] if action.item_keys else ""


def _invalid_failures(plan: Plan) -> dict[tuple[str, str], Failure]:
    return {
        _ident(action): Failure(action.entry_key, _item_key(action), f"not valid for Zotero: {action.detail}")
        for action in plan.of(ActionKind.INVALID)
    }
