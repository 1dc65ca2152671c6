"""``bibsync enrich``: look the listing's entries up in arXiv, Crossref (and optionally Semantic Scholar
and DBLP), and record what was found in ``bibsync.enrich.json`` for every other command to apply.

Only click is imported at module level; httpx, rich and the enrichment stack load when the command runs.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bibsync.cli import EXIT_BAD_INPUT, EXIT_OK, EXIT_PROBLEMS
from bibsync.cli.common import load_project, print_diagnostics, progress_bar, project_options, verbose_logging

if TYPE_CHECKING:
    from bibsync.enrich.candidate import Politeness, Service
    from bibsync.enrich.fetch import Answer, Fetcher, FetchResult, Lookup
    from bibsync.enrich.settings import EnrichSettings
    from bibsync.enrich.store import Record
    from bibsync.enrich.update import Change
    from bibsync.export import Project

DEFAULT_S2_KEY_ENV = "SEMANTIC_SCHOLAR_API_KEY"


@click.command("enrich")
@project_options
@click.option("--retry", is_flag=True, help="Also look up again the entries left unmatched or in review.")
@click.option("--refresh", is_flag=True, help="Look up every entry again, matched ones included.")
@click.option("--only", "only", multiple=True, metavar="KEY",
              help="Look up this entry, whatever its record, and no other (repeatable).")
@click.option("--service", "service_names", multiple=True, metavar="NAME",
              type=click.Choice(["arxiv", "crossref", "semanticscholar", "dblp"]),
              help="Ask this service (repeatable). Default: 'services' in [tool.bibsync.enrich], "
                   "else arxiv and crossref.")
@click.option("--review", "review_only", is_flag=True,
              help="Ask nothing: list the entries whose matches are uncertain, and how to settle them.")
@click.option("--dry-run", is_flag=True, help="Ask nothing: list the entries that would be looked up.")
@click.option("-v", "--verbose", count=True, help="Log retries (-v), and every request (-vv).")
@click.option("-q", "--quiet", is_flag=True, help="Print only problems and the summary.")
def command(
    listing: Path | None,
    config_path: Path | None,
    as_of: dt.datetime | None,
    lock: Path | None,
    retry: bool,
    refresh: bool,
    only: tuple[str, ...],
    service_names: tuple[str, ...],
    review_only: bool,
    dry_run: bool,
    verbose: int,
    quiet: bool,
) -> None:
    """Complete LISTING's entries from public bibliographic services: the full author list (the
    listing shows three and "et al."), arXiv id and class, DOI, URL, and the journal or proceedings
    a later version appeared in.

    A match must be convincing: the same title, a year within one, and the listing's authors in the
    found list, in order. Uncertain matches are listed for review and not applied; settle them in
    [tool.bibsync.enrich] with accept = [KEY], reject = [KEY] or pin.KEY = "arxiv:ID" / "doi:DOI".
    Results go to bibsync.enrich.json (next to the lock file; commit it), which export, check and
    sync apply offline. Citation keys never change because of it. An entry is asked about once:
    again only when newly pinned, with --retry when it was left unmatched or in review, and with
    --refresh whatever it was.

    \b
    Polite use: set contact = "you@example.org" in [tool.bibsync.enrich] (sent in the User-Agent
    and as Crossref's mailto). Each service is asked no faster than it documents (arXiv: one request
    every 3 s), Retry-After is honoured, and a service that keeps failing is given up.
    A Semantic Scholar API key is read from SEMANTIC_SCHOLAR_API_KEY (or the variable named by
    semanticscholar-key-env), never from the command line or the config.

    \b
    Exit status:
      0  every lookup was answered (uncertain matches do not count as failures);
      1  a service could not be reached or kept failing, or the run was interrupted: what it
         missed keeps its earlier result; with no service reachable (no network), nothing is
         written;
      2  bad usage or bad input (listing, lock, config or bibsync.enrich.json).
    """
    from bibsync.config import ConfigError
    from bibsync.enrich.settings import enrich_settings

    config, project = load_project(listing, config_path, as_of, lock, enrich=False, quiet=quiet)
    try:
        settings = enrich_settings(config, lock=project.lock_path)
    except ConfigError as error:
        click.echo(f"bibsync: {error}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    records = _read_records(settings)
    keys = {k.key for k in project.keyed}
    for key in sorted((settings.pins.keys() | settings.accept | settings.reject | set(only)) - keys):
        click.echo(f"bibsync: warning: {key!r} (in the config or --only) is not a key of the listing", err=True)

    if review_only:
        _print_review(records, keys)
        sys.exit(EXIT_OK)

    from bibsync.enrich.update import add_venues, select, update, venue_lookups

    lookups = select(project.keyed, records, settings, retry=retry, refresh=refresh, only=set(only))
    names = service_names or settings.services
    if dry_run:
        for lookup in lookups:
            pin = f" (pinned to {lookup.pin})" if lookup.pin else ""
            click.echo(f"{lookup.query.key}{pin}: {lookup.query.title}")
        click.echo(f"bibsync: would look up {len(lookups)} of {len(keys)} entries with {', '.join(names)}",
                   err=True)
        sys.exit(EXIT_OK)

    changes: list[Change] = []
    down: list[str] = []
    venues_added: list[str] = []
    if lookups:
        import httpx

        from bibsync.enrich.fetch import TIMEOUT, Fetcher
        from bibsync.enrich.services import SERVICES

        services = [SERVICES[name] for name in names]
        if not settings.contact and not quiet:
            click.echo("bibsync: note: no contact address; set contact = \"you@example.org\" in "
                       "[tool.bibsync.enrich] (Crossref and arXiv ask for one)", err=True)
        with verbose_logging(verbose), progress_bar("looking up", "looked up", quiet=quiet) as progress, \
                httpx.Client(timeout=TIMEOUT) as client:
            fetcher = Fetcher(client, _politeness(settings))
            result = _run(fetcher, lookups, services, progress)
            down = [f"{s.label}: {s.down}" for s in result.services if s.down]
            if result.unreachable:
                click.echo(f"bibsync: could not reach {', '.join(s.label for s in result.services)} "
                           "(no network?); nothing was written, earlier results are kept", err=True)
                for line in down:
                    click.echo(f"  {line}", err=True)
                sys.exit(EXIT_PROBLEMS)
            truncated = {k.key: k.entry.truncated for k in project.keyed}
            records, changes = update(lookups, result.answers, records, settings, truncated,
                                      asked=[s.name for s in services])
            if result.interrupted:
                saved = sum(1 for c in changes if c.after is not None and not c.failures)
                click.echo(f"bibsync: interrupted; the {saved} lookups completed are saved, run again to finish",
                           err=True)
            # A publisher's DOI without a venue (from arXiv's doi field): ask Crossref what it is.
            crossref = [s for s in result.services if s.name == "crossref" and not s.down]
            followups = venue_lookups(lookups, changes) if crossref and not result.interrupted else []
            if followups:
                more = _run(fetcher, followups, [SERVICES["crossref"]], progress)
                records, venues_added = add_venues(records, followups, more.answers)
                down += [f"{s.label}: {s.down}" for s in more.services if s.down]
    else:
        records, changes = update([], [], records, settings, {})  # rejections still apply

    _write(settings, records, project)
    _report(changes, records, down, quiet=quiet)
    if venues_added and not quiet:
        click.echo(f"bibsync: {len(venues_added)} published venue{'s' if len(venues_added) != 1 else ''} found "
                   f"through the DOI arXiv gives: {', '.join(venues_added)}", err=True)
    failed = down or any(c.failures for c in changes)  # an interrupted run has lookups unanswered
    sys.exit(EXIT_PROBLEMS if failed else EXIT_OK)


def _run(fetcher: Fetcher, lookups: Sequence[Lookup], services: Sequence[Service],
         progress: Callable[[int, int], None] | None) -> FetchResult:
    """One round of lookups, with the progress bar counting its answers."""
    total = len(lookups) * len(services)
    answered = itertools.count(1)  # called from the services' worker threads: count atomically

    def on_answer(_answer: Answer) -> None:
        done = next(answered)
        if progress is not None and (done == total or done % 25 == 0 or sys.stderr.isatty()):
            progress(done, total)

    try:
        return fetcher.run(lookups, services, on_answer)
    except KeyboardInterrupt:  # a second Ctrl-C, while the first one's requests were finishing
        click.echo("bibsync: interrupted; nothing was written", err=True)
        sys.exit(EXIT_PROBLEMS)


def _read_records(settings: EnrichSettings) -> dict[str, Record]:
    from bibsync.export import InputError, load_enrichment
    from bibsync.fileio import display_path

    if not settings.file.exists():
        return {}
    try:
        return load_enrichment(settings.file)
    except InputError as error:
        print_diagnostics(error.diagnostics)
        click.echo(f"bibsync: {display_path(settings.file)} is damaged; fix it (or restore it from version "
                   "control) and run again; nothing was written", err=True)
        sys.exit(EXIT_BAD_INPUT)


def _politeness(settings: EnrichSettings) -> Politeness:
    from importlib.metadata import version

    from bibsync.enrich.candidate import Politeness

    agent = f"bibsync/{version('bibsync')}"
    if settings.contact:
        agent += f" (mailto:{settings.contact})"
    keys = {}
    s2_key = os.environ.get(settings.semanticscholar_key_env or DEFAULT_S2_KEY_ENV, "").strip()
    if s2_key:
        keys["semanticscholar"] = s2_key
    return Politeness(user_agent=agent, contact=settings.contact, api_keys=keys)


def _write(settings: EnrichSettings, records: Mapping[str, Record], project: Project) -> None:
    from bibsync.enrich.store import format_store
    from bibsync.fileio import display_path, write_if_changed

    files = [(settings.file, format_store(records.values()))]
    if project.lock_changed:  # the keys the records are filed under are issued keys: record them
        files.insert(0, (project.lock_path, project.lock_text))
    for path, text in files:
        try:
            write_if_changed(path, [text])
        except OSError as error:
            click.echo(f"{display_path(path)}: cannot write: {error.strerror or error}", err=True)
            sys.exit(EXIT_BAD_INPUT)


def _report(changes: Sequence[Change], records: Mapping[str, Record], down: Sequence[str], *, quiet: bool) -> None:
    from bibsync.enrich.store import Status

    for line in down:
        click.echo(f"bibsync: gave up {line}", err=True)
    counts: dict[str, int] = {}
    for change in changes:
        if change.after is None:
            counts["kept (a service failed)"] = counts.get("kept (a service failed)", 0) + 1
            click.echo(f"{change.key}: not completed: {'; '.join(dict.fromkeys(change.failures))}", err=True)
            continue
        label = change.after.status.value
        counts[label] = counts.get(label, 0) + 1
        if not quiet and change.after.status is Status.REVIEW:
            _print_record(change.after)
    summary = ", ".join(f"{n} {label}" for label, n in sorted(counts.items())) or "nothing to look up"
    click.echo(f"bibsync: looked up {len(changes)} entries: {summary}", err=True)


def _print_review(records: Mapping[str, Record], keys: set[str]) -> None:
    from bibsync.enrich.store import Status

    waiting = [r for key, r in sorted(records.items()) if key in keys and r.status is Status.REVIEW]
    for record in waiting:
        _print_record(record)
    click.echo(f"bibsync: {len(waiting)} entr{'ies' if len(waiting) != 1 else 'y'} to review", err=True)


def _print_record(record: Record) -> None:
    click.echo(f"review: {record.key}: {record.reason}")
    for work in record.works:
        authors = ", ".join(p.full for p in work.authors[:4]) + (" et al." if len(work.authors) > 4 else "")
        venue = f"; {work.venue.title}" if work.venue else ""
        click.echo(f"  {work.identifiers}: {work.title} ({authors}; {work.year or 'no year'}{venue}) "
                   f"[{', '.join(work.sources)}]")
    click.echo(f"  settle it in [tool.bibsync.enrich]: accept = [\"{record.key}\"], reject = [\"{record.key}\"], "
               f"or pin.{record.key} = \"<one of the identifiers above>\"")
