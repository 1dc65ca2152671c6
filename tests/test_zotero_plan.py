"""Planning: matching listing entries to remote items, and patches that touch only bibsync's fields."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from bibsync.mappings import Mappings, load_mappings
from bibsync.model import Entry, Keyed, Person, Venue
from bibsync.zotero.items import RemoteItem, item_for, load_style, validate_item
from bibsync.zotero.plan import ActionKind, citation_keys, make_plan, remote_identifiers

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


# --- enriched entries: owned fields, identifiers, type changes ------------------------------------

ARXIV = "2203.15556"
JOURNAL = Venue("journal", "Journal of Things", 2024, volume="7", pages="1-9")
PROCEEDINGS = Venue("proceedings", "Proceedings of Things", 2023)


def enrich(entry: Keyed, venue: Venue | None = None, **changes: Any) -> Keyed:
    fields: dict[str, Any] = {
        "doi": "10.1000/things.42",
        "arxiv_id": ARXIV,
        "url": f"https://arxiv.org/abs/{ARXIV}",
        "venue": venue,
        "authors": (*entry.entry.authors[:2], Person("Zed", "Zoe")),  # the full list
        "truncated": False,
        **changes,
    }
    return dataclasses.replace(entry, entry=dataclasses.replace(entry.entry, **fields))


def test_a_doi_typed_by_hand_survives_updates_of_an_unenriched_entry(maps: Mappings) -> None:
    entry = keyed("doe2023", "Paper")
    remote = {"AAAA2222": ours(entry, maps, "AAAA2222", DOI="10.5555/typed.by.hand", url="https://x.org")}
    assert kinds(make_plan([entry], remote, maps, STYLE)) == {"doe2023": ActionKind.UNCHANGED}

    corrected = dataclasses.replace(entry, entry=dataclasses.replace(entry.entry, abstract="Better."))
    (action,) = make_plan([corrected], remote, maps, STYLE).actions
    assert action.payload == {"key": "AAAA2222", "version": 5, "abstractNote": "Better."}


def test_an_enriched_entry_owns_the_identifiers_it_has_values_for(maps: Mappings) -> None:
    entry = keyed("doe2023", "Paper")
    remote = {"AAAA2222": ours(entry, maps, "AAAA2222", DOI="10.1000/old", language="en")}
    (action,) = make_plan([enrich(entry, url="")], remote, maps, STYLE).actions

    payload = dict(action.payload or {})
    assert payload["DOI"] == "10.1000/things.42"
    assert (payload["archiveID"], payload["repository"]) == (f"arXiv:{ARXIV}", "arXiv")
    assert "url" not in payload and "language" not in payload and "itemType" not in payload
    assert len(payload["creators"]) == 3


@pytest.mark.parametrize(
    "where",
    [
        {"DOI": "https://doi.org/10.1000/THINGS.42"},
        {"DOI": "doi:10.1000/things.42"},
        {"extra": "Read it\nDOI: 10.1000/Things.42"},
        {"archiveID": f"arXiv:{ARXIV}v2"},
        {"url": f"https://arxiv.org/abs/{ARXIV}v1"},
        {"url": f"http://arxiv.org/pdf/{ARXIV}v3.pdf"},
        {"extra": f"arXiv: {ARXIV}"},
        {"extra": f"Some note\narXiv:{ARXIV} [cs]"},
        {"DOI": f"10.48550/arXiv.{ARXIV}"},
    ],
    ids=["doi-url", "doi-prefix", "doi-extra", "archiveID", "abs-url", "pdf-url", "extra", "bracket", "arxiv-doi"],
)
def test_a_hand_added_item_is_adopted_by_doi_or_arxiv_id(maps: Mappings, where: dict[str, str]) -> None:
    entry = enrich(keyed("doe2023paper", "Scaling Laws for Things"))
    hand = hand_made("CCCC4444", "Scaling laws for things (v2, edited)", family="Someone", **where)
    (action,) = make_plan([entry], {"CCCC4444": hand}, maps, STYLE).actions

    assert action.kind is ActionKind.UPDATE and action.item_keys == ("CCCC4444",) and "adopted" in action.detail
    assert action.payload is not None and action.payload["citationKey"] == "doe2023paper"


def test_remote_identifiers_read_every_place_and_ignore_lookalikes() -> None:
    data = {
        "DOI": "10.48550/arXiv.2101.00001",
        "archiveID": "arXiv:hep-th/9901001v2",
        "url": "https://arxiv.org/abs/2102.00002v4",
        "extra": "arXiv: math.AG/0309136\narxiv.org is nice\nDOI: https://doi.org/10.1/X",
    }
    assert remote_identifiers(data) == {
        "doi:10.48550/arxiv.2101.00001",
        "arxiv:2101.00001",
        "arxiv:hep-th/9901001",
        "arxiv:2102.00002",
        "arxiv:math.ag/0309136",
        "doi:10.1/x",
    }
    assert remote_identifiers({"DOI": "not a doi", "url": "https://example.org/abs/2101.00001", "extra": "x"}) == set()


def test_two_items_with_its_identifiers_are_a_conflict_not_a_guess(maps: Mappings) -> None:
    entry = enrich(keyed("doe2023", "Paper"))
    remote = {
        "GGGG8888": hand_made("GGGG8888", "Paper, preprint", DOI="10.1000/things.42"),
        "HHHH9999": hand_made("HHHH9999", "Paper, the journal version", archiveID=f"arXiv:{ARXIV}"),
    }
    (action,) = make_plan([entry], remote, maps, STYLE).actions
    assert action.kind is ActionKind.CONFLICT and action.item_keys == ("GGGG8888", "HHHH9999")
    assert "DOI or arXiv id" in action.detail and action.payload is None


def test_key_then_identifier_then_title(maps: Mappings) -> None:
    entry = enrich(keyed("doe2023", "Paper"))
    by_title = hand_made("TTTT2222", "Paper")
    by_doi = hand_made("DDDD3333", "Another title", DOI="10.1000/things.42")
    by_key = hand_made("KKKK4444", "Yet another", citationKey="doe2023")

    (action,) = make_plan([entry], {i.key: i for i in (by_title, by_doi, by_key)}, maps, STYLE).actions
    assert action.item_keys == ("KKKK4444",)
    (action,) = make_plan([entry], {i.key: i for i in (by_title, by_doi)}, maps, STYLE).actions
    assert action.item_keys == ("DDDD3333",) and action.kind is ActionKind.UPDATE
    (action,) = make_plan([entry], {i.key: i for i in (by_title,)}, maps, STYLE).actions
    assert action.item_keys == ("TTTT2222",) and action.kind is ActionKind.UPDATE


def test_identifier_matches_respect_other_keys_and_the_trash(maps: Mappings) -> None:
    entry = enrich(keyed("doe2023", "Paper"))
    theirs = hand_made("DDDD5555", "Other", DOI="10.1000/things.42", citationKey="theirKey2023")
    (action,) = make_plan([entry], {"DDDD5555": theirs}, maps, STYLE).actions
    assert action.kind is ActionKind.CONFLICT and "carries citation key theirkey2023" in action.detail

    # An item carrying another listing entry's key belongs to that entry, whatever its DOI says.
    roes = hand_made("DDDD5555", "Other", family="Roe", DOI="10.1000/things.42", citationKey="roe2023")
    plan = make_plan([entry, keyed("roe2023", "Other", family="Roe")], {"DDDD5555": roes}, maps, STYLE)
    assert kinds(plan) == {"doe2023": ActionKind.CREATE, "roe2023": ActionKind.UPDATE}

    binned = hand_made("BBBB6666", "Else", DOI="10.1000/things.42", deleted=1)
    assert kinds(make_plan([entry], {"BBBB6666": binned}, maps, STYLE)) == {"doe2023": ActionKind.CREATE}


def test_two_entries_with_one_identifier_claim_the_item_together_and_get_neither(maps: Mappings) -> None:
    first, second = enrich(keyed("doe2023a", "Paper A")), enrich(keyed("doe2023b", "Paper B"))
    plan = make_plan([first, second], {"JJJJ2222": hand_made("JJJJ2222", "X", DOI="10.1000/things.42")}, maps, STYLE)
    assert kinds(plan) == {"doe2023a": ActionKind.CONFLICT, "doe2023b": ActionKind.CONFLICT}


def test_a_published_paper_is_found_by_title_under_its_venue_year(maps: Mappings) -> None:
    entry = enrich(keyed("doe2023", "Paper"), JOURNAL, doi="", arxiv_id="")
    (action,) = make_plan([entry], {"YYYY2222": hand_made("YYYY2222", "Paper", date="2024")}, maps, STYLE).actions
    assert action.kind is ActionKind.UPDATE and "adopted" in action.detail


def test_bibsyncs_preprint_becomes_a_journal_article(maps: Mappings) -> None:
    entry = enrich(keyed("doe2023", "Paper"))
    remote = ours(entry, maps, "PPPP2222", language="en", extra="my note")  # synced as an enriched preprint
    (action,) = make_plan([enrich(entry, JOURNAL)], {"PPPP2222": remote}, maps, STYLE).actions

    payload = dict(action.payload or {})
    assert action.kind is ActionKind.UPDATE and payload["itemType"] == "journalArticle"
    assert payload["publicationTitle"] == "Journal of Things" and (payload["volume"], payload["pages"]) == ("7", "1-9")
    assert payload["date"] == "2024"
    assert payload["extra"] == f"my note\narXiv: {ARXIV}"
    assert payload["publisher"] == ""  # the server moves the preprint's repository "arXiv" into publisher
    assert not {"archiveID", "repository", "language", "url", "DOI"} & set(payload)  # dropped, or unchanged
    assert validate_item(payload) == ()


def test_a_listing_preprint_becomes_a_conference_paper(maps: Mappings) -> None:
    entry = keyed("doe2023", "Paper", truncated=True)
    remote = ours(entry, maps, "PPPP2222")  # synced before enrichment: "et al." line, no identifiers
    (action,) = make_plan([enrich(entry, PROCEEDINGS)], {"PPPP2222": remote}, maps, STYLE).actions

    payload = dict(action.payload or {})
    assert payload["itemType"] == "conferencePaper" and payload["proceedingsTitle"] == "Proceedings of Things"
    assert payload["extra"] == f"arXiv: {ARXIV}"  # bibsync's "et al." line goes: the author list is full
    assert "publisher" not in payload  # nothing to move: bibsync had written no repository
    assert validate_item(payload) == ()


def test_a_type_change_that_would_lose_peoples_values_keeps_the_type(maps: Mappings) -> None:
    entry = enrich(keyed("doe2023", "Paper"))
    remote = ours(entry, maps, "PPPP2222", genre="Working paper")
    (action,) = make_plan([enrich(entry, JOURNAL)], {"PPPP2222": remote}, maps, STYLE).actions
    assert action.kind is ActionKind.UNCHANGED and "kept as preprint" in action.detail and "genre" in action.detail
    assert action.warning == action.detail  # the command prints it: nobody would learn of it otherwise

    # Without an arXiv id, a repository is a person's: it moves to publisher, unless bibsync writes one.
    no_arxiv = enrich(keyed("doe2023", "Paper"), arxiv_id="", url="")
    theirs = ours(no_arxiv, maps, "PPPP2222", repository="bioRxiv")
    (action,) = make_plan([enrich(no_arxiv, JOURNAL, arxiv_id="")], {"PPPP2222": theirs}, maps, STYLE).actions
    assert action.payload is not None and action.payload["itemType"] == "journalArticle"
    assert "publisher" not in action.payload  # the server moves "bioRxiv" there, and it stays
    with_publisher = enrich(no_arxiv, dataclasses.replace(JOURNAL, publisher="JT"), arxiv_id="")
    (action,) = make_plan([with_publisher], {"PPPP2222": theirs}, maps, STYLE).actions
    assert action.payload is not None and "itemType" not in action.payload and "repository" in action.detail


def test_a_type_chosen_by_a_person_is_kept(maps: Mappings) -> None:
    entry = enrich(keyed("doe2023", "Paper"), PROCEEDINGS)
    remote = hand_made("JJJJ3333", "Paper", citationKey="doe2023")  # a journalArticle
    (action,) = make_plan([entry], {"JJJJ3333": remote}, maps, STYLE).actions
    payload = dict(action.payload or {})
    assert "itemType" not in payload and "proceedingsTitle" not in payload and payload["DOI"] == "10.1000/things.42"
    assert payload["date"] == "2023" and validate_item(payload, "journalArticle") == ()
