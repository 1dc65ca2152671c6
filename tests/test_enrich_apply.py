"""Applying enrichment: keys unchanged, the listing's names kept, review/accept/reject/pin, and the writers'
new fields (checked against golden files, the CSL schema, and the rules of each format)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jsonschema
import pytest
from conftest import AS_OF, FIXTURE, check_golden
from enrich_data import RECORDS

from bibsync.config import Config, parse_config
from bibsync.enrich.apply import applicable_work, enrich_entry
from bibsync.enrich.settings import enrich_settings
from bibsync.enrich.store import Record, Status, format_store
from bibsync.export import InputError, Project, build_project, render_bibtex, render_csl
from bibsync.model import Person

SCHEMA = json.loads((Path(__file__).parent / "csl-data.json").read_text(encoding="utf-8"))


def project_in(folder: Path, records: dict[str, Record] | None = None, enrich: dict[str, object] | None = None,
               ) -> Project:
    (folder / "bibsync.enrich.json").write_text(format_store((records or RECORDS).values()), encoding="utf-8")
    config = parse_config({"enrich": enrich or {}}, root=folder)
    return build_project(config, listing=FIXTURE, as_of=AS_OF)


@pytest.fixture(scope="module")
def plain() -> Project:
    return build_project(Config(root=Path("/nonexistent")), listing=FIXTURE, as_of=AS_OF, lock=Path("/nonexistent/l"))


@pytest.fixture
def enriched(tmp_path: Path) -> Project:
    return project_in(tmp_path)


def by_key(project: Project) -> dict[str, object]:
    return {k.key: k.entry for k in project.keyed}


def test_keys_and_unenriched_entries_do_not_change(plain: Project, enriched: Project) -> None:
    assert [k.key for k in enriched.keyed] == [k.key for k in plain.keyed]
    assert enriched.lock_text == plain.lock_text
    changed = {k.key for k, p in zip(enriched.keyed, plain.keyed, strict=True) if k.entry != p.entry}
    assert changed == {"hoffmann2022training", "fernando2023promptbreeder", "rae2021scaling"}  # not the review
    assert enriched.enriched == 3


def test_the_listing_keeps_its_title_and_its_spelling_of_names(plain: Project) -> None:
    entry = next(k.entry for k in plain.keyed if k.key == "hoffmann2022training")
    work = RECORDS["hoffmann2022training"].works[0]
    respelt = dataclasses.replace(entry, authors=(Person("Hoffmann", "J."), *entry.authors[1:]))
    result = enrich_entry(respelt, dataclasses.replace(work, title="TRAINING COMPUTE-OPTIMAL LLMS"))
    assert result.title == entry.title
    assert result.authors[0] == Person("Hoffmann", "J.")  # the listing's spelling where both name the person
    assert result.authors[6] == Person("Casas", "Diego", "de Las")  # found beyond the listed three
    assert len(result.authors) == 22 and not result.truncated
    assert (result.arxiv_id, result.doi) == ("2203.15556", "10.5555/chinchilla.2022")


def test_review_is_applied_only_when_accepted_with_one_contender(tmp_path: Path) -> None:
    settings = enrich_settings(parse_config({"enrich": {"accept": ["mirowski2022clip"]}}, root=tmp_path))
    work, note = applicable_work(RECORDS["mirowski2022clip"], settings)
    assert work is RECORDS["mirowski2022clip"].works[0] and note == ""
    two = dataclasses.replace(RECORDS["mirowski2022clip"], works=RECORDS["mirowski2022clip"].works * 2)
    work, note = applicable_work(two, settings)
    assert work is None and "pin one" in note
    unaccepted = enrich_settings(parse_config({}, root=tmp_path))
    assert applicable_work(RECORDS["mirowski2022clip"], unaccepted) == (None, "")


def test_reject_wins_and_a_new_pin_waits_for_a_lookup(tmp_path: Path) -> None:
    project = project_in(tmp_path, enrich={"reject": ["rae2021scaling"],
                                           "pin": {"fernando2023promptbreeder": "arxiv:2309.16797"}})
    entries = by_key(project)
    assert entries["rae2021scaling"] == by_key(build_project(Config(root=tmp_path / "x"), listing=FIXTURE,
                                                             as_of=AS_OF))["rae2021scaling"]
    assert entries["fernando2023promptbreeder"].arxiv_id == ""
    assert any("fernando2023promptbreeder: pinned to arxiv:2309.16797, not looked up yet" in str(d)
               for d in project.warnings)
    pinned = {**RECORDS, "fernando2023promptbreeder": dataclasses.replace(
        RECORDS["fernando2023promptbreeder"], status=Status.PINNED, pin="arxiv:2309.16797")}
    project = project_in(tmp_path, pinned, enrich={"pin": {"fernando2023promptbreeder": "arxiv:2309.16797"}})
    assert by_key(project)["fernando2023promptbreeder"].arxiv_id == "2309.16797"


def test_a_damaged_enrichment_file_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "bibsync.enrich.json").write_text('{"format": "bibsync-enrich/1", "entries": {"k": 1}}')
    with pytest.raises(InputError) as error:
        build_project(Config(root=tmp_path), listing=FIXTURE, as_of=AS_OF)
    assert "bibsync.enrich.json:0: entry 'k': the entry must be an object" in str(error.value) or \
        "entry 'k': the entry must be an object" in str(error.value)


def test_enriched_outputs_golden(enriched: Project) -> None:
    keys = {"hoffmann2022training", "fernando2023promptbreeder", "rae2021scaling", "mirowski2022clip"}
    subset = dataclasses.replace(enriched, keyed=tuple(k for k in enriched.keyed if k.key in keys))
    check_golden("enriched.bib", render_bibtex(subset))
    check_golden("enriched-ascii.bib", render_bibtex(subset, ascii=True))
    check_golden("enriched.json", render_csl(subset))


def test_bibtex_fields_of_enriched_entries(enriched: Project) -> None:
    bib = render_bibtex(enriched)
    chinchilla = bib[bib.index("@inproceedings{hoffmann2022training"):]
    chinchilla = chinchilla[:chinchilla.index("\n}\n")]
    assert "booktitle = {Advances in Neural Information Processing Systems}" in chinchilla
    assert "eprint = {2203.15556}" in chinchilla and "archiveprefix = {arXiv}" in chinchilla
    assert "primaryclass = {cs.CL}" in chinchilla and "eprintclass" not in chinchilla
    assert "pages = {30016--30030}" in chinchilla and "and others" not in chinchilla
    assert "de Las Casas, Diego" in chinchilla and "month" not in chinchilla  # the preprint's month
    gopher = bib[bib.index("@article{rae2021scaling"):]
    gopher = gopher[:gopher.index("\n}\n")]
    assert "journal = {Journal of Test Data}" in gopher and "year = {2023}" in gopher and "month" not in gopher
    assert "doi = {10.5555/gopher_%7B2022%7D}" in gopher  # verbatim, braces encoded
    assert "pages = {1--120}" in gopher and "number = {3}" in gopher
    assert "@misc{mirowski2022clip" in bib  # a review is not applied


def test_csl_of_enriched_entries_is_valid_and_complete(enriched: Project) -> None:
    items = {item["id"]: item for item in json.loads(render_csl(enriched))}
    jsonschema.validate(list(items.values()), SCHEMA)
    chinchilla = items["hoffmann2022training"]
    assert chinchilla["type"] == "paper-conference" and chinchilla["DOI"] == "10.5555/chinchilla.2022"
    assert chinchilla["container-title"] == "Advances in Neural Information Processing Systems"
    assert chinchilla["note"] == "arXiv: 2203.15556" and len(chinchilla["author"]) == 22
    promptbreeder = items["fernando2023promptbreeder"]
    assert promptbreeder["type"] == "article" and promptbreeder["number"] == "arXiv:2309.16797"
    assert promptbreeder["archive"] == "arXiv" and promptbreeder["URL"] == "https://arxiv.org/abs/2309.16797"
    assert "note" not in promptbreeder  # the author list is complete now
    assert items["rae2021scaling"]["issued"] == {"date-parts": [[2023]]}


def test_an_accepted_record_missing_a_listed_author_never_drops_one(tmp_path: Path) -> None:
    project = project_in(tmp_path, enrich={"accept": ["mirowski2022clip"]})
    entry = next(k.entry for k in project.keyed if k.key == "mirowski2022clip")
    assert [p.family for p in entry.authors] == ["Mirowski", "Banarse", "Malinowski"]  # the record has two
    assert entry.truncated  # still "et al.": nothing completed it
    assert entry.arxiv_id == "2205.00000"  # the identifiers are applied
