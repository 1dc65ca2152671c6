"""What a run asks about, and how answers become records: nothing found before is lost to a failure."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from enrich_data import RECORDS
from zotero_fake import listing_keyed

from bibsync.config import parse_config
from bibsync.enrich.candidate import Candidate, Identifier
from bibsync.enrich.fetch import Answer, Lookup
from bibsync.enrich.settings import EnrichSettings, enrich_settings
from bibsync.enrich.store import Record, Status
from bibsync.enrich.update import query_for, select, update
from bibsync.model import Keyed


@pytest.fixture(scope="module")
def keyed() -> dict[str, Keyed]:
    return {k.key: k for k in listing_keyed()}


def settings(tmp_path: Path, **table: object) -> EnrichSettings:
    return enrich_settings(parse_config({"enrich": table}, root=tmp_path))


def test_select_skips_settled_and_rejected_entries(tmp_path: Path, keyed: dict[str, Keyed]) -> None:
    records = dict(RECORDS)  # three matched, one in review
    chosen = {lookup.query.key for lookup in select(keyed.values(), records, settings(tmp_path))}
    assert len(chosen) == 46 and "hoffmann2022training" not in chosen and "mirowski2022clip" not in chosen
    chosen = {lookup.query.key for lookup in select(keyed.values(), records, settings(tmp_path), retry=True)}
    assert len(chosen) == 47 and "mirowski2022clip" in chosen  # --retry: the review too
    chosen = {lookup.query.key for lookup in select(keyed.values(), records,
                                                    settings(tmp_path, reject=["mirowski2022clip"]), retry=True)}
    assert "mirowski2022clip" not in chosen
    unrejected = {**records, "rae2021scaling": Record("rae2021scaling", Status.REJECTED, "rejected in the config")}
    chosen = {lookup.query.key for lookup in select(keyed.values(), unrejected, settings(tmp_path))}
    assert "rae2021scaling" in chosen  # no longer rejected in the config: asked again
    assert len(select(keyed.values(), records, settings(tmp_path), refresh=True)) == 50
    pinned = select(keyed.values(), records, settings(tmp_path, pin={"hoffmann2022training": "arxiv:2203.15556"}),
                    only={"hoffmann2022training"})
    assert [(lookup.query.key, lookup.pin) for lookup in pinned] == [
        ("hoffmann2022training", Identifier("arxiv", "2203.15556"))]  # newly pinned: asked again


def test_a_failed_service_never_downgrades_an_earlier_record(tmp_path: Path, keyed: dict[str, Keyed]) -> None:
    lookup = Lookup(query_for(keyed["hoffmann2022training"]))
    nothing = [Answer("hoffmann2022training", "arxiv"), Answer("hoffmann2022training", "crossref", failure="503")]
    records, (change,) = update([lookup], nothing, RECORDS, settings(tmp_path), {"hoffmann2022training": True})
    assert records["hoffmann2022training"] == RECORDS["hoffmann2022training"] and change.after is None
    assert change.failures == ("503",)
    silent = [Answer("hoffmann2022training", "arxiv")]  # crossref never answered: an interrupted run
    records, (change,) = update([lookup], silent, {}, settings(tmp_path), {}, asked=["arxiv", "crossref"])
    assert "hoffmann2022training" not in records
    assert change.failures == ("crossref was not asked (interrupted)",)


def test_a_complete_lookup_finding_nothing_is_recorded(tmp_path: Path, keyed: dict[str, Keyed]) -> None:
    lookup = Lookup(query_for(keyed["mirowski2022clip"]))
    records, _ = update([lookup], [Answer("mirowski2022clip", "arxiv")], {}, settings(tmp_path), {},
                        asked=["arxiv"])
    assert records["mirowski2022clip"].status is Status.UNMATCHED


def test_a_pin_takes_the_record_it_names(tmp_path: Path, keyed: dict[str, Keyed]) -> None:
    entry = keyed["hoffmann2022training"]
    pin = Identifier("arxiv", "2203.15556")
    other = Candidate("arxiv", "Something else", entry.entry.authors, 2020, arxiv_id="2001.00001")
    named = Candidate("arxiv", "An empirical analysis of compute-optimal training", entry.entry.authors, 2022,
                      arxiv_id="2203.15556", arxiv_class="cs.CL")
    answers = [Answer(entry.key, "arxiv", (other, named))]
    records, _ = update([Lookup(query_for(entry), pin)], answers, {}, settings(tmp_path), {})
    record = records[entry.key]
    assert record.status is Status.PINNED and record.pin == "arxiv:2203.15556"
    assert record.works[0].arxiv_id == "2203.15556"  # applied although the title differs: the user vouched
    records, _ = update([Lookup(query_for(entry), pin)], [Answer(entry.key, "arxiv", (other,))], {},
                        settings(tmp_path), {})
    assert records[entry.key].status is Status.UNMATCHED
    assert records[entry.key].reason == "pinned to arxiv:2203.15556, which no service returned"


def test_rejected_entries_are_marked(tmp_path: Path) -> None:
    records, changes = update([], [], RECORDS, settings(tmp_path, reject=["rae2021scaling"]), {})
    assert records["rae2021scaling"] == Record("rae2021scaling", Status.REJECTED, "rejected in the config")
    assert changes == []


def test_a_doi_from_arxiv_adds_a_venue_only_with_the_listings_authors(tmp_path: Path,
                                                                       keyed: dict[str, Keyed]) -> None:
    from bibsync.enrich.update import Change, add_venues, venue_lookups
    from bibsync.model import Person, Venue

    entry = keyed["fernando2023promptbreeder"]
    record = RECORDS["fernando2023promptbreeder"]
    with_doi = dataclasses.replace(record, works=(dataclasses.replace(record.works[0], doi="10.5555/pb"),))
    lookups = [Lookup(query_for(entry))]
    (followup,) = venue_lookups(lookups, [Change(entry.key, None, with_doi, ())])
    assert followup.pin == Identifier("doi", "10.5555/pb")
    assert venue_lookups(lookups, [Change(entry.key, None, record, ())]) == []  # no publisher DOI: nothing to ask

    venue = Venue("journal", "Journal of Test Data", 2024)
    right = Candidate("crossref", "Promptbreeder, renamed", entry.entry.authors, 2024, doi="10.5555/pb", venue=venue)
    wrong = dataclasses.replace(right, authors=(Person("Else", "Someone"),))  # a mistyped DOI: another paper
    records, added = add_venues({entry.key: with_doi}, [followup], [Answer(entry.key, "crossref", (wrong,))])
    assert added == [] and records[entry.key] == with_doi
    records, added = add_venues({entry.key: with_doi}, [followup], [Answer(entry.key, "crossref", (right,))])
    assert added == [entry.key]
    work = records[entry.key].works[0]
    assert work.venue == venue and work.sources == ("arxiv", "crossref") and work.url == "https://doi.org/10.5555/pb"
    assert work.title == with_doi.works[0].title and work.authors == with_doi.works[0].authors


def test_naming_an_entry_asks_about_it_whatever_its_record(tmp_path: Path, keyed: dict[str, Keyed]) -> None:
    chosen = select(keyed.values(), RECORDS, settings(tmp_path), only={"hoffmann2022training", "zzz"})
    assert [lookup.query.key for lookup in chosen] == ["hoffmann2022training"]  # matched, but named
