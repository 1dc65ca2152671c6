"""What the export and sync commands share: the listing options and loading the project from them."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
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
    enrich: bool = True,
    quiet: bool = False,
) -> tuple[Config, Project]:
    """Load config and project; on bad input print every problem and exit 2. Warnings go to stderr.
    The lock is not written: that is the caller's job, once it knows it will use the keys."""
    from bibsync.export import InputError, build_project  # the export stack is imported only when used

    config = load_config_or_exit(config_path)
    if isinstance(as_of, dt.datetime):
        as_of = as_of.date()
    try:
        project = build_project(config, listing=listing, lock=lock, as_of=as_of, regenerate_keys=regenerate_keys,
                                enrich=enrich)
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


@contextmanager
def verbose_logging(verbose: int) -> Iterator[None]:
    """-v: bibsync's own steps; -vv: every request too. URLs are logged, never headers or the key."""
    import logging

    if verbose <= 0:
        yield
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    names = ["bibsync"] + (["httpx", "httpcore"] if verbose >= 2 else ["httpx"])
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG if verbose >= 2 else logging.INFO)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)


@contextmanager
def progress_bar(label: str, done_word: str, *, quiet: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on a terminal, plain lines otherwise, nothing under --quiet."""
    if quiet:
        yield None
        return
    if not sys.stderr.isatty():

        def plain(done: int, total: int) -> None:
            click.echo(f"bibsync: {done_word} {done}/{total}", err=True)

        yield plain
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("write", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update
