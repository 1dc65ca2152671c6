"""A listing entry as a Zotero item, and validation against the vendored Zotero schema."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from zotero_fake import FakeZotero, listing_keyed

from bibsync.mappings import Mappings, load_mappings
from bibsync.model import Entry, Keyed, Person, Venue
from bibsync.zotero.items import (
    OWNED_FIELDS,
    StyleError,
    converted,
    item_for,
    load_style,
    owned_fields,
    validate_item,
)

STYLE = load_style()


def keyed(key: str = "doe2023paper", **changes: Any) -> Keyed:
    fields: dict[str, Any] = {
        "line": 1,
        "category": "CV",
        "date": dt.date(2023, 5, 23),
        "title": "A Paper",
        "authors": (Person("Doe", "Jane"),),
        "abstract": "We do things.",
    }
    fields.update(changes)
    return Keyed(key, Entry(**fields))


@pytest.fixture(scope="module")
def maps() -> Mappings:
    return load_mappings()


def test_an_entry_becomes_a_preprint_with_its_key_people_and_tags(maps: Mappings) -> None:
    entry = keyed(
        "casas2023tex",
        title="Faster by $3\\times$ with \\emph{TeX}",
        abstract="It is 4$\\times$ better.",
        authors=(
            Person("Casas", "Bartolomé", particle="de las"),
            Person("King", "Martin Luther", suffix="Jr."),
            Person("Madonna"),
        ),
        truncated=True,
        has_code=True,
        organisations=("deepmind", "oxford"),
    )

    item = item_for(entry, maps, STYLE)

    assert item == {
        "itemType": "preprint",
        "title": "Faster by 3× with TeX",
        "creators": [
            {"creatorType": "author", "firstName": "Bartolomé", "lastName": "de las Casas"},
            {"creatorType": "author", "firstName": "Martin Luther, Jr.", "lastName": "King"},
            {"creatorType": "author", "name": "Madonna"},
        ],
        "abstractNote": "It is 4× better.",
        "date": "2023-05-23",
        "citationKey": "casas2023tex",
        "extra": STYLE.truncated_line,
        "tags": [
            {"tag": "bibsync:code"},
            {"tag": "bibsync:created"},
            {"tag": "bibsync:cs.CV"},
            {"tag": "bibsync:deepmind"},
            {"tag": "bibsync:oxford"},
        ],
    }
    assert validate_item(item) == ()


def test_an_unknown_category_is_its_own_tag_and_no_extra_without_et_al(maps: Mappings) -> None:
    item = item_for(keyed(category="QQ"), maps, load_style("lab/"))
    assert [t["tag"] for t in item["tags"]] == ["lab/QQ", "lab/created"]
    assert item["extra"] == ""


@pytest.mark.parametrize("prefix", ["", "  ", " lab:"])
def test_a_tag_prefix_must_set_bibsync_tags_apart(prefix: str) -> None:
    with pytest.raises(StyleError):
        load_style(prefix)


@pytest.mark.parametrize(
    ("item", "problem"),
    [
        (
            {"itemType": "preprint", "publicationTitle": "J"},
            "'publicationTitle' is not a valid field for type 'preprint'",
        ),
        ({"itemType": "nope"}, "'nope' is not a valid item type"),
        ({"title": "x"}, "'itemType' property not provided"),
        ({"itemType": "preprint", "creators": [{"creatorType": "composer", "name": "B"}]}, "not a valid creator type"),
        ({"itemType": "preprint", "creators": [{"creatorType": "author", "name": "B", "lastName": "C"}]}, "either"),
        ({"itemType": "preprint", "tags": [{"tag": ""}]}, "invalid tag"),
        ({"itemType": "preprint", "title": 3}, "must be a string"),
    ],
)
def test_validation_names_what_the_server_would_reject(item: dict[str, Any], problem: str) -> None:
    problems = validate_item(item)
    assert problems and problem in problems[0]


def test_validation_of_a_patch_uses_the_remote_items_type() -> None:
    assert validate_item({"publicationTitle": "J"}, "journalArticle") == ()
    assert validate_item({"publicationTitle": "J"}, "preprint") != ()


def test_bibsync_and_the_fake_server_agree_on_validity(maps: Mappings) -> None:
    server = FakeZotero()
    samples: list[dict[str, Any]] = [
        item_for(keyed(), maps, STYLE),
        {"itemType": "preprint", "publicationTitle": "J"},
        {"itemType": "journalArticle", "publicationTitle": "J", "citationKey": "k"},
        {"itemType": "preprint", "creators": [{"creatorType": "editor", "firstName": "A", "lastName": "B"}]},
        {"itemType": "preprint", "creators": [{"creatorType": "seriesEditor", "lastName": "B"}]},
        {"itemType": "book", "repository": "arXiv"},
    ]
    for sample in samples:
        assert bool(validate_item(sample)) == bool(server._problems(sample)), sample


def test_every_fixture_entry_is_a_valid_item(maps: Mappings) -> None:
    assert len(listing_keyed()) == 50
    for one in listing_keyed():
        item = item_for(one, maps, STYLE)
        assert validate_item(item) == (), one.key
        assert "$" not in item["title"] + item["abstractNote"]


# --- enriched entries ----------------------------------------------------------------------------

ARXIV = "2203.15556"
FULL_AUTHORS = (Person("Hoffmann", "Jordan"), Person("Borgeaud", "Sebastian"), Person("Mensch", "Arthur"))


def enriched(venue: Venue | None = None, **changes: Any) -> Keyed:
    """An entry as `bibsync enrich` leaves it: identifiers, the full author list, maybe a venue."""
    base = keyed("hoffmann2022training", date=dt.date(2022, 3, 29), authors=FULL_AUTHORS[:1], truncated=True)
    fields: dict[str, Any] = {
        "doi": f"10.48550/arxiv.{ARXIV}",
        "arxiv_id": ARXIV,
        "arxiv_class": "cs.CL",
        "url": f"https://arxiv.org/abs/{ARXIV}",
        "venue": venue,
        "authors": FULL_AUTHORS,
        "truncated": False,
        **changes,
    }
    return dataclasses.replace(base, entry=dataclasses.replace(base.entry, **fields))


JOURNAL = Venue("journal", "Journal of Things", 2023, volume="12", issue="3", pages="1-20", publisher="JT Press")
PROCEEDINGS = Venue("proceedings", "Advances in Neural Information Processing Systems 35", 2022, pages="100-112")


def test_an_enriched_preprint_carries_its_identifiers_as_zoteros_arxiv_translator_does(maps: Mappings) -> None:
    item = item_for(enriched(), maps, STYLE)

    assert item["itemType"] == "preprint"
    assert (item["DOI"], item["url"]) == (f"10.48550/arxiv.{ARXIV}", f"https://arxiv.org/abs/{ARXIV}")
    assert (item["archiveID"], item["repository"]) == (f"arXiv:{ARXIV}", "arXiv")
    assert item["date"] == "2022-03-29"  # a preprint keeps the listing's date
    assert item["extra"] == ""  # full author list: no "et al." line; the arXiv id has its own field
    assert len(item["creators"]) == 3
    assert validate_item(item) == ()


def test_a_journal_article_gets_its_venue_its_year_and_the_arxiv_id_in_extra(maps: Mappings) -> None:
    item = item_for(enriched(JOURNAL, doi="10.1000/jot.2023.12"), maps, STYLE)

    assert item["itemType"] == "journalArticle"
    assert item["publicationTitle"] == "Journal of Things"
    assert (item["volume"], item["issue"], item["pages"], item["publisher"]) == ("12", "3", "1-20", "JT Press")
    assert item["date"] == "2023"  # the venue's year, not the preprint's date
    assert item["DOI"] == "10.1000/jot.2023.12"
    assert "archiveID" not in item and "repository" not in item  # journalArticle has no such fields
    assert item["extra"] == f"arXiv: {ARXIV}"
    assert validate_item(item) == ()


def test_a_conference_paper_writes_only_fields_its_type_has(maps: Mappings) -> None:
    item = item_for(enriched(PROCEEDINGS), maps, STYLE)

    assert item["itemType"] == "conferencePaper"
    assert item["proceedingsTitle"] == PROCEEDINGS.title and "publicationTitle" not in item
    assert item["pages"] == "100-112" and not {"volume", "issue", "publisher"} & set(item)  # no values
    assert item["date"] == "2022"
    assert item["extra"] == f"arXiv: {ARXIV}"
    assert validate_item(item) == ()
    assert not FakeZotero()._problems(item)


def test_a_venue_without_a_year_keeps_the_listing_date_and_an_unknown_kind_stays_a_preprint(maps: Mappings) -> None:
    assert item_for(enriched(Venue("journal", "J")), maps, STYLE)["date"] == "2022-03-29"
    assert item_for(enriched(Venue("workshop", "W", 2023)), maps, STYLE)["itemType"] == "preprint"


def test_an_item_of_another_type_gets_only_the_fields_that_type_has(maps: Mappings) -> None:
    item = item_for(enriched(JOURNAL), maps, STYLE, "preprint")  # a type kept for an item: no container
    assert item["itemType"] == "preprint" and "publicationTitle" not in item and "volume" not in item
    assert item["archiveID"] == f"arXiv:{ARXIV}" and item["date"] == "2022-03-29"
    assert validate_item(item) == ()
    webpage = item_for(enriched(JOURNAL), maps, STYLE, "webpage")
    assert webpage["DOI"] == f"10.48550/arxiv.{ARXIV}" and webpage["extra"] == f"arXiv: {ARXIV}"
    assert validate_item(webpage) == ()


def test_owned_fields_are_the_fields_written_for_the_entry(maps: Mappings) -> None:
    assert owned_fields(item_for(keyed(), maps, STYLE)) == ("title", "abstractNote", "date", "citationKey")
    assert set(owned_fields(item_for(enriched(JOURNAL), maps, STYLE))) == {
        "title", "abstractNote", "date", "citationKey", "DOI", "url", "publicationTitle",
        "volume", "issue", "pages", "publisher",
    }  # fmt: skip
    assert set(owned_fields(item_for(enriched(JOURNAL), maps, STYLE))) <= set(OWNED_FIELDS)


def test_a_type_change_is_converted_as_the_server_converts_it() -> None:
    data = {
        "itemType": "preprint",
        "title": "T",
        "archiveID": "arXiv:1",
        "repository": "arXiv",
        "genre": "Working paper",
        "language": "en",
        "tags": [],
    }
    after, moved = converted(data, "conferencePaper")
    assert after == {"itemType": "conferencePaper", "title": "T", "language": "en", "publisher": "arXiv", "tags": []}
    assert moved == {"publisher": "repository"}
    server = FakeZotero()
    assert {k: v for k, v in server._retyped(data, "conferencePaper").items() if k != "creators"} == after
    assert converted({**data, "publisher": ""}, "journalArticle")[0]["publisher"] == "arXiv"
    assert converted(data, "nope") == (data, {})


def test_enriched_fixture_entries_are_valid_items_of_every_kind(maps: Mappings) -> None:
    for number, one in enumerate(listing_keyed()):
        venue = (None, JOURNAL, PROCEEDINGS)[number % 3]
        arxiv_id = f"2301.{number:05}"
        entry = dataclasses.replace(one.entry, doi=f"10.1000/{number}", arxiv_id=arxiv_id, venue=venue, truncated=False)
        item = item_for(dataclasses.replace(one, entry=entry), maps, STYLE)
        assert validate_item(item) == () and not FakeZotero()._problems(item), one.key
