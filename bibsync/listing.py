"""Parse a publication listing (as copied from a publications page) into :class:`~bibsync.model.Entry`.

Each entry is three lines::

    CVMay 6, 2022Code
    CLIP-CLOP: CLIP-Guided Collage and PhotomontagePiotr Mirowski, Dylan Banarse, Mateusz Malinowski et al. · deepmind
    The unabated mystique of large-scale neural networks, ...

1. a category code (2-4 capitals), a date ``Mon D, YYYY`` or ``Mon D`` (no year: the latest such date
   not after ``as_of``), and ``Code`` when public code exists, all glued together;
2. the title glued to the author list, then optionally `` · `` and organisation tags;
3. the abstract (optional).

The hard part is line 2: the first author's given name is glued to the title's last word. The split is
made where an upper-case letter follows a non-space character and everything after it reads as a list of
names (see :mod:`bibsync.names`). When several places qualify ("AlgebraNetsJordan Hoffmann"), names that
the listing shows elsewhere, and how name-like the first author looks, decide; a close call is reported
as a warning, and the project config can pin the title (``titles = [...]``).

Blank lines, CRLF, a BOM and trailing spaces are tolerated. Malformed entries are all reported as
``path:line: message`` and never stop the parse of the others.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from bibsync.model import Diagnostic, Entry, Person, Severity, identity
from bibsync.names import MAX_NAME_TOKENS, Token, TokenKind, parse_name, person_from_tokens, person_named

MONTHS = {
    name: number
    for number, name in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], start=1
    )
}

_HEADER = re.compile(
    r"(?P<category>[A-Z]{2,4}?)"
    r"(?P<month>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
    r"\s*(?P<day>\d{1,2})(?:,\s*(?P<year>\d{4}))?"
    r"\s*(?P<code>Code)?"
)
# Something that wants to be a header; used only to say precisely what is wrong with it.
_HEADER_LIKE = re.compile(
    r"(?P<category>[A-Za-z]{1,6}?)(?P<month>[A-Z][a-z]{2,8})\.?\s*(?P<day>\d{1,3})"
    r"(?:,\s*(?P<year>\d{1,5}))?\s*(?P<rest>\S{1,12})?"
)
_ET_AL = re.compile(r"\s*\bet\.?\s+al\.?\s*$")
# A letter that is not ASCII lowercase, straight after a character that can end a title (not a space,
# hyphen, apostrophe or slash): where the first author may start. Unicode capitals are confirmed with
# str.isupper(), which re cannot express.
_GLUE = re.compile(r"(?<=[^\s\-'\u2019/])[^\W\d_a-z]")
_INITIAL_AT_END = re.compile(r"(?:^|[\s.])[A-Z]\.$")
_ORGANISATIONS = re.compile(r"\s+\u00b7\s*(?=[^\u00b7]*$)")

# Score margin under which two readings of a title/author line are called a close call.
CLOSE_CALL = 2.0


@dataclass(frozen=True, slots=True)
class ParsedListing:
    entries: tuple[Entry, ...]
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity is Severity.WARNING)


@dataclass(frozen=True, slots=True)
class _RawEntry:
    header_line: int
    header: re.Match[str]
    body_line: int
    body: str
    abstract: str


@dataclass(frozen=True, slots=True)
class _Split:
    """One way to read a title/author line: the title ends at ``at``."""

    at: int
    names: tuple[tuple[Token, ...], ...]


@dataclass(slots=True)
class _Evidence:
    """Names the listing shows where no title is glued to them."""

    full_names: set[str] = field(default_factory=set)
    given_names: set[str] = field(default_factory=set)

    def add(self, name: tuple[Token, ...]) -> None:
        self.full_names.add(_name_text(name))
        if len(name) > 1:
            self.given_names.add(name[0].text)


def parse_listing(
    text: str,
    path: str,
    *,
    as_of: dt.date,
    particles: frozenset[str],
    titles: Sequence[str] = (),
) -> ParsedListing:
    """Parse the whole listing; every problem is a diagnostic, none raises."""
    problems: list[Diagnostic] = []
    raw_entries = list(_segment(text, path, problems))

    bodies = [_split_tags(raw.body) for raw in raw_entries]
    splits = [_candidate_splits(body, particles) for body, _, _ in bodies]
    evidence = _gather_evidence(splits)
    pinned = [" ".join(t.split()) for t in titles]
    used_pins: set[str] = set()

    entries: list[Entry] = []
    for raw, (body, truncated, organisations), candidates in zip(raw_entries, bodies, splits, strict=True):
        date = _header_date(raw, path, as_of, problems)
        authors_and_title = _choose_split(raw, body, candidates, evidence, pinned, used_pins, path, problems,
                                          particles)
        if date is None or authors_and_title is None:
            continue
        title, authors = authors_and_title
        entries.append(
            Entry(
                line=raw.header_line,
                category=raw.header["category"],
                date=date,
                title=title,
                authors=authors,
                truncated=truncated,
                has_code=raw.header["code"] is not None,
                organisations=organisations,
                abstract=raw.abstract,
                year_inferred=raw.header["year"] is None,
            )
        )
    for title in sorted(set(pinned) - used_pins):
        problems.append(Diagnostic(path, 0, f"pinned title {title!r} (config 'titles') matches no entry",
                                   Severity.WARNING))
    unique = _drop_duplicates(entries, path, problems)
    return ParsedListing(tuple(unique), tuple(sorted(problems, key=lambda d: (d.line, d.message))))


# --- segmentation ------------------------------------------------------------------------------


def _segment(text: str, path: str, problems: list[Diagnostic]) -> Iterable[_RawEntry]:
    """Group lines into entries: a header, the title/author line, and abstract lines."""
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    numbered = [(n, line.strip()) for n, line in enumerate(lines, start=1) if line.strip()]
    index = 0
    while index < len(numbered):
        number, line = numbered[index]
        header = _HEADER.fullmatch(line)
        if header is None:
            problems.append(Diagnostic(path, number, _header_problem(line)))
            index += 1
            while index < len(numbered) and _HEADER.fullmatch(numbered[index][1]) is None:
                index += 1  # skip to the next header: one report per broken entry
            continue
        index += 1
        if index >= len(numbered) or _HEADER.fullmatch(numbered[index][1]):
            problems.append(
                Diagnostic(path, number, "expected a title/author line after this header, found "
                           + ("the end of the file" if index >= len(numbered) else "another header"))
            )
            continue
        body_line, body = numbered[index]
        index += 1
        abstract: list[str] = []
        while index < len(numbered) and not _looks_like_header(numbered[index][1]):
            abstract.append(numbered[index][1])
            index += 1
        yield _RawEntry(number, header, body_line, body, " ".join(abstract))


def _looks_like_header(line: str) -> bool:
    """A header, or a broken one ("LGMai 3, 2022"): either way the abstract before it has ended."""
    return _HEADER.fullmatch(line) is not None or _HEADER_LIKE.fullmatch(line) is not None


def _header_problem(line: str) -> str:
    shown = line if len(line) <= 60 else line[:57] + "..."
    expected = "expected an entry header: category code, date, optional 'Code' (e.g. 'CVMay 6, 2022Code')"
    like = _HEADER_LIKE.fullmatch(line)
    if like is None:
        return f"{expected}, found {shown!r}"
    category, month = like["category"], like["month"]
    if not (2 <= len(category) <= 4 and category.isupper() and category.isascii()):
        return f"expected a category code of 2-4 capital letters before the date, found {category!r}"
    if month[:3] not in MONTHS:
        return f"unknown month {month!r} in header {shown!r} (expected Jan, Feb, ..., Dec)"
    if like["year"] is not None and len(like["year"]) != 4:
        return f"expected a four-digit year in header {shown!r}"
    if like["rest"] is not None:
        return f"unexpected {like['rest']!r} after the date in header {shown!r} (only 'Code' may follow)"
    return f"{expected}, found {shown!r}"


def _header_date(raw: _RawEntry, path: str, as_of: dt.date, problems: list[Diagnostic]) -> dt.date | None:
    month, day = MONTHS[raw.header["month"]], int(raw.header["day"])
    year = raw.header["year"]
    try:
        if year is not None:
            return dt.date(int(year), month, day)
        return latest_date(month, day, as_of)
    except ValueError:
        shown = f"{raw.header['month']} {day}" + (f", {year}" if year else "")
        problems.append(Diagnostic(path, raw.header_line, f"no such date: {shown}"))
        return None


def latest_date(month: int, day: int, as_of: dt.date) -> dt.date:
    """The latest ``month``/``day`` not after ``as_of`` (Feb 29 looks back to the last leap year)."""
    dt.date(2000, month, day)  # raises ValueError for a day no year has
    for year in range(as_of.year, as_of.year - 9, -1):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue
        if candidate <= as_of:
            return candidate
    raise ValueError(f"no {month}/{day} in the years before {as_of}")


# --- the title/author line ---------------------------------------------------------------------


def _split_tags(body: str) -> tuple[str, bool, tuple[str, ...]]:
    """Strip `` · org, org`` and `` et al.`` off a title/author line."""
    organisations: tuple[str, ...] = ()
    parts = _ORGANISATIONS.split(body, maxsplit=1)
    if len(parts) == 2:
        body = parts[0]
        organisations = tuple(dict.fromkeys(o.strip() for o in parts[1].split(",") if o.strip()))
    truncated = False
    if "al" in body[-8:]:  # cheap test first: the regex would scan the whole line
        stripped = _ET_AL.sub("", body)
        if stripped != body:
            body, truncated = stripped, True
    return body.strip(), truncated, organisations


def _candidate_splits(body: str, particles: frozenset[str]) -> list[_Split]:
    """Every place the title could end such that the rest reads as a list of names."""
    pieces = body.split(", ")
    starts = []
    offset = 0
    for piece in pieces:
        starts.append(offset)
        offset += len(piece) + 2
    found: list[_Split] = []
    after: tuple[tuple[Token, ...], ...] = ()  # the names in the pieces right of the current one
    for index in range(len(pieces) - 1, -1, -1):
        piece = pieces[index]
        # The glue sits in the first author's first word, so only the last MAX_NAME_TOKENS words qualify.
        lowest = len(piece)
        for _ in range(MAX_NAME_TOKENS):
            lowest = piece.rfind(" ", 0, lowest)
            if lowest < 0:
                break
        for capital in _GLUE.finditer(piece, max(lowest, 0) + 1):
            at = capital.start()
            if piece[at].isupper():
                first = parse_name(piece[at:], particles)
                if first is not None:
                    found.append(_Split(starts[index] + at, (first, *after)))
        whole = parse_name(piece, particles)
        if whole is None:
            break  # this piece holds title text, so no author can stand left of it
        after = (whole, *after)
    found.sort(key=lambda s: s.at)
    return found


def _gather_evidence(all_splits: Sequence[Sequence[_Split]]) -> _Evidence:
    evidence = _Evidence()
    for splits in all_splits:
        if not splits:
            continue
        if len(splits) == 1:
            for name in splits[0].names:
                evidence.add(name)
            continue
        # authors that every reading agrees on
        shared = set.intersection(*({_name_text(n) for n in s.names[1:]} for s in splits))
        for name in splits[-1].names[1:]:
            if _name_text(name) in shared:
                evidence.add(name)
    return evidence


def _score(split: _Split, body: str, evidence: _Evidence) -> float:
    """How plausible a reading is. For it: the first author's name seen elsewhere in the listing, and
    each further comma-separated piece that reads as a name. Against: inner capitals ("NetsJordan"),
    a bare initial as the first author's first word, a one-word first author, a title ending in an
    initial ("... J." + "C. Burges")."""
    first = split.names[0]
    score = float(len(split.names) - 1)
    if _name_text(first) in evidence.full_names:
        score += 8
    elif len(first) > 1 and first[0].text in evidence.given_names:
        score += 3
    for name in split.names:
        for token in name:
            if token.inner_capital:
                score -= 1 if token.known_prefix else 4
    if first[0].kind is TokenKind.INITIALS and not first[0].text.endswith("."):
        score -= 2  # "Intelligent AI..." read as "Intelligent A" + "I ..."
    if len(first) == 1:
        score -= 2  # one-word first authors are rare
    if _INITIAL_AT_END.search(body, 0, split.at):
        score -= 3
    return score


def _choose_split(
    raw: _RawEntry,
    body: str,
    candidates: Sequence[_Split],
    evidence: _Evidence,
    pinned: Sequence[str],
    used_pins: set[str],
    path: str,
    problems: list[Diagnostic],
    particles: frozenset[str],
) -> tuple[str, tuple[Person, ...]] | None:
    normalised = " ".join(body.split()) if pinned else body
    for title in pinned:
        if normalised.startswith(title) and len(normalised) > len(title):
            used_pins.add(title)
            authors = _lenient_authors(normalised[len(title):], particles)
            if authors is None:
                problems.append(Diagnostic(path, raw.body_line,
                                           f"after the pinned title {title!r} no author list follows"))
                return None
            return title, authors
    if not candidates:
        problems.append(
            Diagnostic(path, raw.body_line,
                       "cannot tell where the title ends and the authors begin: expected the title followed "
                       "directly by 'Given Family, Given Family, ...' (pin the title with 'titles' in the config)")
        )
        return None
    scores = {split.at: _score(split, body, evidence) for split in candidates}
    ranked = sorted(candidates, key=lambda s: (-scores[s.at], -len(s.names), -s.at))
    best = ranked[0]
    title = body[: best.at].strip()
    if not any(c.isalnum() for c in title):
        problems.append(Diagnostic(path, raw.body_line, "the title is empty"))
        return None
    if len(ranked) > 1 and scores[best.at] - scores[ranked[1].at] < CLOSE_CALL:
        other = ranked[1]
        problems.append(
            Diagnostic(
                path,
                raw.body_line,
                f"uncertain title/author split: read title {title!r} and first author "
                f"{_name_text(best.names[0])!r}, but title {body[: other.at].strip()!r} and first author "
                f"{_name_text(other.names[0])!r} is possible; pin the right title with "
                f"titles = [...] in the config",
                Severity.WARNING,
            )
        )
    people = (person_named(_name_text(name), particles) for name in best.names)
    return title, tuple(p for p in people if p is not None)


def _lenient_authors(text: str, particles: frozenset[str]) -> tuple[Person, ...] | None:
    """Authors after a pinned title: names as parsed where possible, else split on the last space."""
    people: list[Person] = []
    for piece in text.split(", "):
        piece = piece.strip()
        if not piece:
            return None
        tokens = parse_name(piece, particles)
        if tokens is not None:
            people.append(person_from_tokens(tokens))
        else:
            given, _, family = piece.rpartition(" ")
            people.append(Person(family=family, given=given))
    return tuple(people)


def _name_text(name: tuple[Token, ...]) -> str:
    return " ".join(token.text for token in name)


# --- duplicates --------------------------------------------------------------------------------


def _drop_duplicates(entries: list[Entry], path: str, problems: list[Diagnostic]) -> list[Entry]:
    """Keep one entry per paper. Which one is chosen by content (the richest), never by position."""
    identities = [identity(entry) for entry in entries]
    groups: dict[tuple[str, str], list[Entry]] = {}
    for entry, same in zip(entries, identities, strict=True):
        groups.setdefault(same, []).append(entry)
    kept: list[Entry] = []
    for entry, same in zip(entries, identities, strict=True):
        group = groups[same]
        if len(group) == 1:
            kept.append(entry)
            continue
        best = min(group, key=_richness)
        if entry is best:
            kept.append(entry)
        else:
            detail = "" if _same_content(entry, best) else " (the two differ; keeping the more complete one)"
            problems.append(
                Diagnostic(path, entry.line,
                           f"the same paper as the entry on line {best.line} ({entry.title!r}); "
                           f"listed once in the output{detail}", Severity.WARNING)
            )
    return kept


def _richness(entry: Entry) -> tuple[object, ...]:
    """Longest abstract, code, most authors and tags, latest date; then any content difference."""
    return (-len(entry.abstract), not entry.has_code, -len(entry.authors), -len(entry.organisations),
            -entry.date.toordinal(), entry.truncated, entry.category, entry.title, entry.abstract,
            tuple(p.full for p in entry.authors), entry.organisations, entry.line)


def _same_content(a: Entry, b: Entry) -> bool:
    return replace(a, line=0) == replace(b, line=0)
