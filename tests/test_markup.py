"""Listing text -> BibTeX / CSL / plain: escaping that cannot break a file, math kept, case protected."""

from __future__ import annotations

import datetime as dt

import bibtexparser
import pytest
from bibtexparser.bparser import BibTexParser
from hypothesis import given, settings
from hypothesis import strategies as st
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from bibsync.bibtex import render_bibtex
from bibsync.mappings import Mappings
from bibsync.markup import (
    Kind,
    needs_protection,
    plain_text,
    protected_words,
    segments,
    to_bibtex,
    to_csl,
)
from bibsync.model import Entry, Keyed, Person


def test_segments_of_the_fixture_tex() -> None:
    text = r"with $3\times$ less, an \emph{implicit value ensemble}, 67.5% & ${f: \mathbb{R}^n \to \mathbb{R}^m }$"
    kinds = [(s.kind, s.text) for s in segments(text)]
    assert kinds == [
        (Kind.TEXT, "with "),
        (Kind.MATH, r"3\times"),
        (Kind.TEXT, " less, an "),
        (Kind.TEX, r"\emph{implicit value ensemble}"),
        (Kind.TEXT, ", 67.5% & "),
        (Kind.MATH, r"{f: \mathbb{R}^n \to \mathbb{R}^m }"),
    ]


@pytest.mark.parametrize(
    "text",
    ["costs $5 and $10", "a lone $ sign", "$ spaced $", r"$unbalanced{$", "50% $x%$", "\\", r"\emph{open", "a \\ b"],
)
def test_things_that_are_not_tex_stay_literal(text: str) -> None:
    assert [s.kind for s in segments(text)] == [Kind.TEXT]
    assert plain_text(text) == text


@pytest.mark.parametrize(
    ("text", "bibtex"),
    [
        ("Mix&Match", r"Mix\&Match"),
        ("67.5% on MMLU", r"67.5\% on MMLU"),
        ("4$\\times$ more", r"4$\times$ more"),
        ("a_b #1 ~x^2", r"a\_b \#1 \textasciitilde{}x\textasciicircum{}2"),
        # not \} and \{: BibTeX and biber count braces even after a backslash
        ("lone } and { brace", r"lone \textbraceright{} and \textbraceleft{} brace"),
        (r"escaped \{ brace", r"escaped \textbraceleft{} brace"),
        (r"\emph{50% off} and \'{e}", r"\emph{50\% off} and \'{e}"),
        ("back\\ slash", r"back\textbackslash{} slash"),
        ("mail@example.org", "mail@example.org"),
        ("already \\% escaped", r"already \% escaped"),
    ],
)
def test_bibtex_escaping(text: str, bibtex: str) -> None:
    assert to_bibtex(text) == bibtex


def test_ascii_bibtex_uses_latex_accents() -> None:
    assert to_bibtex("Veličković, Łukasz, Straße", ascii_only=True) == r"Veli{\v{c}}kovi{\'c}, {\L}ukasz, Stra{\ss}e"
    assert to_bibtex("Veličković") == "Veličković"


@pytest.mark.parametrize(
    ("word", "protect"),
    [
        ("CLIP-CLOP:", True), ("MaxSAT", True), ("LLMs", True), ("TRecViT:", True), ("GPT-3", True),
        ("Top-K", True), ("iPhone", True), ("(RBM)", True),
        ("Compute-Optimal", False), ("Learning", False), ("A", False), ("Self-Referential", False), ("2.5:", False),
    ],
)
def test_needs_protection(word: str, protect: bool) -> None:
    assert needs_protection(word) is protect


def test_title_protection_in_bibtex_and_csl() -> None:
    title = "CLIP-CLOP: CLIP-Guided Collage with MaxSAT for LLMs"
    protect = protected_words(title)
    assert to_bibtex(title, protect=protect) == "{CLIP-CLOP}: {CLIP}-Guided Collage with {MaxSAT} for {LLMs}"
    assert to_csl(title, protect=protect) == (
        '<span class="nocase">CLIP-CLOP</span>: <span class="nocase">CLIP</span>-Guided Collage with '
        '<span class="nocase">MaxSAT</span> for <span class="nocase">LLMs</span>'
    )


def test_proper_names_recognised_from_the_abstract() -> None:
    title = "Scaling Language Models: Insights from Training Gopher"
    abstract = "We present an analysis of Transformer language models, including Gopher. Gopher is large."
    assert protected_words(title, abstract) == {"Gopher"}  # "Language" is written in lowercase there


def test_sentence_case_titles_protect_their_capitalised_words() -> None:
    title = "Generative agent-based modeling using Concordia"
    assert protected_words(title) == {"Concordia"}
    assert protected_words("Beautiful and damned. Combined effect of quality") == {"Combined"}


def test_math_in_titles_is_braced_against_case_changes() -> None:
    assert to_bibtex("Learning $N$-grams", protect=frozenset()) == "Learning {$N$}-grams"


def test_csl_rich_text() -> None:
    text = r"an \emph{implicit} ensemble, $3\times$ less, ``satisfactory'' and `raw' model's, \textbf{b}"
    assert to_csl(text) == "an <i>implicit</i> ensemble, 3× less, “satisfactory” and ‘raw’ model’s, <b>b</b>"
    assert to_csl(r"in ${f: \mathbb{R}^n \to \mathbb{R}^m }$") == "in f: ℝ^n →ℝ^m"
    assert to_csl("plain text's apostrophe") == "plain text's apostrophe"


# --- properties: nothing can break the file, and the meaning survives --------------------------------

literal_text = st.text(
    alphabet=st.sampled_from([*list('abcXYZ019 {}\\$%&#_~^@"()[],.:;!?=/<>*+|'), "é", "č", "ß", "Ł", "ü"]),
    max_size=60,
)


def _entry(title: str, abstract: str) -> Entry:
    return Entry(line=1, category="LG", date=dt.date(2022, 5, 6), title=title or "x",
                 authors=(Person(family="Smith", given="Jo"),), abstract=abstract)


def _read_back(bib: str) -> list[dict[str, str]]:
    parser = BibTexParser(common_strings=True, ignore_nonstandard_types=False)
    entries: list[dict[str, str]] = bibtexparser.loads(bib, parser=parser).entries
    return entries


def _latex_reader() -> LatexNodes2Text:
    """pylatexenc, taught the LaTeX kernel's \\textbraceleft and \\textbraceright, which it lacks, and that
    \\textasciicircum is the ASCII ^ (it reads the modifier letter ˆ)."""
    database = get_default_latex_context_db()
    database.add_context_category(
        "kernel-braces",
        prepend=True,
        macros=[MacroTextSpec("textbraceleft", "{"), MacroTextSpec("textbraceright", "}"),
                MacroTextSpec("textasciicircum", "^")],
    )
    return LatexNodes2Text(latex_context=database)


READER = _latex_reader()


def _meaning(latex: str) -> str:
    return " ".join(READER.latex_to_text(latex).split())


@settings(max_examples=200, deadline=None)
@given(title=literal_text, abstract=literal_text, ascii_only=st.booleans())
def test_bibtexparser_reads_back_exactly_what_was_written(
    title: str, abstract: str, ascii_only: bool, mappings: Mappings
) -> None:
    keyed = [Keyed("first", _entry(title, abstract)), Keyed("second", _entry("Second", "after it"))]
    bib = render_bibtex(keyed, mappings, ascii_only=ascii_only)
    if ascii_only:
        assert bib.isascii()
    first, second = _read_back(bib)
    assert (first["ID"], second["ID"]) == ("first", "second")
    expected_title = to_bibtex(title or "x", ascii_only=ascii_only, protect=protected_words(title or "x", abstract))
    assert first["title"] == expected_title
    if abstract:
        assert first["abstract"] == to_bibtex(abstract, ascii_only=ascii_only)
    assert second["title"] == "Second" and second["abstract"] == "after it"  # nothing leaked into the next entry


@settings(max_examples=200, deadline=None)
@given(text=literal_text.filter(lambda t: "\\" not in t and "$" not in t), ascii_only=st.booleans())
def test_escaped_literal_text_means_the_same_to_latex(text: str, ascii_only: bool) -> None:
    # a TeX reader (pylatexenc) turns the escaped field back into the listing's literal text
    assert _meaning(to_bibtex(text, ascii_only=ascii_only)) == " ".join(text.split())


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=80))
def test_any_text_renders_without_error(text: str) -> None:
    for rendered in (to_bibtex(text), to_bibtex(text, ascii_only=True), to_csl(text), plain_text(text)):
        assert isinstance(rendered, str)
    assert to_bibtex(text, ascii_only=True).isascii()
