"""Helpers every service adapter shares: text clean-up, identifier normalisation, names, JSON access.

Kept apart from the package ``__init__`` (which imports every adapter to build the registry) so that
adapters can import these without an import cycle.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from functools import cache
from typing import Any

import httpx

from bibsync.enrich.candidate import ServiceError
from bibsync.mappings import load_mappings
from bibsync.model import Person, fold
from bibsync.names import split_name

_SPACE = re.compile(r"\s+")
_TAG = re.compile(r"<[^>]*>")
_DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:")
_ARXIV_PREFIXES = ("https://arxiv.org/abs/", "http://arxiv.org/abs/", "arxiv:")
_ARXIV_VERSION = re.compile(r"v\d+$")
# The DOI DataCite registers for every arXiv paper: 10.48550/arXiv.2203.15556
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$")
# arXiv's own preprint venues, which services report as if they were journals (S2's "ArXiv", DBLP's "CoRR")
_PREPRINT_VENUES = frozenset({"arxiv", "arxivorg", "corr", "biorxiv", "medrxiv"})


def collapse(text: str) -> str:
    """``text`` with runs of whitespace (newlines from wrapped XML) turned into single spaces, trimmed."""
    return _SPACE.sub(" ", text).strip()


def strip_markup(text: str) -> str:
    """Plain text from a title that may hold JATS/HTML tags (``<i>``, ``<sub>``) and entities (``&amp;``)."""
    return collapse(html.unescape(_TAG.sub("", text)))


def normalise_doi(text: str) -> str:
    """A DOI lowercased, without resolver prefix: ``https://doi.org/10.1/ABC`` -> ``10.1/abc``."""
    doi = text.strip()
    lowered = doi.lower()
    for prefix in _DOI_PREFIXES:
        if lowered.startswith(prefix):
            lowered = lowered[len(prefix) :]
            break
    return lowered.strip()


def normalise_arxiv_id(text: str) -> str:
    """An arXiv id without URL, ``arXiv:`` prefix or version: ``arxiv.org/abs/2203.15556v2`` -> ``2203.15556``."""
    ident = text.strip()
    lowered = ident.lower()
    for prefix in _ARXIV_PREFIXES:
        if lowered.startswith(prefix):
            ident = ident[len(prefix) :]
            break
    return _ARXIV_VERSION.sub("", ident.strip())


def arxiv_id_from_doi(doi: str) -> str:
    """The arXiv id inside an arXiv DataCite DOI (``10.48550/arxiv.2203.15556``), else ""."""
    found = _ARXIV_DOI.match(normalise_doi(doi))
    return normalise_arxiv_id(found.group(1)) if found else ""


def is_preprint_venue(name: str) -> bool:
    """Whether a venue name is arXiv (or CoRR, its DBLP name) rather than a place of publication."""
    return fold(name) in _PREPRINT_VENUES


@cache
def particles() -> frozenset[str]:
    """The name particles from the mappings, loaded once per process."""
    return load_mappings().particles


def person(name: str) -> Person:
    """A display name ("Diego de Las Casas") split the way the listing's names are split."""
    return split_name(collapse(name), particles())


def person_from_parts(given: str, family: str) -> Person:
    """A Person from a service's own given/family split (Crossref), with leading particles moved out of family.

    Crossref gives ``family="de Las Casas"``; moving "de" to ``particle`` makes the Person the same as
    :func:`person` makes from "Diego de Las Casas", so the matcher compares like with like.
    """
    words = collapse(family).split()
    known = particles()
    lead = 0
    while lead < len(words) - 1 and words[lead] in known:
        lead += 1
    return Person(family=" ".join(words[lead:]), given=collapse(given), particle=" ".join(words[:lead]))


def parse_year(value: object) -> int | None:
    """A four-digit year from an int or a string ("2022", "2022-03-29T17:56:30Z"), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 1000 <= value <= 9999 else None
    if isinstance(value, str) and len(value) >= 4 and value[:4].isdigit():
        return int(value[:4])
    return None


def text(value: object) -> str:
    """A JSON scalar as trimmed text ("" for null, lists, objects): services mix numbers and strings."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def as_list(value: object) -> list[Any]:
    """A JSON value that may be one item or a list of them (DBLP's single author) as a list."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def as_object(value: object) -> Mapping[str, Any]:
    """A JSON object, or an empty mapping when the value is missing or of another type."""
    return value if isinstance(value, dict) else {}


def json_body(response: httpx.Response, label: str) -> Mapping[str, Any]:
    """The response body as a JSON object; ServiceError when it is not JSON or not an object."""
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError) as error:
        raise ServiceError(f"{label}: the answer is not JSON ({error})") from error
    if not isinstance(body, dict):
        raise ServiceError(f"{label}: the answer is not a JSON object")
    return body


def headers(user_agent: str, accept: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Request headers: always the configured User-Agent (every service asks clients to identify)."""
    return {"User-Agent": user_agent, "Accept": accept, **(extra or {})}
