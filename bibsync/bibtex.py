"""BibTeX writer: keyed entries -> a ``.bib`` file for bibtex (classic styles) and biber (biblatex).

Fields, in this order: author, title, year, month, date, eprintclass, keywords, abstract.

* ``author`` in "von Last, Jr, First" form joined by ``and``; a truncated list ends ``and others``.
* ``title`` with capitals that styles must not lowercase brace-protected (``{CLIP-CLOP}``,
  ``{MaxSAT}``), see :func:`bibsync.markup.protected_words`.
* ``month`` as the standard macro (``may``), which both bibtex and biber read as a month.
* ``eprintclass`` is biblatex's field for the arXiv class (``cs.LG``); classic styles ignore it.
* UTF-8 by default (biber, or bibtex8 / pdflatex with inputenc); ``ascii_only`` writes LaTeX accents
  (``Veli{\\v{c}}kovi{\\'c}``) for classic 8-bit bibtex.

The entries are written by bibtexparser's writer; the values are escaped here first
(:mod:`bibsync.markup`), since bibtexparser writes values as they are.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import lru_cache

from bibtexparser.bibdatabase import BibDatabase, BibDataString
from bibtexparser.bwriter import BibTexWriter, SortingStrategy

from bibsync.mappings import Mappings
from bibsync.markup import escape_bibtex, protected_words, to_bibtex
from bibsync.model import Keyed, Person

FIELD_ORDER = ["author", "title", "year", "month", "date", "eprintclass", "keywords", "abstract"]
CHUNK = 1000  # entries per piece of output
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
    fields: dict[str, object] = {
        "ENTRYTYPE": mappings.entry_type("bibtex"),
        "ID": keyed.key,
        "author": format_authors(entry.authors, truncated=entry.truncated, ascii_only=ascii_only),
        "title": to_bibtex(entry.title, ascii_only=ascii_only,
                           protect=protected_words(entry.title, entry.abstract)),
        "year": str(entry.date.year),
        "month": BibDataString(database, MONTH_MACROS[entry.date.month - 1]),
        "date": entry.date.isoformat(),
        "keywords": escape_bibtex(", ".join(dict.fromkeys(keywords)), ascii_only=ascii_only),
    }
    if category.arxiv:
        fields["eprintclass"] = category.arxiv
    if entry.abstract:
        fields["abstract"] = to_bibtex(entry.abstract, ascii_only=ascii_only)
    return fields


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
