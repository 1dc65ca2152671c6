"""The one typed model every stage shares: a listing entry, its people, its key, and diagnostics.

Text fields (``title``, ``abstract``) hold the listing's own text: mostly plain Unicode, sometimes with
TeX math (``$3\\times$``), commands (``\\emph{...}``) and TeX quotes. Writers decide how to render it
(see :mod:`bibsync.markup`); the model never escapes anything.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field

from anyascii import anyascii


@dataclass(frozen=True, slots=True)
class Person:
    """One author, split the way BibTeX and CSL both understand names.

    A one-word name (``Madonna``) has only ``family`` set and ``literal`` true.
    """

    family: str
    given: str = ""
    particle: str = ""  # "de las", "van den": CSL's non-dropping-particle, BibTeX's "von" part
    suffix: str = ""  # "Jr.", "III"

    @property
    def literal(self) -> bool:
        return not self.given and not self.particle and not self.suffix

    @property
    def full(self) -> str:
        """The name as the listing wrote it: "Given particle Family Suffix"."""
        return " ".join(part for part in (self.given, self.particle, self.family, self.suffix) if part)


@dataclass(frozen=True, slots=True)
class Venue:
    """Where a later version of a paper was published (found by ``bibsync enrich``)."""

    kind: str  # a key of [venues] in mappings/types.toml: "journal" or "proceedings"
    title: str  # the journal's or the proceedings' title
    year: int | None = None
    volume: str = ""
    issue: str = ""
    pages: str = ""
    publisher: str = ""


@dataclass(frozen=True, slots=True)
class Entry:
    """One paper from the listing."""

    line: int  # 1-based line of the entry's header in the listing
    category: str  # "CV", "LG", ...
    date: dt.date
    title: str
    authors: tuple[Person, ...]
    truncated: bool = False  # the listing said "et al."
    has_code: bool = False
    organisations: tuple[str, ...] = ()
    abstract: str = ""
    year_inferred: bool = False  # the listing gave "Mon D" only; the year came from the as-of date
    # Added by `bibsync enrich` (see bibsync.enrich): never part of the listing, never used for keys.
    doi: str = ""  # "10.48550/arXiv.2203.15556", no "https://doi.org/"
    arxiv_id: str = ""  # "2203.15556" or "hep-th/9901001", without version
    arxiv_class: str = ""  # the paper's primary arXiv class, "cs.CL"
    url: str = ""
    venue: Venue | None = None

    @property
    def year(self) -> int:
        return self.date.year


@dataclass(frozen=True, slots=True)
class Keyed:
    """An entry with the citation key it was issued."""

    key: str
    entry: Entry


class Severity(enum.Enum):
    ERROR = "error"  # the input cannot be used as it is
    WARNING = "warning"  # usable, but probably not what the user meant
    NOTE = "note"  # worth knowing: a key kept across a correction, a key reserved


@dataclass(frozen=True, slots=True, order=True)
class Diagnostic:
    """A problem tied to a place in a file, printed as ``path:line: message``."""

    path: str
    line: int
    message: str
    severity: Severity = field(default=Severity.ERROR, compare=False)

    def __str__(self) -> str:
        prefix = "" if self.severity is Severity.ERROR else f"{self.severity.value}: "
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {prefix}{self.message}"


_NOT_ALNUM = bytes(c for c in range(128) if not chr(c).isalnum())


def fold(text: str) -> str:
    """Text reduced for comparison: ASCII, case-folded, letters and digits only ("Tomašev" == "tomasev")."""
    ascii_text = text if text.isascii() else anyascii(text)
    return ascii_text.lower().encode("ascii").translate(None, _NOT_ALNUM).decode("ascii")


def identity(entry: Entry) -> tuple[str, str]:
    """What makes two entries the same paper: title and first author's family name, folded."""
    return fold(entry.title), fold(entry.authors[0].family) if entry.authors else ""
