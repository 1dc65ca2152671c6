"""BibTeX writer: keyed entries -> a ``.bib`` file for bibtex (classic styles) and biber (biblatex).

Fields, in this order: author, title, journal/booktitle, year, month, date, volume, number, pages,
publisher, doi, eprint, archiveprefix, primaryclass, eprintclass, url, keywords, abstract.

* ``author`` in "von Last, Jr, First" form joined by ``and``; a truncated list ends ``and others``.
* ``title`` with capitals that styles must not lowercase brace-protected (``{CLIP-CLOP}``,
  ``{MaxSAT}``), see :func:`bibsync.markup.protected_words`.
* ``month`` as the standard macro (``may``), which both bibtex and biber read as a month.
* ``eprintclass`` is biblatex's field for the arXiv class (``cs.LG``); classic styles ignore it.
* An entry ``bibsync enrich`` found on arXiv gets ``eprint`` / ``archiveprefix`` / ``primaryclass``
  (arXiv's own BibTeX fields, which biblatex maps to eprint / eprinttype / eprintclass) instead of
  ``eprintclass``, and ``doi`` and ``url`` verbatim. One found published becomes that venue's type
  (``article`` / ``inproceedings`` from mappings/types.toml) with its journal or booktitle and the
  details that type takes (volume, number, pages, publisher), and the venue's year alone (the
  listing's date is the preprint's).
* UTF-8 by default (biber, or bibtex8 / pdflatex with inputenc); ``ascii_only`` writes LaTeX accents
  (``Veli{\\v{c}}kovi{\\'c}``) for classic 8-bit bibtex.

The entries are written by bibtexparser's writer; the values are escaped here first
(:mod:`bibsync.markup`), since bibtexparser writes values as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import lru_cache

from bibtexparser.bibdatabase import BibDatabase, BibDataString
from bibtexparser.bwriter import BibTexWriter, SortingStrategy

from bibsync.mappings import Mappings
from bibsync.markup import escape_bibtex, protected_words, to_bibtex
from bibsync.model import Entry, Keyed, Person

FIELD_ORDER = ["author", "title", "journal", "booktitle", "year", "month", "date", "volume", "number", "pages",
               "publisher", "doi", "eprint", "archiveprefix", "primaryclass", "eprintclass", "url", "keywords",
               "abstract"]
CHUNK = 1000  # entries per piece of output
_PAGE_RANGE = re.compile(r"\s*[-\u2010-\u2015]+\s*")  # 1-10, 1--10, 1–10 (dashes): BibTeX's range is "--"
MONTH_MACROS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def render_bibtex(keyed: Sequence[Keyed], mappings: Mappings, *, ascii_only: bool = False,
                  header: str = "") -> str:
    """The whole ``.bib`` file. Entries are sorted by key (case-insensitively); output is deterministic."""
    return "".join(iter_bibtex(keyed, mappings, ascii_only=ascii_only, header=header))


def iter_bibtex(keyed: Sequence[Keyed], mappings: Mappings, *, ascii_only: bool = False,
                header: str = "") -> Iterator[str]:
    """The ``.bib`` file in pieces, so that a large one is never held in memory whole."""
    if header:
        yield "".join(f"% {line}".rstrip() + "\n" for line in header.splitlines()) + "\n"
    writer = BibTexWriter()
    writer.indent = "  "
    writer.order_entries_by = None  # already sorted
    writer.display_order = FIELD_ORDER
    writer.display_order_sorting = SortingStrategy.ALPHABETICAL_ASC
    writer.contents = ["entries"]
    writer.entry_separator = "\n"
    ordered = sorted(keyed, key=lambda k: (k.key.lower(), k.key))
    for start in range(0, len(ordered), CHUNK):
        database = BibDatabase()
        database.entries = [_entry(k, mappings, database, ascii_only) for k in ordered[start : start + CHUNK]]
        text: str = writer.write(database)
        yield text if start == 0 else writer.entry_separator + text


def _entry(keyed: Keyed, mappings: Mappings, database: BibDatabase, ascii_only: bool) -> dict[str, object]:
    entry = keyed.entry
    category = mappings.category(entry.category)
    keywords = [*category.keywords, *entry.organisations]
    if entry.has_code:
        keywords.append(mappings.code_keyword)
    venue_types = mappings.venue_types(entry)
    fields: dict[str, object] = {
        "ENTRYTYPE": venue_types.bibtex if venue_types else mappings.entry_type("bibtex"),
        "ID": keyed.key,
        "author": format_authors(entry.authors, truncated=entry.truncated, ascii_only=ascii_only),
        "title": to_bibtex(entry.title, ascii_only=ascii_only,
                           protect=protected_words(entry.title, entry.abstract)),
        "keywords": escape_bibtex(", ".join(dict.fromkeys(keywords)), ascii_only=ascii_only),
    }
    fields.update(_date_fields(entry, database))
    if venue_types and entry.venue:
        venue = entry.venue
        fields[venue_types.bibtex_container] = escape_bibtex(venue.title, ascii_only=ascii_only)
        published = {"volume": venue.volume, "number": venue.issue, "pages": _PAGE_RANGE.sub("--", venue.pages),
                     "publisher": venue.publisher}
        fields.update({name: escape_bibtex(value, ascii_only=ascii_only) for name, value in published.items()
                       if value and name in venue_types.bibtex_fields})
    if entry.doi:
        fields["doi"] = verbatim(entry.doi)
    if entry.url:
        fields["url"] = verbatim(entry.url)
    arxiv_class = entry.arxiv_class or category.arxiv
    if entry.arxiv_id:
        fields.update(eprint=entry.arxiv_id, archiveprefix="arXiv")
        if arxiv_class:
            fields["primaryclass"] = arxiv_class
    elif arxiv_class:
        fields["eprintclass"] = arxiv_class
    if entry.abstract:
        fields["abstract"] = to_bibtex(entry.abstract, ascii_only=ascii_only)
    return fields


def _date_fields(entry: Entry, database: BibDatabase) -> dict[str, object]:
    """year, month and date: the listing's date, or for a published paper the venue's year alone (the
    listing's month and day are the preprint's)."""
    if entry.venue is not None:
        year = str(entry.venue.year or entry.date.year)
        return {"year": year, "date": year}
    return {
        "year": str(entry.date.year),
        "month": BibDataString(database, MONTH_MACROS[entry.date.month - 1]),
        "date": entry.date.isoformat(),
    }


def verbatim(value: str) -> str:
    """A DOI or URL as biblatex's verbatim fields take it: as is, but braces (which would unbalance the
    field) and spaces percent-encoded."""
    return value.replace("{", "%7B").replace("}", "%7D").replace(" ", "%20")


def format_authors(authors: Sequence[Person], *, truncated: bool, ascii_only: bool) -> str:
    names = [format_name(person, ascii_only=ascii_only) for person in authors]
    if truncated:
        names.append("others")
    return " and ".join(names)


@lru_cache(maxsize=1 << 16)  # a group's names recur across its listing
def format_name(person: Person, *, ascii_only: bool) -> str:
    """BibTeX's unambiguous "von Last, Jr, First" form: ``de las Casas, Diego``, ``King, Jr., Martin``."""

    def escape(text: str) -> str:
        return escape_bibtex(text, ascii_only=ascii_only)

    last = escape(" ".join(p for p in (person.particle, person.family) if p))
    if person.literal:
        # braced so that BibTeX reads it whole: never split at a space, never taken for "and"/"others"
        return f"{{{last}}}"
    parts = [last]
    if person.suffix:
        parts.append(escape(person.suffix))
    parts.append(escape(person.given))
    return ", ".join(parts)
