"""Which entries to look up, and the records that the services' answers make. Pure.

What was found before stays unless a lookup gives something at least as good: a matched or pinned
entry is not asked again (``--refresh`` asks anyway), and an entry that a failing service could not
complete keeps its old record rather than be recorded as "nothing found".

A matched paper whose record names a publisher's DOI but no venue (arXiv's ``doi`` field: the authors
saying where it was published, often under another title) gets a second, by-DOI lookup
(:func:`venue_lookups`), whose answer adds the venue (:func:`add_venues`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from bibsync.enrich.candidate import Candidate, Identifier, Query
from bibsync.enrich.fetch import Answer, Lookup
from bibsync.enrich.match import Verdict, Work, author_positions, decide, group
from bibsync.enrich.settings import EnrichSettings
from bibsync.enrich.store import Record, Status
from bibsync.identifiers import is_arxiv_doi
from bibsync.markup import plain_text
from bibsync.model import Keyed


def query_for(keyed: Keyed) -> Query:
    entry = keyed.entry
    return Query(key=keyed.key, title=plain_text(entry.title), authors=entry.authors, year=entry.year)


def select(keyed: Iterable[Keyed], records: Mapping[str, Record], settings: EnrichSettings, *,
           retry: bool = False, refresh: bool = False, only: Collection[str] = ()) -> list[Lookup]:
    """The entries to ask about, sorted by key: those never looked up (or no longer rejected) and the
    newly pinned ones; with ``retry`` also those unmatched or in review; with ``refresh`` all of them;
    with ``only``, exactly those named.

    At arXiv's rate (3 s an entry) asking again about every unmatched entry on every run would cost
    minutes for nothing: a paper not found today is rarely found tomorrow. ``--retry`` is for when it is.
    """
    unsettled = {Status.REJECTED, *((Status.UNMATCHED, Status.REVIEW) if retry else ())}
    lookups = []
    for item in sorted(keyed, key=lambda k: k.key):
        key = item.key
        if (only and key not in only) or key in settings.reject:
            continue
        record = records.get(key)
        pin = settings.pins.get(key)
        if pin is not None:
            settled = record is not None and record.status is Status.PINNED and record.pin == str(pin)
        else:
            settled = record is not None and record.status not in unsettled and record.status is not Status.PINNED
        if refresh or only or not settled:  # an entry named with `only` is asked about, whatever its record
            lookups.append(Lookup(query_for(item), pin))
    return lookups


@dataclass(frozen=True, slots=True)
class Change:
    """What a run did to one entry's record."""

    key: str
    before: Record | None
    after: Record | None  # None: kept as it was (a service failed and nothing better was found)
    failures: tuple[str, ...]


def update(lookups: Sequence[Lookup], answers: Iterable[Answer], records: Mapping[str, Record],
           settings: EnrichSettings, truncated: Mapping[str, bool],
           asked: Sequence[str] = ()) -> tuple[dict[str, Record], list[Change]]:
    """The new records: ``records`` with the answers to ``lookups`` applied, and rejected entries marked.

    ``asked`` names the services every lookup went to; one that did not answer a lookup (an interrupted
    run) counts as a failure for it, so its earlier record is not replaced by "nothing found".
    """
    by_key: dict[str, list[Answer]] = {}
    for answer in answers:
        by_key.setdefault(answer.key, []).append(answer)
    result = dict(records)
    changes = []
    for lookup in lookups:
        key = lookup.query.key
        got = by_key.get(key, [])
        heard = {a.service for a in got}
        failures = (*(a.failure for a in got if a.failure),
                    *(f"{name} was not asked (interrupted)" for name in asked if name not in heard))
        candidates = [c for a in got for c in a.candidates]
        if lookup.pin is not None:
            record = _pinned(key, lookup.pin, candidates, complete=not failures)
        else:
            outcome = decide(lookup.query, candidates, truncated=truncated.get(key, True))
            status = {Verdict.MATCHED: Status.MATCHED, Verdict.REVIEW: Status.REVIEW,
                      Verdict.UNMATCHED: Status.UNMATCHED}[outcome.verdict]
            record = Record(key, status, outcome.reason, outcome.works)
            if status is Status.UNMATCHED and failures:
                record = None  # not "nothing found": some service was not heard
        before = records.get(key)
        if failures and before is not None and record is not None and \
                record.status not in (Status.MATCHED, Status.PINNED):
            record = None  # an incomplete lookup only replaces an earlier record with a match
        if record is not None:
            result[key] = record
        changes.append(Change(key, before, record, failures))
    for key in sorted(settings.reject):
        if key in result and result[key].status is not Status.REJECTED:
            result[key] = Record(key, Status.REJECTED, "rejected in the config")
    return result, changes


def _pinned(key: str, pin: Identifier, candidates: Sequence[Candidate], *, complete: bool) -> Record | None:
    """The work the pinned identifier names, merged with the search results that are the same paper."""
    works = [w for w in group(candidates) if _has(w, pin)]
    if len(works) == 1:
        sources = ", ".join(works[0].sources)
        return Record(key, Status.PINNED, f"pinned in the config ({sources})", (works[0],), pin=str(pin))
    if not complete:
        return None
    reason = f"pinned to {pin}, which no service returned" if not works else f"pinned to {pin}: {len(works)} records"
    return Record(key, Status.UNMATCHED, reason, tuple(works), pin=str(pin))


def _has(work: Work, pin: Identifier) -> bool:
    return (pin.scheme == "arxiv" and work.arxiv_id == pin.value) or (pin.scheme == "doi" and work.doi == pin.value)


def venue_lookups(lookups: Sequence[Lookup], changes: Sequence[Change]) -> list[Lookup]:
    """By-DOI lookups for the entries this run matched to a publisher's DOI without a venue."""
    queries = {lookup.query.key: lookup.query for lookup in lookups}
    found = []
    for change in changes:
        record = change.after
        if record is None or record.status not in (Status.MATCHED, Status.PINNED):
            continue
        work = record.works[0]
        if work.venue is None and work.doi and not is_arxiv_doi(work.doi):
            found.append(Lookup(queries[change.key], Identifier("doi", work.doi)))
    return found


def add_venues(records: Mapping[str, Record], lookups: Sequence[Lookup],
               answers: Iterable[Answer]) -> tuple[dict[str, Record], list[str]]:
    """``records`` with the venues that by-DOI answers give, and the keys that gained one.

    A record the DOI resolves to is taken only if it has the listing's authors in order: authors do
    mistype DOIs. Its title may differ (papers are renamed for publication); its year is not checked.
    """
    result = dict(records)
    added = []
    queries = {lookup.query.key: lookup.query for lookup in lookups}
    for answer in answers:
        record = result.get(answer.key)
        if record is None or answer.key not in queries:
            continue
        work = record.works[0]
        published = next((c for c in answer.candidates if c.doi == work.doi and c.venue is not None
                          and author_positions(queries[answer.key].authors, c.authors) is not None), None)
        if published is None:
            continue
        completed = dataclasses.replace(work, sources=tuple(sorted({*work.sources, published.source})),
                                        venue=published.venue, url=f"https://doi.org/{work.doi}")
        result[answer.key] = dataclasses.replace(
            record, works=(completed,), reason=f"{record.reason}; the venue from its DOI ({published.source})")
        added.append(answer.key)
    return result, added
