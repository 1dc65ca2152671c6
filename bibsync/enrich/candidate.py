"""The types the enrichment stages share: what is asked, what a service answered, how to ask politely."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bibsync.model import Person, Venue

if TYPE_CHECKING:  # `export` applies enrichment without loading the HTTP stack
    import httpx


@dataclass(frozen=True, slots=True)
class Query:
    """One listing entry, as the services are asked about it."""

    key: str  # the entry's citation key (for messages only)
    title: str  # plain text: no TeX, no markup
    authors: tuple[Person, ...]  # the listing's authors, in order (maybe only the first three)
    year: int


@dataclass(frozen=True, slots=True)
class Identifier:
    """An identifier a user pinned for an entry: ``arxiv:2203.15556`` or ``doi:10.1145/...``."""

    scheme: str  # "arxiv" or "doi"
    value: str  # arXiv id without version; DOI lowercased, without "https://doi.org/"

    def __str__(self) -> str:
        return f"{self.scheme}:{self.value}"


@dataclass(frozen=True, slots=True)
class Candidate:
    """One record a service returned: maybe the listing's paper, maybe not (see bibsync.enrich.match)."""

    source: str  # the service's name: "arxiv", "crossref", "semanticscholar", "dblp"
    title: str  # plain text, as the service gives it (whitespace collapsed)
    authors: tuple[Person, ...]  # complete, in order, as the service gives them
    year: int | None  # the year of this record (arXiv: first version; Crossref: issued)
    doi: str = ""  # lowercased, without "https://doi.org/"
    arxiv_id: str = ""  # "2203.15556" / "hep-th/9901001", without version
    arxiv_class: str = ""  # primary class, "cs.CL"
    url: str = ""  # the landing page
    venue: Venue | None = None  # set only for a journal article or a proceedings paper


@dataclass(frozen=True, slots=True)
class Politeness:
    """What polite use of the services needs from the user's config. Never printed: holds API keys."""

    user_agent: str  # "bibsync/0.1.0 (mailto:lab@example.org)"
    contact: str = ""  # e-mail address, "" when none is configured
    api_keys: Mapping[str, str] = field(default_factory=dict, repr=False)  # service name -> key


class ServiceError(Exception):
    """A service's answer could not be read (malformed body). The message names the service."""


@dataclass(frozen=True, slots=True)
class Service:
    """One bibliographic service: how to ask it, how to read its answer, how often it may be asked.

    ``search`` and ``lookup`` build requests without sending them; ``parse`` reads a 2xx response into
    candidates (a status in ``empty_statuses`` means "no record" and is never parsed). All three are pure.
    """

    name: str  # "arxiv"
    label: str  # "arXiv", for messages
    min_interval: float  # seconds between the starts of two requests, from the service's documented rate
    concurrency: int  # requests in flight at once
    search: Callable[[Query, Politeness], httpx.Request]
    parse: Callable[[httpx.Response], list[Candidate]]
    lookup: Callable[[Identifier, Politeness], httpx.Request] | None = None  # None: cannot resolve that scheme
    lookup_schemes: frozenset[str] = frozenset()  # the identifier schemes ``lookup`` resolves
    empty_statuses: frozenset[int] = frozenset()  # e.g. 404 from Semantic Scholar's title match
