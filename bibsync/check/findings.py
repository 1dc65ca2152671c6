"""The check itself, as a pure function: scanned sources and read bibliographies in, findings out.

Errors (exit 1): undefined keys (with "did you mean"), duplicate keys in one bibliography (compared
case-insensitively, as BibTeX does), malformed bibliographies, locked keys that vanished from the lock
or from the generated bibliography while still cited. Warnings (exit 0 unless ``--strict``): entries no
source cites, entries missing what their type requires.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from bibsync.check.bibliography import BibEntry, Bibliography, Requirement, missing_fields
from bibsync.check.citations import Scan

if TYPE_CHECKING:
    from bibsync.lockfile import LockRecord


ERROR = "error"
WARNING = "warning"  # the same words as bibsync.model.Severity (not imported: it pulls anyascii in)


class Finding(NamedTuple):
    """A problem at a place, printed ``path:line:col: message`` (the form editors and pre-commit show)."""

    path: str
    line: int
    col: int
    message: str
    severity: str = ERROR  # ERROR or WARNING

    def __str__(self) -> str:
        prefix = "" if self.severity == ERROR else f"{self.severity}: "
        return f"{self.path}:{self.line}:{self.col}: {prefix}{self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


class Source(NamedTuple):
    path: str  # as shown in findings
    scan: Scan


class BibSource(NamedTuple):
    path: str
    bibliography: Bibliography
    generated: bool = False  # written by `bibsync export` from the listing


class LockState(NamedTuple):
    """The lock as it is in the working tree, and as committed at HEAD (None: no HEAD version)."""

    path: str
    working: Mapping[str, LockRecord]
    head: Mapping[str, LockRecord] | None


def analyse(
    sources: Sequence[Source],
    bibliographies: Sequence[BibSource],
    *,
    required: Mapping[str, Mapping[str, tuple[Requirement, ...]]],
    report_unused: bool = True,
    lock: LockState | None = None,
) -> list[Finding]:
    """Every finding, sorted by path, line and column."""
    findings: list[Finding] = []
    canonical: dict[str, str] = {}  # key or alias -> lower-case key of the entry it names (first definition)
    for bib in bibliographies:
        findings.extend(_bibliography_findings(bib, required))
        for entry in bib.bibliography.entries:
            for name in (entry.key, *entry.aliases):
                canonical.setdefault(name, entry.key.lower())
    by_lower: dict[str, list[str]] = {}
    for name in canonical:
        by_lower.setdefault(name.lower(), []).append(name)
    generated_keys = {e.key for b in bibliographies if b.generated for e in b.bibliography.entries}
    generated_names = ", ".join(b.path for b in bibliographies if b.generated)
    all_names = ", ".join(b.path for b in bibliographies) or "no bibliography"

    used: set[str] = set()
    cites_all = any(source.scan.cites_all for source in sources)
    suggestions: dict[str, str] = {}
    for source in sources:
        for citation in source.scan.citations:
            key = citation.key
            defined = key in canonical
            if citation.crossref and not defined:
                continue
            if defined:
                used.add(canonical[key])
            message = _lock_problem(key, defined, lock, generated_keys, generated_names) if lock else None
            if message is None and not defined:
                if key not in suggestions:
                    suggestions[key] = _did_you_mean(key, canonical, by_lower)
                message = f"undefined citation key '{key}' (not in {all_names}){suggestions[key]}"
            if message is not None:
                findings.append(Finding(source.path, citation.line, citation.col, message))

    if report_unused and sources and not cites_all:
        warned: set[str] = set()
        for bib in bibliographies:
            if bib.generated:
                continue  # a generated bibliography lists the whole group's papers: most go uncited
            for entry in bib.bibliography.entries:
                lower = entry.key.lower()
                if lower in used or lower in warned:
                    continue
                warned.add(lower)
                findings.append(Finding(bib.path, entry.line, entry.col, f"entry '{entry.key}' is never cited",
                                        WARNING))
    findings.sort()
    return findings


def _bibliography_findings(bib: BibSource, required: Mapping[str, Mapping[str, tuple[Requirement, ...]]]
                           ) -> Iterable[Finding]:
    for problem in bib.bibliography.problems:
        yield Finding(bib.path, problem.line, problem.col, problem.message)
    first: dict[str, BibEntry] = {}
    for entry in bib.bibliography.entries:
        lower = entry.key.lower()
        earlier = first.get(lower)
        if earlier is None:
            first[lower] = entry
            continue
        same_case = earlier.key == entry.key
        detail = "" if same_case else f" as '{earlier.key}' (BibTeX compares keys case-insensitively)"
        yield Finding(bib.path, entry.line, entry.col,
                      f"duplicate key '{entry.key}': already defined on line {earlier.line}{detail}")
    table = required.get(bib.bibliography.kind, {})
    noun = "entry" if bib.bibliography.kind == "bibtex" else "item"
    for entry in bib.bibliography.entries:
        missing = missing_fields(entry, dict(table), first)
        if missing:
            kind = f" (@{entry.entry_type})" if bib.bibliography.kind == "bibtex" else ""
            names = ", ".join(" or ".join(need) for need in missing)
            plural = "s" if len(missing) > 1 else ""
            yield Finding(bib.path, entry.line, entry.col,
                          f"{noun} '{entry.key}'{kind} is missing required field{plural}: {names}",
                          WARNING)


def _lock_problem(key: str, defined: bool, lock: LockState, generated_keys: set[str],
                  generated_names: str) -> str | None:
    if lock.head is not None and key in lock.head and key not in lock.working:
        message = (f"citation key '{key}' was in {lock.path} at HEAD but is gone from it: its paper's key "
                   "changed or the key was retired")
        successor = _same_paper(lock.head[key], lock.working)
        return message + (f"; the same paper is now '{successor}'" if successor else "")
    if not defined and key in lock.working and generated_names and key not in generated_keys:
        return (f"citation key '{key}' is locked in {lock.path} but missing from {generated_names}: its paper "
                "left the listing, or the file is out of date (run `bibsync export`)")
    return None


def _same_paper(record: LockRecord, working: Mapping[str, LockRecord]) -> str | None:
    def folded(title: str) -> str:
        return re.sub(r"\W+", "", title.casefold())

    title = folded(record.title)
    matches = [k for k, r in working.items() if folded(r.title) == title]
    if len(matches) > 1:
        matches = [k for k, r in working.items() if folded(r.title) == title and r.date == record.date]
    return matches[0] if len(matches) == 1 else None


_SUFFIX = re.compile(r"[a-z]{1,2}")


def _did_you_mean(key: str, canonical: Mapping[str, str], by_lower: Mapping[str, list[str]]) -> str:
    """'; did you mean ...?' for a key that differs in case, by an a/b suffix, or by a typo; else ''."""
    lower = key.lower()
    candidates: list[str] = []
    if lower in by_lower:
        candidates = [name for name in by_lower[lower] if name != key]
        if candidates:
            return f"; did you mean {_alternatives(candidates)}? (keys differ only in case)"
    candidates = sorted(
        name for name_lower, names in by_lower.items() for name in names
        if (name_lower.startswith(lower) and _SUFFIX.fullmatch(name_lower[len(lower):]))
        or (lower.startswith(name_lower) and _SUFFIX.fullmatch(lower[len(name_lower):]))
    )
    if not candidates:
        import difflib  # only when a key is undefined: difflib costs ~10 ms to import

        close = difflib.get_close_matches(lower, list(by_lower), n=3, cutoff=0.8)
        # best first; equally good ones in alphabetical order (difflib's own tie-break is reversed)
        close.sort(key=lambda c: (-difflib.SequenceMatcher(None, lower, c).ratio(), c))
        candidates = [by_lower[c][0] for c in close]
    return f"; did you mean {_alternatives(candidates)}?" if candidates else ""


def _alternatives(names: Sequence[str]) -> str:
    quoted = [f"'{n}'" for n in names[:3]]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
