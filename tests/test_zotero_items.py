"""A listing entry as a Zotero item, and validation against the vendored Zotero schema."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from zotero_fake import FakeZotero, listing_keyed

from bibsync.mappings import Mappings, load_mappings
from bibsync.model import Entry, Keyed, Person
from bibsync.zotero.items import StyleError, item_for, load_style, validate_item

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
