"""A listing entry as a Zotero item, and validation of items against Zotero's schema. Pure.

The item carries only what bibsync owns: item type, title, creators, abstract, date, the citation key
(native ``citationKey`` field), bibsync's tags (under a prefix) and bibsync's lines of ``extra``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from bibsync.mappings import Mappings, read_text, zotero_schema
from bibsync.markup import plain_text
from bibsync.model import Keyed, Person

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
# The fields of an item's type that bibsync writes (when the type has them). Everything else is people's.
OWNED_FIELDS = ("title", "abstractNote", "date", "citationKey")


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
    return (style.truncated_line,) if keyed.entry.truncated else ()


def item_for(keyed: Keyed, mappings: Mappings, style: ItemStyle) -> dict[str, Any]:
    """The new Zotero item for an entry, as sent on creation (no key, no version)."""
    entry = keyed.entry
    tags = [*bibsync_tags(keyed, mappings, style), style.created_tag]
    return {
        "itemType": mappings.entry_type("zotero"),
        "title": plain_text(entry.title).strip(),
        "creators": [creator(person) for person in entry.authors],
        "abstractNote": plain_text(entry.abstract).strip(),
        "date": entry.date.isoformat(),
        "citationKey": keyed.key,
        "extra": "\n".join(bibsync_extra_lines(keyed, style)),
        "tags": [{"tag": tag} for tag in sorted(tags)],
    }


@dataclass(frozen=True, slots=True)
class ItemType:
    fields: frozenset[str]
    creator_types: frozenset[str]


@cache
def item_types() -> Mapping[str, ItemType]:
    """Every item type of the vendored Zotero schema with its valid fields and creator types."""
    return {
        row["itemType"]: ItemType(
            fields=frozenset(field["field"] for field in row.get("fields", [])),
            creator_types=frozenset(kind["creatorType"] for kind in row.get("creatorTypes", [])),
        )
        for row in zotero_schema()["itemTypes"]
    }


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
