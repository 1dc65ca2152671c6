"""The bibliographic services ``bibsync enrich`` asks, one module each, and the registry of them.

Each module defines ``SERVICE``: pure functions that build an ``httpx.Request`` for a listing entry
(``search``) or a pinned identifier (``lookup``) and read a response into candidates (``parse``), plus
the polite rate the service documents. Sending, pacing and retrying are :mod:`bibsync.enrich.fetch`'s.
"""

from __future__ import annotations

from bibsync.enrich.candidate import Service
from bibsync.enrich.services import arxiv, crossref, dblp, semanticscholar

SERVICES: dict[str, Service] = {
    service.name: service for service in (arxiv.SERVICE, crossref.SERVICE, semanticscholar.SERVICE, dblp.SERVICE)
}
