"""Whole syncs against the fake server: the issue's scenarios, with requests counted.

Budget (issue 3): a first sync of N entries into an empty group takes at most ceil(N/50) + 3
requests; a repeat sync with nothing changed at most 2 and no write; with M items in the group and
no cache, reading costs at most ceil(M/100) + 2.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock
from zotero_fake import BASE_URL, GROUP_ID, READ_KEY, WRITE_KEY, FakeTime, FakeZotero, listing_keyed, note, preprint

from bibsync.mappings import load_mappings
from bibsync.model import Entry, Keyed, Person, Venue
from bibsync.zotero.cache import LibraryCache
from bibsync.zotero.client import AccessDenied, ApiKey, ServerUnavailable, ZoteroClient
from bibsync.zotero.items import load_style
from bibsync.zotero.plan import ActionKind
from bibsync.zotero.sync import SyncResult, run_sync

MAPPINGS = load_mappings()
STYLE = load_style()


class Runner:
    """Runs syncs the way the command does, with a cache folder that persists between runs."""

    def __init__(self, fake: FakeZotero, folder: Path, time: FakeTime) -> None:
        self.fake = fake
        self.cache_dir = folder / "cache"
        self.time = time

    def __call__(
        self, keyed: Sequence[Keyed], *, prune: bool = False, dry_run: bool = False, key: str = WRITE_KEY
    ) -> SyncResult:
        client = ZoteroClient(
            BASE_URL, GROUP_ID, ApiKey(key), sleep=self.time.sleep, clock=self.time.clock, rng=random.Random(5)
        )
        with client, LibraryCache(self.cache_dir, BASE_URL, GROUP_ID) as cache:
            return run_sync(keyed, MAPPINGS, STYLE, client, cache, prune=prune, dry_run=dry_run)

    def fresh_cache(self) -> None:
        self.cache_dir = self.cache_dir.with_name(self.cache_dir.name + "-new")


@pytest.fixture
def sync(fake: FakeZotero, tmp_path: Path, time: FakeTime) -> Runner:
    return Runner(fake, tmp_path, time)


def synthetic(count: int) -> tuple[Keyed, ...]:
    """``count`` distinct entries, for syncs of more than one batch."""
    return tuple(
        Keyed(
            f"author{n:03}2024topic",
            Entry(
                line=n + 1,
                category="LG",
                date=dt.date(2024, 1 + n % 12, 1 + n % 28),
                title=f"Topic number {n} in learning",
                authors=(Person(f"Author{n}", "Ann"), Person("Second", "Sam")),
                abstract=f"Abstract {n}.",
            ),
        )
        for n in range(count)
    )


def changed(keyed: Keyed, **fields: Any) -> Keyed:
    return dataclasses.replace(keyed, entry=dataclasses.replace(keyed.entry, **fields))


def assert_library_matches(fake: FakeZotero, keyed: Sequence[Keyed]) -> None:
    """Exactly one live item per entry, carrying its key: no duplicates, nothing missing.
    (Items without a citation key are people's, and not counted.)"""
    carried = sorted(data["citationKey"] for data in fake.regular() if data.get("citationKey"))
    assert carried == sorted(k.key for k in keyed)


# --- the request budget --------------------------------------------------------------------------


def test_first_sync_of_the_fixture_into_an_empty_group(fake: FakeZotero, sync: Runner) -> None:
    keyed = listing_keyed()
    result = sync(keyed)

    assert result.converged and (result.created, result.updated, result.failed) == (50, 0, 0)
    assert_library_matches(fake, keyed)
    assert len(fake.log) == result.requests == 2  # one read, one write
    assert len(fake.log) <= math.ceil(len(keyed) / 50) + 3
    assert [len(entry.body) for entry in fake.writes()] == [50]


def test_first_sync_of_many_entries_writes_full_batches(fake: FakeZotero, sync: Runner) -> None:
    keyed = synthetic(120)
    result = sync(keyed)
    assert result.converged and result.created == 120
    assert [len(entry.body) for entry in fake.writes()] == [50, 50, 20]
    assert len(fake.log) == 4 <= math.ceil(120 / 50) + 3
    assert_library_matches(fake, keyed)


def test_a_repeat_sync_is_one_request_and_writes_nothing(fake: FakeZotero, sync: Runner) -> None:
    keyed = listing_keyed()
    sync(keyed)
    before = len(fake.log)

    result = sync(keyed)

    repeat = fake.log[before:]
    assert result.converged and result.unchanged == 50 and result.created == result.updated == 0
    assert [(entry.method, entry.status) for entry in repeat] == [("GET", 304)]
    assert len(repeat) <= 2


def test_reading_m_items_without_a_cache(fake: FakeZotero, sync: Runner) -> None:
    keyed = listing_keyed()
    sync(keyed)
    for n in range(200):
        fake.add(preprint(f"Somebody else's paper {n}", tags=[{"tag": "theirs"}]))
    existing = len(fake.items)  # M = 250
    sync.fresh_cache()
    before = len(fake.log)

    result = sync(keyed)

    reads = fake.log[before:]
    assert result.converged and result.unchanged == 50
    assert all(entry.method == "GET" for entry in reads)
    assert len(reads) == 3 <= math.ceil(existing / 100) + 2


def test_a_changed_library_is_read_since_the_cached_version(fake: FakeZotero, sync: Runner) -> None:
    keyed = listing_keyed()
    sync(keyed)
    gone = fake.with_citation_key(keyed[0].key)[0]["key"]
    fake.delete(gone)
    fake.add(preprint("Somebody's new paper"))
    before = len(fake.log)

    result = sync(keyed)

    assert result.converged and result.created == 1 and result.unchanged == 49
    assert [(entry.method, entry.path.rsplit("/", 1)[-1]) for entry in fake.log[before:]] == [
        ("GET", "top"),
        ("GET", "deleted"),
        ("POST", "items"),
    ]
    assert fake.log[before].params["since"] == "50"
    assert_library_matches(fake, keyed)


# --- matching --------------------------------------------------------------------------------------


def test_a_changed_abstract_is_exactly_one_update_of_one_field(fake: FakeZotero, sync: Runner) -> None:
    keyed = list(listing_keyed())
    sync(keyed)
    keyed[7] = changed(keyed[7], abstract="A corrected abstract.")
    before = len(fake.writes())

    result = sync(keyed)

    (write,) = fake.writes()[before:]
    (patch,) = write.body
    assert set(patch) == {"key", "version", "abstractNote"}
    assert patch["abstractNote"] == "A corrected abstract."
    assert (result.updated, result.unchanged, result.created) == (1, 49, 0)
    assert fake.with_citation_key(keyed[7].key)[0]["abstractNote"] == "A corrected abstract."


def test_a_hand_added_item_is_adopted_not_duplicated(fake: FakeZotero, sync: Runner) -> None:
    keyed = listing_keyed()
    target = keyed[3]
    first = target.entry.authors[0]
    hand = fake.add(
        {
            "itemType": "journalArticle",
            "title": target.entry.title.upper(),
            "creators": [{"creatorType": "author", "firstName": first.given, "lastName": first.family}],
            "date": f"{target.entry.date:%B %Y}",
            "publicationTitle": "Somewhere",
            "tags": [{"tag": "reading-group"}],
        }
    )

    result = sync(keyed)

    assert result.converged and (result.created, result.updated) == (49, 1)
    assert_library_matches(fake, keyed)
    adopted = fake.data(hand)
    assert adopted["citationKey"] == target.key and adopted["itemType"] == "journalArticle"
    assert adopted["publicationTitle"] == "Somewhere"
    assert {"tag": "reading-group"} in adopted["tags"]
    assert {"tag": STYLE.created_tag} not in adopted["tags"]  # prune will never touch it


def test_a_better_bibtex_citation_key_line_is_matched(fake: FakeZotero, sync: Runner) -> None:
    keyed = listing_keyed()
    target = keyed[10]
    hand = fake.add(preprint("Title as somebody typed it", extra=f"Citation Key: {target.key.upper()}"))

    result = sync(keyed)

    assert result.converged and result.created == 49
    data = fake.data(hand)
    assert data["citationKey"] == target.key
    assert data["extra"].split("\n")[0] == f"Citation Key: {target.key.upper()}"  # kept as it was
    assert len(fake.regular()) == 50


def test_two_remote_items_for_one_entry_are_a_conflict_left_alone(fake: FakeZotero, sync: Runner) -> None:
    keyed = listing_keyed()
    target = keyed[0]
    twins = [fake.add(preprint(f"Copy {n}", citationKey=target.key)) for n in range(2)]
    versions = [fake.items[key].version for key in twins]

    result = sync(keyed)

    assert not result.converged
    (conflict,) = result.conflicts
    assert conflict.entry_key == target.key and conflict.item_keys == tuple(sorted(twins))
    assert [fake.items[key].version for key in twins] == versions
    assert result.created == 49


# --- people's edits --------------------------------------------------------------------------------


def test_an_update_leaves_peoples_tags_notes_collections_and_fields_alone(fake: FakeZotero, sync: Runner) -> None:
    keyed = list(listing_keyed())
    sync(keyed)
    key = fake.with_citation_key(keyed[5].key)[0]["key"]
    fake.edit(
        key,
        tags=[*fake.data(key)["tags"], {"tag": "must-read"}, {"tag": "auto", "type": 1}],
        collections=["COLL2345"],
        relations={"dc:relation": "http://zotero.org/groups/1/items/ABCD2345"},
        url="https://example.org/paper",
        language="en",
        extra="Reviewed by the group",
    )
    child = fake.add(note(key, "<p>Good paper</p>"))
    keyed[5] = changed(keyed[5], title="A Corrected Title", has_code=not keyed[5].entry.has_code)

    result = sync(keyed)

    data = fake.data(key)
    assert result.converged and result.updated == 1
    assert data["title"] == "A Corrected Title"
    assert {"tag": "must-read"} in data["tags"] and {"tag": "auto", "type": 1} in data["tags"]
    assert data["collections"] == ["COLL2345"]
    assert data["relations"] == {"dc:relation": "http://zotero.org/groups/1/items/ABCD2345"}
    assert (data["url"], data["language"]) == ("https://example.org/paper", "en")
    assert data["extra"].startswith("Reviewed by the group")
    assert fake.data(child)["note"] == "<p>Good paper</p>"
    assert fake.items[child].version < fake.items[key].version  # the note was not rewritten


def test_prune_trashes_only_items_bibsync_created_that_left_the_listing(fake: FakeZotero, sync: Runner) -> None:
    keyed = listing_keyed()
    sync(keyed)
    theirs = fake.add(preprint("Somebody's paper", citationKey="somebody2020"))
    kept = keyed[2:]

    plain = sync(kept)
    assert plain.converged and plain.trashed == 0 and len(fake.regular()) == 51

    pruned = sync(kept, prune=True)

    assert pruned.converged and pruned.trashed == 2
    assert_library_matches(fake, [*kept, Keyed("somebody2020", keyed[0].entry)])
    trashed = [data for data in fake.regular(trashed=True) if data.get("deleted")]
    assert sorted(data["citationKey"] for data in trashed) == sorted(k.key for k in keyed[:2])
    assert theirs in fake.items

    back = sync(keyed, prune=True)  # the entries return: their items come out of the trash
    assert back.converged and back.updated == 2 and len(fake.regular()) == 51


def test_a_dry_run_writes_nothing(fake: FakeZotero, sync: Runner) -> None:
    keyed = listing_keyed()
    result = sync(keyed, dry_run=True)

    assert result.dry_run and result.plan.count(ActionKind.CREATE) == 50
    assert fake.writes() == [] and fake.items == {}
    assert not sync.cache_dir.exists() or LibraryCache(sync.cache_dir, BASE_URL, GROUP_ID).load().version is None


# --- enriched entries ------------------------------------------------------------------------------

JOURNAL = Venue("journal", "Journal of Things", 2027, volume="3", issue="1", pages="10-30", publisher="JT Press")
PROCEEDINGS = Venue("proceedings", "Proceedings of Things", 2026, pages="5-9")


def enriched(keyed: Keyed, number: int, venue: Venue | None = None) -> Keyed:
    """``keyed`` as `bibsync enrich` leaves it (the key never changes)."""
    arxiv_id = f"2401.{number:05}"
    authors = keyed.entry.authors if not keyed.entry.truncated else (*keyed.entry.authors, Person("Added", "Ann"))
    return changed(
        keyed,
        doi=f"10.1000/things.{number}" if venue is not None else f"10.48550/arxiv.{arxiv_id}",
        arxiv_id=arxiv_id,
        arxiv_class="cs.LG",
        url=f"https://arxiv.org/abs/{arxiv_id}",
        venue=venue,
        authors=authors,
        truncated=False,
    )


def test_enriched_entries_keep_the_request_budget(fake: FakeZotero, sync: Runner) -> None:
    keyed = [enriched(one, n, (None, JOURNAL, PROCEEDINGS)[n % 3]) for n, one in enumerate(listing_keyed())]

    result = sync(keyed)

    assert result.converged and (result.created, result.failed) == (50, 0)
    assert len(fake.log) == 2  # one read, one write
    types = sorted({data["itemType"] for data in fake.regular()})
    assert types == ["conferencePaper", "journalArticle", "preprint"]
    before = len(fake.log)
    again = sync(keyed)
    assert again.converged and again.unchanged == 50
    assert [(entry.method, entry.status) for entry in fake.log[before:]] == [("GET", 304)]


def test_a_preprint_found_published_changes_type_and_keeps_peoples_work(fake: FakeZotero, sync: Runner) -> None:
    keyed = list(listing_keyed())
    keyed[4] = enriched(keyed[4], 4)  # first known as arXiv preprints
    keyed[6] = enriched(keyed[6], 6)
    sync(keyed)
    key = fake.with_citation_key(keyed[4].key)[0]["key"]
    assert fake.data(key)["archiveID"] == "arXiv:2401.00004" and fake.data(key)["repository"] == "arXiv"
    fake.edit(
        key,
        tags=[*fake.data(key)["tags"], {"tag": "must-read"}],
        extra="Discussed on 3 May",
        language="en",
        shortTitle="Short",
        collections=["COLL2345"],
    )
    child = fake.add(note(key, "<p>Good paper</p>"))
    unenriched = fake.with_citation_key(keyed[5].key)[0]["key"]
    fake.edit(unenriched, DOI="10.5555/typed.by.hand")
    keyed[4] = enriched(keyed[4], 4, JOURNAL)  # enrich finds the journal version
    keyed[6] = enriched(keyed[6], 6, PROCEEDINGS)  # no publisher known
    keyed[7] = enriched(keyed[7], 7, PROCEEDINGS)  # synced unenriched, now published too
    before = len(fake.log)

    result = sync(keyed)

    assert result.converged and (result.created, result.updated, result.failed) == (0, 3, 0)
    assert [(entry.method, entry.status) for entry in fake.log[before:]] == [
        ("GET", 200),
        ("GET", 200),
        ("POST", 200),
    ]
    assert_library_matches(fake, keyed)
    data = fake.data(key)
    assert data["itemType"] == "journalArticle" and data["key"] == key
    venue = (data["publicationTitle"], data["volume"], data["issue"], data["pages"])
    assert venue == ("Journal of Things", "3", "1", "10-30")
    assert data["publisher"] == "JT Press" and data["date"] == "2027" and data["DOI"] == "10.1000/things.4"
    assert "archiveID" not in data and "repository" not in data
    assert data["extra"] == "Discussed on 3 May\narXiv: 2401.00004"
    assert {"tag": "must-read"} in data["tags"] and {"tag": STYLE.created_tag} in data["tags"]
    assert (data["language"], data["shortTitle"], data["collections"]) == ("en", "Short", ["COLL2345"])
    assert fake.data(child)["note"] == "<p>Good paper</p>" and fake.data(child)["parentItem"] == key
    proceedings = fake.with_citation_key(keyed[7].key)[0]
    assert proceedings["itemType"] == "conferencePaper" and proceedings["proceedingsTitle"] == "Proceedings of Things"
    assert "publisher" not in proceedings
    # The server moved the preprint's repository ("arXiv") into publisher; bibsync cleared it.
    was_preprint = fake.with_citation_key(keyed[6].key)[0]
    assert was_preprint["itemType"] == "conferencePaper" and was_preprint["publisher"] == ""
    assert was_preprint["extra"] == "arXiv: 2401.00006" and was_preprint["DOI"] == "10.1000/things.6"
    assert fake.data(unenriched)["DOI"] == "10.5555/typed.by.hand"  # a person's DOI on an unenriched entry

    again = sync(keyed)
    assert again.converged and again.unchanged == 50 and again.requests == 1


def test_an_item_added_from_the_arxiv_page_is_adopted_not_duplicated(fake: FakeZotero, sync: Runner) -> None:
    keyed = list(listing_keyed())
    keyed[9] = enriched(keyed[9], 9)
    hand = fake.add(
        preprint(
            "A title somebody shortened",
            family="Nobody",
            archiveID="arXiv:2401.00009",
            repository="arXiv",
            url="http://arxiv.org/abs/2401.00009v2",
            extra="arXiv:2401.00009 [cs]",
            tags=[{"tag": "reading-group"}],
        )
    )

    result = sync(keyed)

    assert result.converged and (result.created, result.updated) == (49, 1)
    assert_library_matches(fake, keyed)
    data = fake.data(hand)
    assert data["citationKey"] == keyed[9].key and data["extra"] == "arXiv:2401.00009 [cs]"
    assert data["title"] == keyed[9].entry.title and {"tag": "reading-group"} in data["tags"]
    assert {"tag": STYLE.created_tag} not in data["tags"]


# --- reliability -----------------------------------------------------------------------------------


def test_rate_limits_and_backoff_are_honoured_without_sleeping(fake: FakeZotero, sync: Runner, time: FakeTime) -> None:
    fake.inject(method="GET", status=429, headers={"Retry-After": "7"})
    fake.inject(method="GET", backoff=4)
    fake.inject(method="POST", status=429)
    fake.inject(method="POST", status=503, headers={"Retry-After": "2"})
    keyed = synthetic(60)

    result = sync(keyed)

    assert result.converged and result.created == 60
    assert time.sleeps[:2] == [7.0, 4.0]
    assert 0.5 <= time.sleeps[2] <= 1 and time.sleeps[3] == 2.0
    assert_library_matches(fake, keyed)


@pytest.mark.parametrize("lost", [httpx.ReadTimeout, httpx.RemoteProtocolError])
def test_a_lost_answer_does_not_duplicate(fake: FakeZotero, sync: Runner, lost: type[Exception]) -> None:
    keyed = synthetic(70)
    fake.inject(method="POST", raise_after=lost)

    result = sync(keyed)

    assert result.converged and result.failed == 0
    assert_library_matches(fake, keyed)
    statuses = [entry.status for entry in fake.writes()]
    assert statuses == [None, 412, 200]  # committed but lost; the repeat refused; the second batch
    assert len({entry.headers["zotero-write-token"] for entry in fake.writes()[:2]}) == 1


def test_a_server_that_dies_after_committing_is_caught_up_with_next_run(fake: FakeZotero, sync: Runner) -> None:
    keyed = synthetic(30)
    fake.inject(method="POST", raise_after=httpx.ReadTimeout)
    fake.inject(method="POST", raise_before=httpx.ConnectError, times=10)
    with pytest.raises(ServerUnavailable):
        sync(keyed)
    assert_library_matches(fake, keyed)  # committed before the answers were lost

    result = sync(keyed)
    assert result.converged and result.created == 0 and result.unchanged == 30
    assert_library_matches(fake, keyed)


def test_a_412_in_mid_sync_refreshes_replans_and_retries(fake: FakeZotero, sync: Runner) -> None:
    keyed = list(synthetic(120))
    sync(keyed)
    someone = fake.with_citation_key(keyed[60].key)[0]["key"]
    keyed = [changed(k, abstract=k.entry.abstract + " Revised.") for k in keyed]

    def edit_in_zotero(server: FakeZotero) -> None:  # a person edits an item between batches
        server.edit(someone, tags=[*server.data(someone)["tags"], {"tag": "edited-meanwhile"}])

    fake.inject(method="POST", skip=1, before=edit_in_zotero)
    before = len(fake.log)

    result = sync(keyed)

    assert result.converged and result.updated == 120
    outcomes = [(entry.method, entry.status) for entry in fake.log[before:]]
    assert ("POST", 412) in outcomes
    assert {"tag": "edited-meanwhile"} in fake.data(someone)["tags"]
    assert fake.data(someone)["abstractNote"].endswith("Revised.")
    posted = [len(entry.body) for entry in fake.log[before:] if entry.method == "POST" and entry.status == 200]
    assert sum(posted) == 120  # every item updated exactly once


@pytest.mark.parametrize("after_batches", [0, 1, 2])
@pytest.mark.parametrize("where", ["raise_before", "raise_after"])
def test_an_interrupted_sync_resumed_converges_without_duplicates(
    fake: FakeZotero, sync: Runner, after_batches: int, where: str
) -> None:
    keyed = synthetic(130)
    fake.inject(method="POST", skip=after_batches, **{where: KeyboardInterrupt})
    with pytest.raises(KeyboardInterrupt):
        sync(keyed)

    result = sync(keyed)

    assert result.converged
    assert_library_matches(fake, keyed)
    assert sync(keyed).requests == 1  # and the cache is whole again


def test_a_server_answering_without_the_written_objects_is_read_back(httpx_mock: HTTPXMock, tmp_path: Path) -> None:
    older = FakeZotero(full_objects=False).install(httpx_mock)
    sync = Runner(older, tmp_path, FakeTime())
    keyed = synthetic(70)

    result = sync(keyed)

    assert result.converged and result.created == 70
    assert_library_matches(older, keyed)
    assert sync(keyed).requests == 1  # the cache holds what the answers left out


def test_an_update_the_server_finds_unchanged_is_not_sent_again(fake: FakeZotero, sync: Runner) -> None:
    keyed = list(synthetic(3))
    sync(keyed)
    keyed[1] = changed(keyed[1], abstract="New.")
    answer = {"successful": {}, "success": {}, "unchanged": {"0": "ANYKEY22"}, "failed": {}}
    fake.inject(method="POST", status=200, body=json.dumps(answer), headers={"Last-Modified-Version": "3"})
    before = len(fake.writes())

    result = sync(keyed)

    assert result.converged and result.updated == 0 and result.unchanged == 3
    assert len(fake.writes()) - before == 1


def test_per_object_failures_are_reported_with_the_servers_message(fake: FakeZotero, sync: Runner) -> None:
    fake._fields["preprint"].discard("citationKey")  # an older server schema
    keyed = synthetic(3)

    result = sync(keyed)

    assert not result.converged and result.failed == 3
    assert [failure.entry_key for failure in result.failures] == sorted(k.key for k in keyed)
    assert result.failures[0].message == "'citationKey' is not a valid field for type 'preprint'"


def test_403_stops_the_sync_with_one_sentence(fake: FakeZotero, sync: Runner) -> None:
    with pytest.raises(AccessDenied) as denied:
        sync(synthetic(2), key=READ_KEY)
    assert str(GROUP_ID) in str(denied.value) and "write access" in str(denied.value)
    assert fake.items == {}
