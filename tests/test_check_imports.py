"""The check path stays light: no Zotero/HTTP stack, and the export stack only for the staleness check."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import FIXTURE, ROOT

HEAVY = ("httpx", "pyzotero", "rich", "bibtexparser", "pylatexenc", "jsonschema", "keyring")

# Run `bibsync check ARGS` in a fresh interpreter, then list the heavy packages it imported.
PROBE = textwrap.dedent("""\
    import sys
    sys.path.insert(0, {root!r})
    sys.argv = ["bibsync", "check", *{args!r}]
    from bibsync.cli import main
    try:
        main()
    except SystemExit as stop:
        code = stop.code
    heavy = sorted({{name.split(".")[0] for name in sys.modules}} & set({heavy!r}))
    print("exit", code, "heavy", ",".join(heavy) or "-", file=sys.stderr)
""")


def probe(folder: Path, *args: str) -> str:
    script = PROBE.format(root=str(ROOT), args=list(args), heavy=list(HEAVY))
    result = subprocess.run([sys.executable, "-c", script], cwd=folder, capture_output=True, text=True,
                            timeout=120, check=False)
    return result.stderr.strip().splitlines()[-1]


def project(folder: Path) -> Path:
    shutil.copy(FIXTURE, folder / "listing.txt")
    (folder / "bibsync.toml").write_text(
        'listing = "listing.txt"\nbib = "refs.bib"\nas-of = "2026-11-26"\n[check]\nsources = ["*.md"]\n',
        encoding="utf-8")
    (folder / "paper.md").write_text("See @nobody.\n", encoding="utf-8")
    export = subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
                             "sys.argv = ['bibsync', 'export', '-q']; from bibsync.cli import main; main()"],
                            cwd=folder, capture_output=True, text=True, timeout=120, check=False)
    assert export.returncode == 0, export.stderr
    return folder


def test_checking_a_manuscript_imports_nothing_heavy(tmp_path: Path) -> None:
    assert probe(project(tmp_path), "paper.md") == "exit 1 heavy -"


def test_the_staleness_check_is_what_brings_the_export_stack_in(tmp_path: Path) -> None:
    folder = project(tmp_path)
    stale_check = probe(folder, "listing.txt").split()
    assert stale_check[:3] == ["exit", "1", "heavy"]
    assert "bibtexparser" in stale_check[3].split(",")
    assert not set(stale_check[3].split(",")) & {"httpx", "pyzotero", "rich", "jsonschema", "keyring"}
    assert probe(folder, "--bib", "refs.bib", "paper.md") == "exit 1 heavy -"
