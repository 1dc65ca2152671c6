"""``bibsync export``: the listing as BibTeX and CSL-JSON, with keys from (and recorded in) the lock."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from bibsync.cli import EXIT_BAD_INPUT, EXIT_OK, EXIT_PROBLEMS
from bibsync.cli.common import load_project, project_options

STDOUT = Path("-")


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
    from bibsync.export import display_path, render_bibtex, render_csl
    from bibsync.fileio import write_atomic
    from bibsync.model import Severity

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

    outputs: list[tuple[Path, str]] = [(project.lock_path, project.lock_text)]
    if bib_path is not None:
        outputs.append((bib_path, render_bibtex(project, ascii=ascii_only)))
    if csl_path is not None:
        outputs.append((csl_path, render_csl(project)))

    if check_only:
        stale = [path for path, text in outputs if path != STDOUT and _differs(path, text)]
        for path in stale:
            click.echo(f"{display_path(path)}: not what `bibsync export` would write now", err=True)
        sys.exit(EXIT_PROBLEMS if stale else EXIT_OK)

    written: list[str] = []
    for path, text in outputs:
        if path == STDOUT:
            sys.stdout.write(text)
            continue
        if not _differs(path, text):
            continue  # untouched files keep their timestamps, so make and editors see no change
        try:
            write_atomic(path, text)
        except OSError as error:
            click.echo(f"{display_path(path)}: cannot write: {error.strerror or error}", err=True)
            sys.exit(EXIT_BAD_INPUT)
        written.append(display_path(path))
    if not quiet:
        reserved = len(project.reserved_keys)
        summary = f"{len(project.keyed)} entries"
        if reserved:
            summary += f", {reserved} locked key{'s' if reserved != 1 else ''} reserved for removed papers"
        done = f"wrote {', '.join(written)}" if written else "everything up to date"
        click.echo(f"bibsync: {summary}; {done}", err=True)
    sys.exit(EXIT_PROBLEMS if exit_code and written else EXIT_OK)


def _differs(path: Path, text: str) -> bool:
    try:
        return path.read_bytes() != text.encode("utf-8")
    except OSError:
        return True
