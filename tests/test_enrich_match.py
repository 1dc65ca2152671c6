"""Deciding whether a service's record is the listing's paper: convincing, uncertain, or a different paper."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bibsync.enrich.candidate import Candidate, Query
from bibsync.enrich.match import (
    Verdict,
    author_positions,
    decide,
    group,
    normalise_title,
    same_person,
    title_similarity,
)
from bibsync.model import Person, Venue

LISTED = (Person("Hoffmann", "Jordan"), Person("Borgeaud", "Sebastian"), Person("Mensch", "Arthur"))
FULL = (*LISTED, Person("Buchatskaya", "Elena"), Person("Cai", "Trevor"), Person("Casas", "Diego", "de las"))
QUERY = Query("hoffmann2022training", "Training Compute-Optimal Large Language Models", LISTED, 2022)


def arxiv(title: str = QUERY.title, authors: tuple[Person, ...] = FULL, year: int = 2022, **kw: str) -> Candidate:
    return Candidate("arxiv", title, authors, year, arxiv_id=kw.get("arxiv_id", "2203.15556"),
                     arxiv_class="cs.CL", url="https://arxiv.org/abs/2203.15556")


def crossref(doi: str = "10.5555/3600270.3602446", year: int = 2022, title: str = QUERY.title) -> Candidate:
    return Candidate("crossref", title, FULL, year, doi=doi, url=f"https://doi.org/{doi}",
                     venue=Venue("proceedings", "Advances in Neural Information Processing Systems", 2022, "35"))


def test_normalised_titles_ignore_case_punctuation_and_accents() -> None:
    assert normalise_title("CLIP-CLOP: CLIP-Guided Collage") == "clip clop clip guided collage"
    assert normalise_title("Ünïcode — Títle") == "unicode title"
    assert title_similarity("Compute-Optimal Models", "compute optimal models") == 1.0


def test_same_person_by_family_name_or_swapped_order() -> None:
    assert same_person(Person("Veličković", "Petar"), Person("Velickovic", "P."))
    assert same_person(Person("Casas", "Diego", "de las"), Person("de Las Casas", "Diego"))
    assert same_person(Person("Wang", "Wei"), Person("Wei", "Wang"))  # given and family swapped
    assert not same_person(Person("Hoffmann", "Jordan"), Person("Hoffman", "Jordan"))


def test_author_positions_need_order_and_the_first_author_first() -> None:
    assert author_positions(LISTED, FULL) == [0, 1, 2]
    assert author_positions(LISTED, (FULL[1], FULL[0], FULL[2])) is None  # out of order
    assert author_positions(LISTED[1:], FULL) is None  # the listing's first author is not first
    assert author_positions(LISTED, FULL[:2]) is None  # one is missing


def test_exact_match_is_matched_and_merges_services() -> None:
    outcome = decide(QUERY, [arxiv(), crossref()], truncated=True)
    assert outcome.verdict is Verdict.MATCHED
    (work,) = outcome.works
    assert work.sources == ("arxiv", "crossref")
    assert work.arxiv_id == "2203.15556" and work.arxiv_class == "cs.CL"
    assert work.doi == "10.5555/3600270.3602446"  # the publisher's DOI
    assert work.venue is not None and work.venue.kind == "proceedings"
    assert work.url == "https://doi.org/10.5555/3600270.3602446"  # published: the DOI is the landing page
    assert len(work.authors) == 6


def test_a_near_title_by_other_authors_is_a_different_paper() -> None:
    other = arxiv("Training Compute-Optimal Large Vision Models",
                  (Person("Smith", "Anna"), Person("Jones", "Bo")), arxiv_id="2301.00001")
    outcome = decide(QUERY, [other], truncated=True)
    assert outcome.verdict is Verdict.UNMATCHED


def test_the_same_authors_under_a_somewhat_different_title_go_to_review() -> None:
    near = arxiv("Training Compute-Optimal Large Language Models: Extended Version")
    outcome = decide(QUERY, [near], truncated=True)
    assert outcome.verdict is Verdict.REVIEW
    assert "title differs" in outcome.reason


def test_a_year_off_by_two_goes_to_review_and_by_one_is_fine() -> None:
    assert decide(QUERY, [arxiv(year=2023)], truncated=True).verdict is Verdict.MATCHED
    outcome = decide(QUERY, [arxiv(year=2024)], truncated=True)
    assert outcome.verdict is Verdict.REVIEW and "year is 2024" in outcome.reason


def test_an_untruncated_listing_needs_the_same_number_of_authors() -> None:
    outcome = decide(QUERY, [arxiv()], truncated=False)  # listing names 3, arXiv 6
    assert outcome.verdict is Verdict.REVIEW and "6 authors" in outcome.reason
    assert decide(QUERY, [arxiv(authors=LISTED)], truncated=False).verdict is Verdict.MATCHED


def test_two_different_convincing_records_are_flagged() -> None:
    outcome = decide(QUERY, [crossref("10.1/a"), crossref("10.1/b")], truncated=True)
    assert outcome.verdict is Verdict.REVIEW
    assert len(outcome.works) == 2
    assert "2 different records" in outcome.reason and "doi:10.1/a" in outcome.reason


def test_records_sharing_an_identifier_are_one_work() -> None:
    first = arxiv()
    renamed = Candidate("semanticscholar", "Training compute-optimal LLMs", FULL, 2022, arxiv_id="2203.15556",
                        doi="10.48550/arxiv.2203.15556")
    (work,) = group([first, renamed])
    assert work.sources == ("arxiv", "semanticscholar")
    assert work.doi == "10.48550/arxiv.2203.15556"


@given(st.text(max_size=60), st.text(max_size=60))
def test_normalising_is_idempotent_and_similarity_bounded(title: str, other: str) -> None:
    assert normalise_title(normalise_title(title)) == normalise_title(title)
    assert title_similarity(title, title) == 1.0
    assert 0.0 <= title_similarity(title, other) <= 1.0


def test_two_records_of_one_service_never_merge_through_a_third() -> None:
    outcome = decide(QUERY, [arxiv(), crossref("10.1/a"), crossref("10.1/b")], truncated=True)
    assert outcome.verdict is Verdict.REVIEW
    assert sorted(w.doi for w in outcome.works) == ["10.1/a", "10.1/b"]
    assert [w.sources for w in outcome.works if w.doi == "10.1/a"] == [("arxiv", "crossref")]


def test_one_service_listing_a_preprint_and_its_published_version_is_one_work() -> None:
    corr = Candidate("dblp", QUERY.title, FULL, 2022, doi="10.48550/arxiv.2203.15556", arxiv_id="2203.15556")
    neurips = Candidate("dblp", QUERY.title, FULL, 2022, venue=Venue("proceedings", "NeurIPS", 2022))
    outcome = decide(QUERY, [neurips, corr], truncated=True)
    assert outcome.verdict is Verdict.MATCHED
    (work,) = outcome.works
    assert work.arxiv_id == "2203.15556" and work.venue is not None and work.venue.title == "NeurIPS"
    assert work.url == "https://arxiv.org/abs/2203.15556"  # no publisher DOI: arXiv's page
