"""Semantic Scholar: the Allen Institute for AI's Academic Graph API.

Endpoints (https://api.semanticscholar.org/api-docs/graph): ``/graph/v1/paper/search/match`` returns
the single paper whose title best matches ``query`` as ``{"data": [{..., "matchScore": ...}]}``, or
404 ``{"error": "Title match not found"}``; ``/graph/v1/paper/{id}`` (``DOI:<doi>``, ``ARXIV:<id>``)
returns one paper object, or 404 when there is none. ``fields`` picks what each paper carries.
An API key, when the user has one, goes in the ``x-api-key`` header.

Rate: an API key gets an introductory 1 request per second across all endpoints; requests without a
key share one pool with every other unauthenticated user (Semantic Scholar API documentation and
https://www.semanticscholar.org/product/api, "rate limits"), so one request per second, one at a
time, is the most we may use either way: ``min_interval=1.0``, ``concurrency=1``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from bibsync.enrich.candidate import Candidate, Identifier, Politeness, Query, Service, ServiceError
from bibsync.enrich.services.common import (
    as_list,
    as_object,
    collapse,
    headers,
    is_preprint_venue,
    json_body,
    parse_year,
    person,
    text,
)
from bibsync.identifiers import normalise_arxiv_id, normalise_doi
from bibsync.model import Venue

BASE = "https://api.semanticscholar.org/graph/v1/paper"
MATCH_URL = f"{BASE}/search/match"
LABEL = "Semantic Scholar"
FIELDS = "title,authors,year,externalIds,venue,publicationVenue,journal,publicationTypes,url"
EMPTY_STATUSES = frozenset({404})  # "Title match not found", or no paper with that DOI / arXiv id
_ACCEPT = "application/json"
_ID_PREFIXES = {"doi": "DOI", "arxiv": "ARXIV"}
_PAGE_RANGE = re.compile(r"\s*[-–]\s*")


def search(query: Query, politeness: Politeness) -> httpx.Request:
    # S2's search documents that hyphenated terms match nothing ("replace it with space to find matches")
    title = collapse(query.title.replace("-", " "))
    params = {"query": title, "fields": FIELDS}
    return httpx.Request("GET", MATCH_URL, params=params, headers=_headers(politeness))


def lookup(identifier: Identifier, politeness: Politeness) -> httpx.Request:
    prefix = _ID_PREFIXES.get(identifier.scheme)
    if prefix is None:
        raise ValueError(f"{LABEL} cannot look up {identifier}")
    value = normalise_doi(identifier.value) if identifier.scheme == "doi" else normalise_arxiv_id(identifier.value)
    url = f"{BASE}/{prefix}:{quote(value, safe='/')}"
    return httpx.Request("GET", url, params={"fields": FIELDS}, headers=_headers(politeness))


def _headers(politeness: Politeness) -> dict[str, str]:
    key = politeness.api_keys.get("semanticscholar", "")
    # the key goes in this header only: never in the URL, which ends up in logs and error messages
    return headers(politeness.user_agent, _ACCEPT, {"x-api-key": key} if key else None)


def parse(response: httpx.Response) -> list[Candidate]:
    if response.status_code in EMPTY_STATUSES:
        return []
    body = json_body(response, LABEL)
    if "data" in body:  # title match: a list (of one)
        papers = body["data"]
        if not isinstance(papers, list):
            raise ServiceError(f"{LABEL}: 'data' is not a list")
    elif "paperId" in body or "title" in body:  # lookup by id: the paper itself
        papers = [body]
    else:
        raise ServiceError(f"{LABEL}: the answer is neither a paper nor a list of papers")
    return [candidate for candidate in (_candidate(as_object(paper)) for paper in papers) if candidate is not None]


def _candidate(paper: Mapping[str, Any]) -> Candidate | None:
    title = collapse(text(paper.get("title")))
    if not title:
        return None
    ids = as_object(paper.get("externalIds"))
    year = parse_year(paper.get("year"))
    authors = tuple(
        person(name) for name in (text(as_object(a).get("name")) for a in as_list(paper.get("authors"))) if name
    )
    return Candidate(
        source="semanticscholar",
        title=title,
        authors=authors,
        year=year,
        doi=normalise_doi(text(ids.get("DOI"))),
        arxiv_id=normalise_arxiv_id(text(ids.get("ArXiv"))),
        url=text(paper.get("url")),
        venue=_venue(paper),
    )


def _venue(paper: Mapping[str, Any]) -> Venue | None:
    # No venue year: S2's "year" is the paper's first appearance (the arXiv version's year for
    # 1512.04065, published at ECCV 2016 Workshops), not necessarily the venue's.
    # The documentation spells types "JournalArticle" in filters but "Journal Article" in its sample
    # answer: compare without spaces.
    types = {text(t).replace(" ", "") for t in as_list(paper.get("publicationTypes"))}
    if "Conference" in types:
        name = text(as_object(paper.get("publicationVenue")).get("name")) or text(paper.get("venue"))
        if name and not is_preprint_venue(name):
            return Venue(kind="proceedings", title=name)
    if "JournalArticle" in types:
        journal = as_object(paper.get("journal"))
        name = collapse(text(journal.get("name")))
        # S2 files many arXiv-only papers as JournalArticle in journal "ArXiv" (volume "abs/2203.15556"):
        # that is the preprint, not a place of publication
        if name and not is_preprint_venue(name):
            return Venue(
                kind="journal",
                title=name,
                volume=text(journal.get("volume")),
                pages=_PAGE_RANGE.sub("-", text(journal.get("pages"))),
            )
    return None


SERVICE = Service(
    name="semanticscholar",
    label=LABEL,
    min_interval=1.0,
    concurrency=1,
    search=search,
    parse=parse,
    lookup=lookup,
    lookup_schemes=frozenset({"doi", "arxiv"}),
    empty_statuses=EMPTY_STATUSES,
)
