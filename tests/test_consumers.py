"""The real consumers accept the fixture's outputs without errors or warnings: bibtex + pdflatex with
plain.bst, biber with --validate-datamodel, and pandoc --citeproc. Skipped only where a program is absent
(.ci/run installs them all)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import AS_OF, FIXTURE
from enrich_data import RECORDS

from bibsync.config import Config
from bibsync.enrich.store import format_store
from bibsync.export import build_project, render_bibtex, render_csl

pytestmark = pytest.mark.tools


def need(*programs: str) -> None:
    missing = [p for p in programs if shutil.which(p) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)}")


def sh(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module", params=["listing", "enriched"])
def outputs(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    """The fixture's outputs as exported, and with enrichment applied (journal, proceedings, arXiv fields)."""
    folder = tmp_path_factory.mktemp(f"consumers-{request.param}")
    if request.param == "enriched":
        (folder / "bibsync.enrich.json").write_text(format_store(RECORDS.values()), encoding="utf-8")
    project = build_project(Config(root=folder), listing=FIXTURE, as_of=AS_OF)
    (folder / "refs.bib").write_text(render_bibtex(project), encoding="utf-8")
    (folder / "ascii.bib").write_text(render_bibtex(project, ascii=True), encoding="utf-8")
    (folder / "refs.json").write_text(render_csl(project), encoding="utf-8")
    return folder


@pytest.mark.parametrize("bib", ["refs", "ascii"])
def test_bibtex_and_pdflatex_with_plain_bst(outputs: Path, bib: str) -> None:
    need("pdflatex", "bibtex")
    document = f"doc-{bib}"
    (outputs / f"{document}.tex").write_text(
        "\\documentclass{article}\n\\begin{document}\nSee \\cite{mirowski2022clip,velickovic2026perplexity}.\n"
        f"\\nocite{{*}}\n\\bibliographystyle{{plain}}\n\\bibliography{{{bib}}}\n\\end{{document}}\n",
        encoding="utf-8")
    latex = ("pdflatex", "-interaction=nonstopmode", "-halt-on-error", document)
    sh(*latex, cwd=outputs)
    bibtex = sh("bibtex", document, cwd=outputs)
    assert "Warning" not in bibtex.stdout and "error" not in bibtex.stdout.lower(), bibtex.stdout
    sh(*latex, cwd=outputs)
    sh(*latex, cwd=outputs)
    log = (outputs / f"{document}.log").read_text(encoding="latin-1")
    assert "undefined" not in log and "Warning" not in log.replace("LaTeX Font Warning", "")
    bbl = (outputs / f"{document}.bbl").read_text(encoding="utf-8")
    assert bbl.count("\\bibitem") == 50
    assert "{CLIP-CLOP}: {CLIP}-guided collage and photomontage" in bbl  # plain.bst lowercased the rest
    assert "Solving {MaxSAT} with matrix multiplication" in bbl


def test_biber_validates_the_data_model(outputs: Path) -> None:
    need("pdflatex", "biber")
    (outputs / "bl.tex").write_text(
        "\\documentclass{article}\n\\usepackage[backend=biber]{biblatex}\n\\addbibresource{refs.bib}\n"
        "\\begin{document}\n\\nocite{*}\n\\printbibliography\n\\end{document}\n", encoding="utf-8")
    sh("pdflatex", "-interaction=nonstopmode", "-halt-on-error", "bl", cwd=outputs)
    biber = sh("biber", "--validate-datamodel", "bl", cwd=outputs)
    assert "WARN" not in biber.stdout and "ERROR" not in biber.stdout, biber.stdout
    assert (outputs / "bl.bbl").read_text(encoding="utf-8").count("\\entry{") == 50
    sh("pdflatex", "-interaction=nonstopmode", "-halt-on-error", "bl", cwd=outputs)


@pytest.mark.parametrize("bibliography", ["refs.json", "refs.bib"])
def test_pandoc_citeproc(outputs: Path, bibliography: str) -> None:
    need("pandoc")
    (outputs / "paper.md").write_text(
        '---\nnocite: "@*"\n---\n\nAs shown [@mirowski2022clip; @clark2022unified, p. 3].\n', encoding="utf-8")
    result = sh("pandoc", "paper.md", "--citeproc", "--bibliography", bibliography, "--fail-if-warnings",
                "-t", "plain", "--wrap=none", cwd=outputs)
    assert "(Mirowski" in result.stdout and "2022" in result.stdout
    assert "Clark, Aidan, Diego de las Casas" in result.stdout
    assert "Veličković, Petar" in result.stdout
    if bibliography == "refs.json":
        items = json.loads((outputs / bibliography).read_text(encoding="utf-8"))
        assert len(items) == 50
    if outputs.name.startswith("consumers-enriched"):
        assert "Advances in Neural Information Processing Systems" in result.stdout
        assert "Arthur Mensch, Elena Buchatskaya" in result.stdout  # the fourth author: the full list
        assert "Journal of Test Data" in result.stdout
