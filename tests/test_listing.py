"""The listing parser: the real fixture (golden), the tricky title/author splits, and bad input."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from conftest import FIXTURE, check_golden, parse
from hypothesis import given, settings
from hypothesis import strategies as st

from bibsync.model import Entry, Severity


def describe(entry: Entry) -> str:
    """One entry, every parsed field visible, for a golden file read by eye."""
    flags = [entry.category, entry.date.isoformat()]
    if entry.has_code:
        flags.append("code")
    if entry.truncated:
        flags.append("et al.")
    if entry.organisations:
        flags.append("orgs: " + ", ".join(entry.organisations))
    authors = "; ".join(
        "|".join([p.given, p.particle, p.family, p.suffix]).rstrip("|") for p in entry.authors
    )
    return (f"line {entry.line}: {' / '.join(flags)}\n  title:   {entry.title}\n  authors: {authors}\n"
            f"  abstract: {len(entry.abstract)} chars, starts {entry.abstract[:40]!r}\n")


def test_fixture_parses_into_fifty_entries_golden() -> None:
    parsed = parse(FIXTURE.read_text(encoding="utf-8"))
    assert parsed.diagnostics == ()
    assert len(parsed.entries) == 50
    check_golden("fixture-entries.txt", "".join(describe(e) for e in parsed.entries))


def test_fixture_spot_checks() -> None:
    entries = {e.title: e for e in parse(FIXTURE.read_text(encoding="utf-8")).entries}
    algebra = entries["AlgebraNets"]
    assert [p.full for p in algebra.authors] == ["Jordan Hoffmann", "Simon Schmitt", "Simon Osindero"]
    clip = entries["CLIP-CLOP: CLIP-Guided Collage and Photomontage"]
    assert clip.has_code and clip.truncated and clip.organisations == ("deepmind",)
    assert clip.date == dt.date(2022, 5, 6)
    perplexity = entries["Perplexity Cannot Always Tell Right from Wrong"]
    assert perplexity.date == dt.date(2026, 1, 30)  # "LGJan 30": no year, resolved against as-of
    assert perplexity.authors[0].family == "Veličković"
    gemini = next(t for t in entries if t.startswith("Gemini 2.5"))
    assert gemini.endswith("Next Generation Agentic Capabilities")
    assert entries[gemini].organisations == ("amazon-science", "baidu")
    clark = entries["Unified Scaling Laws for Routed Language Models"]
    assert (clark.authors[1].given, clark.authors[1].particle, clark.authors[1].family) == ("Diego", "de las", "Casas")
    single = entries[next(t for t in entries if t.startswith("Contrastive Topographic"))]
    assert [p.full for p in single.authors] == ["Simon Osindero"] and not single.truncated


def entry(body: str, header: str = "LGMay 6, 2022", abstract: str = "An abstract.") -> str:
    return f"{header}\n{body}\n{abstract}\n"


@pytest.mark.parametrize(
    ("body", "title", "authors"),
    [
        # titles ending in acronyms, digits, ?, ) and CamelCase
        ("Scaling LLMsJohn Smith, Ann Lee", "Scaling LLMs", ["John Smith", "Ann Lee"]),
        ("Benchmarking GPTJohn Smith, Ann Lee", "Benchmarking GPT", ["John Smith", "Ann Lee"]),
        ("Training GPT-2John Smith", "Training GPT-2", ["John Smith"]),
        ("Is Attention All You Need?John Smith, Ann Lee", "Is Attention All You Need?", ["John Smith", "Ann Lee"]),
        ("Reinforcement Learning (RL)John Smith", "Reinforcement Learning (RL)", ["John Smith"]),
        ("Solving MaxSAT with Matrix MultiplicationDavid Warde-Farley, Vinod Nair",
         "Solving MaxSAT with Matrix Multiplication", ["David Warde-Farley", "Vinod Nair"]),
        ("Typesetting with LaTeXJohn Smith", "Typesetting with LaTeX", ["John Smith"]),
        ("TRecViT: A Recurrent Video TransformerViorica Pătrăucean, Xu Owen He",
         "TRecViT: A Recurrent Video Transformer", ["Viorica Pătrăucean", "Xu Owen He"]),
        ("Intelligent AI DelegationNenad Tomašev, Matija Franklin", "Intelligent AI Delegation",
         ["Nenad Tomašev", "Matija Franklin"]),
        # authors: non-ASCII capitals, hyphens, apostrophes, inner capitals, particles, initials
        ("Attention Is All You NeedŁukasz Kaiser, Çağlar Gülçehre", "Attention Is All You Need",
         ["Łukasz Kaiser", "Çağlar Gülçehre"]),
        ("Flamingo: a Visual Language ModelJean-Baptiste Alayrac, Brendan O'Donoghue",
         "Flamingo: a Visual Language Model", ["Jean-Baptiste Alayrac", "Brendan O'Donoghue"]),
        ("Self-critiquing ModelsNat McAleese, Ann Lee", "Self-critiquing Models", ["Nat McAleese", "Ann Lee"]),
        ("WaveNetAäron van den Oord, Diego de las Casas", "WaveNet", ["Aäron van den Oord", "Diego de las Casas"]),
        ("Scaling Language ModelsJack W Rae, S. M. Ali Eslami, J.C. Burges", "Scaling Language Models",
         ["Jack W Rae", "S. M. Ali Eslami", "J.C. Burges"]),
        ("Something NewMadonna, Ann Lee", "Something New", ["Madonna", "Ann Lee"]),
        ("Contrastive Topographic ModelsSimon Osindero", "Contrastive Topographic Models", ["Simon Osindero"]),
        # commas inside the title
        ("Small Data, Big Decisions: Model SelectionJorg Bornschein, Francesco Visin",
         "Small Data, Big Decisions: Model Selection", ["Jorg Bornschein", "Francesco Visin"]),
        ("Reasoning, Multimodality, Long Context, and AgentsGheorghe Comanici, Eric Bieber",
         "Reasoning, Multimodality, Long Context, and Agents", ["Gheorghe Comanici", "Eric Bieber"]),
    ],
)
def test_title_author_split(body: str, title: str, authors: list[str]) -> None:
    parsed = parse(entry(body))
    assert parsed.errors == ()
    (found,) = parsed.entries
    assert found.title == title
    assert [p.full for p in found.authors] == authors


def test_names_seen_elsewhere_decide_a_camelcase_title() -> None:
    # "AlgebraNetsJordan": the split could make "NetsJordan Hoffmann" an author; the listing knows Jordan
    listing = entry("AlgebraNetsJordan Hoffmann, Simon Osindero") + entry(
        "Another PaperAnn Lee, Jordan Hoffmann", header="LGJun 1, 2021")
    parsed = parse(listing)
    assert [e.title for e in parsed.entries] == ["AlgebraNets", "Another Paper"]
    assert parsed.warnings == ()


def test_close_call_is_a_warning_and_a_pinned_title_settles_it() -> None:
    body = "Learning DeLesley Style ModelsDeLesley Hutchins, Ann Lee"
    parsed = parse(entry(body))
    (warning,) = parsed.warnings
    assert str(warning).startswith("listing.txt:2: warning: uncertain title/author split")
    assert "titles = [...]" in warning.message
    pinned = parse(entry(body), titles=("Learning DeLesley Style Models",))
    assert pinned.warnings == ()
    assert [p.full for p in pinned.entries[0].authors] == ["DeLesley Hutchins", "Ann Lee"]


def test_unused_pinned_title_is_reported() -> None:
    parsed = parse(entry("A TitleJohn Smith"), titles=("No Such Title",))
    assert any("matches no entry" in d.message for d in parsed.warnings)


def test_copy_paste_noise_is_tolerated() -> None:
    clean = entry("A TitleJohn Smith, Ann Lee et al. · deepmind, oxford", header="CVMay 6, 2022Code")
    noisy = "\ufeff\r\n\r\n" + clean.replace("\n", "   \r\n") + "\r\n\r\n"
    (found,) = parse(noisy).entries
    assert replace(found, line=1) == parse(clean).entries[0]
    assert found.line == 3  # the header's own line, blank lines counted
    assert found.organisations == ("deepmind", "oxford") and found.truncated and found.has_code


def test_entry_without_abstract() -> None:
    listing = "LGMay 6, 2022\nA TitleJohn Smith\nCVJun 1, 2021\nAnother TitleAnn Lee\nIts abstract.\n"
    first, second = parse(listing).entries
    assert first.abstract == "" and second.abstract == "Its abstract."


def test_same_paper_twice_gives_one_entry_and_a_warning() -> None:
    listing = entry("A TitleJohn Smith") + "\n" + entry("A TitleJohn Smith")
    parsed = parse(listing)
    assert len(parsed.entries) == 1
    (warning,) = parsed.warnings
    assert warning.line == 5 and "same paper as the entry on line 1" in warning.message


def test_duplicate_choice_does_not_depend_on_order() -> None:
    rich = entry("A TitleJohn Smith", abstract="A longer abstract with more words.")
    poor = entry("A TitleJohn Smith", abstract="Short.")
    assert parse(rich + poor).entries[0].abstract == parse(poor + rich).entries[0].abstract


@pytest.mark.parametrize(
    ("header", "as_of", "expected"),
    [
        ("LGJan 30", dt.date(2026, 11, 26), dt.date(2026, 1, 30)),
        ("LGDec 30", dt.date(2026, 11, 26), dt.date(2025, 12, 30)),  # latest Dec 30 not after as-of
        ("LGNov 26", dt.date(2026, 11, 26), dt.date(2026, 11, 26)),
        ("LGFeb 29", dt.date(2026, 11, 26), dt.date(2024, 2, 29)),
        ("LGMay 6, 2022", dt.date(2026, 11, 26), dt.date(2022, 5, 6)),
        ("LGSept 6, 2022", dt.date(2026, 11, 26), dt.date(2022, 9, 6)),
    ],
)
def test_dates(header: str, as_of: dt.date, expected: dt.date) -> None:
    (found,) = parse(entry("A TitleJohn Smith", header=header), as_of=as_of).entries
    assert found.date == expected


def test_header_parts() -> None:
    (found,) = parse(entry("A TitleJohn Smith", header="NEURMar 3, 2020Code")).entries
    assert (found.category, found.has_code) == ("NEUR", True)


def test_every_malformed_entry_is_reported_with_its_line() -> None:
    listing = (
        entry("Good OneJohn Smith")  # lines 1-3
        + entry("Bad Date EntryJohn Smith", header="LGFeb 30, 2022")  # line 4
        + entry("Bad MonthJohn Smith", header="LGMai 3, 2022")  # line 7
        + entry("no authors here at all")  # line 10, body on 11
        + "LGMay 6, 2022\n"  # line 13: header at the end of the file
    )
    parsed = parse(listing)
    assert [e.title for e in parsed.entries] == ["Good One"]
    messages = [str(d) for d in parsed.errors]
    assert messages == [
        "listing.txt:4: no such date: Feb 30, 2022",
        "listing.txt:7: unknown month 'Mai' in header 'LGMai 3, 2022' (expected Jan, Feb, ..., Dec)",
        "listing.txt:11: cannot tell where the title ends and the authors begin: expected the title followed "
        "directly by 'Given Family, Given Family, ...' (pin the title with 'titles' in the config)",
        "listing.txt:13: expected a title/author line after this header, found the end of the file",
    ]


def test_garbage_is_reported_once_per_broken_entry() -> None:
    listing = "Some stray text\nmore stray text\n" + entry("A TitleJohn Smith")
    parsed = parse(listing)
    assert [str(d) for d in parsed.errors] == [
        "listing.txt:1: expected an entry header: category code, date, optional 'Code' "
        "(e.g. 'CVMay 6, 2022Code'), found 'Some stray text'"
    ]
    assert len(parsed.entries) == 1


def test_header_problems_are_specific() -> None:
    parsed = parse(entry("A TitleJohn Smith", header="LGMay 6, 2022Cod"))
    assert "only 'Code' may follow" in parsed.errors[0].message
    parsed = parse(entry("A TitleJohn Smith", header="lgMay 6, 2022"))
    assert "category code of 2-4 capital letters" in parsed.errors[0].message


def test_warnings_are_warnings() -> None:
    parsed = parse(entry("A TitleJohn Smith") * 2)
    assert all(d.severity is Severity.WARNING for d in parsed.diagnostics)


# --- property: glue any title to any author list, and the parser takes them apart again ----------

TITLE_WORDS = ["Learning", "Deep", "of", "the", "MaxSAT", "LLMs", "GPT-4", "Self-Supervised", "for", "AlgebraNets",
               "Networks", "(RL)", "Vision:", "a", "3D", "Transformers?", "TRecViT", "with", "Agents,", "LaTeX", "2.5"]
GIVEN = ["John", "Łukasz", "Çağlar", "Jean-Baptiste", "S. M. Ali", "Jack W.", "Jack W", "J.C.", "Xu Owen", "Petar",
         "Anna-Lena", "DeLesley"]
FAMILY = ["Smith", "Kaiser", "Gülçehre", "O'Donoghue", "McAleese", "Warde-Farley", "de las Casas", "van den Oord",
          "Veličković", "He", "Eslami"]
names = st.builds(lambda g, f: f"{g} {f}", st.sampled_from(GIVEN), st.sampled_from(FAMILY))


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(st.sampled_from(TITLE_WORDS), min_size=1, max_size=8),
    authors=st.lists(names, min_size=1, max_size=4),
    truncated=st.booleans(),
)
def test_any_glued_title_and_authors_come_apart(words: list[str], authors: list[str], truncated: bool) -> None:
    title = " ".join(words).rstrip(",")
    body = title + ", ".join(authors) + (" et al." if truncated else "")
    parsed = parse(entry(body))
    assert parsed.errors == ()
    (found,) = parsed.entries
    if (found.title, [p.full for p in found.authors]) != (title, authors):
        # a wrong reading is acceptable only when the parser said it was unsure
        assert any("uncertain title/author split" in w.message for w in parsed.warnings), (found.title, authors)
    assert found.truncated is truncated
