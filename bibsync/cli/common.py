"""What the export and sync commands share: the listing options and loading the project from them."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from bibsync.cli import EXIT_BAD_INPUT
from bibsync.config import Config, ConfigError, load_config

if TYPE_CHECKING:
    from bibsync.export import Project
    from bibsync.model import Diagnostic

F = TypeVar("F", bound=Callable[..., Any])


def project_options(function: F) -> F:
    """LISTING, --config, --as-of and --lock: the options that decide which entries get which keys."""
    decorators = [
        click.argument("listing", required=False, type=click.Path(path_type=Path, dir_okay=False)),
        click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False, exists=True),
                     help="Config file (bibsync.toml or pyproject.toml). Default: the nearest one at or "
                          "above the current folder."),
        click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, metavar="YYYY-MM-DD",
                     help="Resolve listing dates without a year to the latest such date not after this "
                          "one. Default: today (or 'as-of' in the config)."),
        click.option("--lock", type=click.Path(path_type=Path, dir_okay=False), default=None,
                     help="Lock file recording every issued citation key. Default: 'lock' in the config, "
                          "else bibsync.lock next to the config (or in the current folder)."),
    ]
    for decorator in reversed(decorators):
        function = decorator(function)
    return function


def load_config_or_exit(config_path: Path | None) -> Config:
    try:
        return load_config(config_path)
    except ConfigError as error:
        click.echo(f"bibsync: {error}", err=True)
        sys.exit(EXIT_BAD_INPUT)


def load_project(
    listing: Path | None,
    config_path: Path | None,
    as_of: dt.date | dt.datetime | None,
    lock: Path | None,
    *,
    regenerate_keys: bool = False,
    quiet: bool = False,
) -> tuple[Config, Project]:
    """Load config and project; on bad input print every problem and exit 2. Warnings go to stderr.
    The lock is not written: that is the caller's job, once it knows it will use the keys."""
    from bibsync.export import InputError, build_project  # the export stack is imported only when used

    config = load_config_or_exit(config_path)
    if isinstance(as_of, dt.datetime):
        as_of = as_of.date()
    try:
        project = build_project(config, listing=listing, lock=lock, as_of=as_of, regenerate_keys=regenerate_keys)
    except InputError as error:
        print_diagnostics(error.diagnostics)
        count = len(error.diagnostics)
        click.echo(f"bibsync: {count} problem{'s' if count != 1 else ''} in the input; nothing was written",
                   err=True)
        sys.exit(EXIT_BAD_INPUT)
    if not quiet:
        print_diagnostics(project.warnings)
    return config, project


def print_diagnostics(diagnostics: Iterable[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        click.echo(str(diagnostic), err=True)
