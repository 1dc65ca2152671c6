"""Citation keys: the pattern language, collisions by content, and the lock's promises."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace

import pytest
from conftest import FIXTURE, parse
from hypothesis import given, settings
from hypothesis import strategies as st

from bibsync.keys import DEFAULT_PATTERN, KeyPattern, PatternError, assign_keys, significant_words, suffixes
from bibsync.lockfile import LockRecord, format_lock, parse_lock
from bibsync.mappings import Mappings
from bibsync.model import Entry, Person, Severity, identity

PATTERN = KeyPattern.parse(DEFAULT_PATTERN)


def paper(title: str, family: str = "Smith", date: dt.date = dt.date(2022, 5, 6), given: str = "John",
          **changes: object) -> Entry:
    base = Entry(line=1, category="LG", date=date, title=title,
                 authors=(Person(family=family, given=given), Person(family="Lee", given="Ann")))
    return replace(base, **changes)  # type: ignore[arg-type]


def keys_of(entries: list[Entry], lock: dict[str, LockRecord] | None = None, *,
            stopwords: frozenset[str], regenerate: bool = False) -> dict[str, str]:
    """title -> key (titles are unique in these tests; see keys_by_identity otherwise)"""
    result = assign_keys(entries, lock or {}, pattern=PATTERN, stopwords=stopwords, regenerate=regenerate)
    found = {k.entry.title: k.key for k in result.keyed}
    assert len(found) == len(entries)
    return found


def keys_by_identity(entries: list[Entry], lock: dict[str, LockRecord] | None = None, *,
                     stopwords: frozenset[str]) -> dict[tuple[str, str], str]:
    result = assign_keys(entries, lock or {}, pattern=PATTERN, stopwords=stopwords)
    return {identity(k.entry): k.key for k in result.keyed}


def lock_after(entries: list[Entry], lock: dict[str, LockRecord] | None = None, *,
               stopwords: frozenset[str]) -> dict[str, LockRecord]:
    """Run the assignment and round-trip the lock through its file format, as the CLI does."""
    result = assign_keys(entries, lock or {}, pattern=PATTERN, stopwords=stopwords)
    records, problems = parse_lock(format_lock(result.lock.values()), "bibsync.lock")
    assert problems == []
    return records


# --- the default pattern -------------------------------------------------------------------------


def test_default_key_examples(mappings: Mappings) -> None:
    keys = keys_of(list(parse(FIXTURE.read_text(encoding="utf-8")).entries), stopwords=mappings.stopwords)
    assert keys["CLIP-CLOP: CLIP-Guided Collage and Photomontage"] == "mirowski2022clip"
    assert keys["Perplexity Cannot Always Tell Right from Wrong"] == "velickovic2026perplexity"
    assert keys["Solving MaxSAT with Matrix Multiplication"] == "wardefarley2023solving"
    assert keys["A Deep Neural Network's Loss Surface Contains Every Low-dimensional Pattern"] == "czarnecki2019deep"
    # "How do LLMs ..." and "How LLMs ...": stop words skipped, same base, suffixes by date
    assert keys["How do LLMs Compute Verbal Confidence"] == "kumaran2026llmsa"  # March 18
    assert keys[next(t for t in keys if t.startswith("How LLMs Detect"))] == "kumaran2026llmsb"  # April 24
    assert len(set(keys.values())) == 50


def test_transliteration_makes_spelling_variants_agree(mappings: Mappings) -> None:
    assert PATTERN.base_key(paper("Virtual Agents", family="Tomašev"), mappings.stopwords) == "tomasev2022virtual"
    assert PATTERN.base_key(paper("Virtual Agents", family="Tomasev"), mappings.stopwords) == "tomasev2022virtual"
    assert PATTERN.base_key(paper("Über Straße", family="Müller"), mappings.stopwords) == "muller2022uber"
    assert PATTERN.base_key(paper("Łódź", family="Łukasiewicz"), mappings.stopwords) == "lukasiewicz2022lodz"


def test_title_tex_and_stop_words(mappings: Mappings) -> None:
    # TeX is read as text first: $\alpha$ is α, which transliterates to the stop word "a"
    assert significant_words(r"The $\alpha$-Model of \emph{Everything}", mappings.stopwords) == [
        "Model", "Everything"]
    assert significant_words("A Network's Loss", mappings.stopwords) == ["Networks", "Loss"]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("[auth][year]", "Smith2022"),
        ("[auth:lower][shortyear]", "smith22"),
        ("[auth3:upper]", "SMI"),
        ("[authors2]", "SmithLeeEtAl"),  # truncated list (et al.) -> EtAl
        ("[authors]", "SmithLee"),
        ("[auth:lower]:[title]", "smith:DeepRiversSurprisingTruth"),
        ("[shorttitle:abbr:upper]_[year]", "DRS_2022"),
        ("[category]-[veryshorttitle:capitalize]", "LG-Deep"),
    ],
)
def test_pattern_language(pattern: str, expected: str, mappings: Mappings) -> None:
    entry = paper("The Deep Rivers: A Surprising Truth", truncated=pattern == "[authors2]")
    assert KeyPattern.parse(pattern).base_key(entry, mappings.stopwords) == expected


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("[author][year]", "unknown field [author]"),
        ("[auth:lowercase]", "unknown modifier :lowercase"),
        ("[year3]", "[year3] takes no number"),
        ("smith", "has no [field]"),
        ("[auth] [year]", "characters not allowed"),
        ("[auth][year", "unbalanced bracket"),
    ],
)
def test_pattern_errors(pattern: str, message: str) -> None:
    with pytest.raises(PatternError, match=message.replace("[", r"\[").replace("]", r"\]")):
        KeyPattern.parse(pattern)


def test_suffix_sequence() -> None:
    generator = suffixes()
    first = [next(generator) for _ in range(28)]
    assert first[:3] == ["a", "b", "c"] and first[25:28] == ["z", "aa", "ab"]


# --- collisions without a lock -------------------------------------------------------------------


def test_collisions_are_suffixed_by_date_then_title(mappings: Mappings) -> None:
    entries = [
        paper("Deep Learning Later", date=dt.date(2022, 9, 1)),
        paper("Deep Learning B", date=dt.date(2022, 1, 1)),
        paper("Deep Learning A", date=dt.date(2022, 1, 1)),
        paper("Shallow Learning"),
    ]
    assert keys_of(entries, stopwords=mappings.stopwords) == {
        "Deep Learning A": "smith2022deepa",
        "Deep Learning B": "smith2022deepb",
        "Deep Learning Later": "smith2022deepc",
        "Shallow Learning": "smith2022shallow",
    }


def test_uniqueness_is_case_insensitive(mappings: Mappings) -> None:
    pattern = KeyPattern.parse("[auth][year]")  # keeps case: Smith2022 vs smith2022 must still differ
    entries = [paper("One", family="Smith"), paper("Two", family="smith")]
    keys = [k.key for k in assign_keys(entries, {}, pattern=pattern, stopwords=mappings.stopwords).keyed]
    assert len({k.lower() for k in keys}) == 2


titles = st.text(alphabet=st.sampled_from("abcdeXYZ éß-:"), min_size=1, max_size=12)
papers = st.lists(
    st.builds(
        paper,
        title=titles.filter(lambda t: any(c.isalpha() for c in t)),
        family=st.sampled_from(["Smith", "Smíth", "Lee", "O'Neil"]),
        date=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2021, 12, 31)),
    ),
    min_size=1,
    max_size=25,
    unique_by=identity,  # the listing parser has already merged duplicates
)


@settings(max_examples=100, deadline=None)
@given(entries=papers, seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_keys_do_not_depend_on_listing_order(entries: list[Entry], seed: int, mappings: Mappings) -> None:
    shuffled = list(entries)
    random.Random(seed).shuffle(shuffled)
    first = assign_keys(entries, {}, pattern=PATTERN, stopwords=mappings.stopwords)
    second = assign_keys(shuffled, {}, pattern=PATTERN, stopwords=mappings.stopwords)
    assert [(k.key, k.entry) for k in first.keyed] == [(k.key, k.entry) for k in second.keyed]
    assert len({k.key.lower() for k in first.keyed}) == len(entries)


@settings(max_examples=60, deadline=None)
@given(entries=papers, seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_locked_keys_survive_any_newcomers(entries: list[Entry], seed: int, mappings: Mappings) -> None:
    rng = random.Random(seed)
    cut = rng.randint(0, len(entries))
    old, new = entries[:cut], entries[cut:]
    lock = lock_after(old, stopwords=mappings.stopwords)
    before = keys_by_identity(old, stopwords=mappings.stopwords)
    combined = old + new
    rng.shuffle(combined)
    after = keys_by_identity(combined, lock, stopwords=mappings.stopwords)
    assert {t: after[t] for t in before} == before
    assert len({k.lower() for k in after.values()}) == len(combined)


# --- the lock ------------------------------------------------------------------------------------


def test_colliding_newcomer_older_or_newer_gets_next_free_suffix(mappings: Mappings) -> None:
    first = paper("Deep Learning", date=dt.date(2022, 6, 1))
    lock = lock_after([first], stopwords=mappings.stopwords)
    assert set(lock) == {"smith2022deep"}
    older = paper("Deep Networks", date=dt.date(2022, 1, 1))
    newer = paper("Deep Nets", date=dt.date(2022, 12, 1))
    keys = keys_of([older, first, newer], lock, stopwords=mappings.stopwords)
    assert keys == {"Deep Learning": "smith2022deep", "Deep Networks": "smith2022deepa", "Deep Nets": "smith2022deepb"}
    # without the lock, the same three papers are suffixed by date: a different (but stable) answer
    fresh = keys_of([older, first, newer], stopwords=mappings.stopwords)
    assert fresh == {
        "Deep Networks": "smith2022deepa", "Deep Learning": "smith2022deepb", "Deep Nets": "smith2022deepc"}


def test_newcomer_joins_a_suffixed_family(mappings: Mappings) -> None:
    a, b = paper("Deep A", date=dt.date(2022, 1, 1)), paper("Deep B", date=dt.date(2022, 2, 1))
    lock = lock_after([a, b], stopwords=mappings.stopwords)
    assert set(lock) == {"smith2022deepa", "smith2022deepb"}
    keys = keys_of([a, b, paper("Deep C", date=dt.date(2022, 3, 1))], lock,
                   stopwords=mappings.stopwords)
    assert keys["Deep C"] == "smith2022deepc"  # not the bare "smith2022deep"


def test_typo_fix_in_title_keeps_the_key(mappings: Mappings) -> None:
    original = paper("Deep Leanring for Rivers")
    lock = lock_after([original, paper("Other Paper")], stopwords=mappings.stopwords)
    fixed = replace(original, title="Deep Learning for Rivers", line=7)
    result = assign_keys([fixed, paper("Other Paper")], lock, pattern=PATTERN, stopwords=mappings.stopwords,
                         path="listing.txt")
    assert {k.entry.title: k.key for k in result.keyed}["Deep Learning for Rivers"] == "smith2022deep"
    (note,) = result.notes
    assert note.severity is Severity.NOTE and note.line == 7 and "title changed" in note.message
    assert result.lock["smith2022deep"].title == "Deep Learning for Rivers"  # the lock follows the fix


def test_author_spelling_fix_keeps_the_key(mappings: Mappings) -> None:
    original = paper("Virtual Agent Economies", family="Tomasev")
    lock = lock_after([original], stopwords=mappings.stopwords)
    fixed = replace(original, authors=(Person(family="Tomašev", given="Nenad"), *original.authors[1:]))
    assert keys_of([fixed], lock, stopwords=mappings.stopwords) == {"Virtual Agent Economies": "tomasev2022virtual"}
    misspelt = replace(original, authors=(Person(family="Tomasevv", given="Nenad"), *original.authors[1:]))
    assert keys_of([misspelt], lock, stopwords=mappings.stopwords) == {
        "Virtual Agent Economies": "tomasev2022virtual"}


def test_title_and_date_fixed_together_still_match_by_title(mappings: Mappings) -> None:
    original = paper("Deep Learning for Rivers", date=dt.date(2022, 5, 6))
    lock = lock_after([original], stopwords=mappings.stopwords)
    moved = replace(original, date=dt.date(2022, 6, 5))
    assert keys_of([moved], lock, stopwords=mappings.stopwords) == {"Deep Learning for Rivers": "smith2022deep"}


def test_removed_paper_keeps_its_key_reserved(mappings: Mappings) -> None:
    gone = paper("Deep Learning", date=dt.date(2022, 6, 1))
    lock = lock_after([gone], stopwords=mappings.stopwords)
    newcomer = paper("Deep Thoughts", date=dt.date(2022, 8, 1))  # would have been smith2022deep
    result = assign_keys([newcomer], lock, pattern=PATTERN, stopwords=mappings.stopwords)
    assert [k.key for k in result.keyed] == ["smith2022deepa"]
    assert result.reserved == ("smith2022deep",)
    assert "smith2022deep" in result.lock  # still recorded, so still reserved next time


def test_same_title_and_date_by_other_people_is_another_paper(mappings: Mappings) -> None:
    gone = paper("Deep Learning for Rivers", family="Lee", given="Ann")
    lock = lock_after([gone], stopwords=mappings.stopwords)
    other = replace(gone, authors=(Person(family="Okafor", given="Chidi"), Person(family="Berg", given="Ida")))
    assert keys_of([other], lock, stopwords=mappings.stopwords) == {"Deep Learning for Rivers": "okafor2022deep"}


def test_different_paper_is_not_matched_to_a_removed_one(mappings: Mappings) -> None:
    gone = paper("Deep Learning for Rivers")
    lock = lock_after([gone], stopwords=mappings.stopwords)
    other = paper("Shallow Models of Lakes")  # same date and author, different title
    assert keys_of([other], lock, stopwords=mappings.stopwords) == {"Shallow Models of Lakes": "smith2022shallow"}


def test_regenerate_ignores_the_lock(mappings: Mappings) -> None:
    gone = paper("Deep Learning", date=dt.date(2022, 6, 1))
    lock = lock_after([gone], stopwords=mappings.stopwords)
    newcomer = paper("Deep Thoughts", date=dt.date(2022, 8, 1))
    result = assign_keys([newcomer], lock, pattern=PATTERN, stopwords=mappings.stopwords, regenerate=True)
    assert [k.key for k in result.keyed] == ["smith2022deep"]
    assert set(result.lock) == {"smith2022deep"}


def test_pattern_change_does_not_move_locked_keys(mappings: Mappings) -> None:
    entries = [paper("Deep Learning")]
    lock = lock_after(entries, stopwords=mappings.stopwords)
    other = KeyPattern.parse("[auth][year]")
    result = assign_keys([*entries, paper("New One", family="Jones")], lock, pattern=other,
                         stopwords=mappings.stopwords)
    assert [k.key for k in result.keyed] == ["Jones2022", "smith2022deep"]


def test_shuffled_fixture_gives_the_same_keys(mappings: Mappings) -> None:
    entries = list(parse(FIXTURE.read_text(encoding="utf-8")).entries)
    lock = lock_after(entries[:30], stopwords=mappings.stopwords)
    reference = keys_of(entries, lock, stopwords=mappings.stopwords)
    for seed in range(5):
        shuffled = list(entries)
        random.Random(seed).shuffle(shuffled)
        assert keys_of(shuffled, lock, stopwords=mappings.stopwords) == reference


def test_a_year_inferred_once_stays_when_the_calendar_moves_on(mappings: Mappings) -> None:
    listing = "LGJan 30\nPerplexity Cannot Always Tell Right from WrongPetar Veličković, Ann Lee\nAbstract.\n"
    this_year = parse(listing, as_of=dt.date(2026, 11, 26)).entries
    assert this_year[0].date == dt.date(2026, 1, 30) and this_year[0].year_inferred
    lock = lock_after(list(this_year), stopwords=mappings.stopwords)
    next_year = parse(listing, as_of=dt.date(2027, 3, 1)).entries
    assert next_year[0].date == dt.date(2027, 1, 30)  # what the listing alone says now
    result = assign_keys(next_year, lock, pattern=PATTERN, stopwords=mappings.stopwords)
    (keyed,) = result.keyed
    assert (keyed.key, keyed.entry.date) == ("velickovic2026perplexity", dt.date(2026, 1, 30))
    assert result.notes == ()
    newcomer = parse(listing.replace("Perplexity Cannot", "Entropy Can"), as_of=dt.date(2027, 3, 1)).entries
    (fresh,) = assign_keys(newcomer, lock, pattern=PATTERN, stopwords=mappings.stopwords).keyed
    assert fresh.entry.date == dt.date(2027, 1, 30)  # a new paper takes the year from the as-of date
