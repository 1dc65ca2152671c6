"""Planning: matching listing entries to remote items, and patches that touch only bibsync's fields."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from bibsync.mappings import Mappings, load_mappings
from bibsync.model import Entry, Keyed, Person
from bibsync.zotero.items import RemoteItem, item_for, load_style
from bibsync.zotero.plan import ActionKind, citation_keys, make_plan

STYLE = load_style()


@pytest.fixture(scope="module")
def maps() -> Mappings:
    return load_mappings()


def keyed(key: str, title: str, family: str = "Doe", **changes: Any) -> Keyed:
    fields: dict[str, Any] = {
        "line": 1,
        "category": "LG",
        "date": dt.date(2023, 5, 23),
        "title": title,
        "authors": (Person(family, "Jane"), Person("Roe", "Rick")),
        "abstract": "Abstract.",
    }
    fields.update(changes)
    return Keyed(key, Entry(**fields))


def stored(key: str, data: dict[str, Any], version: int = 5) -> RemoteItem:
    """An item as the server returns it: its own key and version in data, tags sorted."""
    data = {**data, "key": key, "version": version, "collections": data.get("collections", [])}
    data["tags"] = sorted(data.get("tags", []), key=lambda tag: tag["tag"])
    return RemoteItem(key, version, data)


def ours(entry: Keyed, maps: Mappings, key: str, **changes: Any) -> RemoteItem:
    """The item bibsync created for ``entry``, possibly edited since."""
    return stored(key, {**item_for(entry, maps, STYLE), **changes})


def hand_made(key: str, title: str, family: str = "Doe", date: str = "May 2023", **fields: Any) -> RemoteItem:
    data = {
        "itemType": "journalArticle",
        "title": title,
        "creators": [{"creatorType": "author", "firstName": "J.", "lastName": family}],
        "date": date,
        "tags": [],
        **fields,
    }
    return stored(key, data)


def kinds(plan: Any) -> dict[str, ActionKind]:
    return {action.entry_key or action.item_keys[0]: action.kind for action in plan.actions}


def test_an_empty_library_gets_every_entry_created_in_key_order(maps: Mappings) -> None:
    entries = [keyed("b2023", "Bee"), keyed("a2023", "Ay")]
    plan = make_plan(entries, {}, maps, STYLE)
    assert [(a.kind, a.entry_key) for a in plan.actions] == [(ActionKind.CREATE, "a2023"), (ActionKind.CREATE, "b2023")]
    assert plan.actions[0].payload == item_for(entries[1], maps, STYLE)


def test_an_item_as_bibsync_wrote_it_is_unchanged_and_a_new_abstract_is_one_field(maps: Mappings) -> None:
    entry = keyed("doe2023", "Paper")
    same = make_plan([entry], {"AAAA2222": ours(entry, maps, "AAAA2222")}, maps, STYLE)
    assert kinds(same) == {"doe2023": ActionKind.UNCHANGED}

    corrected = dataclasses.replace(entry, entry=dataclasses.replace(entry.entry, abstract="Better."))
    plan = make_plan([corrected], {"AAAA2222": ours(entry, maps, "AAAA2222")}, maps, STYLE)
    (action,) = plan.actions
    assert action.kind is ActionKind.UPDATE
    assert action.payload == {"key": "AAAA2222", "version": 5, "abstractNote": "Better."}


@pytest.mark.parametrize(
    "line", ["Citation Key: Doe2023", "citation key:doe2023", "bibtex: DOE2023", "bibTeX: doe2023"]
)
def test_better_bibtex_lines_in_extra_match_case_insensitively(maps: Mappings, line: str) -> None:
    entry = keyed("doe2023", "Paper")
    remote = hand_made("BBBB3333", "A title people typed differently", extra=f"Some note\n{line}")
    (action,) = make_plan([entry], {"BBBB3333": remote}, maps, STYLE).actions
    assert action.kind is ActionKind.UPDATE and action.item_keys == ("BBBB3333",)
    assert action.payload is not None
    assert action.payload["citationKey"] == "doe2023"
    assert "extra" not in action.payload  # people's lines, Better BibTeX's included, stay as they are


def test_citation_keys_reads_the_native_field_and_extra() -> None:
    data = {"citationKey": "Native", "extra": "PMID: 1\nCitation Key: Legacy\nbibtex: old"}
    assert citation_keys(data) == {"native", "legacy", "old"}


def test_a_hand_added_item_is_adopted_by_title_year_and_first_author(maps: Mappings) -> None:
    entry = keyed(
        "casas2023faster",
        "Faster Matrices, by $3\\times$!",
        family="Casas",
        authors=(Person("Casas", "Bartolomé", particle="de las"),),
    )
    remote = hand_made(
        "CCCC4444",
        "faster matrices by 3×",
        family="Casas",
        tags=[{"tag": "to-read"}, {"tag": "auto", "type": 1}],
        collections=["COLL2345"],
        relations={"dc:relation": "x"},
        extra="Read in the reading group",
        publicationTitle="Journal of Things",
    )
    (action,) = make_plan([entry], {"CCCC4444": remote}, maps, STYLE).actions

    assert action.kind is ActionKind.UPDATE and "adopted" in action.detail
    payload = dict(action.payload or {})
    assert payload["citationKey"] == "casas2023faster"
    assert payload["tags"] == [{"tag": "auto", "type": 1}, {"tag": "to-read"}, {"tag": "bibsync:cs.LG"}]
    assert not {"extra", "collections", "relations", "publicationTitle", "itemType"} & set(payload)


def test_a_match_by_title_that_carries_another_key_is_a_conflict_not_a_rename(maps: Mappings) -> None:
    entry = keyed("doe2023paper", "Paper")
    remote = hand_made("DDDD5555", "Paper", citationKey="theirKey2023")
    (action,) = make_plan([entry], {"DDDD5555": remote}, maps, STYLE).actions
    assert action.kind is ActionKind.CONFLICT and "theirKey2023".lower() in action.detail


def test_two_items_with_the_key_or_the_title_are_a_conflict_that_changes_neither(maps: Mappings) -> None:
    entry = keyed("doe2023", "Paper")
    twins = {"EEEE6666": ours(entry, maps, "EEEE6666"), "FFFF7777": ours(entry, maps, "FFFF7777", title="x")}
    (action,) = make_plan([entry], twins, maps, STYLE).actions
    assert action.kind is ActionKind.CONFLICT and action.item_keys == ("EEEE6666", "FFFF7777")
    assert action.payload is None

    lookalikes = {"GGGG8888": hand_made("GGGG8888", "Paper"), "HHHH9999": hand_made("HHHH9999", "PAPER.")}
    (action,) = make_plan([entry], lookalikes, maps, STYLE).actions
    assert action.kind is ActionKind.CONFLICT and action.item_keys == ("GGGG8888", "HHHH9999")


def test_one_item_claimed_by_two_entries_belongs_to_neither(maps: Mappings) -> None:
    first, second = keyed("doe2023a", "Paper"), keyed("doe2023b", "Paper")
    plan = make_plan([first, second], {"JJJJ2222": hand_made("JJJJ2222", "Paper")}, maps, STYLE)
    assert kinds(plan) == {"doe2023a": ActionKind.CONFLICT, "doe2023b": ActionKind.CONFLICT}


def test_a_trashed_item_of_the_entry_comes_back_but_a_trashed_lookalike_is_not_adopted(maps: Mappings) -> None:
    entry = keyed("doe2023", "Paper")
    (restore,) = make_plan([entry], {"KKKK3333": ours(entry, maps, "KKKK3333", deleted=1)}, maps, STYLE).actions
    assert restore.kind is ActionKind.UPDATE and restore.payload == {"key": "KKKK3333", "version": 5, "deleted": 0}

    binned = hand_made("LLLL4444", "Paper", deleted=1)
    (create,) = make_plan([entry], {"LLLL4444": binned}, maps, STYLE).actions
    assert create.kind is ActionKind.CREATE


def test_an_update_replaces_bibsync_tags_and_lines_and_keeps_peoples(maps: Mappings) -> None:
    entry = keyed("doe2023", "Paper", truncated=True, has_code=True)
    remote = ours(
        entry,
        maps,
        "MMMM5555",
        tags=[{"tag": "bibsync:cs.CV"}, {"tag": "bibsync:created"}, {"tag": "important"}],
        extra="bibsync: an old bibsync line\nCitation Key: doe2023\nmy note",
        collections=["COLL2345"],
    )
    (action,) = make_plan([entry], {"MMMM5555": remote}, maps, STYLE).actions

    assert action.fields == ("extra", "tags")
    payload = dict(action.payload or {})
    assert payload["extra"] == f"Citation Key: doe2023\nmy note\n{STYLE.truncated_line}"
    assert payload["tags"] == [
        {"tag": "important"},
        {"tag": "bibsync:code"},
        {"tag": "bibsync:created"},
        {"tag": "bibsync:cs.LG"},
    ]


def test_peoples_extra_is_not_rewritten_when_bibsyncs_lines_are_right(maps: Mappings) -> None:
    entry = keyed("doe2023", "Paper")
    remote = ours(entry, maps, "MMMM5555", extra="my note\n\n")
    (action,) = make_plan([entry], {"MMMM5555": remote}, maps, STYLE).actions
    assert action.kind is ActionKind.UNCHANGED

    truncated = keyed("doe2023", "Paper", truncated=True)
    (action,) = make_plan([truncated], {"MMMM5555": remote}, maps, STYLE).actions
    assert action.payload is not None and action.payload["extra"] == f"my note\n{STYLE.truncated_line}"


def test_a_complete_author_list_is_not_replaced_by_the_listings_et_al(maps: Mappings) -> None:
    entry = keyed("doe2023", "Paper", truncated=True)
    full = [*item_for(entry, maps, STYLE)["creators"], {"creatorType": "author", "firstName": "Z", "lastName": "Zed"}]
    (action,) = make_plan([entry], {"NNNN6666": ours(entry, maps, "NNNN6666", creators=full)}, maps, STYLE).actions
    assert action.kind is ActionKind.UNCHANGED

    untruncated = keyed("doe2023", "Paper")
    remote = ours(untruncated, maps, "NNNN6666", creators=full)
    (action,) = make_plan([untruncated], {"NNNN6666": remote}, maps, STYLE).actions
    assert action.fields == ("creators",)


def test_prune_trashes_only_what_bibsync_created(maps: Mappings) -> None:
    kept, gone = keyed("doe2023", "Paper"), keyed("old2020", "Old paper")
    remote = {
        "PPPP2222": ours(kept, maps, "PPPP2222"),
        "QQQQ3333": ours(gone, maps, "QQQQ3333"),
        "RRRR4444": hand_made("RRRR4444", "Somebody's paper", citationKey="somebody2021"),
        "SSSS5555": ours(gone, maps, "SSSS5555", citationKey="trashed2019", deleted=1),
    }
    assert kinds(make_plan([kept], remote, maps, STYLE)) == {"doe2023": ActionKind.UNCHANGED}

    plan = make_plan([kept], remote, maps, STYLE, prune=True)
    assert kinds(plan) == {"doe2023": ActionKind.UNCHANGED, "old2020": ActionKind.TRASH}
    (trash,) = plan.of(ActionKind.TRASH)
    assert trash.payload == {"key": "QQQQ3333", "version": 5, "deleted": 1}


def test_an_item_the_schema_rejects_is_reported_not_sent(maps: Mappings) -> None:
    broken = dataclasses.replace(maps, entry_types={**maps.entry_types, "zotero": "magazine"})
    (action,) = make_plan([keyed("doe2023", "Paper")], {}, broken, STYLE).actions
    assert action.kind is ActionKind.INVALID and "magazine" in action.detail


def test_the_plan_does_not_depend_on_input_order(maps: Mappings) -> None:
    entries = [keyed(f"k{n:02}", f"Title {n}") for n in range(12)]
    remote = {f"AAAA22{n:02}": ours(entries[n], maps, f"AAAA22{n:02}", abstractNote="old") for n in range(0, 12, 3)}
    forward = make_plan(entries, remote, maps, STYLE, prune=True)
    backward = make_plan(entries[::-1], dict(reversed(remote.items())), maps, STYLE, prune=True)
    assert forward == backward
