"""``bibsync export``: the listing as BibTeX and CSL-JSON, with keys from (and recorded in) the lock."""

from __future__ import annotations

import datetime as dt
import gc
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import click

from bibsync.cli import EXIT_BAD_INPUT, EXIT_OK, EXIT_PROBLEMS
from bibsync.cli.common import load_project, project_options

STDOUT = Path("-")
PARALLEL_FROM = 2000  # entries from which the outputs are rendered in two processes


@click.command("export")
@project_options
@click.option("--bib", type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
              help="Write BibTeX here ('-' for standard output). Default: 'bib' in the config.")
@click.option("--csl", type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
              help="Write CSL-JSON here ('-' for standard output). Default: 'csl' in the config.")
@click.option("--ascii/--utf8", "ascii_only", default=None,
              help="BibTeX in pure ASCII with LaTeX accents, for classic 8-bit bibtex (default: UTF-8, "
                   "for biber; or 'ascii' in the config).")
@click.option("--regenerate-keys", is_flag=True,
              help="Forget the lock and issue every key afresh. Keys already cited in manuscripts may "
                   "change: use only on purpose.")
@click.option("--check", "check_only", is_flag=True,
              help="Write nothing; exit 1 if an output or the lock file is not what export would write.")
@click.option("--exit-code", is_flag=True,
              help="Exit 1 when a file had to be written (as formatters in pre-commit hooks do).")
@click.option("--strict", is_flag=True, help="Treat warnings (uncertain splits, duplicates, unknown "
                                             "categories) as problems: exit 1 and write nothing.")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
def command(
    listing: Path | None,
    config_path: Path | None,
    as_of: dt.datetime | None,
    lock: Path | None,
    bib: Path | None,
    csl: Path | None,
    ascii_only: bool | None,
    regenerate_keys: bool,
    check_only: bool,
    exit_code: bool,
    strict: bool,
    quiet: bool,
) -> None:
    """Convert LISTING to BibTeX (--bib) and CSL-JSON (--csl) with stable citation keys.

    Keys come from the lock file: a key, once issued, never changes, and a new paper whose key would
    collide gets the next free suffix (a, b, ...). New keys are added to the lock, which should be
    committed next to the outputs. With a config file (bibsync.toml or [tool.bibsync] in
    pyproject.toml) a bare `bibsync export` writes the configured files.

    \b
    Outputs are written atomically, and not at all when the input has errors.
    Exit status: 0 written or up to date; 1 warnings under --strict, stale under --check, or a file
    written under --exit-code; 2 bad usage or bad input (every problem is printed as file:line: message).
    """
    from bibsync.export import iter_bibtex, iter_csl
    from bibsync.fileio import display_path, same_content, write_all_if_changed
    from bibsync.model import Severity

    # A short-lived process that builds many small objects and frees little: the cyclic garbage
    # collector only costs time here (about a tenth of a 100,000-entry export).
    gc.disable()
    config, project = load_project(listing, config_path, as_of, lock, regenerate_keys=regenerate_keys,
                                   quiet=quiet)
    bib_path = bib if bib is not None else config.bib
    csl_path = csl if csl is not None else config.csl
    if bib_path is None and csl_path is None:
        raise click.UsageError("nothing to write: pass --bib and/or --csl, or set 'bib'/'csl' in the config")
    if bib_path == STDOUT and csl_path == STDOUT:
        raise click.UsageError("only one of --bib and --csl can go to standard output")
    if strict and any(d.severity is Severity.WARNING for d in project.warnings):
        click.echo("bibsync: warnings under --strict; nothing was written", err=True)
        sys.exit(EXIT_PROBLEMS)

    # Each output is rendered when it is written, piece by piece: a 100,000-entry listing never has
    # its .bib and .json in memory at once.
    outputs: list[tuple[Path, Callable[[], Iterable[str]]]] = [(project.lock_path, lambda: [project.lock_text])]
    if bib_path is not None:
        outputs.append((bib_path, lambda: iter_bibtex(project, ascii=ascii_only)))
    if csl_path is not None:
        outputs.append((csl_path, lambda: iter_csl(project)))

    if check_only:
        stale = [path for path, pieces in outputs if path != STDOUT and not same_content(path, pieces())]
        for path in stale:
            click.echo(f"{display_path(path)}: not what `bibsync export` would write now", err=True)
        sys.exit(EXIT_PROBLEMS if stale else EXIT_OK)

    for path, pieces in outputs:
        if path == STDOUT:
            sys.stdout.writelines(pieces())
    files = [(path, pieces) for path, pieces in outputs if path != STDOUT]
    try:
        # An unchanged file is not rewritten, so make and editors see no change. A large export renders
        # its .bib and .json on both cores.
        written = [display_path(p) for p in write_all_if_changed(files, fork=len(project.keyed) >= PARALLEL_FROM)]
    except OSError as error:
        where = display_path(Path(error.filename)) if error.filename else "bibsync"
        click.echo(f"{where}: cannot write: {error.strerror or error}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    if not quiet:
        reserved = len(project.reserved_keys)
        summary = f"{len(project.keyed)} entries"
        if reserved:
            summary += f", {reserved} locked key{'s' if reserved != 1 else ''} reserved for removed papers"
        done = f"wrote {', '.join(written)}" if written else "everything up to date"
        click.echo(f"bibsync: {summary}; {done}", err=True)
    sys.exit(EXIT_PROBLEMS if exit_code and written else EXIT_OK)
