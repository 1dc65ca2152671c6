"""arXiv: the preprint server's search API, answering in Atom 1.0.

Endpoint: ``https://export.arxiv.org/api/query`` (the arXiv API User's Manual,
https://info.arxiv.org/help/api/user-manual.html). ``search_query`` takes field-prefixed terms
(``ti:``, ``au:``) joined with ``AND``; double quotes group a phrase. ``id_list`` fetches papers by id.
Errors come back as a feed whose single entry has an id under ``http://arxiv.org/api/errors#``.

Rate: "make no more than one request every three seconds, and limit requests to a single connection
at a time" (Terms of Use for arXiv APIs, https://info.arxiv.org/help/api/tou.html, "Rate limits"),
hence ``min_interval=3.0`` and ``concurrency=1``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import feedparser  # type: ignore[import-untyped]  # ships no type information
import httpx
from anyascii import anyascii

from bibsync.enrich.candidate import Candidate, Identifier, Politeness, Query, Service, ServiceError
from bibsync.enrich.services.common import collapse, headers, parse_year, person
from bibsync.identifiers import normalise_arxiv_id, normalise_doi

URL = "https://export.arxiv.org/api/query"
LABEL = "arXiv"
MAX_RESULTS = 5
_ACCEPT = "application/atom+xml"
_ERROR_IDS = ("http://arxiv.org/api/errors", "https://arxiv.org/api/errors")
_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> list[str]:
    # arXiv's query parser breaks on colons, quotes, parentheses and stray operators inside a phrase;
    # its index is case-insensitive and splits on punctuation anyway, so plain lowercase ASCII words
    # find the same papers ("Self-Referential" -> "self referential", and "AND" can't become an operator).
    return _WORD.findall(anyascii(text).lower())


def search_query(query: Query) -> str:
    """``ti:"<title words>" AND au:<first author's surname>``, both parts only when there is something to say."""
    parts: list[str] = []
    title = _words(query.title)
    if title:
        parts.append(f'ti:"{" ".join(title)}"')
    surname = _words(query.authors[0].family) if query.authors else []
    if surname:
        # the last word of the family name: "Las Casas" -> "casas", "Warde-Farley" -> "farley"; an author
        # term only has to narrow the title phrase's hits, the matcher decides which one is the paper
        parts.append(f"au:{surname[-1]}")
    return " AND ".join(parts)


def search(query: Query, politeness: Politeness) -> httpx.Request:
    params = {"search_query": search_query(query), "start": "0", "max_results": str(MAX_RESULTS)}
    return httpx.Request("GET", URL, params=params, headers=headers(politeness.user_agent, _ACCEPT))


def lookup(identifier: Identifier, politeness: Politeness) -> httpx.Request:
    if identifier.scheme != "arxiv":
        raise ValueError(f"{LABEL} cannot look up {identifier}")
    params = {"id_list": normalise_arxiv_id(identifier.value)}
    return httpx.Request("GET", URL, params=params, headers=headers(politeness.user_agent, _ACCEPT))


def parse(response: httpx.Response) -> list[Candidate]:
    feed = feedparser.parse(response.content)
    _check_feed(feed)
    entries: list[Mapping[str, Any]] = [e for e in feed.get("entries", []) if isinstance(e, Mapping)]
    for entry in entries:
        entry_id = str(entry.get("id", ""))
        if entry_id.startswith(_ERROR_IDS):
            message = collapse(str(entry.get("summary", ""))) or entry_id
            raise ServiceError(f"{LABEL}: the API reported an error: {message}")
    return [candidate for candidate in map(_candidate, entries) if candidate is not None]


def _check_feed(feed: Mapping[str, Any]) -> None:
    # feedparser never raises: it flags a broken document with "bozo". A body that is not an Atom feed
    # at all (arXiv's plain-text "Rate exceeded.", an HTML error page) has no feed version.
    if feed.get("bozo"):
        raise ServiceError(f"{LABEL}: the answer is not a well-formed Atom feed ({feed.get('bozo_exception')})")
    if not str(feed.get("version", "")).startswith("atom"):
        raise ServiceError(f"{LABEL}: the answer is not an Atom feed")


def _candidate(entry: Mapping[str, Any]) -> Candidate | None:
    title = collapse(str(entry.get("title", "")))
    arxiv_id = normalise_arxiv_id(str(entry.get("id", "")))
    if not title or not arxiv_id:
        return None
    authors = tuple(
        person(str(author["name"]))
        for author in entry.get("authors", [])
        if isinstance(author, Mapping) and str(author.get("name", "")).strip()
    )
    primary = entry.get("arxiv_primary_category")
    arxiv_class = str(primary.get("term", "")) if isinstance(primary, Mapping) else ""
    return Candidate(
        source="arxiv",
        title=title,
        authors=authors,
        year=parse_year(str(entry.get("published", ""))),  # <published> is version 1's date
        doi=_first_doi(str(entry.get("arxiv_doi", ""))),
        arxiv_id=arxiv_id,
        arxiv_class=arxiv_class.strip(),
        url=f"https://arxiv.org/abs/{arxiv_id}",
    )


def _first_doi(value: str) -> str:
    # authors sometimes give several DOIs (erratum, companion paper), separated by spaces
    words = value.split()
    return normalise_doi(words[0]) if words else ""


SERVICE = Service(
    name="arxiv",
    label=LABEL,
    min_interval=3.0,
    concurrency=1,
    search=search,
    parse=parse,
    lookup=lookup,
    lookup_schemes=frozenset({"arxiv"}),
)
