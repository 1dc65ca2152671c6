"""`bibsync export` end to end: files, exit statuses, config, and never a half-written output."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import FIXTURE, GOLDEN

from bibsync.cli import cli
from bibsync.cli import export as export_command
from bibsync.fileio import write_atomic

AS_OF = ["--as-of", "2026-11-26"]


def run(*args: str | Path, cwd: Path) -> Result:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, ["export", *map(str, args)], catch_exceptions=False)
    finally:
        os.chdir(old)


def test_export_writes_bib_csl_and_lock(tmp_path: Path) -> None:
    result = run(FIXTURE, "--bib", "refs.bib", "--csl", "refs.json", *AS_OF, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "refs.bib").read_text(encoding="utf-8") == (GOLDEN / "fixture.bib").read_text(encoding="utf-8")
    assert (tmp_path / "refs.json").read_text(encoding="utf-8") == (GOLDEN / "fixture.json").read_text(
        encoding="utf-8")
    assert (tmp_path / "bibsync.lock").read_text(encoding="utf-8") == (GOLDEN / "fixture.lock").read_text(
        encoding="utf-8")
    assert "50 entries; wrote bibsync.lock, refs.bib, refs.json" in result.stderr


def test_second_run_is_up_to_date_and_check_says_so(tmp_path: Path) -> None:
    run(FIXTURE, "--bib", "refs.bib", *AS_OF, cwd=tmp_path)
    assert run(FIXTURE, "--bib", "refs.bib", "--check", *AS_OF, cwd=tmp_path).exit_code == 0
    (tmp_path / "refs.bib").write_text("edited by hand\n", encoding="utf-8")
    stale = run(FIXTURE, "--bib", "refs.bib", "--check", *AS_OF, cwd=tmp_path)
    assert stale.exit_code == 1
    assert "refs.bib: not what `bibsync export` would write now" in stale.stderr
    assert (tmp_path / "refs.bib").read_text(encoding="utf-8") == "edited by hand\n"  # --check writes nothing


def test_exit_code_reports_written_files_and_unchanged_files_are_not_touched(tmp_path: Path) -> None:
    first = run(FIXTURE, "--bib", "refs.bib", "--exit-code", *AS_OF, cwd=tmp_path)
    assert first.exit_code == 1 and "wrote bibsync.lock, refs.bib" in first.stderr
    stamp = (tmp_path / "refs.bib").stat().st_mtime_ns
    again = run(FIXTURE, "--bib", "refs.bib", "--exit-code", *AS_OF, cwd=tmp_path)
    assert again.exit_code == 0 and "everything up to date" in again.stderr
    assert (tmp_path / "refs.bib").stat().st_mtime_ns == stamp


def test_stdout(tmp_path: Path) -> None:
    result = run(FIXTURE, "--csl", "-", *AS_OF, cwd=tmp_path)
    assert result.exit_code == 0
    assert result.stdout.startswith("[\n  {\n    \"id\": \"aiello2017beautiful\"")
    both = run(FIXTURE, "--csl", "-", "--bib", "-", *AS_OF, cwd=tmp_path)
    assert both.exit_code == 2 and "only one of --bib and --csl" in both.stderr


def test_nothing_to_write_is_a_usage_error(tmp_path: Path) -> None:
    result = run(FIXTURE, *AS_OF, cwd=tmp_path)
    assert result.exit_code == 2 and "nothing to write" in result.stderr


BROKEN = (
    "Publications\n"  # a stray line copied with the listing
    "CVMay 6, 2022\nA Good TitleJohn Smith\nAbstract.\n"
    "LGFeb 30, 2022\nAnother TitleJohn Smith\nAbstract.\n"
    "LGMay 7, 2022\nno authors here\nAbstract.\n"
)


def test_bad_listing_reports_every_problem_and_writes_nothing(tmp_path: Path) -> None:
    listing = tmp_path / "listing.txt"
    listing.write_text(BROKEN, encoding="utf-8")
    (tmp_path / "refs.bib").write_text("previous content\n", encoding="utf-8")
    result = run("listing.txt", "--bib", "refs.bib", "--csl", "refs.json", *AS_OF, cwd=tmp_path)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0] == ("listing.txt:1: expected an entry header: category code, date, optional 'Code' "
                        "(e.g. 'CVMay 6, 2022Code'), found 'Publications'")
    assert lines[1] == "listing.txt:5: no such date: Feb 30, 2022"
    assert lines[2].startswith("listing.txt:9: cannot tell where the title ends")
    assert lines[3] == "bibsync: 3 problems in the input; nothing was written"
    assert "Traceback" not in result.output
    assert (tmp_path / "refs.bib").read_text(encoding="utf-8") == "previous content\n"
    assert not (tmp_path / "refs.json").exists() and not (tmp_path / "bibsync.lock").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"CVMay 6, 2022\nA Title\xff\xfeJohn Smith\n", "listing.txt:2: not UTF-8 text (byte 0xff)"),
        (None, "listing.txt: no such file"),
    ],
)
def test_unreadable_listing(tmp_path: Path, content: bytes | None, message: str) -> None:
    if content is not None:
        (tmp_path / "listing.txt").write_bytes(content)
    result = run("listing.txt", "--bib", "refs.bib", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr.startswith(message)


def test_bad_lock_file_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "bibsync.lock").write_text("key-without-columns\nsmith2020\tnot-a-date\tSmith\tTitle\n",
                                           encoding="utf-8")
    result = run(FIXTURE, "--bib", "refs.bib", *AS_OF, cwd=tmp_path)
    assert result.exit_code == 2
    assert "bibsync.lock:1: expected 4 tab-separated columns" in result.stderr
    assert "bibsync.lock:2: expected an ISO date (YYYY-MM-DD), found 'not-a-date'" in result.stderr
    assert not (tmp_path / "refs.bib").exists()


def test_lock_keeps_keys_when_a_colliding_paper_arrives(tmp_path: Path) -> None:
    listing = tmp_path / "listing.txt"
    listing.write_text("LGJun 1, 2022\nDeep Learning for RiversJohn Smith\nAbstract.\n", encoding="utf-8")
    run("listing.txt", "--bib", "refs.bib", cwd=tmp_path)
    older = "LGJan 1, 2022\nDeep Thoughts on LakesJohn Smith\nAbstract.\n"
    listing.write_text(older + listing.read_text(encoding="utf-8"), encoding="utf-8")
    result = run("listing.txt", "--bib", "refs.bib", "--csl", "-", cwd=tmp_path)
    assert '"id": "smith2022deep"' in result.stdout and '"id": "smith2022deepa"' in result.stdout
    lock = (tmp_path / "bibsync.lock").read_text(encoding="utf-8")
    assert "smith2022deep\t2022-06-01\tSmith\tDeep Learning for Rivers" in lock
    assert "smith2022deepa\t2022-01-01\tSmith\tDeep Thoughts on Lakes" in lock
    regenerated = run("listing.txt", "--bib", "refs.bib", "--csl", "-", "--regenerate-keys", cwd=tmp_path)
    assert '"id": "smith2022deepa"' in regenerated.stdout and '"id": "smith2022deepb"' in regenerated.stdout


def test_strict_turns_warnings_into_failure(tmp_path: Path) -> None:
    listing = tmp_path / "listing.txt"
    listing.write_text("QQMay 6, 2022\nA TitleJohn Smith\nAbstract.\n" * 2, encoding="utf-8")
    relaxed = run("listing.txt", "--bib", "refs.bib", *AS_OF, cwd=tmp_path)
    assert relaxed.exit_code == 0
    assert "listing.txt:1: warning: category 'QQ' is not in the mappings" in relaxed.stderr
    assert "listing.txt:4: warning: the same paper as the entry on line 1" in relaxed.stderr
    (tmp_path / "refs.bib").unlink()
    strict = run("listing.txt", "--bib", "refs.bib", "--strict", *AS_OF, cwd=tmp_path)
    assert strict.exit_code == 1 and not (tmp_path / "refs.bib").exists()


def test_bare_export_uses_the_config_from_a_subfolder(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "listing.txt").write_text(FIXTURE.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "paper"\n\n[tool.bibsync]\nlisting = "data/listing.txt"\nbib = "out/refs.bib"\n'
        'csl = "out/refs.json"\nas-of = 2026-11-26\nascii = true\n', encoding="utf-8")
    (tmp_path / "paper").mkdir()
    result = run(cwd=tmp_path / "paper")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "refs.bib").read_text(encoding="utf-8") == (GOLDEN / "fixture-ascii.bib").read_text(
        encoding="utf-8")
    assert (tmp_path / "bibsync.lock").exists()


def test_bibsync_toml_and_pinned_titles(tmp_path: Path) -> None:
    (tmp_path / "listing.txt").write_text(
        "LGMay 6, 2022\nLearning DeLesley Style ModelsDeLesley Hutchins\nAbstract.\n", encoding="utf-8")
    (tmp_path / "bibsync.toml").write_text(
        'listing = "listing.txt"\ncsl = "refs.json"\ntitles = ["Learning DeLesley Style Models"]\n',
        encoding="utf-8")
    result = run(cwd=tmp_path)
    assert result.exit_code == 0 and "uncertain" not in result.stderr
    assert '"family": "Hutchins"' in (tmp_path / "refs.json").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('listing = "x.txt"\nbibfile = "refs.bib"\n', "unknown setting(s): bibfile"),
        ('key-pattern = "[author]"\nlisting = "x.txt"\nbib = "b.bib"\n', "unknown field [author]"),
        ("listing = [", "not valid TOML"),
    ],
)
def test_bad_config_is_bad_input(tmp_path: Path, config: str, message: str) -> None:
    (tmp_path / "x.txt").write_text(FIXTURE.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "bibsync.toml").write_text(config, encoding="utf-8")
    result = run(cwd=tmp_path)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output


def test_write_atomic_leaves_the_old_file_when_interrupted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "refs.bib"
    target.write_text("old\n", encoding="utf-8")

    def fail(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, "new\n")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["refs.bib"]  # no temporary file left behind


def test_large_exports_render_in_two_processes_with_the_same_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_command, "PARALLEL_FROM", 0)
    result = run(FIXTURE, "--bib", "refs.bib", "--csl", "refs.json", *AS_OF, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "wrote bibsync.lock, refs.bib, refs.json" in result.stderr
    for name, golden in (("refs.bib", "fixture.bib"), ("refs.json", "fixture.json"), ("bibsync.lock", "fixture.lock")):
        assert (tmp_path / name).read_bytes() == (GOLDEN / golden).read_bytes()
    again = run(FIXTURE, "--bib", "refs.bib", "--csl", "refs.json", "--exit-code", *AS_OF, cwd=tmp_path)
    assert again.exit_code == 0 and "everything up to date" in again.stderr


def test_a_write_error_in_the_second_process_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export_command, "PARALLEL_FROM", 0)
    (tmp_path / "blocker").write_text("a file where a folder should be\n", encoding="utf-8")
    result = run(FIXTURE, "--bib", "refs.bib", "--csl", "blocker/refs.json", *AS_OF, cwd=tmp_path)
    assert result.exit_code == 2
    assert "blocker/refs.json: cannot write: Not a directory" in result.stderr
    assert (tmp_path / "refs.bib").exists()  # the first process's own file was written
