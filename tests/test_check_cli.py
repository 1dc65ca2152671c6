"""`bibsync check` from the command line: config, files as pre-commit passes them, output, exit codes."""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import FIXTURE

from bibsync.check import run as check_run
from bibsync.check.settings import check_settings
from bibsync.cli import cli
from bibsync.config import load_config

HAND_BIB = """\
@article{smith2020a, author = {Smith}, title = {A}, journal = {J}, year = 2020}
@article{smith2020b, author = {Smith}, title = {B}, journal = {J}, year = 2020}
@misc{doe2019, author = {Doe}, title = {Notes}}
"""


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, ["check", *map(str, args)], catch_exceptions=False)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A hand-kept bibliography and two manuscripts, configured in bibsync.toml."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "bibsync.toml", """\
        [check]
        sources = ["paper/*.tex", "paper/*.md"]
        bib = ["refs.bib"]
        """)
    write(tmp_path / "refs.bib", HAND_BIB)
    write(tmp_path / "paper" / "main.tex", "As \\citet{smith2020a} shows\n% \\cite{commented}\n")
    write(tmp_path / "paper" / "notes.md", "See [@smith2020b; @doe2019].\n")
    return tmp_path


def test_a_clean_project_exits_0_and_says_what_it_checked(project: Path) -> None:
    result = run()
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.strip() == "bibsync check: 0 errors, 0 warnings in 2 sources against 1 bibliography"


def test_an_undefined_key_exits_1_with_path_line_col(project: Path) -> None:
    write(project / "paper" / "main.tex", "As \\citet{smith2020a} shows\n\\citep{smith2021}\n")
    result = run()
    assert result.exit_code == 1
    assert result.stdout == ("paper/main.tex:2:8: undefined citation key 'smith2021' (not in refs.bib); "
                             "did you mean 'smith2020a' or 'smith2020b'?\n")
    assert "1 error, 0 warnings" in result.stderr


def test_warnings_pass_unless_strict(project: Path) -> None:
    write(project / "paper" / "notes.md", "See [@smith2020b].\n")  # doe2019 is now uncited
    result = run()
    assert result.exit_code == 0
    assert result.stdout == "refs.bib:3:7: warning: entry 'doe2019' is never cited\n"
    assert run("--strict").exit_code == 1
    assert run("--quiet").stdout == ""
    write(project / "bibsync.toml", '[check]\nsources = ["paper/*"]\nbib = ["refs.bib"]\nstrict = true\n')
    assert run().exit_code == 1


def test_named_sources_alone_are_a_partial_check_without_unused_warnings(project: Path) -> None:
    result = run("paper/main.tex")
    assert result.exit_code == 0
    assert result.stdout == ""  # smith2020b and doe2019 are cited elsewhere: no "never cited" here
    assert "in 1 source" in result.stderr


def test_a_named_bibliography_means_check_everything(project: Path) -> None:
    write(project / "paper" / "notes.md", "See [@smith2020b].\n")
    result = run("refs.bib")
    assert "in 2 sources" in result.stderr
    assert "'doe2019' is never cited" in result.stdout


def test_files_outside_the_configured_sources_are_skipped(project: Path) -> None:
    write(project / "README.md", "Thanks @octocat!\n")
    result = run("README.md", "paper/notes.md")
    assert result.exit_code == 0
    assert "skipped README.md (not among [tool.bibsync.check] sources)" in result.stderr


def test_without_configured_sources_every_named_file_is_checked(project: Path) -> None:
    write(project / "bibsync.toml", '[check]\nbib = ["refs.bib"]\n')
    write(project / "README.md", "Thanks @octocat!\n")
    result = run("README.md")
    assert result.exit_code == 1
    assert result.stdout.startswith("README.md:1:9: undefined citation key 'octocat'")


def test_bib_and_csl_options_replace_the_configured_bibliographies(project: Path) -> None:
    write(project / "other.json", '[{"id": "smith2020a", "type": "book"}]')
    result = run("--csl", "other.json", "paper/main.tex")
    assert result.exit_code == 0, result.output
    result = run("--csl", "other.json", "paper/notes.md")
    assert result.exit_code == 1
    assert "(not in other.json)" in result.stdout
    result = run("--csl", "other.json", "--bib", "refs.bib", "paper/notes.md")
    assert result.exit_code == 0


def test_without_a_config_named_bib_files_are_the_bibliographies(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "refs.bib", HAND_BIB)
    write(tmp_path / "a.tex", "\\cite{smith2020a} \\cite{nope}\n")
    result = run("a.tex", "refs.bib")
    assert result.exit_code == 1
    assert result.stdout.startswith("a.tex:1:25: undefined citation key 'nope'")


@pytest.mark.parametrize(("setup", "args", "message"), [
    (lambda p: (p / "refs.bib").unlink(), (), "refs.bib: no such file"),
    (lambda p: None, ("paper/missing.tex",), "paper/missing.tex: no such file"),
    (lambda p: write(p / "bibsync.toml", "[check]\nsources = 3\n"), (), "'sources' must be a list of strings"),
    (lambda p: write(p / "bibsync.toml", "[check]\nsource = []\n"), (), "unknown setting(s): source"),
    (lambda p: write(p / "bibsync.toml", '[check]\nsources = ["paper/*"]\n'), (), "no bibliography to check against"),
    (lambda p: (p / "paper" / "main.tex").write_bytes(b"\xff\xfe\\cite{x}"), (), "not UTF-8 text"),
])
def test_bad_input_exits_2(project: Path, setup, args: tuple[str, ...], message: str) -> None:  # type: ignore[no-untyped-def]
    setup(project)
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_a_malformed_bibliography_is_a_finding(project: Path) -> None:
    write(project / "refs.bib", HAND_BIB + "@misc{broken, title = {x}\n@misc{after}\n")
    result = run()
    assert result.exit_code == 1
    assert "refs.bib:4:7: entry 'broken' is not closed before the next entry (line 5)" in result.stdout


def test_the_two_process_scan_gives_the_same_findings(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for number in range(6):
        write(project / "paper" / f"ch{number}.md", f"[@smith2020a; @missing{number}]\n" * (number + 1))
    config = load_config()
    settings = check_settings(config)
    sequential = check_run.run_check(config, settings)
    monkeypatch.setattr(check_run, "PARALLEL_MIN_BYTES", 0)
    parallel = check_run.run_check(config, settings)
    assert len(sequential.findings) == 21
    assert parallel.findings == sequential.findings


# --- with a listing: generated bibliographies and the lock -------------------------------------------------


@pytest.fixture
def exported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A bibsync project: the fixture listing exported to refs.bib / refs.json, and a manuscript."""
    monkeypatch.chdir(tmp_path)
    shutil.copy(FIXTURE, tmp_path / "listing.txt")
    write(tmp_path / "pyproject.toml", """\
        [tool.bibsync]
        listing = "listing.txt"
        bib = "refs.bib"
        csl = "refs.json"
        as-of = "2026-11-26"

        [tool.bibsync.check]
        sources = ["*.tex"]
        """)
    exported = CliRunner().invoke(cli, ["export", "--quiet"], catch_exceptions=False)
    assert exported.exit_code == 0, exported.output
    first_key = (tmp_path / "bibsync.lock").read_text(encoding="utf-8").splitlines()[5].split("\t")[0]
    write(tmp_path / "paper.tex", f"\\cite{{{first_key}}}\n")
    return tmp_path


def lock_keys(project: Path) -> list[str]:
    lines = (project / "bibsync.lock").read_text(encoding="utf-8").splitlines()
    return [line.split("\t")[0] for line in lines if line and not line.startswith("#")]


def test_fresh_outputs_pass_and_generated_entries_are_not_called_unused(exported: Path) -> None:
    result = run()
    assert result.exit_code == 0, result.output
    assert result.stdout == ""


def test_a_stale_generated_bibliography_is_an_error_at_the_first_differing_line(exported: Path) -> None:
    bib = exported / "refs.bib"
    lines = bib.read_text(encoding="utf-8").split("\n")
    lines[10] = lines[10] + " "
    bib.write_text("\n".join(lines), encoding="utf-8")
    result = run()
    assert result.exit_code == 1
    assert result.stdout == ("refs.bib:11:1: out of date: `bibsync export` would write this differently from "
                             "listing.txt now (first difference on this line); run `bibsync export` and commit "
                             "the result\n")
    assert run("paper.tex").exit_code == 0  # a manuscript alone does not trigger the comparison
    assert run("listing.txt").exit_code == 1  # the listing does


def test_a_missing_generated_bibliography(exported: Path) -> None:
    (exported / "refs.json").unlink()
    result = run()
    assert result.exit_code == 1
    assert "refs.json:1:1: missing: run `bibsync export` to write it" in result.stdout


def test_a_broken_listing_is_bad_input_in_a_full_check(exported: Path) -> None:
    with (exported / "listing.txt").open("ab") as listing:
        listing.write(b"CVMay 6, 2022\nA title\xff\n")
    result = run()
    assert result.exit_code == 2
    assert "listing.txt:" in result.stderr and "not UTF-8 text" in result.stderr


def test_a_cited_key_missing_from_the_lock_and_the_bibliography(exported: Path) -> None:
    write(exported / "paper.tex", "\\cite{nosuchkey2020}\n")
    (exported / "bibsync.lock").write_text(
        (exported / "bibsync.lock").read_text(encoding="utf-8")
        + "nosuchkey2020\t2020-01-01\tNobody\tA paper that left the listing\n", encoding="utf-8")
    result = run("paper.tex")
    assert result.exit_code == 1
    assert result.stdout == ("paper.tex:1:7: citation key 'nosuchkey2020' is locked in bibsync.lock but missing "
                             "from refs.bib, refs.json: its paper left the listing, or the file is out of date "
                             "(run `bibsync export`)\n")


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, timeout=60,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"})


@pytest.mark.tools
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_locked_key_that_vanished_since_head_while_still_cited(exported: Path) -> None:
    git("init", "-q", cwd=exported)
    git("add", ".", cwd=exported)
    git("commit", "-q", "-m", "outputs", cwd=exported)
    cited = lock_keys(exported)[0]
    lock = exported / "bibsync.lock"
    lock.write_text("".join(line for line in lock.read_text(encoding="utf-8").splitlines(keepends=True)
                            if not line.startswith(cited + "\t")), encoding="utf-8")
    result = run("paper.tex")  # the bibliography still has the entry: only the lock tells
    assert result.exit_code == 1
    assert result.stdout == (f"paper.tex:1:7: citation key '{cited}' was in bibsync.lock at HEAD but is gone from "
                             "it: its paper's key changed or the key was retired\n")
    full = run()
    assert "bibsync.lock:" in full.stdout and "out of date" in full.stdout  # export would put it back


def test_a_changed_enrichment_file_makes_the_check_full(tmp_path: Path) -> None:
    from bibsync.check.run import _classify
    from bibsync.config import parse_config

    config = parse_config({"listing": "listing.txt", "enrich": {"file": "data/found.json"}}, root=tmp_path)
    assert _classify(config, [tmp_path / "paper.tex", tmp_path / "data" / "found.json"]) == (
        [tmp_path / "paper.tex"], True)
    assert _classify(config, [tmp_path / "paper.tex"]) == ([tmp_path / "paper.tex"], False)


def test_new_enrichment_results_make_the_outputs_out_of_date_until_exported(exported: Path) -> None:
    from enrich_data import RECORDS

    from bibsync.enrich.store import format_store

    (exported / "bibsync.enrich.json").write_text(format_store(RECORDS.values()), encoding="utf-8")
    result = run("bibsync.enrich.json")  # what the pre-commit hook passes when only this file changed
    assert result.exit_code == 1
    assert "refs.bib:" in result.stdout and "out of date" in result.stdout
    assert CliRunner().invoke(cli, ["export", "--quiet"], catch_exceptions=False).exit_code == 0
    assert run("bibsync.enrich.json").exit_code == 0
