"""The export pipeline: read the listing and the lock, parse, issue keys, render BibTeX and CSL-JSON.

:func:`build_project` does all the reading and none of the writing; the renderers are pure. The CLI
(``bibsync export``), the Zotero sync and the citation check all start from :func:`build_project`, so they
see the same entries under the same keys.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bibsync import bibtex, csl
from bibsync.config import Config, ConfigError
from bibsync.fileio import display_path, read_text
from bibsync.keys import KeyPattern, PatternError, assign_keys
from bibsync.listing import parse_listing
from bibsync.lockfile import format_lock, parse_lock
from bibsync.mappings import MappingError, Mappings, load_mappings
from bibsync.model import Diagnostic, Entry, Keyed, Severity

if TYPE_CHECKING:
    from bibsync.enrich.store import Record


class InputError(Exception):
    """The input cannot be used: every problem found, as ``path:line: message`` diagnostics."""

    def __init__(self, diagnostics: tuple[Diagnostic, ...] | list[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))


@dataclass(frozen=True)
class Project:
    """Everything the writers need: the keyed entries and the mappings, plus the lock to save."""

    keyed: tuple[Keyed, ...]  # sorted by key, case-insensitively
    warnings: tuple[Diagnostic, ...]  # warnings and notes, sorted
    mappings: Mappings
    listing_path: Path
    lock_text: str  # the lock file as it must read after this run
    lock_path: Path
    lock_changed: bool
    reserved_keys: tuple[str, ...]  # locked keys whose paper left the listing
    ascii_only: bool = False
    enriched: int = 0  # entries that `bibsync enrich` results were applied to


def build_project(
    config: Config,
    *,
    listing: Path | None = None,
    lock: Path | None = None,
    as_of: dt.date | None = None,
    regenerate_keys: bool = False,
    enrich: bool = True,
) -> Project:
    """Read and parse the listing and the lock file; raise :class:`InputError` with every problem.

    With ``enrich`` (the default), what ``bibsync enrich`` found (``bibsync.enrich.json``) is applied to
    the keyed entries; keys never depend on it.
    """
    listing_path = listing or config.listing
    if listing_path is None:
        raise InputError([Diagnostic("bibsync", 0, "no listing: pass LISTING or set 'listing' in the config")])
    lock_path = lock or config.lock_path
    shown = display_path(listing_path)
    problems: list[Diagnostic] = []

    try:
        mappings = load_mappings(config.mappings)
        pattern = KeyPattern.parse(config.key_pattern)
    except (MappingError, PatternError) as error:
        raise InputError([Diagnostic(display_path(config.source) if config.source else "config", 0,
                                     str(error))]) from None
    if as_of is None:
        as_of = _config_as_of(config) or dt.date.today()

    text = _read(listing_path, shown, problems)
    lock_shown = display_path(lock_path)
    old_lock_text = _read(lock_path, lock_shown, problems) if lock_path.exists() else ""
    if problems:
        raise InputError(problems)

    parsed = parse_listing(text, shown, as_of=as_of, particles=mappings.particles, titles=config.titles)
    del text  # a large listing's text is no longer needed: free it before keys and rendering
    locked, lock_problems = parse_lock(old_lock_text, lock_shown)
    errors = [*parsed.errors, *lock_problems]
    if errors:
        raise InputError(errors)

    assignment = assign_keys(parsed.entries, locked, pattern=pattern, stopwords=mappings.stopwords,
                             path=shown, regenerate=regenerate_keys)
    notes = [*parsed.warnings, *assignment.notes, *_unknown_categories(parsed.entries, mappings, shown)]
    keyed = assignment.keyed
    enriched = 0
    if enrich:
        keyed, enrich_notes = _apply_enrichment(config, lock_path, keyed)
        enriched = sum(1 for before, after in zip(assignment.keyed, keyed, strict=True) if before is not after)
        notes.extend(enrich_notes)
    lock_text = format_lock(assignment.lock.values())
    return Project(
        keyed=keyed,
        warnings=tuple(sorted(notes, key=lambda d: (d.path, d.line, d.message))),
        mappings=mappings,
        listing_path=listing_path,
        lock_text=lock_text,
        lock_path=lock_path,
        lock_changed=lock_text != old_lock_text,
        reserved_keys=assignment.reserved,
        ascii_only=config.ascii,
        enriched=enriched,
    )


def _apply_enrichment(config: Config, lock_path: Path,
                      keyed: tuple[Keyed, ...]) -> tuple[tuple[Keyed, ...], list[Diagnostic]]:
    """The keyed entries with the enrichment file applied (unchanged when there is none)."""
    from bibsync.enrich.apply import apply_records
    from bibsync.enrich.settings import enrich_settings

    try:
        settings = enrich_settings(config, lock=lock_path)
    except ConfigError as error:
        where, _, message = str(error).partition(": ")  # ConfigError messages start with the file
        raise InputError([Diagnostic(where, 0, message)]) from None
    if not settings.file.exists():
        return keyed, []
    return apply_records(keyed, load_enrichment(settings.file), settings, display_path(settings.file))


def load_enrichment(path: Path) -> dict[str, Record]:
    """The records of an enrichment file; :class:`InputError` with every problem if it is damaged."""
    from bibsync.enrich.store import parse_store

    shown = display_path(path)
    try:
        data = path.read_bytes()  # parse_store decodes it entry by entry
    except OSError as error:
        raise InputError([Diagnostic(shown, 0, f"cannot read: {error.strerror or error}")]) from None
    records, problems = parse_store(data, shown)
    if problems:
        raise InputError(problems)
    return records


def render_bibtex(project: Project, *, ascii: bool | None = None) -> str:
    """The ``.bib`` file ``bibsync export`` writes."""
    return "".join(iter_bibtex(project, ascii=ascii))


def iter_bibtex(project: Project, *, ascii: bool | None = None) -> Iterator[str]:
    """The same, in pieces (for writing a large file without holding it)."""
    header = (f"Generated by bibsync from {project.listing_path.name}. Edit the listing, not this file:\n"
              "`bibsync export` rewrites it, and citation keys are kept in the lock file.")
    return bibtex.iter_bibtex(project.keyed, project.mappings,
                              ascii_only=project.ascii_only if ascii is None else ascii, header=header)


def render_csl(project: Project) -> str:
    """The CSL-JSON file ``bibsync export`` writes."""
    return "".join(iter_csl(project))


def iter_csl(project: Project) -> Iterator[str]:
    return csl.iter_csl(project.keyed, project.mappings)


def _read(path: Path, shown: str, problems: list[Diagnostic]) -> str:
    try:
        return read_text(path)
    except FileNotFoundError:
        problems.append(Diagnostic(shown, 0, "no such file"))
    except IsADirectoryError:
        problems.append(Diagnostic(shown, 0, "is a folder, not a file"))
    except PermissionError:
        problems.append(Diagnostic(shown, 0, "permission denied"))
    except UnicodeDecodeError as error:
        data = path.read_bytes()
        line = data.count(b"\n", 0, error.start) + 1
        problems.append(Diagnostic(shown, line, f"not UTF-8 text (byte 0x{data[error.start]:02x}); "
                                                "save the file as UTF-8"))
    return ""


def _config_as_of(config: Config) -> dt.date | None:
    if config.as_of is None:
        return None
    try:
        return dt.date.fromisoformat(config.as_of)
    except ValueError:
        where = display_path(config.source) if config.source else "config"
        raise InputError([Diagnostic(where, 0, f"'as-of' must be a date YYYY-MM-DD, not {config.as_of!r}")]) from None


def _unknown_categories(entries: Sequence[Entry], mappings: Mappings, path: str) -> list[Diagnostic]:
    first_seen: dict[str, int] = {}
    for entry in entries:
        code = entry.category
        if code not in mappings.categories and code not in first_seen:
            first_seen[code] = entry.line
    return [
        Diagnostic(path, line, f"category {code!r} is not in the mappings: written as a keyword only; add it "
                               f"under [tool.bibsync.mappings.categories.{code}]", Severity.WARNING)
        for code, line in sorted(first_seen.items(), key=lambda item: item[1])
    ]

