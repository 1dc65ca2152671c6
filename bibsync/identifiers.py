"""DOIs and arXiv ids: recognising them wherever they are written, and their one canonical form. Pure.

Services, people and Zotero write the same identifier many ways (``https://doi.org/10.1/X``,
``doi:10.1/x``; ``arXiv:2203.15556v2``, ``https://arxiv.org/pdf/2203.15556``, arXiv's own DOI
``10.48550/arXiv.2203.15556``). Everything that compares or stores one goes through here.
"""

from __future__ import annotations

import re

# arXiv ids: "2203.15556" (since 2007) and "hep-th/9901001", "math.GT/0309136" (before), without version.
ARXIV_ID = r"(\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[a-z]{2})?/\d{7})"
ARXIV_DOI_PREFIX = "10.48550/arxiv."  # the DOIs arXiv registers for its papers (DataCite)
_ARXIV = re.compile(rf"^\s*(?:(?:https?://)?(?:export\.)?arxiv\.org/(?:abs|pdf)/|arxiv:\s*)?{ARXIV_ID}(?:v\d+)?"
                    r"(?:\.pdf)?\s*$", re.IGNORECASE)
_ARXIV_IN_URL = re.compile(rf"arxiv\.org/(?:abs|pdf)/{ARXIV_ID}(?:v\d+)?(?!\d)", re.IGNORECASE)
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_DOI = re.compile(r"10\.\d+(?:\.\d+)*/\S+")  # the DOI syntax: "10.", a registrant code, "/", a suffix


def normalise_doi(text: str) -> str:
    """A DOI lower-cased (DOIs are case-insensitive), without resolver or ``doi:``; "" if it is not one."""
    doi = _DOI_PREFIX.sub("", text.strip()).strip().lower()
    return doi if _DOI.fullmatch(doi) else ""


def normalise_arxiv_id(text: str) -> str:
    """An arXiv id without ``arXiv:``, URL or version (``2203.15556``, ``math.GT/0309136``); "" if not one."""
    found = _ARXIV.match(text)
    return found.group(1) if found else ""


def arxiv_id_in_url(url: str) -> str:
    """The arXiv id in an arxiv.org abstract or PDF link, else ""."""
    found = _ARXIV_IN_URL.search(url)
    return found.group(1) if found else ""


def is_arxiv_doi(doi: str) -> bool:
    """Whether ``doi`` is arXiv's own DOI for a paper rather than a publisher's."""
    return normalise_doi(doi).startswith(ARXIV_DOI_PREFIX)


def arxiv_id_from_doi(doi: str) -> str:
    """The arXiv id inside arXiv's DOI (``10.48550/arXiv.2203.15556`` -> ``2203.15556``), else ""."""
    normal = normalise_doi(doi)
    return normalise_arxiv_id(normal[len(ARXIV_DOI_PREFIX):]) if normal.startswith(ARXIV_DOI_PREFIX) else ""
