"""A listing entry as a Zotero item, and validation of items against Zotero's schema. Pure.

The item carries only what bibsync owns: item type, title, creators, abstract, date, the citation key
(native ``citationKey`` field), bibsync's tags (under a prefix) and bibsync's lines of ``extra``.

An entry ``bibsync enrich`` completed carries more, and only the fields its item type has (checked
against ``zotero-schema.json``): ``DOI`` and ``url``; for a preprint, ``archiveID`` ("arXiv:2203.15556")
and ``repository`` ("arXiv"), as Zotero's own arXiv translator fills them; for a paper published later,
the venue's item type (``[venues]`` in ``mappings/types.toml``), its title in the type's container field,
``volume``/``issue``/``pages``/``publisher``, and the arXiv id as an ``arXiv: <id>`` line of ``extra``
(the form Zotero and Better BibTeX read) when the type has no ``archiveID``.

What bibsync owns is decided per entry: the fields :func:`item_for` writes for it. A field it does not
write for an entry (a DOI for an entry that was not enriched) is people's, and an update leaves it alone.

:func:`converted` is what the Zotero server does to an item whose type changes (see the function).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from bibsync.mappings import Mappings, read_text, zotero_schema
from bibsync.markup import plain_text
from bibsync.model import Entry, Keyed, Person

# Properties of an item's JSON that are not fields of its type but are valid on every item.
STRUCTURAL_PROPERTIES = frozenset(
    {
        "key",
        "version",
        "itemType",
        "creators",
        "tags",
        "collections",
        "relations",
        "deleted",
        "dateAdded",
        "dateModified",
        "parentItem",
        "inPublications",
    }
)
# The fields bibsync writes for every entry (when the item's type has them).
CORE_FIELDS = ("title", "abstractNote", "date", "citationKey")
# The fields bibsync writes for an enriched entry, when it knows a value and the item's type has the field.
# The venue's container field (``publicationTitle``, ``proceedingsTitle``) comes from the mappings.
IDENTIFIER_FIELDS = ("DOI", "url", "archiveID", "repository")
VENUE_FIELDS = ("volume", "issue", "pages", "publisher")
# Every field bibsync may write, with the shipped mappings. Which of them it owns in one item is decided
# per entry (see :func:`owned_fields`): a field it writes for no value is people's.
OWNED_FIELDS = (*CORE_FIELDS, *IDENTIFIER_FIELDS, "publicationTitle", "proceedingsTitle", *VENUE_FIELDS)
ARXIV_REPOSITORY = "arXiv"  # Zotero's arXiv translator: repository "arXiv", archiveID "arXiv:<id>"


@dataclass(frozen=True, slots=True)
class ItemStyle:
    """How bibsync marks what is its own in an item (see ``mappings/zotero.toml``)."""

    tag_prefix: str
    created_tag: str  # the full tag, prefix included, on items bibsync created
    extra_marker: str  # lines of ``extra`` starting with this are bibsync's
    truncated_line: str

    def owns_tag(self, tag: str) -> bool:
        return tag.startswith(self.tag_prefix)

    def owns_extra_line(self, line: str) -> bool:
        return line.startswith(self.extra_marker)


class StyleError(ValueError):
    """A tag prefix or ``zotero.toml`` setting that cannot work."""


def load_style(tag_prefix: str | None = None) -> ItemStyle:
    """The shipped ``zotero.toml``, with the project's tag prefix if it sets one."""
    data = _shipped_style()
    prefix = data["tags"]["prefix"] if tag_prefix is None else tag_prefix
    if not isinstance(prefix, str) or not prefix.strip() or prefix != prefix.strip():
        # An empty prefix would make every tag bibsync's, and an update would delete people's tags.
        raise StyleError("the tag prefix must be a non-empty string without surrounding spaces")
    extra = data["extra"]
    return ItemStyle(
        tag_prefix=prefix,
        created_tag=prefix + data["tags"]["created"],
        extra_marker=extra["marker"],
        truncated_line=extra["truncated"],
    )


@cache
def _shipped_style() -> dict[str, Any]:
    data: dict[str, Any] = tomllib.loads(read_text("zotero.toml"))
    return data


def creator(person: Person) -> dict[str, str]:
    """A Zotero author. The particle goes with the family name ("de las Casas"); a suffix goes after
    a comma in the first name ("Martin Luther, Jr."), which is how citeproc reads it back."""
    if person.literal:
        return {"creatorType": "author", "name": person.family}
    last = f"{person.particle} {person.family}" if person.particle else person.family
    first = f"{person.given}, {person.suffix}" if person.suffix else person.given
    return {"creatorType": "author", "firstName": first, "lastName": last}


def bibsync_tags(keyed: Keyed, mappings: Mappings, style: ItemStyle) -> tuple[str, ...]:
    """bibsync's tags for an entry, sorted: its arXiv class, its organisations, and code."""
    entry = keyed.entry
    category = mappings.category(entry.category)
    names = [category.arxiv or category.code, *entry.organisations]
    if entry.has_code:
        names.append(mappings.code_keyword)
    return tuple(sorted({style.tag_prefix + name for name in names if name}))


def bibsync_extra_lines(keyed: Keyed, style: ItemStyle) -> tuple[str, ...]:
    """bibsync's own lines of ``extra`` (they start with its marker)."""
    return (style.truncated_line,) if keyed.entry.truncated else ()


def identifier_extra_lines(keyed: Keyed, item_type: str) -> tuple[str, ...]:
    """The arXiv id as an ``extra`` line Zotero and Better BibTeX read (``arXiv: 2203.15556``), for an
    item whose type has no ``archiveID`` (a journal article). Every regular type has a ``DOI`` field."""
    fields = _fields_of(item_type)
    arxiv_id = keyed.entry.arxiv_id
    return (f"arXiv: {arxiv_id}",) if arxiv_id and fields is not None and "archiveID" not in fields else ()


def item_type_for(keyed: Keyed, mappings: Mappings) -> str:
    """The listing's type (``preprint``), or the venue's type for a paper found published later."""
    venue = keyed.entry.venue
    if venue is not None and venue.kind in mappings.venues:
        return mappings.venues[venue.kind].zotero
    return mappings.entry_type("zotero")


def item_date(entry: Entry, item_type: str, mappings: Mappings) -> str:
    """The item's ``date``: the listing's date, or the venue's year for an item of a published type.

    A published paper is cited as published: styles print ``date`` next to the volume and pages, and
    readers find it under the venue's year (on arXiv in December 2022, at NeurIPS 2023). The listing's
    date is the preprint's, which the arXiv id and url still point to. It is not kept as ``Original
    Date`` in ``extra``: CSL styles print original-date as a reprint ("2023 [2022]"), which a preprint is
    not. An item that stays a preprint (its type chosen by hand, say) keeps the preprint's date.
    """
    venue = entry.venue
    if venue is not None and venue.year and item_type != mappings.entry_type("zotero"):
        return str(venue.year)
    return entry.date.isoformat()


def _enriched_fields(entry: Entry, mappings: Mappings) -> dict[str, str]:
    """Every field an enriched entry has a value for, whatever the item's type; empty values left out."""
    fields = {
        "DOI": entry.doi,
        "url": entry.url,
        "archiveID": f"arXiv:{entry.arxiv_id}" if entry.arxiv_id else "",
        "repository": ARXIV_REPOSITORY if entry.arxiv_id else "",
    }
    venue = entry.venue
    if venue is not None and venue.kind in mappings.venues:
        fields[mappings.venues[venue.kind].zotero_container] = venue.title
        fields.update(volume=venue.volume, issue=venue.issue, pages=venue.pages, publisher=venue.publisher)
    return {name: value.strip() for name, value in fields.items() if value.strip()}


def item_for(keyed: Keyed, mappings: Mappings, style: ItemStyle, item_type: str | None = None) -> dict[str, Any]:
    """The Zotero item for an entry, as sent on creation (no key, no version): of the entry's own type
    (:func:`item_type_for`), or of ``item_type`` (an existing item's type), with only the fields that type
    has. Its fields other than ``itemType``, ``creators``, ``tags`` and ``extra`` are what bibsync owns
    in an item of this entry."""
    entry = keyed.entry
    kind = item_type or item_type_for(keyed, mappings)
    valid = _fields_of(kind)
    tags = [*bibsync_tags(keyed, mappings, style), style.created_tag]
    fields = {
        "title": plain_text(entry.title).strip(),
        "abstractNote": plain_text(entry.abstract).strip(),
        "date": item_date(entry, kind, mappings),
        "citationKey": keyed.key,
        **_enriched_fields(entry, mappings),
    }
    return {
        "itemType": kind,
        **{name: value for name, value in fields.items() if valid is None or name in valid},
        "creators": [creator(person) for person in entry.authors],
        "extra": "\n".join([*identifier_extra_lines(keyed, kind), *bibsync_extra_lines(keyed, style)]),
        "tags": [{"tag": tag} for tag in sorted(tags)],
    }


_NOT_OWNED = frozenset({"itemType", "creators", "tags", "extra"})


def owned_fields(item: Mapping[str, Any]) -> tuple[str, ...]:
    """The plain fields bibsync owns in an item it wants to be ``item`` (from :func:`item_for`)."""
    return tuple(name for name in item if name not in _NOT_OWNED and name not in STRUCTURAL_PROPERTIES)


@dataclass(frozen=True, slots=True)
class ItemType:
    fields: frozenset[str]
    creator_types: frozenset[str]
    base_fields: Mapping[str, str]  # a type-specific field -> its base field ("repository" -> "publisher")

    def field_for_base(self, base: str) -> str | None:
        """This type's field for a base field: the base field itself, or the field mapped to it."""
        if base in self.fields:
            return base
        return next((field for field, of in self.base_fields.items() if of == base), None)


@cache
def item_types() -> Mapping[str, ItemType]:
    """Every item type of the vendored Zotero schema with its valid fields and creator types."""
    return {
        row["itemType"]: ItemType(
            fields=frozenset(field["field"] for field in row.get("fields", [])),
            creator_types=frozenset(kind["creatorType"] for kind in row.get("creatorTypes", [])),
            base_fields={field["field"]: field["baseField"] for field in row.get("fields", []) if "baseField" in field},
        )
        for row in zotero_schema()["itemTypes"]
    }


def _fields_of(item_type: str) -> frozenset[str] | None:
    schema = item_types().get(item_type)
    return schema.fields if schema is not None else None


def converted(data: Mapping[str, Any], new_type: str) -> tuple[dict[str, Any], dict[str, str]]:
    """What the Zotero server makes of an item's ``data`` when a write changes its type to ``new_type``.

    The data server sets the type before the written fields (``Zotero_Items::updateFromJSON``), and
    ``Zotero_Item::setType`` drops every field the new type lacks, except that the value of a field mapped
    to a base field moves to the new type's field for that base (preprint ``repository`` -> ``publisher``,
    both "publisher" at base). Fields both types have keep their values. A written field the new type lacks
    is then refused (400, "'archiveID' is not a valid field for type 'journalArticle'").

    Returns the data as the server would hold it before the written fields are applied, and the moved
    fields (new field -> old field).
    """
    old = item_types().get(str(data.get("itemType", "")))
    new = item_types().get(new_type)
    if old is None or new is None:
        return dict(data), {}
    result = {name: value for name, value in data.items() if name in STRUCTURAL_PROPERTIES or name in new.fields}
    moved: dict[str, str] = {}
    for name, value in data.items():
        if name in result or value in ("", None):
            continue
        base = old.base_fields.get(name, name)
        target = new.field_for_base(base)
        if target is not None and not result.get(target):  # a value the new type's field has wins
            result[target] = value
            moved[target] = name
    result["itemType"] = new_type
    return result, moved


def validate_item(item: Mapping[str, Any], item_type: str | None = None) -> tuple[str, ...]:
    """What the Zotero server would reject in ``item`` (a new item, or a patch of an item whose type is
    ``item_type``), as messages worded like the server's. Empty when the item is valid."""
    problems: list[str] = []
    type_name = item.get("itemType", item_type)
    if not isinstance(type_name, str):
        return ("'itemType' property not provided",)
    schema = item_types().get(type_name)
    if schema is None:
        return (f"'{type_name}' is not a valid item type",)
    for name in sorted(item):
        if name not in STRUCTURAL_PROPERTIES and name not in schema.fields:
            problems.append(f"'{name}' is not a valid field for type '{type_name}'")
        elif name not in STRUCTURAL_PROPERTIES and not isinstance(item[name], str):
            problems.append(f"'{name}' must be a string")
    problems.extend(_creator_problems(item.get("creators", []), type_name, schema))
    problems.extend(_tag_problems(item.get("tags", [])))
    return tuple(problems)


def _creator_problems(creators: Any, type_name: str, schema: ItemType) -> Iterable[str]:
    if not isinstance(creators, list):
        yield "'creators' must be an array"
        return
    for number, person in enumerate(creators, start=1):
        if not isinstance(person, dict):
            yield f"creator {number} must be an object"
            continue
        kind = person.get("creatorType")
        if kind not in schema.creator_types:
            yield f"'{kind}' is not a valid creator type for item type '{type_name}'"
        has_name = bool(person.get("name"))
        has_parts = "firstName" in person or "lastName" in person
        if has_name == has_parts:
            yield f"creator {number} must have either 'name' or 'firstName'/'lastName'"
        elif has_parts and not (person.get("lastName") or person.get("firstName")):
            yield f"creator {number} has an empty name"


def _tag_problems(tags: Any) -> Iterable[str]:
    if not isinstance(tags, list):
        yield "'tags' must be an array"
        return
    for tag in tags:
        if not isinstance(tag, dict) or not isinstance(tag.get("tag"), str) or not tag["tag"].strip():
            yield f"invalid tag {tag!r}"
        elif tag.get("type", 0) not in (0, 1):
            yield f"invalid tag type for '{tag['tag']}'"


NON_REGULAR_TYPES = frozenset({"note", "attachment", "annotation"})


@dataclass(frozen=True, slots=True)
class RemoteItem:
    """An item as the server holds it: its key, its version, and its editable JSON (``data``).

    ``data`` is the server's JSON object; it is never mutated, only read and copied.
    """

    key: str
    version: int
    data: Mapping[str, Any]

    @property
    def item_type(self) -> str:
        return str(self.data.get("itemType", ""))

    @property
    def regular(self) -> bool:
        """A bibliographic item (not a note, attachment or annotation)."""
        return self.item_type not in NON_REGULAR_TYPES

    @property
    def trashed(self) -> bool:
        return bool(self.data.get("deleted"))

    @property
    def title(self) -> str:
        return str(self.data.get("title", ""))
