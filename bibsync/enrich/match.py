"""Is a candidate convincingly the listing's paper? Scoring, grouping into works, and the verdict. Pure.

A candidate is **convincing** when all three agree:

* its title, normalised (ASCII, lower case, letters and digits), is at least ``TITLE_SAME`` similar to
  the listing's (so "Compute-Optimal" = "Compute Optimal", a typo fixed later still matches);
* its year is within one of the listing's (preprint posted in December, listed in January);
* the listing's authors appear in its author list, in order, the first one first. When the listing did
  not say "et al.", the counts must agree too.

Authors that disagree make a candidate a **different paper** (rejected, whatever its title). A title
that is close but not the same (``TITLE_NEAR``, or one title containing the other), or a year further
off, makes it **uncertain**: listed for review and not applied. Convincing candidates from several
services describing the same work (shared DOI or arXiv id, or the same title from different services)
are merged; two different convincing works are uncertain too, since choosing one would be a guess.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from bibsync.enrich.candidate import Candidate, Query
from bibsync.identifiers import is_arxiv_doi
from bibsync.model import Person, Venue, fold

TITLE_SAME = 0.96  # normalised titles this similar are the same title
TITLE_NEAR = 0.85  # ... this similar, worth showing for review
YEAR_SLACK = 1

# Which service to believe first, field by field, when several describe the same work.
AUTHOR_SOURCES = ("arxiv", "crossref", "semanticscholar", "dblp")  # arXiv lists authors as submitted
DOI_SOURCES = ("crossref", "dblp", "semanticscholar", "arxiv")  # the publisher's DOI before arXiv's own
ARXIV_SOURCES = ("arxiv", "semanticscholar", "dblp", "crossref")
VENUE_SOURCES = ("crossref", "dblp", "semanticscholar", "arxiv")


class Verdict(enum.Enum):
    MATCHED = "matched"  # one convincing work: applied
    REVIEW = "review"  # uncertain: listed, not applied
    UNMATCHED = "unmatched"  # nothing close


@dataclass(frozen=True, slots=True)
class Work:
    """One paper as the services describe it: candidates merged, field by field."""

    sources: tuple[str, ...]  # services that returned it, sorted
    title: str
    authors: tuple[Person, ...]
    year: int | None
    doi: str = ""
    arxiv_id: str = ""
    arxiv_class: str = ""
    url: str = ""
    venue: Venue | None = None

    @property
    def identifiers(self) -> str:
        """``arXiv:2203.15556, doi:10.5555/x``: how a user tells candidates apart (and pins one)."""
        ids = [f"arxiv:{self.arxiv_id}" if self.arxiv_id else "", f"doi:{self.doi}" if self.doi else ""]
        return ", ".join(i for i in ids if i) or "no identifier"


@dataclass(frozen=True, slots=True)
class Assessment:
    """How one candidate compares with the listing's entry."""

    candidate: Candidate
    title_similarity: float
    title_related: bool  # similar enough, or one title contains the other (a subtitle added or dropped)
    year_ok: bool
    authors_ok: bool
    problem: str  # why it is not convincing; "" when it is

    @property
    def convincing(self) -> bool:
        return not self.problem

    @property
    def different_paper(self) -> bool:
        return not self.authors_ok or not self.title_related


@dataclass(frozen=True, slots=True)
class Outcome:
    """The verdict for one entry, with the works behind it (one when matched, the contenders in review)."""

    verdict: Verdict
    works: tuple[Work, ...]
    reason: str


_WORD = re.compile(r"[^\W_]+")  # runs of letters and digits, in any script


@lru_cache(maxsize=1 << 12)  # the listing's title is compared with every candidate
def normalise_title(text: str) -> str:
    """"CLIP-CLOP: CLIP-Guided Collage" -> "clip clop clip guided collage"."""
    return " ".join(word for word in map(fold, _WORD.findall(text)) if word)


def title_similarity(a: str, b: str) -> float:
    left, right = normalise_title(a), normalise_title(b)
    if left == right:
        return 1.0
    return SequenceMatcher(None, left, right, autojunk=False).ratio()


def same_person(listed: Person, found: Person) -> bool:
    """Whether a service's name is the listing's person: same family name (last word, folded), or the
    same words in another order (services swap given and family names of East Asian authors)."""
    listed_last, listed_words = _name_keys(listed)
    found_last, found_words = _name_keys(found)
    return (bool(listed_last) and listed_last == found_last) or listed_words == found_words


@lru_cache(maxsize=1 << 16)  # a group's names recur in every record
def _name_keys(person: Person) -> tuple[str, tuple[str, ...]]:
    last = fold(person.family.split()[-1]) if person.family.split() else ""
    return last, tuple(sorted(fold(word) for word in person.full.split()))


def author_positions(listed: Sequence[Person], found: Sequence[Person]) -> list[int] | None:
    """Where each listed author is in ``found``, in order, the first at 0; None if they are not all there."""
    positions: list[int] = []
    start = 0
    for person in listed:
        position = next((i for i in range(start, len(found)) if same_person(person, found[i])), None)
        if position is None:
            return None
        positions.append(position)
        start = position + 1
    if positions and positions[0] != 0:
        return None
    return positions


def assess(query: Query, candidate: Candidate, *, truncated: bool) -> Assessment:
    similarity = title_similarity(query.title, candidate.title)
    ours, theirs = normalise_title(query.title), normalise_title(candidate.title)
    related = similarity >= TITLE_NEAR or (min(len(ours), len(theirs)) >= 10 and (ours in theirs or theirs in ours))
    year_ok = candidate.year is not None and abs(candidate.year - query.year) <= YEAR_SLACK
    positions = author_positions(query.authors, candidate.authors)
    authors_ok = positions is not None and bool(candidate.authors)
    problems = []
    if not authors_ok:
        problems.append("the listed authors are not its authors, in order")
    elif not truncated and len(candidate.authors) != len(query.authors):
        problems.append(f"it has {len(candidate.authors)} authors, the listing {len(query.authors)}")
    if similarity < TITLE_SAME:
        problems.append(f"its title differs ({similarity:.0%} similar): {candidate.title!r}")
    if not year_ok:
        problems.append(f"its year is {candidate.year or 'unknown'}, the listing's {query.year}")
    return Assessment(candidate, similarity, related, year_ok, authors_ok, "; ".join(problems))


def decide(query: Query, candidates: Sequence[Candidate], *, truncated: bool) -> Outcome:
    """The verdict on everything the services returned for one entry."""
    assessments = [assess(query, c, truncated=truncated) for c in candidates]
    convincing = [a.candidate for a in assessments if a.convincing]
    if convincing:
        works = group(convincing)
        if len(works) == 1:
            return Outcome(Verdict.MATCHED, works, f"title, year and authors agree ({', '.join(works[0].sources)})")
        listed = "; ".join(w.identifiers for w in works)
        return Outcome(Verdict.REVIEW, works, f"{len(works)} different records match: {listed}")
    uncertain = [a for a in assessments if not a.different_paper]
    if uncertain:
        best = max(uncertain, key=lambda a: (a.title_similarity, a.year_ok))
        works = group([a.candidate for a in uncertain])
        return Outcome(Verdict.REVIEW, works, f"closest record ({best.candidate.source}): {best.problem}")
    return Outcome(Verdict.UNMATCHED, (), "no record with this title and these authors")


def group(candidates: Sequence[Candidate]) -> tuple[Work, ...]:
    """Candidates merged into works: same DOI or arXiv id, or the same title from different services (or
    from one service as preprint and published version).

    Two records that disagree on an identifier (two arXiv ids, or two DOIs from one service) never end
    up in one work, not even through a third record: they are different papers, or duplicates the
    user must choose between.
    """
    members: dict[int, list[Candidate]] = {i: [c] for i, c in enumerate(candidates)}
    root = list(range(len(candidates)))
    for i, a in enumerate(candidates):
        for j in range(i):
            b = candidates[j]
            if root[i] == root[j]:
                continue
            shared_id = (a.doi and a.doi == b.doi) or (a.arxiv_id and a.arxiv_id == b.arxiv_id)
            # The same title from two services, or from one service as a preprint and as its published
            # version (DBLP lists both); two published records from one service stay apart.
            same_title = (a.source != b.source or (a.venue is None) != (b.venue is None)) and \
                normalise_title(a.title) == normalise_title(b.title)
            if (shared_id or same_title) and not _conflict(members[root[i]], members[root[j]]):
                keep, gone = root[j], root[i]
                members[keep].extend(members.pop(gone))
                root = [keep if r == gone else r for r in root]
    works = [merge(group_members) for group_members in members.values()]
    return tuple(sorted(works, key=lambda w: (w.identifiers, w.title)))


def _conflict(left: Sequence[Candidate], right: Sequence[Candidate]) -> bool:
    for a in left:
        for b in right:
            if a.arxiv_id and b.arxiv_id and a.arxiv_id != b.arxiv_id:
                return True
            if a.source == b.source and a.doi and b.doi and a.doi != b.doi:
                return True
    return False


def merge(members: Sequence[Candidate]) -> Work:
    """One work from candidates describing it, each field from the service trusted most for it.

    The DOI is the published version's when there is one (the record giving the venue, then any DOI
    other than arXiv's own ``10.48550/arXiv.*``), else arXiv's; the URL is that DOI's for a published
    paper, else the arXiv abstract page.
    """

    def ranked(order: Sequence[str]) -> list[Candidate]:
        return sorted(members, key=lambda c: order.index(c.source) if c.source in order else len(order))

    def first(order: Sequence[str], has: str) -> Candidate | None:
        return next((c for c in ranked(order) if getattr(c, has)), None)

    by_authors = first(AUTHOR_SOURCES, "authors") or members[0]
    by_arxiv = first(ARXIV_SOURCES, "arxiv_id")
    by_class = first(ARXIV_SOURCES, "arxiv_class")
    by_venue = first(VENUE_SOURCES, "venue")
    venue = by_venue.venue if by_venue else None
    dois = [c.doi for c in ranked(DOI_SOURCES) if c.doi]
    published = [d for d in dois if not is_arxiv_doi(d)]
    doi = by_venue.doi if by_venue and by_venue.doi else (published or dois or [""])[0]
    arxiv_id = by_arxiv.arxiv_id if by_arxiv else ""
    if venue is not None and doi and not is_arxiv_doi(doi):
        url = f"https://doi.org/{doi}"
    else:
        url = f"https://arxiv.org/abs/{arxiv_id}" if arxiv_id else next((c.url for c in members if c.url), "")
    years = [c.year for c in members if c.year is not None]
    return Work(
        sources=tuple(sorted({c.source for c in members})),
        title=by_authors.title,
        authors=by_authors.authors,
        year=min(years) if years else None,
        doi=doi,
        arxiv_id=arxiv_id,
        arxiv_class=by_class.arxiv_class if by_class else "",
        url=url,
        venue=venue,
    )
