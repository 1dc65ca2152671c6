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
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from bibsync.enrich.match import Work
from bibsync.model import Diagnostic, Person, Venue

FORMAT = "bibsync-enrich/1"


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


def parse_store(data: bytes | str, path: str) -> tuple[dict[str, Record], list[Diagnostic]]:
    """Read the file (its bytes, UTF-8); every malformed part is reported (``path:line: ...``) and left out.

    A file in the layout :func:`format_store` writes is decoded one entry at a time, so a large one is
    never held decoded whole (100,000 entries: about 250 MiB instead of 800); any other valid JSON (a
    hand-edited or reformatted file) is read the ordinary way, with the same result.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    if not raw.strip():
        return {}, []
    people: dict[tuple[str, str, str, str], Person] = {}  # one Person per distinct name: a group's names recur
    found = _entry_by_entry(raw, people)
    if found is not None:
        entries, problems = found
    else:
        try:
            document = json.loads(raw)
        except json.JSONDecodeError as error:
            return {}, [Diagnostic(path, error.lineno, f"not valid JSON: {error.msg}")]
        except UnicodeDecodeError as error:
            line = raw.count(b"\n", 0, error.start) + 1
            return {}, [Diagnostic(path, line, "not UTF-8 text; save the file as UTF-8")]
        if not isinstance(document, dict) or document.get("format") != FORMAT or \
                not isinstance(document.get("entries"), dict):
            return {}, [Diagnostic(path, 1, f"not a bibsync enrichment file (expected \"format\": \"{FORMAT}\" "
                                            "and an \"entries\" object)")]
        entries, problems = _records(document.pop("entries").items(), people)
    diagnostics = [Diagnostic(path, _line_of(raw, key), f"entry {key!r}: {message}; entry ignored")
                   for key, message in problems]
    return entries, sorted(diagnostics)


_HEAD = b'{\n  "format": "' + FORMAT.encode() + b'",\n  "entries": {\n'
_TAIL = b"\n  }\n}"
_ENTRY = re.compile(rb'^    ("(?:[^"\\\n]|\\.)*"): (?=\{)', re.MULTILINE)  # an entry's key; its object follows


def _entry_by_entry(raw: bytes, people: dict[tuple[str, str, str, str], Person],
                    ) -> tuple[dict[str, Record], list[tuple[str, str]]] | None:
    """The records of a file in :func:`format_store`'s layout, decoding one entry at a time; None when the
    file is not in that layout (or not valid), for the ordinary reading to handle and explain."""
    end = raw.rstrip().rfind(_TAIL)
    if not raw.startswith(_HEAD) or end < 0 or raw[end:].strip() != _TAIL.strip():
        return None
    starts = list(_ENTRY.finditer(raw, len(_HEAD) - 1, end))
    if raw[len(_HEAD):end].strip() and (not starts or starts[0].start() != len(_HEAD)):
        return None

    def pieces() -> Iterator[tuple[str, Any]]:
        for index, start in enumerate(starts):
            stop = starts[index + 1].start() if index + 1 < len(starts) else end
            yield json.loads(start.group(1)), json.loads(raw[start.end():stop].rstrip().removesuffix(b","))

    try:
        return _records(pieces(), people)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def _records(entries: Iterable[tuple[str, Any]], people: dict[tuple[str, str, str, str], Person],
             ) -> tuple[dict[str, Record], list[tuple[str, str]]]:
    records: dict[str, Record] = {}
    problems: list[tuple[str, str]] = []
    for key, raw in entries:
        try:
            records[key] = _record(key, raw, people)
        except _Malformed as error:
            problems.append((key, str(error)))
    return records, problems


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


def _line_of(raw: bytes, key: str) -> int:
    """The line where the entry ``key`` starts, for messages (0 when it cannot be told)."""
    found = re.search(re.escape(json.dumps(key, ensure_ascii=False).encode()) + rb"\s*:\s*\{", raw)
    return raw.count(b"\n", 0, found.start()) + 1 if found else 0


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
