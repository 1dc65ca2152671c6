"""Enrichment records -> enriched entries. Pure: ``export``, ``sync`` and ``check`` all see the same result.

Keys were issued before this runs and never depend on it. For each keyed entry the record decides:

* ``matched`` and ``pinned`` records are applied; a ``review`` record is applied only when the config
  accepts the entry (and it has exactly one contender); ``reject`` in the config wins over everything;
* a pin in the config that the record was not looked up by (a new or changed pin) is not applied until
  ``bibsync enrich`` has looked it up: the entry stays as the listing has it, with a note.

Applying keeps the listing's title and its spelling of the authors it names; the found record adds the
authors the listing cut off ("et al."), the identifiers, the URL and the venue.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from bibsync.enrich.candidate import Identifier
from bibsync.enrich.match import Work, author_positions
from bibsync.enrich.settings import EnrichSettings
from bibsync.enrich.store import Record, Status
from bibsync.model import Diagnostic, Entry, Keyed, Severity


def applicable_work(record: Record | None, settings: EnrichSettings) -> tuple[Work | None, str]:
    """The work to apply for ``record`` under ``settings``, and why none is applied (a note, or "")."""
    if record is None:
        return None, ""
    key = record.key
    if key in settings.reject:
        return None, ""
    pin = settings.pins.get(key)
    if pin is not None and (record.status is not Status.PINNED or record.pin != str(pin)):
        return None, _not_looked_up(key, pin)
    if record.status in (Status.MATCHED, Status.PINNED):
        return record.works[0], ""
    if record.status is Status.REVIEW and key in settings.accept:
        if len(record.works) == 1:
            return record.works[0], ""
        return None, (f"{key}: accepted, but {len(record.works)} records are candidates; pin one "
                      f"({'; '.join(w.identifiers for w in record.works)})")
    return None, ""


def enrich_entry(entry: Entry, work: Work) -> Entry:
    """``entry`` with what ``work`` adds. The listing's title and its names stay as they are.

    The found author list replaces the listing's only when it holds every listed author, in order (the
    listing's spelling is kept for them); a pinned or accepted record whose authors do not (a shorter or
    garbled list) adds its identifiers and venue but leaves the authors as the listing has them.
    """
    positions = author_positions(entry.authors, work.authors)
    if positions is None:
        authors, truncated = entry.authors, entry.truncated
    else:
        found = list(work.authors)
        for listed, position in zip(entry.authors, positions, strict=True):
            found[position] = listed  # the listing's spelling, where both name the person
        authors, truncated = tuple(found), False
    return dataclasses.replace(
        entry,
        authors=authors,
        truncated=truncated,
        doi=work.doi,
        arxiv_id=work.arxiv_id,
        arxiv_class=work.arxiv_class,
        url=work.url,
        venue=work.venue,
    )


def apply_records(keyed: Sequence[Keyed], records: Mapping[str, Record], settings: EnrichSettings,
                  path: str) -> tuple[tuple[Keyed, ...], list[Diagnostic]]:
    """Every keyed entry, enriched where a record applies; notes for pins and acceptances not applied."""
    result: list[Keyed] = []
    notes: list[Diagnostic] = []
    for item in keyed:
        work, why_not = applicable_work(records.get(item.key), settings)
        if why_not:
            notes.append(Diagnostic(path, 0, why_not, Severity.NOTE))
        result.append(item if work is None else Keyed(item.key, enrich_entry(item.entry, work)))
    listed = {item.key for item in keyed}
    for key in sorted((settings.pins.keys() - records.keys()) & listed):
        notes.append(Diagnostic(path, 0, _not_looked_up(key, settings.pins[key]), Severity.NOTE))
    return tuple(result), notes


def _not_looked_up(key: str, pin: Identifier) -> str:
    return f"{key}: pinned to {pin}, not looked up yet: run `bibsync enrich`"
