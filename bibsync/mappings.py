"""The vocabularies that map the listing to each output, loaded from the ``mappings/`` data files.

The files ship inside the wheel as ``bibsync/mappings``; in a source checkout (or an editable install)
they are read from the repository's top-level ``mappings/`` folder. The project config can override
any of them (``[tool.bibsync.mappings]``), merged table by table.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bibsync.model import Entry


class MappingError(ValueError):
    """A mapping file or override is malformed."""


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    arxiv: str | None
    keywords: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class VenueTypes:
    """The types and container fields an entry takes once it is known to be published (see types.toml)."""

    kind: str  # "journal", "proceedings"
    bibtex: str
    bibtex_container: str
    bibtex_fields: tuple[str, ...]  # of volume, number, pages, publisher: those the BibTeX type takes
    csl: str
    zotero: str
    zotero_container: str


@dataclass(frozen=True, slots=True)
class Mappings:
    categories: Mapping[str, Category]
    entry_types: Mapping[str, str]  # output format ("bibtex", "csl", "zotero") -> entry type
    code_keyword: str
    stopwords: frozenset[str]
    particles: frozenset[str]
    venues: Mapping[str, VenueTypes]

    def category(self, code: str) -> Category:
        """The mapping for a category code; an unknown code stands for itself."""
        found = self.categories.get(code)
        return found if found is not None else Category(code, None, (code,))

    def entry_type(self, output: str) -> str:
        return self.entry_types[output]

    def venue_types(self, entry: Entry) -> VenueTypes | None:
        """The types of the venue ``entry`` was published in (None for a preprint or an unknown kind)."""
        return self.venues.get(entry.venue.kind) if entry.venue is not None else None


def mappings_dir() -> Traversable:
    """Where the shipped mapping files are: inside the installed package, else the source checkout."""
    packaged = files("bibsync").joinpath("mappings")
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "mappings"


def read_text(name: str) -> str:
    return mappings_dir().joinpath(name).read_text(encoding="utf-8")


@cache
def zotero_schema() -> dict[str, Any]:
    """Zotero's item schema (vendored ``zotero-schema.json``): valid fields per item type."""
    schema: dict[str, Any] = json.loads(read_text("zotero-schema.json"))
    return schema


@cache
def _shipped() -> dict[str, Any]:
    categories = tomllib.loads(read_text("categories.toml"))
    types = tomllib.loads(read_text("types.toml"))
    return {
        "categories": categories.get("categories", {}),
        "types": types.get("types", {}),
        "keywords": types.get("keywords", {}),
        "venues": types.get("venues", {}),
        "stopwords": _word_list("stopwords.txt"),
        "particles": _word_list("particles.txt"),
    }


def _word_list(name: str) -> list[str]:
    lines = (line.strip() for line in read_text(name).splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def load_mappings(overrides: Mapping[str, Any] | None = None) -> Mappings:
    """The shipped mappings with the project's overrides applied.

    ``overrides`` is the ``[tool.bibsync.mappings]`` table: ``categories.<CODE>`` rows replace or add
    categories, ``types`` and ``keywords`` entries replace single values, ``stopwords`` and ``particles``
    add words.
    """
    data = _shipped()
    overrides = dict(overrides or {})
    unknown = set(overrides) - {"categories", "types", "keywords", "stopwords", "particles", "venues"}
    if unknown:
        raise MappingError(f"unknown mappings table(s): {', '.join(sorted(unknown))}")

    raw_categories: dict[str, Any] = {**data["categories"], **_table(overrides, "categories")}
    categories = {code: _category(code, row) for code, row in raw_categories.items()}
    types = {**data["types"], **_table(overrides, "types")}
    for output in ("bibtex", "csl", "zotero"):
        if not isinstance(types.get(output), str) or not types[output]:
            raise MappingError(f"mappings: types.{output} must be a non-empty string")
    keywords = {**data["keywords"], **_table(overrides, "keywords")}
    raw_venues: dict[str, Any] = {**data["venues"], **_table(overrides, "venues")}
    return Mappings(
        categories=categories,
        entry_types=types,
        code_keyword=str(keywords.get("code", "code")),
        stopwords=frozenset(w.lower() for w in [*data["stopwords"], *_words(overrides, "stopwords")]),
        particles=frozenset([*data["particles"], *_words(overrides, "particles")]),
        venues={kind: _venue(kind, row) for kind, row in raw_venues.items()},
    )


def _words(overrides: Mapping[str, Any], name: str) -> list[str]:
    words = overrides.get(name, [])
    if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
        raise MappingError(f"mappings: {name} must be a list of words")
    return words


def _table(overrides: Mapping[str, Any], name: str) -> dict[str, Any]:
    table = overrides.get(name, {})
    if not isinstance(table, dict):
        raise MappingError(f"mappings: {name} must be a table")
    return table


def _category(code: str, row: Any) -> Category:
    if not isinstance(row, dict):
        raise MappingError(f"mappings: categories.{code} must be a table with arxiv and keywords")
    arxiv = row.get("arxiv")
    keywords = row.get("keywords", [code])
    if arxiv is not None and not isinstance(arxiv, str):
        raise MappingError(f"mappings: categories.{code}.arxiv must be a string")
    if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
        raise MappingError(f"mappings: categories.{code}.keywords must be a list of strings")
    return Category(code=code, arxiv=arxiv or None, keywords=tuple(keywords))


_VENUE_KEYS = ("bibtex", "bibtex-container", "bibtex-fields", "csl", "zotero", "zotero-container")
_VENUE_DETAILS = ("volume", "number", "pages", "publisher")


def _venue(kind: str, row: Any) -> VenueTypes:
    problem = f"mappings: venues.{kind} must set exactly {', '.join(_VENUE_KEYS)}"
    if not isinstance(row, dict) or set(row) != set(_VENUE_KEYS):
        raise MappingError(problem)
    texts = {k: row[k] for k in _VENUE_KEYS if k != "bibtex-fields"}
    fields = row["bibtex-fields"]
    if not all(isinstance(v, str) and v for v in texts.values()):
        raise MappingError(f"{problem} (non-empty strings)")
    if not isinstance(fields, list) or not set(fields) <= set(_VENUE_DETAILS):
        raise MappingError(f"mappings: venues.{kind}.bibtex-fields must list some of {', '.join(_VENUE_DETAILS)}")
    return VenueTypes(kind=kind, bibtex=texts["bibtex"], bibtex_container=texts["bibtex-container"],
                      bibtex_fields=tuple(fields), csl=texts["csl"], zotero=texts["zotero"],
                      zotero_container=texts["zotero-container"])
