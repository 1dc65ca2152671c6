"""``bibsync sync``: make a Zotero group library match the listing.

Only click is imported at module level; httpx, rich and the sync stack load when the command runs.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bibsync.cli import EXIT_BAD_INPUT, EXIT_OK, EXIT_PROBLEMS
from bibsync.cli.common import load_project, progress_bar, project_options, verbose_logging
from bibsync.config import ConfigError, command_table

if TYPE_CHECKING:
    from collections.abc import Iterable

    from bibsync.config import Config
    from bibsync.zotero.cache import Cache, Snapshot
    from bibsync.zotero.client import ApiKey
    from bibsync.zotero.items import ItemStyle, RemoteItem
    from bibsync.zotero.sync import SyncResult

DEFAULT_KEY_ENV = "ZOTERO_API_KEY"
_SETTINGS = {
    "group",
    "api-url",
    "api-key-env",
    "keyring-service",
    "keyring-username",
    "tag-prefix",
    "cache-dir",
    "prune",
}


class _BadSetting(Exception):
    """Unusable sync settings or credentials: the message is printed and the exit status is 2."""


@dataclass(frozen=True)
class _Settings:
    """The ``[tool.bibsync.sync]`` table, checked."""

    group: int | None = None
    api_url: str | None = None
    api_key_env: str | None = None
    keyring_service: str | None = None
    keyring_username: str | None = None
    tag_prefix: str | None = None
    cache_dir: Path | None = None
    prune: bool = False


@click.command("sync")
@project_options
@click.option(
    "--group",
    "group_id",
    type=click.IntRange(min=1),
    metavar="ID",
    help="Zotero group id: the number in the group's address, zotero.org/groups/<ID>/... "
    "Default: 'group' in [tool.bibsync.sync].",
)
@click.option(
    "--api-url",
    envvar="ZOTERO_API_URL",
    show_envvar=True,
    metavar="URL",
    help="Zotero API server, for a self-hosted data server or a test server. "
    "Default: 'api-url' in the config, else https://api.zotero.org.",
)
@click.option(
    "--cache-dir",
    type=click.Path(path_type=Path, file_okay=False),
    metavar="DIR",
    help="Where the local copy of the library is kept. Default: 'cache-dir' in the config, "
    "else the user cache folder (~/.cache/bibsync; XDG_CACHE_HOME moves it).",
)
@click.option(
    "--no-cache", is_flag=True, help="Read the whole library instead of what changed since the cached version."
)
@click.option(
    "--tag-prefix",
    metavar="PREFIX",
    help="Prefix of bibsync's own tags (default 'bibsync:'); tags without it are people's and are never changed.",
)
@click.option(
    "--prune/--no-prune",
    default=None,
    help="Move to the trash the items bibsync created whose paper left the listing. "
    "Default: 'prune' in the config, else off.",
)
@click.option(
    "--dry-run", is_flag=True, help="Read the library and print the plan as a table; write nothing (not even the lock)."
)
@click.option("-v", "--verbose", count=True, help="Log what happens (-v), and every request (-vv).")
@click.option("-q", "--quiet", is_flag=True, help="Print only problems and the summary.")
def command(
    listing: Path | None,
    config_path: Path | None,
    as_of: dt.datetime | None,
    lock: Path | None,
    group_id: int | None,
    api_url: str | None,
    cache_dir: Path | None,
    no_cache: bool,
    tag_prefix: str | None,
    prune: bool | None,
    dry_run: bool,
    verbose: int,
    quiet: bool,
) -> None:
    """Make a Zotero group library match LISTING: new papers are created, corrected ones updated,
    nothing is duplicated, and what people added by hand is left alone.

    Entries and citation keys are those of `bibsync export` (same listing options, same lock file);
    new keys are recorded in the lock before anything is sent. Remote items are matched by citation
    key (the citationKey field, or a "Citation Key:" / "bibtex:" line in Extra), else by title, year
    and first author, in which case bibsync sets the item's key. Updates change only what bibsync
    owns: title, creators, abstract, date, citation key, its own tags (under the tag prefix) and its
    own lines of Extra. Two items matching one entry are reported and left alone.

    \b
    The API key, with write access to the group (https://www.zotero.org/settings/keys),
    is never a command-line argument. It is read from:
      ZOTERO_API_KEY, or the variable named by api-key-env in [tool.bibsync.sync],
      or the keyring entry keyring-service/keyring-username (pip install 'bibsync[keyring]').

    \b
    Exit status:
      0  the library matches the listing (--dry-run: no conflicts or invalid items);
      1  it does not: conflicts, failed items, 403, server unreachable, interrupted;
      2  bad usage or bad input: listing, lock, config, no API key or group.
    """
    config, project = load_project(listing, config_path, as_of, lock, quiet=quiet)
    try:
        settings = _settings(config)
        group = group_id if group_id is not None else settings.group
        if group is None:
            raise _BadSetting("no Zotero group: pass --group ID or set 'group' in [tool.bibsync.sync]")
        url = _api_url(api_url or settings.api_url)
        api_key = _api_key(settings, required=not dry_run)
        style = _style(tag_prefix if tag_prefix is not None else settings.tag_prefix)
    except _BadSetting as error:
        click.echo(f"bibsync: {error}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    folder = cache_dir if cache_dir is not None else settings.cache_dir
    prune = settings.prune if prune is None else prune

    if not dry_run and project.lock_changed:
        # The keys about to be pushed to Zotero are issued keys: record them first.
        from bibsync.fileio import write_atomic

        try:
            write_atomic(project.lock_path, project.lock_text)
        except OSError as error:
            click.echo(f"{project.lock_path}: cannot write: {error.strerror or error}", err=True)
            sys.exit(EXIT_BAD_INPUT)

    from bibsync.zotero.client import ZoteroClient, ZoteroError

    with verbose_logging(verbose), progress_bar("writing to Zotero", "written", quiet=quiet) as progress:
        try:
            with ZoteroClient(url, group, api_key) as client, _cache(folder, url, group, dry_run, no_cache) as cache:
                from bibsync.zotero.sync import run_sync

                result = run_sync(
                    project.keyed,
                    project.mappings,
                    style,
                    client,
                    cache,
                    prune=prune,
                    dry_run=dry_run,
                    progress=progress,
                )
        except ZoteroError as error:
            click.echo(f"bibsync: {error}", err=True)
            sys.exit(EXIT_PROBLEMS)
        except _BadSetting as error:
            click.echo(f"bibsync: {error}", err=True)
            sys.exit(EXIT_BAD_INPUT)
        except KeyboardInterrupt:
            click.echo("bibsync: interrupted; run it again to finish (nothing is duplicated)", err=True)
            sys.exit(EXIT_PROBLEMS)
    _report(result, group, quiet=quiet)
    sys.exit(
        EXIT_OK if result.converged or (dry_run and not result.conflicts and not result.failures) else EXIT_PROBLEMS
    )


# --- settings and credentials ----------------------------------------------------------------------


def _settings(config: Config) -> _Settings:
    try:
        table, where = command_table(config, "sync", _SETTINGS | {"api-key"})
    except ConfigError as error:
        raise _BadSetting(str(error)) from None
    if "api-key" in table:
        raise _BadSetting(f"{where}: the API key must not be in the config; name a variable in 'api-key-env'")

    def text(name: str) -> str | None:
        value = table.get(name)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise _BadSetting(f"{where}: '{name}' must be a non-empty string")
        return value

    group = table.get("group")
    if group is not None and (isinstance(group, bool) or not isinstance(group, int) or group < 1):
        raise _BadSetting(f"{where}: 'group' must be the group's number, e.g. group = 123456")
    prune = table.get("prune", False)
    if not isinstance(prune, bool):
        raise _BadSetting(f"{where}: 'prune' must be true or false")
    service, username = text("keyring-service"), text("keyring-username")
    if (service is None) != (username is None):
        raise _BadSetting(f"{where}: 'keyring-service' and 'keyring-username' go together")
    if service is not None and text("api-key-env") is not None:
        raise _BadSetting(f"{where}: set either 'api-key-env' or the keyring entry, not both")
    cache_dir = text("cache-dir")
    return _Settings(
        group=group,
        api_url=text("api-url"),
        api_key_env=text("api-key-env"),
        keyring_service=service,
        keyring_username=username,
        tag_prefix=table.get("tag-prefix") if "tag-prefix" in table else None,
        cache_dir=config.resolve(cache_dir) if cache_dir is not None else None,
        prune=prune,
    )


def _api_url(value: str | None) -> str:
    from bibsync.zotero.client import DEFAULT_API_URL

    url = (value or DEFAULT_API_URL).strip()
    if not url.startswith(("https://", "http://")) or len(url) <= len("https://"):
        raise _BadSetting(f"the API URL must start with https:// (or http://), not {url!r}")
    return url


def _api_key(settings: _Settings, *, required: bool) -> ApiKey | None:
    """The key from the configured source. Messages name the source, never the value."""
    from bibsync.zotero.client import ApiKey

    if settings.keyring_service is not None and settings.keyring_username is not None:
        value = _from_keyring(settings.keyring_service, settings.keyring_username)
        source = f"the keyring entry {settings.keyring_service!r} / {settings.keyring_username!r}"
    else:
        variable = settings.api_key_env or DEFAULT_KEY_ENV
        value = os.environ.get(variable)
        source = f"the environment variable {variable}"
    if not value or not value.strip():
        if not required:
            return None  # a dry run of a public group can read without a key
        raise _BadSetting(f"no Zotero API key: set {source} (a key with write access to the group)")
    try:
        return ApiKey(value.strip())
    except ValueError:
        raise _BadSetting(f"the Zotero API key in {source} is not usable") from None


def _from_keyring(service: str, username: str) -> str | None:
    try:
        import keyring
        import keyring.errors
    except ImportError:
        raise _BadSetting(
            "the config names a keyring entry, but the keyring package is not installed: pip install 'bibsync[keyring]'"
        ) from None
    try:
        value = keyring.get_password(service, username)
    except keyring.errors.KeyringError as error:
        raise _BadSetting(f"cannot read the keyring: {type(error).__name__}") from None
    return value if isinstance(value, str) else None


def _style(prefix: str | None) -> ItemStyle:
    from bibsync.zotero.items import StyleError, load_style

    try:
        return load_style(prefix)
    except StyleError as error:
        raise _BadSetting(str(error)) from None


# --- I/O around the sync ---------------------------------------------------------------------------


@contextmanager
def _cache(folder: Path | None, url: str, group: int, dry_run: bool, no_cache: bool) -> Iterator[Cache]:
    import sqlite3

    from bibsync.zotero.cache import CACHE_FILE, LibraryCache, MemoryCache, default_cache_dir

    folder = folder or default_cache_dir()
    if dry_run and not (folder / CACHE_FILE).exists():
        yield MemoryCache()  # a dry run creates no files
        return
    try:
        cache = LibraryCache(folder, url, group)
    except (OSError, sqlite3.Error) as error:
        raise _BadSetting(f"cannot use the cache folder {folder}: {error}") from None
    with cache:
        yield _Uncached(cache) if no_cache else cache


class _Uncached:
    """A cache that starts empty (so the whole library is read) and then stores what was read."""

    def __init__(self, cache: Cache) -> None:
        self._cache = cache

    def load(self) -> Snapshot:
        from bibsync.zotero.cache import Snapshot

        return Snapshot(None, {})

    def replace(self, version: int, items: Iterable[RemoteItem]) -> None:
        self._cache.replace(version, items)

    def update(self, version: int, changed: Iterable[RemoteItem], deleted: Iterable[str] = ()) -> None:
        self._cache.update(version, changed, deleted)


def _report(result: SyncResult, group: int, *, quiet: bool) -> None:
    from bibsync.zotero.plan import ActionKind

    if result.dry_run:
        _print_plan(result)
    for conflict in result.conflicts:
        click.echo(f"conflict: {conflict.entry_key}: {conflict.detail}; changed neither")
    for failure in result.failures:
        where = f" (item {failure.item_key})" if failure.item_key else ""
        click.echo(f"failed: {failure.entry_key or '-'}{where}: {failure.message}")
    if not quiet and not result.dry_run:  # (a dry run's table shows them)
        for action in result.plan.actions:
            if action.warning:
                click.echo(f"note: {action.entry_key}: {action.warning}")
    verb = "would be " if result.dry_run else ""
    counts = [
        f"{verb}created {result.created}",
        f"{verb}updated {result.updated}",
        f"unchanged {result.unchanged}",
    ]
    if result.trashed or result.plan.count(ActionKind.TRASH):
        counts.append(f"{verb}trashed {result.trashed}")
    counts.append(f"failed {result.failed}")
    if result.conflicts:
        counts.append(f"conflicts {len(result.conflicts)}")
    state = "dry run" if result.dry_run else ("in sync" if result.converged else "NOT in sync")
    requests = f"{result.requests} request{'s' if result.requests != 1 else ''}"
    click.echo(f"bibsync: Zotero group {group}: {', '.join(counts)}; {state} ({requests})")


def _print_plan(result: SyncResult) -> None:
    from rich.console import Console
    from rich.table import Table

    from bibsync.zotero.plan import ActionKind

    table = Table(title="bibsync sync --dry-run", title_justify="left")
    for column in ("action", "citation key", "Zotero item", "title", "changes / reason"):
        table.add_column(column, overflow="fold")
    for action in result.plan.actions:
        if action.kind is ActionKind.UNCHANGED:
            continue
        reason = action.detail or ", ".join(action.fields)
        table.add_row(action.kind.value, action.entry_key, ", ".join(action.item_keys), action.title, reason)
    Console(file=sys.stdout, width=160 if not sys.stdout.isatty() else None).print(table)
