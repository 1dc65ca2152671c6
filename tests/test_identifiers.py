"""DOIs and arXiv ids in every spelling, to one canonical form (bibsync.identifiers)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bibsync.identifiers import arxiv_id_from_doi, arxiv_id_in_url, is_arxiv_doi, normalise_arxiv_id, normalise_doi


@pytest.mark.parametrize(("text", "arxiv_id"), [
    ("2203.15556", "2203.15556"), ("arXiv:2203.15556v2", "2203.15556"), ("arxiv: 2203.15556", "2203.15556"),
    ("https://arxiv.org/abs/2203.15556v1", "2203.15556"), ("http://arxiv.org/pdf/2203.15556v3.pdf", "2203.15556"),
    ("https://export.arxiv.org/abs/hep-th/9901001v2", "hep-th/9901001"), ("math.GT/0309136", "math.GT/0309136"),
    ("1501.0001", "1501.0001"),  # four-digit numbers until 2014
    ("2203.155567", ""), ("arxiv.org/abs/", ""), ("10.48550/arXiv.2203.15556", ""), ("", ""),
])
def test_arxiv_ids(text: str, arxiv_id: str) -> None:
    assert normalise_arxiv_id(text) == arxiv_id


@pytest.mark.parametrize(("text", "doi"), [
    ("10.1038/nature14539", "10.1038/nature14539"), ("https://doi.org/10.1038/NATURE14539", "10.1038/nature14539"),
    ("doi: 10.1145/3292500.3330701", "10.1145/3292500.3330701"), ("http://dx.doi.org/10.1/x", "10.1/x"),
    ("10.1007/978-3-319-46604-0_48", "10.1007/978-3-319-46604-0_48"), ("not a doi", ""), ("10.1038", ""),
])
def test_dois(text: str, doi: str) -> None:
    assert normalise_doi(text) == doi


def test_arxiv_dois_and_urls() -> None:
    assert arxiv_id_from_doi("https://doi.org/10.48550/arXiv.2203.15556") == "2203.15556"
    assert is_arxiv_doi("10.48550/ARXIV.2203.15556") and not is_arxiv_doi("10.1038/nature14539")
    assert arxiv_id_from_doi("10.1038/nature14539") == ""
    assert arxiv_id_in_url("see https://arxiv.org/pdf/2102.00002v4 for more") == "2102.00002"
    assert arxiv_id_in_url("https://example.org/abs/2102.00002") == ""


@given(st.from_regex(r"\d{4}\.\d{5}", fullmatch=True), st.integers(1, 30),
       st.sampled_from(["", "arXiv:", "https://arxiv.org/abs/", "http://arxiv.org/pdf/"]))
def test_any_spelling_gives_the_bare_id_and_is_stable(arxiv_id: str, version: int, prefix: str) -> None:
    spelled = f"{prefix}{arxiv_id}v{version}"
    assert normalise_arxiv_id(spelled) == arxiv_id
    assert normalise_arxiv_id(normalise_arxiv_id(spelled)) == arxiv_id
    assert arxiv_id_from_doi(f"10.48550/arXiv.{arxiv_id}") == arxiv_id


@given(st.text(max_size=40))
def test_normalising_never_fails_and_is_idempotent(text: str) -> None:
    doi = normalise_doi(text)
    assert normalise_doi(doi) == doi
    arxiv_id = normalise_arxiv_id(text)
    assert normalise_arxiv_id(arxiv_id) == arxiv_id
