"""The wheel ships the check: pre-commit pip-installs bibsync (not editable) to run the hooks."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest
from conftest import ROOT


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    out = tmp_path_factory.mktemp("check-wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    (built,) = out.glob("bibsync-*.whl")
    return set(zipfile.ZipFile(built).namelist())


@pytest.mark.parametrize("module", ["bibsync/cli/__init__.py", "bibsync/cli/check.py", "bibsync/check/run.py",
                                    "bibsync/check/citations.py", "bibsync/mappings/required-fields.toml"])
def test_the_wheel_has_what_the_check_hook_runs(wheel_names: set[str], module: str) -> None:
    assert module in wheel_names, (
        f"{module} is not in the wheel: the installed `bibsync` command (and the pre-commit hooks) cannot run; "
        "list every subpackage under [tool.setuptools] packages in pyproject.toml")
