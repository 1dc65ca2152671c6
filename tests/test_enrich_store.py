"""The enrichment file: a faithful, deterministic, diff-friendly round trip, and clear errors."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from bibsync.enrich.match import Work
from bibsync.enrich.store import FORMAT, Record, Status, _entry_by_entry, format_store, parse_store
from bibsync.model import Person, Venue

WORK = Work(
    sources=("arxiv", "crossref"),
    title="Training Compute-Optimal Large Language Models",
    authors=(Person("Hoffmann", "Jordan"), Person("Casas", "Diego", "de las"), Person("King", "Martin", "", "Jr.")),
    year=2022,
    doi="10.5555/3600270.3602446",
    arxiv_id="2203.15556",
    arxiv_class="cs.CL",
    url="https://doi.org/10.5555/3600270.3602446",
    venue=Venue("proceedings", "Advances in Neural Information Processing Systems", 2022, "35", "", "30016-30030"),
)
RECORDS = [
    Record("zeta2021", Status.UNMATCHED, "no record with this title and these authors"),
    Record("hoffmann2022training", Status.MATCHED, "title, year and authors agree (arxiv, crossref)", (WORK,)),
    Record("Alpha2020", Status.PINNED, "pinned in the config (arxiv)", (WORK,), pin="arxiv:2203.15556"),
    Record("beta2023", Status.REVIEW, "2 different records match", (WORK, WORK)),
]


def test_round_trip_is_exact_and_sorted_case_insensitively() -> None:
    text = format_store(RECORDS)
    records, problems = parse_store(text, "bibsync.enrich.json")
    assert problems == []
    assert records == {r.key: r for r in RECORDS}
    assert list(records) == ["Alpha2020", "beta2023", "hoffmann2022training", "zeta2021"]
    assert format_store(reversed(RECORDS)) == text  # input order never matters


def test_layout_is_one_field_and_one_author_per_line() -> None:
    text = format_store(RECORDS[1:2])
    assert text.startswith('{\n  "format": "bibsync-enrich/1",\n  "entries": {\n    "hoffmann2022training": {\n')
    assert '\n            {"family": "Casas", "given": "Diego", "particle": "de las"},\n' in text
    assert '"sources": ["arxiv", "crossref"],\n' in text
    assert text.endswith("}\n") and "\r" not in text
    assert json.loads(text)["format"] == FORMAT
    assert _entry_by_entry(format_store(RECORDS).encode(), {}) is not None  # read one entry at a time


def test_malformed_entries_are_reported_with_their_line_and_the_rest_kept() -> None:
    data = json.loads(format_store(RECORDS))
    data["entries"]["beta2023"]["status"] = "maybe"
    data["entries"]["hoffmann2022training"]["works"][0]["year"] = "2022"
    text = json.dumps(data, indent=2)  # what a hand edit might leave: a different layout
    records, problems = parse_store(text, "e.json")
    assert set(records) == {"Alpha2020", "zeta2021"}
    messages = sorted(str(p) for p in problems)
    assert any("entry 'beta2023': unknown status 'maybe'" in m for m in messages)
    assert any("works[0].year must be a number" in m for m in messages)
    line_of_beta = text.splitlines().index('    "beta2023": {') + 1
    assert any(m.startswith(f"e.json:{line_of_beta}: ") for m in messages)


def test_not_json_and_not_ours_are_errors() -> None:
    _, problems = parse_store('{\n  "format": "bibsync-enrich/1",\n  "entries": {,}\n}', "e.json")
    assert [str(p) for p in problems] == ["e.json:3: not valid JSON: Expecting property name enclosed in double quotes"]
    _, problems = parse_store('{"items": []}', "e.json")
    assert "not a bibsync enrichment file" in str(problems[0])
    assert parse_store("", "e.json") == ({}, [])


def test_a_matched_record_needs_exactly_one_work() -> None:
    text = format_store([Record("k", Status.MATCHED, "x", (WORK, WORK))])
    records, problems = parse_store(text, "e.json")
    assert records == {} and "needs exactly one work" in str(problems[0])


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
_person = st.builds(Person, family=_text.filter(bool), given=_text, particle=_text, suffix=_text)
_venue = st.builds(Venue, kind=_text.filter(bool), title=_text.filter(bool), year=st.none() | st.integers(1, 3000),
                   volume=_text, issue=_text, pages=_text, publisher=_text)
_work = st.builds(Work, sources=st.lists(_text, max_size=3).map(tuple), title=_text,
                  authors=st.lists(_person, max_size=4).map(tuple), year=st.none() | st.integers(1, 3000),
                  doi=_text, arxiv_id=_text, arxiv_class=_text, url=_text, venue=st.none() | _venue)


@given(st.lists(st.builds(Record, key=_text.filter(bool), status=st.sampled_from(list(Status)), reason=_text,
                          works=st.lists(_work, max_size=2).map(tuple), pin=_text),
                unique_by=lambda r: r.key))
def test_any_records_survive_the_round_trip(records: list[Record]) -> None:
    records = [r for r in records if r.status not in (Status.MATCHED, Status.PINNED) or len(r.works) == 1]
    parsed, problems = parse_store(format_store(records), "e.json")
    assert problems == []
    assert parsed == {r.key: r for r in records}


def test_any_layout_of_the_same_json_reads_the_same() -> None:
    ours = format_store(RECORDS)
    data = json.loads(ours)
    for other in (json.dumps(data, indent=4), json.dumps(data), json.dumps(data, indent=2, ensure_ascii=False),
                  ours.replace("\n", "\r\n"), "\ufeff" + ours):
        assert parse_store(other, "e.json") == parse_store(ours, "e.json")
    assert parse_store(ours.encode("utf-8"), "e.json") == parse_store(ours, "e.json")


def test_a_broken_entry_in_our_layout_is_reported_by_line() -> None:
    lines = format_store(RECORDS).splitlines(keepends=True)
    broken = next(i for i, line in enumerate(lines) if line.startswith('      "reason"') and i > 10)
    lines[broken] = lines[broken].replace('",', '"')  # a lost comma, as a hand edit might leave
    records, problems = parse_store("".join(lines), "e.json")
    assert records == {}
    assert [str(p) for p in problems] == [f"e.json:{broken + 2}: not valid JSON: Expecting ',' delimiter"]


def test_bytes_that_are_not_utf8_are_reported() -> None:
    data = format_store(RECORDS[:1]).encode("utf-8").replace(b"no record", b"no r\xe9cord")
    records, problems = parse_store(data, "e.json")
    assert records == {} and [str(p) for p in problems] == ["e.json:4: not UTF-8 text; save the file as UTF-8"]
