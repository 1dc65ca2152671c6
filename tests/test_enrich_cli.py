"""`bibsync enrich` end to end: the real services' adapters against their documented answers (samples in
fixtures/enrich/), served by pytest-httpx per host and query. No request leaves the machine, nothing sleeps."""

from __future__ import annotations

import itertools
import json
import re
import types
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from conftest import FIXTURE
from pytest_httpx import HTTPXMock
from zotero_fake import FakeTime

from bibsync.cli import cli

SAMPLES = FIXTURE.parent / "enrich"
LISTING_LINES = FIXTURE.read_text(encoding="utf-8").splitlines()
# Four fixture entries (three lines each, by first line): Chinchilla (exact match, 22 authors), "Wanting to
# be Understood" (two published versions: review), its sequel (arXiv only) and Top-KAST (a near-title
# that is a different paper); CLIP-CLOP finds nothing anywhere.
ENTRIES = {"hoffmann2022training": 4, "fernando2025wantinga": 73, "fernando2025wantingb": 76,
           "jayakumar2021top": 94, "mirowski2022clip": 1}


class Services:
    """Serves the samples like the services would: arXiv and Crossref by what was searched for."""

    def __init__(self, time: FakeTime) -> None:
        self.time = time
        self.requests: list[tuple[float, httpx.Request]] = []
        self.down: set[str] = set()  # hosts answering 503
        self.rate_limited: dict[str, int] = {}  # host -> how many 429s to give first
        self.interrupt_at: dict[str, int] = {}  # host -> the request during which Ctrl-C is pressed
        self.renamed = False  # the published Chinchilla is retitled: arXiv gives its DOI, Crossref's search misses it

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((self.time.now, request))
        host = request.url.host
        if len(self.sent_to(host)) == self.interrupt_at.get(host):
            raise KeyboardInterrupt
        if host in self.down:
            return httpx.Response(503, text="Service Unavailable")
        if self.rate_limited.get(host):
            self.rate_limited[host] -= 1
            return httpx.Response(429, headers={"Retry-After": "20"}, text="Too Many Requests")
        if host == "export.arxiv.org":
            query = request.url.params["search_query"]
            chinchilla = "search-chinchilla-with-doi" if self.renamed else "search-chinchilla"
            name = (chinchilla if "training compute optimal" in query else
                    "search-near-title" if "top kast" in query else
                    "search-two-candidates" if "wanting to be understood" in query else "search-empty")
            return httpx.Response(200, content=(SAMPLES / "arxiv" / f"{name}.atom").read_bytes(),
                                  headers={"Content-Type": "application/atom+xml"})
        if host == "api.crossref.org" and request.url.path.startswith("/works/"):  # a pinned DOI
            doi = request.url.path.removeprefix("/works/")
            if self.renamed and doi == "10.5555/3600270.3602446":
                retitled = SAMPLES / "crossref" / "lookup-chinchilla-retitled.json"
                return httpx.Response(200, content=retitled.read_bytes(), headers={"Content-Type": "application/json"})
            for name in ("search-chinchilla", "search-two-versions"):
                sample = json.loads((SAMPLES / "crossref" / f"{name}.json").read_text(encoding="utf-8"))
                for item in sample["message"]["items"]:
                    if item["DOI"] == doi:
                        return httpx.Response(200, json={"status": "ok", "message-type": "work",
                                                         "message-version": "1.0.0", "message": item})
            return httpx.Response(404, text="Resource not found.")
        if host == "api.crossref.org":
            title = request.url.params["query.bibliographic"]
            name = {"Training Compute-Optimal Large Language Models": "search-empty" if self.renamed else
                    "search-chinchilla", "Wanting to be Understood": "search-two-versions"}.get(title, "search-empty")
            return httpx.Response(200, content=(SAMPLES / "crossref" / f"{name}.json").read_bytes(),
                                  headers={"Content-Type": "application/json"})
        if host == "api.semanticscholar.org":
            title = request.url.params.get("query", "")
            name = ("match-chinchilla" if title.startswith("Training Compute") else
                    "match-near-title" if title.startswith("Top") else "match-empty")
            status = 404 if name == "match-empty" else 200
            return httpx.Response(status, content=(SAMPLES / "semanticscholar" / f"{name}.json").read_bytes(),
                                  headers={"Content-Type": "application/json"})
        if host == "dblp.org":
            words = request.url.params["q"]
            name = ("search-chinchilla" if words.startswith("Training Compute") else
                    "search-two-candidates" if words.startswith("Wanting to be Understood") else "search-empty")
            return httpx.Response(200, content=(SAMPLES / "dblp" / f"{name}.json").read_bytes(),
                                  headers={"Content-Type": "application/json"})
        raise AssertionError(f"unexpected request to {request.url}")

    def sent_to(self, host: str) -> list[tuple[float, httpx.Request]]:
        return [(t, r) for t, r in self.requests if r.url.host == host]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    listing = "\n".join("\n".join(LISTING_LINES[line - 1:line + 2]) for line in ENTRIES.values()) + "\n"
    (tmp_path / "listing.txt").write_text(listing, encoding="utf-8")
    (tmp_path / "bibsync.toml").write_text(
        'listing = "listing.txt"\nbib = "refs.bib"\ncsl = "refs.json"\nas-of = "2026-11-26"\n'
        '[enrich]\ncontact = "lab@example.org"\n', encoding="utf-8")
    return tmp_path


def fake_clock(monkeypatch: pytest.MonkeyPatch, time: FakeTime) -> None:
    """The command's fetcher on the fake clock: waiting advances it, nothing really sleeps."""
    monkeypatch.setattr("bibsync.enrich.fetch.time", types.SimpleNamespace(monotonic=time.clock,
                                                                           time=lambda: 1795687200.0))
    monkeypatch.setattr("bibsync.enrich.fetch.wait", lambda _stop, seconds: time.sleep(seconds))


@pytest.fixture
def services(httpx_mock: HTTPXMock, time: FakeTime, monkeypatch: pytest.MonkeyPatch) -> Services:
    fake_clock(monkeypatch, time)
    fake = Services(time)
    httpx_mock.add_callback(fake, is_reusable=True, is_optional=True)
    return fake


def run(project: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["enrich", "--config", str(project / "bibsync.toml"), *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def export(project: Path) -> tuple[str, list[dict[str, object]]]:
    result = CliRunner().invoke(cli, ["export", "--config", str(project / "bibsync.toml")])
    assert result.exit_code == 0, result.output
    return ((project / "refs.bib").read_text(encoding="utf-8"),
            json.loads((project / "refs.json").read_text(encoding="utf-8")))


def stored(project: Path) -> dict[str, dict[str, object]]:
    data: dict[str, dict[str, object]] = json.loads((project / "bibsync.enrich.json").read_text(encoding="utf-8"))
    return data["entries"]  # type: ignore[return-value]


def test_enrich_then_export(project: Path, services: Services) -> None:
    code, out, err = run(project)
    assert code == 0, err
    entries = stored(project)
    assert {k: e["status"] for k, e in entries.items()} == {
        "fernando2025wantinga": "review", "fernando2025wantingb": "matched", "hoffmann2022training": "matched",
        "jayakumar2021top": "unmatched", "mirowski2022clip": "unmatched"}
    assert "bibsync: looked up 5 entries: 2 matched, 1 review, 2 unmatched" in err
    lock = (project / "bibsync.lock").read_text(encoding="utf-8")  # the keys records are filed under
    assert all(f"\n{key}\t" in lock for key in ENTRIES)
    # the uncertain one is listed with its contenders and how to settle it
    assert "review: fernando2025wantinga: 2 different records match" in out
    assert "doi:10.5555/wanting.2025.1" in out and "doi:10.5555/wanting.2025.2" in out
    assert 'pin.fernando2025wantinga = "<one of the identifiers above>"' in out

    bib, csl = export(project)
    items = {item["id"]: item for item in csl}
    chinchilla = items["hoffmann2022training"]
    assert len(chinchilla["author"]) == 22  # "et al." completed  # type: ignore[arg-type]
    assert chinchilla["type"] == "paper-conference" and chinchilla["DOI"] == "10.5555/3600270.3602446"
    assert "eprint = {2203.15556}" in bib and "primaryclass = {cs.CL}" in bib
    assert items["fernando2025wantingb"]["number"] == "arXiv:2506.99903"
    assert "DOI" not in items["fernando2025wantinga"]  # review: not applied
    assert "DOI" not in items["jayakumar2021top"] and "number" not in items["jayakumar2021top"]  # near title: rejected
    keys_before = sorted(items)
    assert keys_before == sorted(ENTRIES)  # keys are the listing's, enriched or not


def test_requests_are_polite(project: Path, services: Services) -> None:
    run(project)
    arxiv = services.sent_to("export.arxiv.org")
    assert len(arxiv) == 5
    starts = [t for t, _ in arxiv]
    assert all(b - a >= 3.0 for a, b in itertools.pairwise(starts))  # arXiv: one request every 3 s
    for _, request in services.requests:
        assert request.headers["User-Agent"].startswith("bibsync/") and "mailto:lab@example.org" in \
            request.headers["User-Agent"]
    assert all(r.url.params["mailto"] == "lab@example.org" for _, r in services.sent_to("api.crossref.org"))


def test_a_second_run_asks_nothing_and_retry_asks_what_is_unsettled(project: Path, services: Services) -> None:
    run(project)
    before = (project / "bibsync.enrich.json").read_bytes()
    services.requests.clear()
    code, _, err = run(project)
    assert code == 0, err
    assert services.requests == [] and "nothing to look up" in err  # every entry was asked about once
    code, _, err = run(project, "--retry")
    assert code == 0, err
    asked = sorted({r.url.params.get("query.bibliographic") for _, r in services.sent_to("api.crossref.org")})
    assert "Training Compute-Optimal Large Language Models" not in asked  # matched: not asked again
    assert len(services.sent_to("export.arxiv.org")) == 3  # the review and the two unmatched
    assert (project / "bibsync.enrich.json").read_bytes() == before  # the same answers rewrite nothing


def test_rate_limiting_is_waited_out(project: Path, services: Services, time: FakeTime) -> None:
    services.rate_limited["api.crossref.org"] = 2
    code, _, err = run(project)
    assert code == 0, err
    crossref = services.sent_to("api.crossref.org")
    assert len(crossref) == 5 + 2
    assert crossref[2][0] - crossref[0][0] >= 40  # two Retry-After: 20 waited out
    assert stored(project)["hoffmann2022training"]["status"] == "matched"


def test_a_service_down_leaves_the_others_and_keeps_what_it_missed(project: Path, services: Services) -> None:
    services.down.add("api.crossref.org")
    code, _, err = run(project)
    assert code == 1
    assert "bibsync: gave up Crossref:" in err
    entries = stored(project)
    chinchilla = entries["hoffmann2022training"]
    assert chinchilla["status"] == "matched" and chinchilla["works"][0]["sources"] == ["arxiv"]  # type: ignore[index]
    assert "mirowski2022clip" not in entries  # unknown, not "nothing found": Crossref was not heard
    assert "mirowski2022clip: not completed: Crossref" in err


def test_no_network_writes_nothing_and_exits_1(project: Path, httpx_mock: HTTPXMock, time: FakeTime,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    fake_clock(monkeypatch, time)
    earlier = '{\n  "format": "bibsync-enrich/1",\n  "entries": {}\n}\n'
    (project / "bibsync.enrich.json").write_text(earlier, encoding="utf-8")
    httpx_mock.add_exception(httpx.ConnectError("[Errno -3] Temporary failure in name resolution"),
                             is_reusable=True)
    code, _, err = run(project)
    assert code == 1
    assert "could not reach arXiv, Crossref (no network?); nothing was written" in err
    assert (project / "bibsync.enrich.json").read_text(encoding="utf-8") == earlier
    assert not (project / "bibsync.lock").exists()
    assert len(httpx_mock.get_requests()) == 4  # two attempts per service, then given up


def test_pin_accept_and_reject_settle_entries(project: Path, services: Services) -> None:
    run(project)
    config = project / "bibsync.toml"
    config.write_text(config.read_text(encoding="utf-8") +
                      'reject = ["fernando2025wantingb"]\n[enrich.pin]\n'
                      'fernando2025wantinga = "doi:10.5555/wanting.2025.2"\n', encoding="utf-8")
    code, _, err = run(project)
    assert code == 0, err
    entries = stored(project)
    assert entries["fernando2025wantingb"] == {"status": "rejected", "reason": "rejected in the config"}
    pinned = entries["fernando2025wantinga"]
    assert pinned["status"] == "pinned" and pinned["pin"] == "doi:10.5555/wanting.2025.2"
    work = pinned["works"][0]  # type: ignore[index]
    assert work["doi"] == "10.5555/wanting.2025.2" and work["venue"]["kind"] == "proceedings"
    bib, _ = export(project)
    assert "@inproceedings{fernando2025wantinga" in bib and "@misc{fernando2025wantingb" in bib


def test_review_and_dry_run_ask_nothing(project: Path, httpx_mock: HTTPXMock, services: Services) -> None:
    run(project)
    services.requests.clear()
    code, out, _ = run(project, "--review")
    assert code == 0 and out.startswith("review: fernando2025wantinga:")
    code, out, err = run(project, "--dry-run", "--refresh")
    assert code == 0 and "would look up 5 of 5 entries with arxiv, crossref" in err
    assert services.requests == []


def test_a_damaged_enrichment_file_is_reported_and_kept(project: Path, services: Services) -> None:
    damaged = '{"format": "bibsync-enrich/1", "entries": {"k": {"status": "matched"}}}'
    (project / "bibsync.enrich.json").write_text(damaged, encoding="utf-8")
    code, _, err = run(project)
    assert code == 2
    assert re.search(r"bibsync\.enrich\.json:\d+: entry 'k': a matched entry needs exactly one work", err)
    assert (project / "bibsync.enrich.json").read_text(encoding="utf-8") == damaged
    assert services.requests == []


def test_secrets_stay_out_of_urls_and_output(project: Path, services: Services,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEMANTIC_SCHOLAR_API_KEY", "s2-secret-key-123")
    services.down.add("api.semanticscholar.org")
    code, out, err = run(project, "--service", "semanticscholar", "-vv")
    assert code == 1
    sent = services.sent_to("api.semanticscholar.org")
    assert sent and all(r.headers["x-api-key"] == "s2-secret-key-123" for _, r in sent)
    assert all("s2-secret-key-123" not in str(r.url) for _, r in sent)
    assert "s2-secret-key-123" not in out + err


def test_an_interrupted_run_saves_the_lookups_it_completed(project: Path, services: Services) -> None:
    services.interrupt_at["export.arxiv.org"] = 3  # Ctrl-C while the third request is in flight
    code, _, err = run(project, "--service", "arxiv")
    assert code == 1
    assert "bibsync: interrupted; the 2 lookups completed are saved, run again to finish" in err
    entries = stored(project)
    assert set(entries) == {"fernando2025wantinga", "fernando2025wantingb"}  # the first two keys
    assert len(services.sent_to("export.arxiv.org")) == 3  # nothing sent after the interruption


def test_all_four_services_agree_on_one_work(project: Path, services: Services) -> None:
    code, _, err = run(project, "--service", "arxiv", "--service", "crossref", "--service", "semanticscholar",
                       "--service", "dblp")
    assert code == 0, err
    chinchilla = stored(project)["hoffmann2022training"]
    assert chinchilla["status"] == "matched"
    (work,) = chinchilla["works"]  # type: ignore[misc]
    assert work["sources"] == ["arxiv", "crossref", "dblp", "semanticscholar"]
    assert work["doi"] == "10.5555/3600270.3602446"  # the publisher's DOI, not arXiv's 10.48550 one
    assert work["arxiv"] == "2203.15556" and len(work["authors"]) == 22
    assert {host for host in ("api.semanticscholar.org", "dblp.org") if services.sent_to(host)} == {
        "api.semanticscholar.org", "dblp.org"}
    # the Top-KAST near title from Semantic Scholar is another paper: rejected there too
    assert stored(project)["jayakumar2021top"]["status"] == "unmatched"


def test_without_crossref_the_venue_comes_from_dblp_and_arxivs_doi_is_not_a_publisher_doi(
        project: Path, services: Services) -> None:
    code, _, err = run(project, "--service", "arxiv", "--service", "dblp", "--only", "hoffmann2022training")
    assert code == 0, err
    (work,) = stored(project)["hoffmann2022training"]["works"]  # type: ignore[misc]
    assert work["venue"]["kind"] == "proceedings" and work["venue"]["title"] == "NeurIPS"
    assert work["doi"] == "10.48550/arxiv.2203.15556"  # only arXiv's DOI is known
    assert work["url"] == "https://arxiv.org/abs/2203.15556"  # so the landing page is arXiv's


def test_a_doi_from_arxiv_finds_the_renamed_published_version(project: Path, services: Services) -> None:
    services.renamed = True
    code, _, err = run(project, "--only", "hoffmann2022training")
    assert code == 0, err
    assert "1 published venue found through the DOI arXiv gives: hoffmann2022training" in err
    (work,) = stored(project)["hoffmann2022training"]["works"]  # type: ignore[misc]
    assert work["title"] == "Training Compute-Optimal Large Language Models"  # the listing's paper, as arXiv has it
    assert work["venue"]["title"] == "Advances in Neural Information Processing Systems 35"
    assert work["sources"] == ["arxiv", "crossref"] and work["url"] == "https://doi.org/10.5555/3600270.3602446"
    lookups = [r for _, r in services.sent_to("api.crossref.org") if r.url.path.startswith("/works/10.")]
    assert len(lookups) == 1  # one by-DOI request, after the title search found nothing
