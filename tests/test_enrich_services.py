"""The per-service adapters of `bibsync enrich`: requests they build, answers they read (no network)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from bibsync.enrich.candidate import Candidate, Identifier, Politeness, Query, Service, ServiceError
from bibsync.enrich.services import SERVICES, arxiv, crossref, dblp, semanticscholar
from bibsync.enrich.services.common import strip_markup
from bibsync.identifiers import arxiv_id_from_doi, normalise_arxiv_id, normalise_doi
from bibsync.model import Person, Venue

SAMPLES = Path(__file__).parent.parent / "fixtures" / "enrich"
UA = "bibsync/0.1.0 (mailto:lab@example.org)"
ANONYMOUS = Politeness(user_agent=UA)
POLITE = Politeness(user_agent=UA, contact="lab@example.org", api_keys={"semanticscholar": "s2-secret-key"})

CHINCHILLA = Query(
    key="hoffmann2022training",
    title="Training Compute-Optimal Large Language Models",
    authors=(Person("Hoffmann", "Jordan"), Person("Borgeaud", "Sebastian"), Person("Mensch", "Arthur")),
    year=2022,
)
PROMPTBREEDER = Query(
    key="fernando2023promptbreeder",
    title='Promptbreeder: Self-Referential "Self-Improvement" Via Prompt Evolution (AND more)',
    authors=(Person("Fernando", "Chrisantha"),),
    year=2023,
)
DE_LAS_CASAS = Person(family="Las Casas", given="Diego", particle="de")
VAN_DEN_DRIESSCHE = Person(family="Driessche", given="George", particle="van den")


def sample(service: str, name: str) -> bytes:
    return (SAMPLES / service / name).read_bytes()


def answer(service: Service, request: httpx.Request, body: bytes, status: int = 200) -> list[Candidate]:
    return service.parse(httpx.Response(status, content=body, request=request))


def read(service: Service, name: str, status: int = 200) -> list[Candidate]:
    return answer(service, service.search(CHINCHILLA, ANONYMOUS), sample(service.name, name), status)


def assert_chinchilla_authors(candidate: Candidate) -> None:
    authors = candidate.authors
    assert len(authors) == 22
    assert authors[0] == Person(family="Hoffmann", given="Jordan")
    assert authors[6] == DE_LAS_CASAS
    assert authors[7] == Person(family="Hendricks", given="Lisa Anne")
    assert authors[13] == VAN_DEN_DRIESSCHE
    assert authors[19] == Person(family="Rae", given="Jack W.")
    assert authors[21] == Person(family="Sifre", given="Laurent")


# --- the registry and shared helpers ---------------------------------------------------------------


def test_registry_holds_the_four_services_under_their_own_names() -> None:
    assert set(SERVICES) == {"arxiv", "crossref", "semanticscholar", "dblp"}
    assert all(name == service.name for name, service in SERVICES.items())
    assert SERVICES["arxiv"] is arxiv.SERVICE


@pytest.mark.parametrize(
    ("name", "interval", "concurrency"),
    [("arxiv", 3.0, 1), ("crossref", 1.0, 1), ("semanticscholar", 1.0, 1), ("dblp", 2.0, 1)],
)
def test_rates_are_the_documented_ones(name: str, interval: float, concurrency: int) -> None:
    assert (SERVICES[name].min_interval, SERVICES[name].concurrency) == (interval, concurrency)


def test_lookup_schemes() -> None:
    assert SERVICES["arxiv"].lookup_schemes == {"arxiv"}
    assert SERVICES["crossref"].lookup_schemes == {"doi"}
    assert SERVICES["semanticscholar"].lookup_schemes == {"doi", "arxiv"}
    assert SERVICES["dblp"].lookup is None and not SERVICES["dblp"].lookup_schemes


@pytest.mark.parametrize(
    ("raw", "doi"),
    [
        ("https://doi.org/10.1162/NECO.2006.18.2.381", "10.1162/neco.2006.18.2.381"),
        ("doi:10.48550/arXiv.2203.15556", "10.48550/arxiv.2203.15556"),
        ("  http://dx.doi.org/10.1007/978-3-319-46604-0_48 ", "10.1007/978-3-319-46604-0_48"),
        ("10.5555/ABC", "10.5555/abc"),
    ],
)
def test_normalise_doi(raw: str, doi: str) -> None:
    assert normalise_doi(raw) == doi


@pytest.mark.parametrize(
    ("raw", "ident"),
    [
        ("http://arxiv.org/abs/2203.15556v1", "2203.15556"),
        ("https://arxiv.org/abs/hep-th/9901001v3", "hep-th/9901001"),
        ("arXiv:2203.15556v12", "2203.15556"),
        ("2203.15556", "2203.15556"),
    ],
)
def test_normalise_arxiv_id(raw: str, ident: str) -> None:
    assert normalise_arxiv_id(raw) == ident


def test_arxiv_id_from_doi_and_markup() -> None:
    assert arxiv_id_from_doi("https://doi.org/10.48550/arXiv.2203.15556") == "2203.15556"
    assert arxiv_id_from_doi("10.1162/089976606775093936") == ""
    assert strip_markup("Na<sub>2</sub>O &amp; <i>large</i>\n  models") == "Na2O & large models"


# --- arXiv ------------------------------------------------------------------------------------------


def test_arxiv_search_request() -> None:
    request = arxiv.search(CHINCHILLA, ANONYMOUS)
    assert request.method == "GET"
    assert str(request.url).startswith("https://export.arxiv.org/api/query?")
    assert request.url.params["search_query"] == 'ti:"training compute optimal large language models" AND au:hoffmann'
    assert request.url.params["max_results"] == "5"
    assert request.headers["User-Agent"] == UA


def test_arxiv_search_query_drops_what_breaks_the_query_syntax() -> None:
    # colons, quotes and parentheses would end the phrase or start a field; "AND" would become an operator
    query = arxiv.search(PROMPTBREEDER, ANONYMOUS).url.params["search_query"]
    assert query == 'ti:"promptbreeder self referential self improvement via prompt evolution and more" AND au:fernando'
    particle = Query("k", "Unified Scaling Laws for Routed Language Models", (DE_LAS_CASAS,), 2022)
    assert arxiv.search_query(particle).endswith(" AND au:casas")
    assert arxiv.search_query(Query("k", "Distributional AGI Safety", (), 2025)) == 'ti:"distributional agi safety"'


def test_arxiv_lookup_request() -> None:
    request = arxiv.lookup(Identifier("arxiv", "2203.15556v2"), POLITE)
    assert dict(request.url.params) == {"id_list": "2203.15556"}
    assert request.headers["User-Agent"] == UA
    with pytest.raises(ValueError, match=r"doi:10\.1/x"):
        arxiv.lookup(Identifier("doi", "10.1/x"), POLITE)


def test_arxiv_exact_match() -> None:
    (found,) = read(arxiv.SERVICE, "search-chinchilla.atom")
    assert found.source == "arxiv"
    assert found.title == "Training Compute-Optimal Large Language Models"  # the feed wraps it over two lines
    assert found.arxiv_id == "2203.15556"
    assert found.arxiv_class == "cs.CL"
    assert found.year == 2022
    assert found.doi == ""
    assert found.url == "https://arxiv.org/abs/2203.15556"
    assert found.venue is None
    assert_chinchilla_authors(found)


def test_arxiv_lookup_answer_carries_the_published_doi() -> None:
    request = arxiv.lookup(Identifier("arxiv", "1512.04065"), ANONYMOUS)
    (found,) = answer(arxiv.SERVICE, request, sample("arxiv", "lookup-1512.04065.atom"))
    assert (found.arxiv_id, found.arxiv_class, found.year) == ("1512.04065", "cs.CV", 2015)
    assert found.doi == "10.1007/978-3-319-46604-0_48"
    assert [p.family for p in found.authors] == ["Kalantidis", "Mellina", "Osindero"]


def test_arxiv_near_title_and_two_candidates() -> None:
    (near,) = read(arxiv.SERVICE, "search-near-title.atom")
    assert near.title == "Top-KAST Revisited: Top-K Always Sparse Training for Vision Transformers"
    assert (near.arxiv_id, near.year, near.arxiv_class) == ("2305.99901", 2023, "cs.CV")
    assert near.authors == (Person("Okafor", "Mira"), Person("Ibarra", "Tomás"))
    first, second = read(arxiv.SERVICE, "search-two-candidates.atom")
    assert (first.arxiv_id, second.arxiv_id) == ("2504.99902", "2506.99903")
    assert first.title == "Wanting to be Understood"
    assert second.arxiv_class == "q-bio.NC"
    assert first.authors == second.authors


def test_arxiv_empty_feed() -> None:
    assert read(arxiv.SERVICE, "search-empty.atom") == []


def test_arxiv_error_feed_raises() -> None:
    with pytest.raises(ServiceError, match=r"^arXiv: .*incorrect id format for 2203\.1555"):
        read(arxiv.SERVICE, "error-malformed-id.atom")


@pytest.mark.parametrize(
    "body", [b"Rate exceeded.", b"", b"<html><body>Service Unavailable</body></html>", b'{"data": []}']
)
def test_arxiv_malformed_answers_raise(body: bytes) -> None:
    with pytest.raises(ServiceError, match=r"^arXiv: "):
        answer(arxiv.SERVICE, arxiv.search(CHINCHILLA, ANONYMOUS), body)


def test_arxiv_truncated_feed_raises() -> None:
    with pytest.raises(ServiceError, match=r"^arXiv: "):
        answer(arxiv.SERVICE, arxiv.search(CHINCHILLA, ANONYMOUS), sample("arxiv", "search-chinchilla.atom")[:2000])


# --- Crossref ---------------------------------------------------------------------------------------


def test_crossref_search_request() -> None:
    request = crossref.search(CHINCHILLA, ANONYMOUS)
    assert str(request.url).startswith("https://api.crossref.org/works?")
    params = request.url.params
    assert params["query.bibliographic"] == CHINCHILLA.title
    assert params["query.author"] == "Hoffmann Borgeaud Mensch"
    assert params["filter"] == "from-pub-date:2021,until-pub-date:2024"
    assert params["rows"] == "5"
    assert set(params["select"].split(",")) == {
        "DOI", "title", "author", "issued", "published-print", "published-online",
        "type", "container-title", "volume", "issue", "page", "publisher",
    }  # fmt: skip
    assert "mailto" not in params
    assert request.headers["User-Agent"] == UA


def test_crossref_mailto_only_with_a_contact() -> None:
    assert crossref.search(CHINCHILLA, POLITE).url.params["mailto"] == "lab@example.org"
    lookup = crossref.lookup(Identifier("doi", "10.5555/3600270.3602446"), POLITE)
    assert lookup.url.params["mailto"] == "lab@example.org"
    assert "mailto" not in crossref.lookup(Identifier("doi", "10.5555/x"), ANONYMOUS).url.params


def test_crossref_lookup_request() -> None:
    request = crossref.lookup(Identifier("doi", "10.1002/(SICI)1097-4571#x"), ANONYMOUS)
    assert request.url.path == "/works/10.1002/(sici)1097-4571#x"  # "#" kept in the path, not a fragment
    assert request.url.fragment == ""
    assert request.headers["User-Agent"] == UA
    with pytest.raises(ValueError, match="arxiv"):
        crossref.lookup(Identifier("arxiv", "2203.15556"), ANONYMOUS)


def test_crossref_exact_match_is_a_proceedings_paper() -> None:
    found, _, _ = read(crossref.SERVICE, "search-chinchilla.json")
    assert found.source == "crossref"
    assert found.title == "Training Compute-Optimal Large Language Models"
    assert found.doi == "10.5555/3600270.3602446"
    assert found.url == "https://doi.org/10.5555/3600270.3602446"
    assert found.year == 2022
    assert found.arxiv_id == ""
    assert found.venue == Venue(
        kind="proceedings",
        title="Advances in Neural Information Processing Systems 35",
        year=2022,
        pages="30016-30030",
        publisher="Neural Information Processing Systems Foundation, Inc. (NeurIPS)",
    )
    assert_chinchilla_authors(found)  # "de Las Casas" from Crossref's family field splits as the name does


def test_crossref_markup_organisations_and_other_types() -> None:
    _, decoy, preprint = read(crossref.SERVICE, "search-chinchilla.json")
    assert decoy.title == "Compute-optimal training of large language models: a replication with Chinchilla"
    assert decoy.doi == "10.5555/jss.2023.0417"
    assert decoy.authors == (Person("Nwosu", "Amara"), Person("Open Scaling Collaboration"))
    assert decoy.venue is not None and decoy.venue.kind == "journal"
    assert (decoy.venue.title, decoy.venue.volume, decoy.venue.issue, decoy.venue.pages) == (
        "Journal of Scaling Studies", "7", "3", "211-239",
    )  # fmt: skip
    assert preprint.venue is None  # posted-content is not a place of publication
    assert preprint.year == 2022  # no "issued": published-online


def test_crossref_lookup_answer_and_not_found() -> None:
    request = crossref.lookup(Identifier("doi", "10.5555/3600270.3602446"), ANONYMOUS)
    (found,) = answer(crossref.SERVICE, request, sample("crossref", "lookup-chinchilla.json"))
    assert found.doi == "10.5555/3600270.3602446"
    assert found.venue is not None and found.venue.volume == "35"
    assert len(found.authors) == 22
    assert answer(crossref.SERVICE, request, sample("crossref", "lookup-not-found.txt"), status=404) == []


def test_crossref_empty_results() -> None:
    assert read(crossref.SERVICE, "search-empty.json") == []


@pytest.mark.parametrize(
    "body",
    [
        b"<html>Bad gateway</html>",
        b"[]",
        b'{"status": "ok", "message-type": "work-list"}',
        b'{"status": "ok", "message-type": "work-list", "message": {"items": {}}}',
    ],
)
def test_crossref_malformed_answers_raise(body: bytes) -> None:
    with pytest.raises(ServiceError, match=r"^Crossref: "):
        answer(crossref.SERVICE, crossref.search(CHINCHILLA, ANONYMOUS), body)


def test_crossref_skips_records_without_title_and_survives_missing_fields() -> None:
    body = b'{"message-type": "work-list", "message": {"items": [{"DOI": "10.1/a"}, {"title": ["T"]}, 7]}}'
    (only,) = answer(crossref.SERVICE, crossref.search(CHINCHILLA, ANONYMOUS), body)
    assert only == Candidate(source="crossref", title="T", authors=(), year=None)


# --- Semantic Scholar -------------------------------------------------------------------------------


def test_semanticscholar_search_request() -> None:
    request = semanticscholar.search(PROMPTBREEDER, ANONYMOUS)
    assert str(request.url).startswith("https://api.semanticscholar.org/graph/v1/paper/search/match?")
    # S2's search finds nothing for hyphenated terms; the rest of the title goes as it is
    assert request.url.params["query"] == (
        'Promptbreeder: Self Referential "Self Improvement" Via Prompt Evolution (AND more)'
    )
    fields = set(request.url.params["fields"].split(","))
    assert {"title", "authors", "year", "externalIds", "venue", "publicationVenue", "journal"} <= fields
    assert request.headers["User-Agent"] == UA
    assert "x-api-key" not in request.headers


def test_semanticscholar_api_key_goes_in_the_header_only() -> None:
    for request in (
        semanticscholar.search(CHINCHILLA, POLITE),
        semanticscholar.lookup(Identifier("doi", "10.1/x"), POLITE),
    ):
        assert request.headers["x-api-key"] == "s2-secret-key"
        assert "s2-secret-key" not in str(request.url)


def test_semanticscholar_lookup_requests() -> None:
    by_doi = semanticscholar.lookup(Identifier("doi", "10.1162/089976606775093936"), ANONYMOUS)
    assert by_doi.url.path == "/graph/v1/paper/DOI:10.1162/089976606775093936"
    assert "externalIds" in by_doi.url.params["fields"]
    by_arxiv = semanticscholar.lookup(Identifier("arxiv", "1512.04065"), ANONYMOUS)
    assert by_arxiv.url.path == "/graph/v1/paper/ARXIV:1512.04065"
    with pytest.raises(ValueError, match="isbn"):
        semanticscholar.lookup(Identifier("isbn", "9780262"), ANONYMOUS)


def test_semanticscholar_exact_match_on_arxiv_only_is_no_venue() -> None:
    (found,) = read(semanticscholar.SERVICE, "match-chinchilla.json")
    assert found.source == "semanticscholar"
    assert found.title == "Training Compute-Optimal Large Language Models"
    assert (found.arxiv_id, found.doi, found.year) == ("2203.15556", "10.48550/arxiv.2203.15556", 2022)
    assert found.url == "https://www.semanticscholar.org/paper/8342b592fe238f3d230e4959b06fd10153c45db1"
    assert found.venue is None  # JournalArticle in journal "ArXiv" is the preprint itself
    assert_chinchilla_authors(found)


def test_semanticscholar_near_title_is_a_conference_paper() -> None:
    (near,) = read(semanticscholar.SERVICE, "match-near-title.json")
    assert near.title.startswith("Top-KAST Revisited")
    assert (near.arxiv_id, near.doi, near.year) == ("2305.99901", "", 2023)
    assert near.venue == Venue(kind="proceedings", title="International Workshop on Sparse Learning")


def test_semanticscholar_no_match_is_empty() -> None:
    assert 404 in semanticscholar.SERVICE.empty_statuses
    assert read(semanticscholar.SERVICE, "match-empty.json", status=404) == []


def test_semanticscholar_lookups_answer_one_paper() -> None:
    request = semanticscholar.lookup(Identifier("arxiv", "1512.04065"), ANONYMOUS)
    (eccv,) = answer(semanticscholar.SERVICE, request, sample("semanticscholar", "lookup-arxiv-1512.04065.json"))
    assert (eccv.arxiv_id, eccv.doi) == ("1512.04065", "10.1007/978-3-319-46604-0_48")
    assert eccv.venue == Venue(kind="proceedings", title="European Conference on Computer Vision")
    request = semanticscholar.lookup(Identifier("doi", "10.1162/089976606775093936"), ANONYMOUS)
    (neco,) = answer(semanticscholar.SERVICE, request, sample("semanticscholar", "lookup-doi-neco.json"))
    assert neco.venue == Venue(kind="journal", title="Neural Computation", volume="18", pages="381-414")
    assert neco.authors[1] == Person("Welling", "M.")


@pytest.mark.parametrize("body", [b"not json", b'["a"]', b'{"data": {"title": "x"}}', b'{"total": 0}'])
def test_semanticscholar_malformed_answers_raise(body: bytes) -> None:
    with pytest.raises(ServiceError, match=r"^Semantic Scholar: "):
        answer(semanticscholar.SERVICE, semanticscholar.search(CHINCHILLA, ANONYMOUS), body)


def test_semanticscholar_skips_papers_without_title() -> None:
    body = b'{"data": [{"paperId": "a", "title": null}, {"paperId": "b", "title": "B", "authors": null}]}'
    (only,) = answer(semanticscholar.SERVICE, semanticscholar.search(CHINCHILLA, ANONYMOUS), body)
    assert (only.title, only.authors, only.year, only.venue) == ("B", (), None, None)


# --- DBLP -------------------------------------------------------------------------------------------


def test_dblp_search_request() -> None:
    request = dblp.search(PROMPTBREEDER, ANONYMOUS)
    assert str(request.url).startswith("https://dblp.org/search/publ/api?")
    assert dict(request.url.params) == {
        "q": "Promptbreeder Self Referential Self Improvement Via Prompt Evolution AND more",
        "format": "json",
        "h": "5",
    }
    assert request.headers["User-Agent"] == UA


def test_dblp_exact_match_conference_paper_and_corr_record() -> None:
    paper, corr = read(dblp.SERVICE, "search-chinchilla.json")
    assert paper.source == "dblp"
    assert paper.title == "Training Compute-Optimal Large Language Models"  # DBLP's trailing "." stripped
    assert paper.authors[9] == Person("Clark", "Aidan")  # "Aidan Clark 0001": homonym number stripped
    assert_chinchilla_authors(paper)
    assert paper.venue == Venue(kind="proceedings", title="NeurIPS", year=2022)
    assert (paper.doi, paper.arxiv_id, paper.year) == ("", "", 2022)
    assert paper.url.startswith("http://papers.nips.cc/")
    assert corr.venue is None  # CoRR: informal
    assert (corr.arxiv_id, corr.doi) == ("2203.15556", "10.48550/arxiv.2203.15556")


def test_dblp_single_author_object_and_journal_article() -> None:
    single, journal = read(dblp.SERVICE, "search-single-author.json")
    assert single.authors == (Person("Osindero", "Simon"),)
    assert single.arxiv_id == "2011.99904"  # from the arxiv.org link
    assert single.title.endswith("sensory coding and cortical topography")
    assert journal.venue == Venue(
        kind="journal", title="Neural Comput.", year=2006, volume="18", issue="2", pages="381-414"
    )
    assert journal.doi == "10.1162/089976606775093936"


def test_dblp_two_candidates() -> None:
    first, second = read(dblp.SERVICE, "search-two-candidates.json")
    assert (first.title, second.title) == (
        "Wanting to be Understood", "Wanting to Be Understood Explains the Meta-Problem of Consciousness",
    )  # fmt: skip
    assert (first.arxiv_id, second.arxiv_id) == ("2504.99902", "2506.99903")


def test_dblp_entities_ee_lists_and_corr_volume() -> None:
    (gopher,) = read(dblp.SERVICE, "search-gopher.json")
    assert gopher.title == "Scaling Language Models: Methods, Analysis & Insights from Training Gopher"
    assert gopher.arxiv_id == "2112.11446"
    assert gopher.url == "https://arxiv.org/abs/2112.11446"
    assert gopher.venue is None
    body = (
        b'{"result": {"hits": {"@total": "1", "hit": [{"info": {"title": "Why?", "venue": "CoRR",'
        b' "volume": "abs/2001.00001", "type": "Journal Articles", "year": "2020"}}]}}}'
    )
    (old,) = answer(dblp.SERVICE, dblp.search(CHINCHILLA, ANONYMOUS), body)
    assert (old.title, old.arxiv_id, old.venue) == ("Why?", "2001.00001", None)  # CoRR is never a venue


def test_dblp_empty_hits() -> None:
    assert read(dblp.SERVICE, "search-empty.json") == []


@pytest.mark.parametrize("body", [b"<html>429</html>", b"[]", b'{"result": {"status": {}}}', b'{"hits": {}}'])
def test_dblp_malformed_answers_raise(body: bytes) -> None:
    with pytest.raises(ServiceError, match=r"^DBLP: "):
        answer(dblp.SERVICE, dblp.search(CHINCHILLA, ANONYMOUS), body)


def test_dblp_skips_hits_without_title() -> None:
    body = b'{"result": {"hits": {"hit": [{"info": {"year": "2020"}}, {"info": {"title": "T.", "authors": {}}}]}}}'
    (only,) = answer(dblp.SERVICE, dblp.search(CHINCHILLA, ANONYMOUS), body)
    assert (only.title, only.authors, only.year) == ("T", (), None)
