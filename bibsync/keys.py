"""Citation keys: the key pattern, collision suffixes, and the lock that keeps issued keys for ever.

Key patterns use JabRef's bracket syntax, which Better BibTeX users will also recognise::

    [auth:lower][year][veryshorttitle:lower]      ->  mirowski2022clip   (the default)

Fields
    [auth]            first author's family name, without particles ("de las Casas" -> Casas)
    [authN]           the first N letters of it
    [authors]         all authors' family names; [authorsN]: the first N, then "EtAl" if there are more
    [year]            four-digit year; [shortyear]: two digits
    [title]           every significant title word, capitalised and concatenated
    [shorttitle]      the first three significant title words; [veryshorttitle]: the first one
    [category]        the listing's category code (CV, LG, ...)
Modifiers (chain them: [auth:lower:abbr])
    :lower  :upper  :capitalize  :abbr (first letter of each word)
Anything outside brackets is copied as it is.

Field values are transliterated to ASCII (Veličković -> Velickovic, Straße -> Strasse) and stripped of
everything but letters and digits; "significant" words skip the stop words in ``mappings/stopwords.txt``.

Uniqueness is case-insensitive, as BibTeX's is. When new entries share a key, they all get suffixes
a, b, c, ... in order of date, then title (content, never position in the listing). A key already in the
lock file is never changed and never reused: a newcomer that collides with it gets the next free suffix.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from anyascii import anyascii

from bibsync.lockfile import LOCK_AUTHORS, LockRecord
from bibsync.markup import plain_text
from bibsync.model import Diagnostic, Entry, Keyed, Severity, fold, identity

DEFAULT_PATTERN = "[auth:lower][year][veryshorttitle:lower]"

_FIELD = re.compile(r"\[([^\[\]]*)\]")
_FIELD_NAME = re.compile(r"(auth|authors|year|shortyear|title|shorttitle|veryshorttitle|category)(\d*)")
_MODIFIERS = frozenset({"lower", "upper", "capitalize", "abbr"})
_KEY_CHARACTERS = re.compile(r"[^A-Za-z0-9_\-:.]")
_NUMBERED_FIELDS = frozenset({"auth", "authors"})

# Fuzzy matching of a changed entry to its locked predecessor (same date required).
TITLE_SIMILARITY = 0.8
FAMILY_SIMILARITY = 0.6
MAX_FUZZY_PAIRS = 1_000_000  # beyond this a date block is too large to compare pairwise


class PatternError(ValueError):
    """The key pattern does not parse."""


@dataclass(frozen=True, slots=True)
class _Part:
    literal: str = ""
    field: str = ""
    number: int = 0
    modifiers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class KeyPattern:
    source: str
    parts: tuple[_Part, ...]

    @classmethod
    def parse(cls, source: str) -> KeyPattern:
        parts: list[_Part] = []
        position = 0
        for match in _FIELD.finditer(source):
            if match.start() > position:
                parts.append(_Part(literal=source[position : match.start()]))
            name, *modifiers = match.group(1).split(":")
            field = _FIELD_NAME.fullmatch(name)
            if field is None:
                raise PatternError(
                    f"unknown field [{name}] in key pattern {source!r}; known: [auth], [authN], [authors], "
                    "[authorsN], [year], [shortyear], [title], [shorttitle], [veryshorttitle], [category]"
                )
            if field.group(2) and field.group(1) not in _NUMBERED_FIELDS:
                raise PatternError(f"[{name}] takes no number in key pattern {source!r}")
            unknown = [m for m in modifiers if m not in _MODIFIERS]
            if unknown:
                raise PatternError(
                    f"unknown modifier :{unknown[0]} in key pattern {source!r}; known: "
                    + ", ".join(f":{m}" for m in sorted(_MODIFIERS))
                )
            parts.append(_Part(field=field.group(1), number=int(field.group(2) or 0), modifiers=tuple(modifiers)))
            position = match.end()
        rest = source[position:]
        if "[" in rest or "]" in rest:
            raise PatternError(f"unbalanced bracket in key pattern {source!r}")
        if rest:
            parts.append(_Part(literal=rest))
        if not any(p.field for p in parts):
            raise PatternError(f"key pattern {source!r} has no [field]: every entry would get the same key")
        if _KEY_CHARACTERS.search("".join(p.literal for p in parts)):
            raise PatternError(f"key pattern {source!r} has characters not allowed in keys (use A-Z a-z 0-9 _ - : .)")
        return cls(source, tuple(parts))

    def base_key(self, entry: Entry, stopwords: frozenset[str]) -> str:
        """The key before any collision suffix."""
        text = "".join(p.literal or _apply(_field_value(p, entry, stopwords), p.modifiers) for p in self.parts)
        text = _KEY_CHARACTERS.sub("", text).strip(".:-")
        return text or "anon"


def _field_value(part: _Part, entry: Entry, stopwords: frozenset[str]) -> list[str]:
    """A field's value as words (modifiers like :abbr work on words)."""
    match part.field:
        case "auth":
            first = ascii_word(entry.authors[0].family) if entry.authors else ""
            return [first[: part.number] if part.number else first]
        case "authors":
            families = [ascii_word(p.family) for p in entry.authors]
            chosen = families[: part.number] if part.number else families
            extra = ["EtAl"] if part.number and (len(families) > part.number or entry.truncated) else []
            return chosen + extra
        case "year":
            return [f"{entry.year:04d}"]
        case "shortyear":
            return [f"{entry.year % 100:02d}"]
        case "category":
            return [entry.category]
    words = significant_words(entry.title, stopwords)
    count = {"veryshorttitle": 1, "shorttitle": 3}.get(part.field)
    return [w[:1].upper() + w[1:] for w in (words[:count] if count else words)]


def _apply(words: list[str], modifiers: Sequence[str]) -> str:
    for modifier in modifiers:
        if modifier == "abbr":
            words = [w[:1] for w in words]
        elif modifier == "lower":
            words = [w.lower() for w in words]
        elif modifier == "upper":
            words = [w.upper() for w in words]
        elif modifier == "capitalize":
            words = [w[:1].upper() + w[1:].lower() for w in words]
    return "".join(words)


@lru_cache(maxsize=65536)
def ascii_word(text: str) -> str:
    """Transliterate to ASCII and keep letters and digits: "Veličković" -> "Velickovic", "O'Neil" -> "ONeil"."""
    return "".join(c for c in anyascii(text) if c.isascii() and c.isalnum())


def significant_words(title: str, stopwords: frozenset[str]) -> list[str]:
    """The title's words in ASCII, apostrophes dropped ("Network's" -> "Networks"), stop words skipped."""
    ascii_title = anyascii(plain_text(title)).replace("'", "")
    return [w for w in re.findall(r"[A-Za-z0-9]+", ascii_title) if w.lower() not in stopwords]


def suffixes() -> Iterator[str]:
    """a, b, ..., z, aa, ab, ..., zz, aaa, ..."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    width = 1
    while True:
        for number in range(26**width):
            digits = []
            for _ in range(width):
                number, remainder = divmod(number, 26)
                digits.append(letters[remainder])
            yield "".join(reversed(digits))
        width += 1


# --- assigning keys ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Assignment:
    keyed: tuple[Keyed, ...]  # sorted by key, case-insensitively
    lock: Mapping[str, LockRecord]  # the lock after this run: issued keys, reserved ones included
    notes: tuple[Diagnostic, ...]  # keys kept across a correction, keys reserved for removed papers

    @property
    def reserved(self) -> tuple[str, ...]:
        """Locked keys whose paper is no longer in the listing."""
        current = {k.key for k in self.keyed}
        return tuple(sorted(key for key in self.lock if key not in current))


def assign_keys(
    entries: Sequence[Entry],
    lock: Mapping[str, LockRecord],
    *,
    pattern: KeyPattern,
    stopwords: frozenset[str],
    path: str = "",
    regenerate: bool = False,
) -> Assignment:
    """Give every entry its key: its locked key if it has one, else a new key that no locked key shadows.

    The result never depends on the order of ``entries``.
    """
    if regenerate:
        lock = {}
    folded = _Folded()
    entries = _remember_inferred_years(entries, lock, folded)
    notes: list[Diagnostic] = []
    matched = _match_locked(entries, lock, path, notes, folded)
    taken = {key.lower() for key in lock}
    newcomers = [e for e in entries if id(e) not in matched]
    fresh = _new_keys(newcomers, pattern, stopwords, taken)

    keyed: list[Keyed] = []
    new_lock = dict(lock)
    for entry in entries:
        record = matched.get(id(entry))
        if record is None:
            record = LockRecord.of(fresh[id(entry)], entry)
        keyed.append(Keyed(record.key, entry))
        new_lock[record.key] = record
    keyed.sort(key=lambda k: (k.key.lower(), k.key))
    return Assignment(tuple(keyed), new_lock, tuple(notes))


class _Folded:
    """Each entry's and locked record's folded title and first author (see :func:`fold`), computed once:
    matching asks for them many times."""

    def __init__(self) -> None:
        self._entries: dict[int, tuple[str, str]] = {}
        self._records: dict[str, tuple[str, str]] = {}

    def entry(self, entry: Entry) -> tuple[str, str]:
        found = self._entries.get(id(entry))
        if found is None:
            found = self._entries[id(entry)] = identity(entry)
        return found

    def record(self, record: LockRecord) -> tuple[str, str]:
        found = self._records.get(record.key)
        if found is None:
            found = self._records[record.key] = (fold(record.title), fold(record.authors[0]) if record.authors else "")
        return found


def _remember_inferred_years(entries: Sequence[Entry], lock: Mapping[str, LockRecord], folded: _Folded) -> list[Entry]:
    """A date without a year ("LGJan 30") resolves against today, so it would move to next year every
    January. Once its paper is locked, the year it was first given is the one that stays."""
    if not lock or not any(e.year_inferred for e in entries):
        return list(entries)
    dates: dict[tuple[str, str, int, int], dt.date] = {}
    for record in lock.values():
        dates[(*folded.record(record), record.date.month, record.date.day)] = record.date
    remembered = []
    for entry in entries:
        if entry.year_inferred:
            locked = dates.get((*folded.entry(entry), entry.date.month, entry.date.day))
            if locked and locked != entry.date:
                entry = replace(entry, date=locked)
        remembered.append(entry)
    return remembered


def content_order(entry: Entry) -> tuple[object, ...]:
    """How colliding entries are ordered for suffixes: date, then title, then the rest of the content."""
    return (entry.date, fold(entry.title), entry.title, tuple(p.full for p in entry.authors), entry.category,
            entry.abstract, entry.organisations, entry.has_code, entry.truncated)


def _new_keys(
    newcomers: Iterable[Entry], pattern: KeyPattern, stopwords: frozenset[str], taken: set[str]
) -> dict[int, str]:
    groups: dict[str, list[Entry]] = {}
    bases: dict[str, str] = {}
    for entry in newcomers:
        base = pattern.base_key(entry, stopwords)
        groups.setdefault(base.lower(), []).append(entry)
        bases.setdefault(base.lower(), base)
    keys: dict[int, str] = {}
    for lowered in sorted(groups):
        members = sorted(groups[lowered], key=content_order)
        base = bases[lowered]
        family_exists = lowered in taken or f"{lowered}a" in taken
        if len(members) == 1 and not family_exists:
            keys[id(members[0])] = base
            taken.add(lowered)
            continue
        free = (s for s in suffixes() if f"{lowered}{s}" not in taken)
        for entry in members:
            suffix = next(free)
            keys[id(entry)] = f"{base}{suffix}"
            taken.add(f"{lowered}{suffix}")
    return keys


def _match_locked(
    entries: Sequence[Entry], lock: Mapping[str, LockRecord], path: str, notes: list[Diagnostic], folded: _Folded
) -> dict[int, LockRecord]:
    """Pair entries with their locked predecessors: exactly where possible, then tolerating corrections.
    Returns, for each matched entry (by id), its lock record as it must now read, under the locked key."""
    if not lock:
        return {}
    matched: dict[int, LockRecord] = {}
    records = sorted(lock.values(), key=lambda r: r.key)
    remaining_entries = sorted(entries, key=content_order)

    # Exact stages, strictest first: title+author+date, title+author (date fixed), title+date (author's
    # spelling fixed: the old and new first author must still look alike, or share co-authors).
    def anything(entry: Entry, record: LockRecord) -> bool:
        return True

    stages: list[tuple[Callable[[Entry], object], Callable[[LockRecord], object], Callable[[Entry, LockRecord], bool]]]
    stages = [
        (lambda e: (*folded.entry(e), e.date), lambda r: (*folded.record(r), r.date), anything),
        (folded.entry, folded.record, anything),
        (lambda e: (folded.entry(e)[0], e.date), lambda r: (folded.record(r)[0], r.date), _same_people),
    ]
    for entry_identity, record_identity, acceptable in stages:
        by_identity: dict[object, list[LockRecord]] = {}
        for record in records:
            by_identity.setdefault(record_identity(record), []).append(record)
        still: list[Entry] = []
        used: set[str] = set()
        for entry in remaining_entries:
            candidates = [r for r in by_identity.get(entry_identity(entry), [])
                          if r.key not in used and acceptable(entry, r)]
            if candidates:
                record = candidates[0]
                used.add(record.key)
                current = matched[id(entry)] = LockRecord.of(record.key, entry)
                changed = next((what for what, old, new in (("title", record.title, current.title),
                                                            ("authors", record.authors, current.authors),
                                                            ("date", record.date, current.date)) if old != new), None)
                if changed:
                    notes.append(_kept(path, entry, record, changed))
            else:
                still.append(entry)
        remaining_entries = still
        records = [r for r in records if r.key not in used]
        if not records or not remaining_entries:
            return matched

    # Fuzzy stage: same date, similar title and first author (typo fixes).
    by_date: dict[object, list[LockRecord]] = {}
    for record in records:
        by_date.setdefault(record.date, []).append(record)
    pairs: list[tuple[float, str, int, Entry, LockRecord]] = []
    for order, entry in enumerate(remaining_entries):
        block = by_date.get(entry.date, [])
        if len(block) * len(remaining_entries) > MAX_FUZZY_PAIRS:
            continue
        for record in block:
            score = _similarity(entry, record)
            if score is not None:
                pairs.append((-score, record.key, order, entry, record))
    pairs.sort(key=lambda p: p[:3])
    used_keys: set[str] = set()
    for _, key, _, entry, record in pairs:
        if id(entry) in matched or key in used_keys:
            continue
        matched[id(entry)] = LockRecord.of(key, entry)
        used_keys.add(key)
        notes.append(_kept(path, entry, record, "title" if record.title != entry.title else "authors"))
    return matched


def _similarity(entry: Entry, record: LockRecord) -> float | None:
    """Title similarity plus first-author similarity, or None when they are different papers."""
    title = difflib.SequenceMatcher(None, fold(entry.title), fold(record.title))
    if title.real_quick_ratio() < TITLE_SIMILARITY or title.quick_ratio() < TITLE_SIMILARITY:
        return None
    title_ratio = title.ratio()
    if title_ratio < TITLE_SIMILARITY or not _same_people(entry, record):
        return None
    return title_ratio + _family_ratio(entry, record)


def _family_ratio(entry: Entry, record: LockRecord) -> float:
    entry_family = fold(entry.authors[0].family) if entry.authors else ""
    record_family = fold(record.authors[0]) if record.authors else ""
    return difflib.SequenceMatcher(None, entry_family, record_family).ratio()


def _same_people(entry: Entry, record: LockRecord) -> bool:
    """Plausibly the same author list: a first author spelt alike, or the same co-authors."""
    if _family_ratio(entry, record) >= FAMILY_SIMILARITY:
        return True
    coauthors = {fold(p.family) for p in entry.authors[1:LOCK_AUTHORS]}
    return bool(coauthors) and coauthors == {fold(a) for a in record.authors[1:]}


def _kept(path: str, entry: Entry, record: LockRecord, what: str) -> Diagnostic:
    was = {"title": record.title, "authors": "; ".join(record.authors), "date": record.date.isoformat()}[what]
    return Diagnostic(path, entry.line, f"kept locked key {record.key!r} although the {what} changed (was {was!r})",
                      Severity.NOTE)
