"""End to end with the real pre-commit: the hooks install from this checkout and guard real commits.

The checkout is copied, as it is on disk, into a temporary git repository and committed there, so the
test works from a clean CI checkout and from a working tree with uncommitted changes alike. pre-commit
builds the hook's virtualenv (pip-installing bibsync from that copy) once per test session, under a
temporary PRE_COMMIT_HOME.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FIXTURE, ROOT

pytestmark = [
    pytest.mark.tools,
    pytest.mark.skipif(shutil.which("git") is None, reason="needs git"),
    pytest.mark.skipif(importlib.util.find_spec("pre_commit") is None, reason="needs pre-commit"),
]

IGNORED = shutil.ignore_patterns(".git", "__pycache__", "*.egg-info", "build", "dist", ".venv", "venv",
                                 ".pytest_cache", ".mypy_cache", ".ruff_cache", "*.pyc")

BIB = """\
@article{smith2020a, author = {Smith, Jane}, title = {Alpha}, journal = {J}, year = 2020}
@article{smith2020b, author = {Smith, Jane}, title = {Beta}, journal = {J}, year = 2020}
"""


@pytest.fixture(scope="session")
def environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("pre-commit-home")
    return {**os.environ, "PRE_COMMIT_HOME": str(home), "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "t@example.org",
            "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "t@example.org", "PRE_COMMIT_COLOR": "never"}


def sh(*args: str | Path, cwd: Path, env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def pre_commit(*args: str, cwd: Path, env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess[str]:
    return sh(sys.executable, "-m", "pre_commit", *args, cwd=cwd, env=env, timeout=timeout)


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory, environment: dict[str, str]) -> tuple[Path, str]:
    """This checkout, committed into a temporary repository: (path, commit)."""
    repo = tmp_path_factory.mktemp("hook-repo") / "bibsync"
    shutil.copytree(ROOT, repo, ignore=IGNORED)
    for step in (("init", "-q"), ("add", "-A"), ("commit", "-q", "-m", "bibsync under test")):
        done = sh("git", *step, cwd=repo, env=environment)
        assert done.returncode == 0, done.stderr
    head = sh("git", "rev-parse", "HEAD", cwd=repo, env=environment).stdout.strip()
    return repo, head


@pytest.fixture
def manuscript(tmp_path: Path, hook_repo: tuple[Path, str], environment: dict[str, str]) -> Iterator[Path]:
    """A manuscript repository using both hooks, with pre-commit installed as its git hook."""
    repo_path, rev = hook_repo
    (tmp_path / ".pre-commit-config.yaml").write_text(textwrap.dedent(f"""\
        repos:
          - repo: {repo_path}
            rev: {rev}
            hooks:
              - id: bibsync-export
                files: ^listing\\.txt$
              - id: bibsync-check
        """), encoding="utf-8")
    shutil.copy(FIXTURE, tmp_path / "listing.txt")
    (tmp_path / "bibsync.toml").write_text(textwrap.dedent("""\
        listing = "listing.txt"
        bib = "group.bib"
        as-of = "2026-11-26"

        [check]
        sources = ["*.tex", "*.md"]
        bib = ["group.bib", "refs.bib"]
        """), encoding="utf-8")
    (tmp_path / "refs.bib").write_text(BIB, encoding="utf-8")
    assert sh("git", "init", "-q", cwd=tmp_path, env=environment).returncode == 0
    installed = pre_commit("install", cwd=tmp_path, env=environment)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    # building the hook's environment (pip-installing bibsync) happens once per session
    hooks = pre_commit("install-hooks", cwd=tmp_path, env=environment, timeout=900)
    assert hooks.returncode == 0, hooks.stdout + hooks.stderr
    yield tmp_path


def commit(repo: Path, env: dict[str, str], *files: str) -> subprocess.CompletedProcess[str]:
    """``git add FILES && git commit``; the hooks' report (which git prints on stderr) is in ``stdout``."""
    added = sh("git", "add", *files, cwd=repo, env=env)
    assert added.returncode == 0, added.stderr
    done = sh("git", "commit", "-m", "manuscript", cwd=repo, env=env, timeout=300)
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout + done.stderr, "")


def test_a_broken_citation_is_rejected_and_the_fix_accepted(manuscript: Path, environment: dict[str, str]) -> None:
    # The export hook writes the outputs on the first commit and fails it, as a formatter does
    # (`bibsync export --exit-code`), even though the new files are untracked; add them and commit again.
    project = (".pre-commit-config.yaml", "bibsync.toml", "listing.txt", "refs.bib")
    first = commit(manuscript, environment, *project)
    assert first.returncode != 0, first.stdout
    assert "bibsync export (outputs match the listing)" in first.stdout and "Failed" in first.stdout
    assert "wrote bibsync.lock, group.bib" in first.stdout and (manuscript / "group.bib").is_file()
    second = commit(manuscript, environment, *project, "group.bib", "bibsync.lock")
    assert second.returncode == 0, second.stdout + second.stderr
    group_key = (manuscript / "bibsync.lock").read_text(encoding="utf-8").splitlines()[5].split("\t")[0]

    (manuscript / "paper.tex").write_text(f"As \\citet{{smith2020}} and \\citep{{{group_key}}} show.\n",
                                          encoding="utf-8")
    rejected = commit(manuscript, environment, "paper.tex")
    assert rejected.returncode != 0
    assert ("paper.tex:1:11: undefined citation key 'smith2020' (not in group.bib, refs.bib); "
            "did you mean 'smith2020a' or 'smith2020b'?") in rejected.stdout
    assert "bibsync check (citations resolve)" in rejected.stdout and "Failed" in rejected.stdout
    log = sh("git", "log", "--oneline", cwd=manuscript, env=environment).stdout
    assert len(log.splitlines()) == 1  # the rejected commit was not made

    (manuscript / "paper.tex").write_text(f"As \\citet{{smith2020a}} and \\citep{{{group_key}}} show.\n",
                                          encoding="utf-8")
    accepted = commit(manuscript, environment, "paper.tex")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "bibsync check (citations resolve)" in accepted.stdout and "Passed" in accepted.stdout


def test_a_markdown_manuscript_and_a_listing_change(manuscript: Path, environment: dict[str, str]) -> None:
    assert commit(manuscript, environment, ".").returncode != 0  # the export hook writes the outputs
    assert commit(manuscript, environment, ".").returncode == 0  # which are added here
    (manuscript / "notes.md").write_text("---\ntitle: x\n---\nSee @fig-one and [@smith2020a]; mail me@x.org.\n",
                                         encoding="utf-8")
    assert commit(manuscript, environment, "notes.md").returncode == 0

    # editing a title in the listing: the export hook rewrites group.bib and fails the commit, like a formatter
    listing = manuscript / "listing.txt"
    listing.write_text(listing.read_text(encoding="utf-8").replace("Collage and Photomontage",
                                                                   "Collage and Photo-montage"), encoding="utf-8")
    changed = commit(manuscript, environment, "listing.txt")
    assert changed.returncode != 0
    assert "files were modified by this hook" in changed.stdout
    assert "Photo-montage" in (manuscript / "group.bib").read_text(encoding="utf-8")
    assert commit(manuscript, environment, "listing.txt", "group.bib", "bibsync.lock").returncode == 0
