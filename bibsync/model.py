"""The one typed model every stage shares: a listing entry, its people, its key, and diagnostics.

Text fields (``title``, ``abstract``) hold the listing's own text: mostly plain Unicode, sometimes with
TeX math (``$3\\times$``), commands (``\\emph{...}``) and TeX quotes. Writers decide how to render it
(see :mod:`bibsync.markup`); the model never escapes anything.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field


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

    @property
    def year(self) -> int:
        return self.date.year


@dataclass(frozen=True, slots=True)
class Keyed:
    """An entry with the citation key it was issued."""

    key: str
    entry: Entry


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, order=True)
class Diagnostic:
    """A problem tied to a place in a file, printed as ``path:line: message``."""

    path: str
    line: int
    message: str
    severity: Severity = field(default=Severity.ERROR, compare=False)

    def __str__(self) -> str:
        prefix = "" if self.severity is Severity.ERROR else "warning: "
        return f"{self.path}:{self.line}: {prefix}{self.message}"
