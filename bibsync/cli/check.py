"""``bibsync check``: every citation in LaTeX and Markdown sources resolves, without compiling.

Only click is imported up front; the check itself (:mod:`bibsync.check.run`) is imported when it runs,
and the export stack only when generated bibliographies must be compared with the listing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bibsync.cli import EXIT_BAD_INPUT, EXIT_OK, EXIT_PROBLEMS


@click.command("check")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--bib", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
              help="A BibTeX bibliography to resolve keys against (repeatable). Replaces the configured ones.")
@click.option("--csl", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
              help="A CSL-JSON bibliography to resolve keys against (repeatable). Replaces the configured ones.")
@click.option("--strict", is_flag=True, default=False,
              help="Warnings (uncited entries, missing fields) fail the check too (or 'strict' in the config).")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Config file (bibsync.toml or pyproject.toml). Default: the nearest one at or above the "
                   "current folder.")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only: no warnings, no summary.")
def command(files: tuple[Path, ...], bib: tuple[Path, ...], csl: tuple[Path, ...], strict: bool,
            config_path: Path | None, quiet: bool) -> None:
    """Check that every citation in FILES resolves in the bibliographies.

    FILES are LaTeX (.tex) and Markdown (.md, .qmd, .Rmd) sources; with none, the sources configured in
    [tool.bibsync.check] are checked. A bibliography, the listing, the lock or the config among FILES
    (as pre-commit passes them) means: check everything configured, including whether the generated
    bibliographies are what `bibsync export` would write now.

    \b
    Findings are printed as path:line:col: message.
    Errors: undefined keys, duplicate keys, malformed bibliographies, stale generated files,
    locked keys that vanished while still cited.
    Warnings: entries never cited, entries missing required fields.
    Exit status: 0 fine (warnings allowed); 1 errors, or warnings under --strict;
    2 bad usage or bad input (missing files, malformed config, listing or lock).
    """
    from bibsync.check.run import CheckInputError, run_check
    from bibsync.check.settings import check_settings
    from bibsync.config import ConfigError, load_config

    try:
        config = load_config(config_path)
        settings = check_settings(config)
        result = run_check(config, settings, files, bib=bib, csl=csl)
    except ConfigError as error:
        click.echo(f"bibsync: {error}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except CheckInputError as error:
        for message in error.messages:
            click.echo(message, err=True)
        sys.exit(EXIT_BAD_INPUT)

    shown = [f for f in result.findings if f.is_error or not quiet]
    if shown:
        click.echo("\n".join(str(f) for f in shown))
    if not quiet:
        for path in result.skipped:
            click.echo(f"bibsync check: skipped {path} (not among [tool.bibsync.check] sources)", err=True)
        click.echo(f"bibsync check: {_count(result.errors, 'error')}, {_count(result.warnings, 'warning')} in "
                   f"{_count(result.sources, 'source')} against {_count(result.bibliographies, 'bibliography')}",
                   err=True)
    failed = result.errors > 0 or (result.warnings > 0 and (strict or settings.strict))
    sys.exit(EXIT_PROBLEMS if failed else EXIT_OK)


def _count(number: int, noun: str) -> str:
    plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return f"{number} {noun if number == 1 else plural}"
