"""The lock file: every citation key bibsync has issued, and the paper it was issued to.

One line per key, tab-separated, sorted by key, so a diff shows exactly which keys appeared and which
papers changed::

    # bibsync.lock: citation keys issued by bibsync. Commit this file next to the outputs.
    # ...
    mirowski2022clip<TAB>2022-05-06<TAB>Mirowski; Banarse; Malinowski<TAB>CLIP-CLOP: CLIP-Guided ...

Columns: key, date (ISO), family names of up to three first authors (``; ``-separated), title.
A key stays in the file after its paper leaves the listing, so it is never handed to another paper.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from bibsync.model import Diagnostic, Entry

HEADER = """\
# bibsync.lock: citation keys issued by bibsync. Commit this file next to the outputs.
# A key listed here never changes and is never given to another paper, even after its paper leaves
# the listing. bibsync matches papers to their keys by title, authors and date, and tolerates
# corrections. Edit only to retire a key on purpose; `bibsync export --regenerate-keys` rebuilds it.
# key\tdate\tfirst authors\ttitle
"""

LOCK_AUTHORS = 3  # family names recorded per paper: enough to recognise it, short enough to read


@dataclass(frozen=True, slots=True)
class LockRecord:
    key: str
    date: dt.date
    authors: tuple[str, ...]  # family names of the first LOCK_AUTHORS authors
    title: str

    @classmethod
    def of(cls, key: str, entry: Entry) -> LockRecord:
        return cls(
            key=key,
            date=entry.date,
            authors=tuple(_one_line(p.family).replace(";", ",") for p in entry.authors[:LOCK_AUTHORS]),
            title=_one_line(entry.title),
        )


def parse_lock(text: str, path: str) -> tuple[dict[str, LockRecord], list[Diagnostic]]:
    """Read a lock file. Malformed lines are reported (``path:line: ...``), all of them."""
    records: dict[str, LockRecord] = {}
    seen_lower: dict[str, int] = {}
    problems: list[Diagnostic] = []
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = raw.rstrip("\r")
        if not line.strip() or line.startswith("#"):
            continue
        columns = line.split("\t")
        if len(columns) != 4:
            problems.append(
                Diagnostic(path, number, f"expected 4 tab-separated columns (key, date, authors, title), "
                           f"found {len(columns)}")
            )
            continue
        key, date_text, authors_text, title = (c.strip() for c in columns)
        try:
            date = dt.date.fromisoformat(date_text)
        except ValueError:
            problems.append(Diagnostic(path, number, f"expected an ISO date (YYYY-MM-DD), found {date_text!r}"))
            continue
        if not key or any(ch.isspace() for ch in key):
            problems.append(Diagnostic(path, number, f"not a citation key: {key!r}"))
            continue
        if key.lower() in seen_lower:
            problems.append(
                Diagnostic(path, number, f"key {key!r} is already locked on line {seen_lower[key.lower()]} "
                           "(keys are unique regardless of case)")
            )
            continue
        seen_lower[key.lower()] = number
        authors = tuple(a.strip() for a in authors_text.split(";") if a.strip())
        records[key] = LockRecord(key=key, date=date, authors=authors, title=title)
    return records, problems


def format_lock(records: Iterable[LockRecord]) -> str:
    lines = [HEADER]
    for record in sorted(records, key=lambda r: (r.key.lower(), r.key)):
        lines.append(
            f"{record.key}\t{record.date.isoformat()}\t{'; '.join(record.authors)}\t{record.title}\n"
        )
    return "".join(lines)


def _one_line(text: str) -> str:
    """No tabs or line breaks: the lock is a line-per-key, tab-separated file."""
    return " ".join(text.split())
