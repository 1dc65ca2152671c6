"""DBLP: the computer science bibliography's publication search API.

Endpoint: ``https://dblp.org/search/publ/api?q=<words>&format=json&h=<hits>`` (dblp FAQ, "How to use
the dblp search API?", https://dblp.org/faq/How+to+use+the+dblp+search+API.html). The answer is
``{"result": {"query": ..., "status": {"@code": "200", "text": "OK"}, "hits": {"@total": ..,
"@sent": .., "@first": .., "hit": [{"@score": .., "@id": .., "info": {...}, "url": ...}]}}}``;
``hit`` is absent when nothing matched, and ``info.authors.author`` is a single object, not a list,
when a paper has one author. Titles end with a "." and may hold HTML entities (``&apos;``); author
names may end in a 4-digit homonym number ("Alexey Karpov 0001").

Rate: DBLP publishes no fixed limit. Its FAQ ("Am I allowed to crawl the dblp website?",
https://dblp.org/faq/1474706.html) answers excessive use with 429 and a Retry-After header and says
"You should always be fine when waiting for at least one or two second between two consecutive
requests": we take the upper figure, ``min_interval=2.0``, one request at a time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx
from anyascii import anyascii

from bibsync.enrich.candidate import Candidate, Politeness, Query, Service, ServiceError
from bibsync.enrich.services.common import (
    as_list,
    as_object,
    headers,
    is_preprint_venue,
    json_body,
    parse_year,
    person,
    strip_markup,
    text,
)
from bibsync.identifiers import arxiv_id_from_doi, arxiv_id_in_url, normalise_arxiv_id, normalise_doi
from bibsync.model import Venue

URL = "https://dblp.org/search/publ/api"
LABEL = "DBLP"
HITS = 5
_ACCEPT = "application/json"
_VENUE_KINDS = {"Journal Articles": "journal", "Conference and Workshop Papers": "proceedings"}
_HOMONYM = re.compile(r"\s+\d{4}$")  # DBLP tells namesakes apart with "Name 0001"
_WORD = re.compile(r"[A-Za-z0-9]+")


def search(query: Query, politeness: Politeness) -> httpx.Request:
    # DBLP's query language gives "|", "$", "-" and ":" meanings of their own; the title's plain words
    # (each a prefix, all required) find the paper without them.
    words = " ".join(_WORD.findall(anyascii(query.title)))
    params = {"q": words, "format": "json", "h": str(HITS)}
    return httpx.Request("GET", URL, params=params, headers=headers(politeness.user_agent, _ACCEPT))


def parse(response: httpx.Response) -> list[Candidate]:
    body = json_body(response, LABEL)
    result = body.get("result")
    if not isinstance(result, dict):
        raise ServiceError(f"{LABEL}: the answer has no 'result' object")
    hits = result.get("hits")
    if not isinstance(hits, dict):
        raise ServiceError(f"{LABEL}: the answer has no 'hits' object")
    infos = (as_object(as_object(hit).get("info")) for hit in as_list(hits.get("hit")))
    return [candidate for candidate in map(_candidate, infos) if candidate is not None]


def _candidate(info: Mapping[str, Any]) -> Candidate | None:
    title = _title(text(info.get("title")))
    if not title:
        return None
    doi = normalise_doi(text(info.get("doi")))
    year = parse_year(text(info.get("year")))
    links = [text(link) for link in as_list(info.get("ee")) if text(link)]
    return Candidate(
        source="dblp",
        title=title,
        authors=tuple(person(name) for name in _author_names(info) if name),
        year=year,
        doi=doi,
        arxiv_id=_arxiv_id(info, doi, links),
        # the landing page: the electronic edition (DOI or publisher link), else DBLP's own record
        url=links[0] if links else text(info.get("url")),
        venue=_venue(info, year),
    )


def _title(raw: str) -> str:
    title = strip_markup(raw)
    # DBLP ends every title with a period; a title's own "?" or "!" is kept
    return title[:-1].rstrip() if title.endswith(".") else title


def _author_names(info: Mapping[str, Any]) -> list[str]:
    authors = as_list(as_object(info.get("authors")).get("author"))  # one author: an object, not a list
    names = (text(a.get("text")) if isinstance(a, dict) else text(a) for a in authors)
    return [_HOMONYM.sub("", strip_markup(name)) for name in names]


def _arxiv_id(info: Mapping[str, Any], doi: str, links: list[str]) -> str:
    # CoRR records carry the arXiv id as an arxiv.org link, as the arXiv DOI, or as volume "abs/2203.15556"
    for link in links:
        from_link = arxiv_id_in_url(link) or arxiv_id_from_doi(link)
        if from_link:
            return from_link
    from_doi = arxiv_id_from_doi(doi)
    if from_doi:
        return from_doi
    volume = text(info.get("volume"))
    if _venues(info) == ["CoRR"] and volume.startswith("abs/"):
        return normalise_arxiv_id(volume[len("abs/") :])
    return ""


def _venues(info: Mapping[str, Any]) -> list[str]:
    # "venue" is a list when a record belongs to several (a journal and its special issue)
    return [text(v) for v in as_list(info.get("venue")) if text(v)]


def _venue(info: Mapping[str, Any], year: int | None) -> Venue | None:
    kind = _VENUE_KINDS.get(text(info.get("type")))
    venues = _venues(info)
    # CoRR (arXiv) was once typed "Journal Articles": never a place of publication
    if kind is None or not venues or is_preprint_venue(venues[0]):
        return None
    return Venue(
        kind=kind,
        title=venues[0],
        year=year,
        volume=text(info.get("volume")),
        issue=text(info.get("number")),
        pages=text(info.get("pages")),
    )


SERVICE = Service(
    name="dblp",
    label=LABEL,
    min_interval=2.0,
    concurrency=1,
    search=search,
    parse=parse,
)
