"""The enrichment file (``bibsync.enrich.json``): what ``bibsync enrich`` found, per citation key. Pure.

It is committed next to the lock file, so ``export``, ``check`` and ``sync`` stay offline and give the
same output on every machine. JSON, entries sorted by key, one field per line, one author per line:
a diff shows exactly what a lookup changed. No timestamps, so an unchanged result rewrites nothing::

    {
      "format": "bibsync-enrich/1",
      "entries": {
        "hoffmann2022training": {
          "status": "matched",
          "reason": "title, year and authors agree (arxiv, crossref)",
          "works": [
            {
              "sources": ["arxiv", "crossref"],
              "title": "Training Compute-Optimal Large Language Models",
              "year": 2022,
              "arxiv": "2203.15556",
              ...
              "authors": [
                {"family": "Hoffmann", "given": "Jordan"},
                ...

``status`` is ``matched`` (applied), ``pinned`` (looked up by the identifier pinned in the config;
applied), ``review`` (uncertain: the ``works`` are the contenders, applied only when the config accepts
the entry), ``unmatched`` (nothing found) or ``rejected`` (the config rejects the entry).
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bibsync.enrich.match import Work
from bibsync.model import Diagnostic, Person, Venue

FORMAT = "bibsync-enrich/1"
DEFAULT_NAME = "bibsync.enrich.json"


class Status(enum.Enum):
    MATCHED = "matched"
    PINNED = "pinned"
    REVIEW = "review"
    UNMATCHED = "unmatched"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Record:
    """What is known about one entry."""

    key: str
    status: Status
    reason: str
    works: tuple[Work, ...] = ()
    pin: str = ""  # for PINNED: the identifier it was looked up by ("arxiv:2203.15556")


def parse_store(text: str, path: str) -> tuple[dict[str, Record], list[Diagnostic]]:
    """Read the file; every malformed part is reported (``path:line: ...``) and left out."""
    if not text.strip():
        return {}, []
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return {}, [Diagnostic(path, error.lineno, f"not valid JSON: {error.msg}")]
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("entries"), dict):
        return {}, [Diagnostic(path, 1, f"not a bibsync enrichment file (expected \"format\": \"{FORMAT}\" "
                                        "and an \"entries\" object)")]
    entries: dict[str, Any] = data.pop("entries")
    del data
    records: dict[str, Record] = {}
    problems: list[Diagnostic] = []
    people: dict[tuple[str, str, str, str], Person] = {}  # one Person per distinct name: a group's names recur
    while entries:
        key, raw = entries.popitem()  # each entry's JSON is freed once it is a record: a lower peak
        try:
            records[key] = _record(key, raw, people)
        except _Malformed as error:
            problems.append(Diagnostic(path, _line_of(text, key), f"entry {key!r}: {error}; entry ignored"))
    return dict(reversed(records.items())), sorted(problems)  # in the file's order


def format_store(records: Iterable[Record]) -> str:
    """The file's text: deterministic, sorted by key (case-insensitively, as the outputs are)."""
    entries = {r.key: _record_json(r) for r in sorted(records, key=lambda r: (r.key.lower(), r.key))}
    return _dump({"format": FORMAT, "entries": entries}, "") + "\n"


# Writing


def _record_json(record: Record) -> dict[str, Any]:
    data: dict[str, Any] = {"status": record.status.value, "reason": record.reason}
    if record.pin:
        data["pin"] = record.pin
    if record.works:
        data["works"] = [_work_json(w) for w in record.works]
    return data


def _work_json(work: Work) -> dict[str, Any]:
    data: dict[str, Any] = {"sources": list(work.sources), "title": work.title, "year": work.year}
    optional = {"arxiv": work.arxiv_id, "primary-class": work.arxiv_class, "doi": work.doi, "url": work.url}
    data.update({name: value for name, value in optional.items() if value})
    if work.venue is not None:
        venue = work.venue
        data["venue"] = {name: value for name, value in (
            ("kind", venue.kind), ("title", venue.title), ("year", venue.year), ("volume", venue.volume),
            ("issue", venue.issue), ("pages", venue.pages), ("publisher", venue.publisher)) if value}
    data["authors"] = [{name: value for name, value in (
        ("family", p.family), ("given", p.given), ("particle", p.particle), ("suffix", p.suffix)) if value}
        for p in work.authors]
    return data


_json = json.JSONEncoder(ensure_ascii=False).encode


def _flat(value: Any) -> bool:
    """A value written on one line: a scalar, or a list/object of scalars."""
    if isinstance(value, dict):
        return all(not isinstance(v, dict | list) for v in value.values())
    if isinstance(value, list):
        return all(not isinstance(v, dict | list) for v in value)
    return True


def _dump(value: Any, indent: str) -> str:
    if _flat(value) and indent:  # the top level always spreads out
        return _json(value)
    inner = indent + "  "
    if isinstance(value, dict):
        body = ",\n".join(f"{inner}{_json(k)}: {_dump(v, inner)}" for k, v in value.items())
        return "{\n" + body + "\n" + indent + "}" if value else "{}"
    body = ",\n".join(inner + _dump(v, inner) for v in value)
    return "[\n" + body + "\n" + indent + "]" if value else "[]"


# Reading


class _Malformed(ValueError):
    pass


def _line_of(text: str, key: str) -> int:
    """The line where the entry ``key`` starts, for messages (0 when it cannot be told)."""
    found = re.search(re.escape(json.dumps(key, ensure_ascii=False)) + r"\s*:\s*\{", text)
    return text.count("\n", 0, found.start()) + 1 if found else 0


def _record(key: str, raw: Any, people: dict[tuple[str, str, str, str], Person]) -> Record:
    data = _object(raw, "the entry")
    try:
        status = Status(data.get("status"))
    except ValueError:
        raise _Malformed(f"unknown status {data.get('status')!r}") from None
    works = data.get("works", [])
    if not isinstance(works, list):
        raise _Malformed("'works' must be a list")
    record = Record(key=key, status=status, reason=_text(data, "reason"),
                    works=tuple(_work(w, i, people) for i, w in enumerate(works)), pin=_text(data, "pin"))
    if status in (Status.MATCHED, Status.PINNED) and len(record.works) != 1:
        raise _Malformed(f"a {status.value} entry needs exactly one work")
    return record


def _work(raw: Any, index: int, people: dict[tuple[str, str, str, str], Person]) -> Work:
    where = f"works[{index}]"
    data = _object(raw, where)
    sources = data.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise _Malformed(f"{where}.sources must be a list of service names")
    authors = data.get("authors", [])
    if not isinstance(authors, list):
        raise _Malformed(f"{where}.authors must be a list")
    venue = data.get("venue")
    return Work(
        sources=tuple(sources),
        title=_text(data, "title", where),
        authors=tuple(_person(p, where, i, people) for i, p in enumerate(authors)),
        year=_year(data, where),
        doi=_text(data, "doi", where),
        arxiv_id=_text(data, "arxiv", where),
        arxiv_class=_text(data, "primary-class", where),
        url=_text(data, "url", where),
        venue=None if venue is None else _venue(venue, f"{where}.venue"),
    )


def _venue(raw: Any, where: str) -> Venue:
    data = _object(raw, where)
    kind, title = _text(data, "kind", where), _text(data, "title", where)
    if not kind or not title:
        raise _Malformed(f"{where} needs a kind and a title")
    return Venue(kind=kind, title=title, year=_year(data, where), volume=_text(data, "volume", where),
                 issue=_text(data, "issue", where), pages=_text(data, "pages", where),
                 publisher=_text(data, "publisher", where))


_PERSON_FIELDS = ("family", "given", "particle", "suffix")


def _person(raw: Any, where: str, index: int, people: dict[tuple[str, str, str, str], Person]) -> Person:
    if isinstance(raw, dict):
        parts = (raw.get("family", ""), raw.get("given", ""), raw.get("particle", ""), raw.get("suffix", ""))
        person = people.get(parts)
        if person is not None:
            return person
        if parts[0] and all(isinstance(part, str) for part in parts):
            person = people[parts] = Person(*parts)
            return person
    # Something is wrong with it: say what
    where = f"{where}.authors[{index}]"
    data = _object(raw, where)
    for name in _PERSON_FIELDS:
        _text(data, name, where)
    raise _Malformed(f"{where} has no family name")


def _object(raw: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(raw, dict):
        raise _Malformed(f"{where} must be an object")
    return raw


def _text(data: Mapping[str, Any], name: str, where: str = "") -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        raise _Malformed(f"{where + '.' if where else ''}{name} must be a string")
    return value


def _year(data: Mapping[str, Any], where: str) -> int | None:
    value = data.get("year")
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise _Malformed(f"{where}.year must be a number")
    return value
