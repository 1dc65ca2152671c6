"""Crossref: the DOI registration agency's REST API, for the published versions of papers.

Endpoint: ``https://api.crossref.org/works`` (https://api.crossref.org/swagger-ui/index.html and
https://www.crossref.org/documentation/retrieve-metadata/rest-api/). A search answers
``{"status": "ok", "message-type": "work-list", "message": {"items": [...], "total-results": N}}``;
``/works/{doi}`` answers ``"message-type": "work"`` with the one work as ``message``, and 404 for an
unknown DOI. ``mailto=<address>`` puts a request in the "polite" pool.

Rate: since 1 December 2025 (Crossref blog, "Announcing changes to REST API rate limits",
https://www.crossref.org/blog/announcing-changes-to-rest-api-rate-limits/) the public pool allows
5 requests/s for single records and 1 request/s for lists (queries, filters), each with 1 request in
flight; the polite pool 10/s for single records and 3/s for lists, with 3 in flight. Our searches are
list requests and ``Service`` holds one fixed rate, so we use the public pool's list limit, safe in
both pools and for both kinds of request: ``min_interval=1.0``, ``concurrency=1``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from bibsync.enrich.candidate import Candidate, Identifier, Politeness, Query, Service, ServiceError
from bibsync.enrich.services.common import as_list, as_object, headers, json_body, person_from_parts, strip_markup, text
from bibsync.identifiers import normalise_doi
from bibsync.model import Person, Venue

URL = "https://api.crossref.org/works"
LABEL = "Crossref"
ROWS = 5
_ACCEPT = "application/json"
# Only what `parse` reads: smaller answers, and Crossref asks clients to select what they need.
SELECT = "DOI,title,author,issued,published-print,published-online,type,container-title,volume,issue,page,publisher"
# Crossref work types that name a place of publication -> the venue kind (a key of [venues] in types.toml)
_VENUE_KINDS = {"journal-article": "journal", "proceedings-article": "proceedings"}
EMPTY_STATUSES = frozenset({404})  # /works/{doi} for a DOI Crossref does not hold (body: "Resource not found.")


def search(query: Query, politeness: Politeness) -> httpx.Request:
    params = {
        "query.bibliographic": query.title,
        "rows": str(ROWS),
        "select": SELECT,
        # the published version usually comes a year or two after the preprint the listing dates from
        "filter": f"from-pub-date:{query.year - 1},until-pub-date:{query.year + 2}",
    }
    families = " ".join(person.family for person in query.authors if person.family)
    if families:
        params["query.author"] = families
    return httpx.Request("GET", URL, params=_polite(params, politeness), headers=_headers(politeness))


def lookup(identifier: Identifier, politeness: Politeness) -> httpx.Request:
    if identifier.scheme != "doi":
        raise ValueError(f"{LABEL} cannot look up {identifier}")
    # DOIs may hold "#", "?", ";" or spaces, which would end or split the path; "/" stays as it is
    path = quote(normalise_doi(identifier.value), safe="/")
    return httpx.Request("GET", f"{URL}/{path}", params=_polite({}, politeness), headers=_headers(politeness))


def _polite(params: dict[str, str], politeness: Politeness) -> dict[str, str]:
    return {**params, "mailto": politeness.contact} if politeness.contact else params


def _headers(politeness: Politeness) -> dict[str, str]:
    return headers(politeness.user_agent, _ACCEPT)


def parse(response: httpx.Response) -> list[Candidate]:
    if response.status_code in EMPTY_STATUSES:
        return []
    body = json_body(response, LABEL)
    message = body.get("message")
    if not isinstance(message, dict):
        raise ServiceError(f"{LABEL}: the answer has no 'message' object")
    if body.get("message-type") == "work" or ("items" not in message and "DOI" in message):
        works: list[Any] = [message]
    else:
        items = message.get("items")
        if not isinstance(items, list):
            raise ServiceError(f"{LABEL}: the answer's message has no 'items' list")
        works = items
    return [candidate for candidate in (_candidate(as_object(work)) for work in works) if candidate is not None]


def _candidate(work: Mapping[str, Any]) -> Candidate | None:
    titles = [strip_markup(t) for t in as_list(work.get("title")) if isinstance(t, str)]
    title = next((t for t in titles if t), "")
    if not title:
        return None
    doi = normalise_doi(text(work.get("DOI")))
    year = _year(work)
    return Candidate(
        source="crossref",
        title=title,
        authors=tuple(p for p in map(_person, as_list(work.get("author"))) if p is not None),
        year=year,
        doi=doi,
        url=f"https://doi.org/{doi}" if doi else "",
        venue=_venue(work, year),
    )


def _person(author: object) -> Person | None:
    fields = as_object(author)
    family, given = text(fields.get("family")), text(fields.get("given"))
    if family:
        return person_from_parts(given, family)
    name = text(fields.get("name"))  # an organisation ("DeepMind"), kept as a literal name
    return Person(family=name) if name else None


def _year(work: Mapping[str, Any]) -> int | None:
    # "issued" is the earliest of the publication dates; the others are fallbacks for thin records
    for key in ("issued", "published-print", "published-online"):
        parts = as_list(as_object(work.get(key)).get("date-parts"))
        first = as_list(parts[0]) if parts else []
        year = first[0] if first else None
        if isinstance(year, int) and not isinstance(year, bool):
            return year
        if isinstance(year, float) and math.isfinite(year):
            return int(year)
    return None


def _venue(work: Mapping[str, Any], year: int | None) -> Venue | None:
    kind = _VENUE_KINDS.get(text(work.get("type")))
    containers = [strip_markup(t) for t in as_list(work.get("container-title")) if isinstance(t, str)]
    container = next((t for t in containers if t), "")
    if kind is None or not container:
        return None
    return Venue(
        kind=kind,
        title=container,
        year=year,
        volume=text(work.get("volume")),
        issue=text(work.get("issue")),
        pages=text(work.get("page")),
        publisher=text(work.get("publisher")),
    )


SERVICE = Service(
    name="crossref",
    label=LABEL,
    min_interval=1.0,
    concurrency=1,
    search=search,
    parse=parse,
    lookup=lookup,
    lookup_schemes=frozenset({"doi"}),
    empty_statuses=EMPTY_STATUSES,
)
