"""CSL-JSON writer: keyed entries -> a JSON array for pandoc, Quarto, citeproc-js and Zotero.

Each item is valid against the official CSL-JSON schema (vendored in ``tests/csl-data.json``):
``type`` from the mappings (``article``, CSL's type for preprints), ``id`` and ``citation-key`` = the key,
title and abstract as CSL rich text (Unicode, ``<i>``, ``<span class="nocase">`` around words a style
must not lowercase), ``issued`` date-parts, names as family / given / non-dropping-particle / suffix
(a one-word name as ``literal``), ``categories`` (arXiv class, keywords, organisations, code), and a
``note`` when the listing truncated the author list.

An entry ``bibsync enrich`` completed adds ``DOI`` and ``URL``; a preprint found on arXiv ``archive``
("arXiv") and ``number`` ("arXiv:2203.15556"), as Zotero exports a preprint's repository and archive
ID. One found published takes the venue's type (``article-journal`` / ``paper-conference``) with
``container-title``, ``volume``, ``issue``, ``page``, ``publisher``, the venue's year alone (the
listing's date is the preprint's), and its arXiv id in ``note`` (``arXiv: 2203.15556``, which Zotero imports).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from bibsync.mappings import Mappings
from bibsync.markup import protected_words, to_csl
from bibsync.model import Entry, Keyed, Person

TRUNCATED_NOTE = "Author list truncated in the source listing (et al.)"


def render_csl(keyed: Sequence[Keyed], mappings: Mappings) -> str:
    """The whole CSL-JSON file: items sorted by key, fields in a fixed order, UTF-8, trailing newline."""
    return "".join(iter_csl(keyed, mappings))


def iter_csl(keyed: Sequence[Keyed], mappings: Mappings) -> Iterator[str]:
    """The CSL-JSON file in pieces, one item each, so that a large one is never held in memory whole.

    One field per line (one name per line for authors), each value as compact JSON: as diff-friendly as
    an indented dump, and written by json's C encoder rather than its pure-Python indenting one.
    """
    yield "["
    for index, item in enumerate(sorted(keyed, key=lambda k: (k.key.lower(), k.key))):
        yield ("," if index else "") + "\n" + _format_item(csl_item(item, mappings))
    yield "\n]\n"


def _format_item(item: dict[str, Any]) -> str:
    lines = []
    for name, value in item.items():
        if name == "author":
            people = ",\n".join(f"      {_json(person)}" for person in value)  # one name per line
            lines.append(f'    "author": [\n{people}\n    ]')
        else:
            lines.append(f"    {_json(name)}: {_json(value)}")
    return "  {\n" + ",\n".join(lines) + "\n  }"


_json = json.JSONEncoder(ensure_ascii=False).encode


def csl_item(keyed: Keyed, mappings: Mappings) -> dict[str, Any]:
    entry = keyed.entry
    category = mappings.category(entry.category)
    categories = [c for c in (entry.arxiv_class or category.arxiv, *category.keywords, *entry.organisations) if c]
    if entry.has_code:
        categories.append(mappings.code_keyword)
    venue_types = mappings.venue_types(entry)
    venue = entry.venue if venue_types else None
    item: dict[str, Any] = {
        "id": keyed.key,
        "citation-key": keyed.key,
        "type": venue_types.csl if venue_types else mappings.entry_type("csl"),
        "title": to_csl(entry.title, protect=protected_words(entry.title, entry.abstract)),
        "author": [csl_name(person) for person in entry.authors],
        "issued": {"date-parts": [_date_parts(entry)]},
    }
    if venue is not None:
        published = {"container-title": venue.title, "volume": venue.volume, "issue": venue.issue,
                     "page": venue.pages, "publisher": venue.publisher}
        item.update({name: value for name, value in published.items() if value})
    if entry.doi:
        item["DOI"] = entry.doi
    if entry.url:
        item["URL"] = entry.url
    if entry.arxiv_id and venue is None:
        item["archive"] = "arXiv"
        item["number"] = f"arXiv:{entry.arxiv_id}"
    item["categories"] = list(dict.fromkeys(categories))
    if entry.abstract:
        item["abstract"] = to_csl(entry.abstract)
    if entry.truncated:
        item["note"] = TRUNCATED_NOTE
    elif entry.arxiv_id and venue is not None:
        item["note"] = f"arXiv: {entry.arxiv_id}"
    return item


def _date_parts(entry: Entry) -> list[int]:
    """The listing's date, or for a published paper the venue's year alone (the listing's date is the preprint's)."""
    if entry.venue is not None:
        return [entry.venue.year or entry.date.year]
    return [entry.date.year, entry.date.month, entry.date.day]


def csl_name(person: Person) -> dict[str, str]:
    if person.literal:
        return {"literal": person.family}
    name = {"family": person.family, "given": person.given}
    if person.particle:
        name["non-dropping-particle"] = person.particle
    if person.suffix:
        name["suffix"] = person.suffix
    return name
