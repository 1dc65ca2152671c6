"""Helpers every service adapter shares: text clean-up, names, JSON access. (Identifiers are
:mod:`bibsync.identifiers`'s.)

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
# arXiv's own preprint venues, which services report as if they were journals (S2's "ArXiv", DBLP's "CoRR")
_PREPRINT_VENUES = frozenset({"arxiv", "arxivorg", "corr", "biorxiv", "medrxiv"})


def collapse(text: str) -> str:
    """``text`` with runs of whitespace (newlines from wrapped XML) turned into single spaces, trimmed."""
    return _SPACE.sub(" ", text).strip()


def strip_markup(text: str) -> str:
    """Plain text from a title that may hold JATS/HTML tags (``<i>``, ``<sub>``) and entities (``&amp;``)."""
    return collapse(html.unescape(_TAG.sub("", text)))


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
