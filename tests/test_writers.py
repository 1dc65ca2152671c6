"""BibTeX and CSL-JSON for the real fixture: golden files, the official CSL schema, determinism."""

from __future__ import annotations

import json
import random
from pathlib import Path

import bibtexparser
import jsonschema
import pytest
from bibtexparser.bparser import BibTexParser
from conftest import AS_OF, FIXTURE, check_golden

from bibsync.config import Config
from bibsync.export import Project, build_project, render_bibtex, render_csl

CSL_SCHEMA = json.loads((Path(__file__).parent / "csl-data.json").read_text(encoding="utf-8"))


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return build_project(Config(root=tmp_path), listing=FIXTURE, as_of=AS_OF)


def test_bibtex_golden(project: Project) -> None:
    check_golden("fixture.bib", render_bibtex(project))


def test_ascii_bibtex_golden(project: Project) -> None:
    bib = render_bibtex(project, ascii=True)
    assert bib.isascii()
    assert r"Veli{\v{c}}kovi{\'c}, Petar" in bib
    check_golden("fixture-ascii.bib", bib)


def test_csl_golden(project: Project) -> None:
    check_golden("fixture.json", render_csl(project))


def test_lock_golden(project: Project) -> None:
    check_golden("fixture.lock", project.lock_text)


def test_csl_is_valid_against_the_official_schema(project: Project) -> None:
    items = json.loads(render_csl(project))
    jsonschema.validate(items, CSL_SCHEMA)  # raises with the first violation
    assert len(items) == 50
    assert [i["id"] for i in items] == sorted(i["id"] for i in items)


def test_csl_item_details(project: Project) -> None:
    items = {i["id"]: i for i in json.loads(render_csl(project))}
    clip = items["mirowski2022clip"]
    assert clip["type"] == "article" and clip["citation-key"] == "mirowski2022clip"
    assert clip["issued"] == {"date-parts": [[2022, 5, 6]]}
    assert clip["categories"] == ["cs.CV", "Computer Vision and Pattern Recognition", "deepmind", "code"]
    assert clip["note"].startswith("Author list truncated")
    assert clip["title"].startswith('<span class="nocase">CLIP-CLOP</span>:')
    clark = items["clark2022unified"]
    assert clark["author"][1] == {"family": "Casas", "given": "Diego", "non-dropping-particle": "de las"}
    hoffmann = items["hoffmann2022training"]
    assert "4× more more data" in hoffmann["abstract"] and "67.5%" in hoffmann["abstract"]
    filos = items["filos2021model"]
    assert "<i>implicit value ensemble</i>" in filos["abstract"]
    assert "note" not in items["tomasev2026intelligent"]  # a complete author list


def test_bibtex_entry_details(project: Project) -> None:
    parser = BibTexParser(common_strings=True)
    entries = {e["ID"]: e for e in bibtexparser.loads(render_bibtex(project), parser=parser).entries}
    assert len(entries) == 50
    clip = entries["mirowski2022clip"]
    assert clip["ENTRYTYPE"] == "misc"
    assert clip["author"] == "Mirowski, Piotr and Banarse, Dylan and Malinowski, Mateusz and others"
    assert clip["title"] == "{CLIP-CLOP}: {CLIP}-Guided Collage and Photomontage"
    assert (clip["year"], clip["date"], clip["eprintclass"]) == ("2022", "2022-05-06", "cs.CV")
    assert clip["keywords"] == "Computer Vision and Pattern Recognition, deepmind, code"
    assert entries["wardefarley2023solving"]["title"] == "Solving {MaxSAT} with Matrix Multiplication"
    assert entries["czarnecki2018mix"]["title"] == r"{Mix\&Match} - Agent Curricula for Reinforcement Learning"
    assert r"67.5\%" in entries["hoffmann2022training"]["abstract"]
    assert r"4$\times$" in entries["hoffmann2022training"]["abstract"]
    assert entries["clark2022unified"]["author"].startswith("Clark, Aidan and de las Casas, Diego and")
    assert "{Gopher}" in entries["rae2021scaling"]["title"]


def test_output_is_byte_identical_across_runs_and_orders(tmp_path: Path, project: Project) -> None:
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    blocks = ["\n".join(lines[i : i + 3]) for i in range(0, len(lines), 3)]
    random.Random(7).shuffle(blocks)
    shuffled = tmp_path / "shuffled.txt"
    shuffled.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    other = build_project(Config(root=tmp_path), listing=shuffled, lock=tmp_path / "other.lock", as_of=AS_OF)
    assert render_bibtex(other).replace("shuffled.txt", "listing.txt") == render_bibtex(project)
    assert render_csl(other) == render_csl(project)
    assert other.lock_text == project.lock_text
