"""The wheel carries the mappings: after `pip install .` (not editable), export works from any folder."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import FIXTURE, ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    (built,) = out.glob("bibsync-*.whl")
    return built


def test_wheel_contains_every_module_and_mapping_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    # Importing from an unpacked wheel in this venv would silently fall back on the editable install's
    # finder for a missing subpackage, so compare file lists instead.
    modules = {str(p.relative_to(ROOT)) for p in (ROOT / "bibsync").rglob("*.py")}
    assert modules - names == set()
    mappings = {f"bibsync/mappings/{p.name}" for p in (ROOT / "mappings").iterdir() if p.is_file()}
    assert mappings - names == set()
    assert not any(name.startswith("tests/") for name in names)


def test_export_from_the_unpacked_wheel_in_another_folder(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run(
        [sys.executable, "-I", "-c",
         f"import sys; sys.path.insert(0, {str(site)!r}); sys.argv = ['bibsync', 'export', {str(FIXTURE)!r}, "
         "'--csl', 'refs.json', '--as-of', '2026-11-26']; from bibsync.cli import main; main()"],
        cwd=elsewhere, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (elsewhere / "refs.json").read_text(encoding="utf-8").count('"citation-key"') == 50
    imported = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(site)!r}); import bibsync.mappings as m; "
         "print(m.mappings_dir())"], cwd=elsewhere, capture_output=True, text=True, check=True)
    assert imported.stdout.strip().startswith(str(site))  # the packaged copy, not the checkout's
