"""The citation scanners: every LaTeX and Markdown syntax the check reads, and every trap it must skip."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from bibsync.check.citations import Citation, is_crossref, scan_latex, scan_markdown


def latex_keys(text: str, **options: object) -> list[str]:
    return [c.key for c in scan_latex(text, **options).citations]  # type: ignore[arg-type]


def markdown_keys(text: str, **options: object) -> list[str]:
    return [c.key for c in scan_markdown(text, **options).citations if not c.crossref]  # type: ignore[arg-type]


# --- LaTeX ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [
    "cite", "citep", "citet", "citealp", "citealt", "citeauthor", "citeyear", "citeyearpar", "Citet", "Citep",
    "parencite", "Parencite", "textcite", "Textcite", "autocite", "Autocite", "footcite", "footcitetext",
    "smartcite", "supercite", "citetitle", "fullcite", "nocite", "citeA", "citeNP",
])
def test_every_natbib_and_biblatex_command_is_read(command: str) -> None:
    assert latex_keys(f"See \\{command}{{key1}}.") == ["key1"]


@pytest.mark.parametrize("command", ["citep*", "citet*", "citeauthor*", "parencite*", "textcite*", "cite*"])
def test_starred_forms(command: str) -> None:
    assert latex_keys(f"\\{command}{{a}}") == ["a"]


def test_optional_pre_and_post_notes() -> None:
    assert latex_keys(r"\citep[see][p.~3]{a} \parencite[ch.~2]{b} \textcite[e.g.][]{c}") == ["a", "b", "c"]


def test_notes_with_braces_and_brackets_inside() -> None:
    assert latex_keys(r"\citep[{[}see{]} \emph{x}][p.~{3}]{a}") == ["a"]


def test_key_lists_with_spaces_and_line_breaks() -> None:
    scan = scan_latex("\\citep{a,b, c ,\n   d,\n\te}")
    assert [c.key for c in scan.citations] == ["a", "b", "c", "d", "e"]
    assert scan.citations[3] == Citation("d", 2, 4)
    assert scan.citations[4] == Citation("e", 3, 2)


def test_positions_are_one_based_line_and_column_of_the_key() -> None:
    scan = scan_latex("first line\n  as \\citet{smith2020} shows")
    assert scan.citations == (Citation("smith2020", 2, 13),)


def test_multicite_groups_with_global_and_per_key_notes() -> None:
    assert latex_keys(r"\cites[a][b]{x}[c]{y}") == ["x", "y"]
    assert latex_keys(r"\parencites(multi pre)(multi post)[a][b]{x,z}[c][]{y}{w}") == ["x", "z", "y", "w"]
    assert latex_keys("\\textcites{x}\n  {y} and more") == ["x", "y"]


def test_volcite_takes_a_volume_before_the_key() -> None:
    assert latex_keys(r"\volcite[see]{3}[45--50]{a} \pvolcites{1}{b}{2}[7]{c}") == ["a", "b", "c"]


def test_comments_are_skipped_but_escaped_percent_is_not_a_comment() -> None:
    text = "50\\% of cases \\cite{a} % \\cite{commented}\n% \\cite{whole-line}\n\\cite{b}"
    assert latex_keys(text) == ["a", "b"]


def test_percent_after_a_line_break_is_a_comment() -> None:
    assert latex_keys("x \\\\% \\cite{commented}\n\\\\ \\cite{a}") == ["a"]


def test_comment_inside_a_key_list() -> None:
    assert latex_keys("\\citep{a, % b, c\n d}") == ["a", "d"]


def test_double_backslash_before_cite_is_a_line_break_then_text() -> None:
    assert latex_keys(r"\\cite{notacommand} \cite{a}") == ["a"]


@pytest.mark.parametrize("environment", ["verbatim", "verbatim*", "Verbatim", "lstlisting", "comment",
                                         "filecontents"])
def test_verbatim_like_environments_are_skipped(environment: str) -> None:
    text = f"\\cite{{a}}\n\\begin{{{environment}}}\n\\cite{{hidden}}\n\\end{{{environment}}}\n\\cite{{b}}"
    assert latex_keys(text) == ["a", "b"]


def test_minted_environment_with_options_is_skipped() -> None:
    text = "\\begin{minted}[linenos]{latex}\n\\cite{hidden}\n\\end{minted} \\cite{a}"
    assert latex_keys(text) == ["a"]


def test_commented_out_begin_verbatim_does_not_start_a_block() -> None:
    assert latex_keys("% \\begin{verbatim}\n\\cite{a}\n") == ["a"]


def test_inline_verbatim_and_urls_are_skipped() -> None:
    text = (r"\verb|\cite{v}| \verb*+\cite{w}+ \lstinline{\cite{x}} \mintinline{tex}|\cite{y}| "
            r"\url{http://a/%20} \cite{a}")
    assert latex_keys(text) == ["a"]


def test_iffalse_blocks_are_skipped() -> None:
    assert latex_keys(r"\iffalse \cite{x} \ifx\a\b \fi \cite{y} \fi \cite{a}") == ["a"]


def test_nocite_star_counts_every_entry_as_used() -> None:
    scan = scan_latex(r"\nocite{*} \cite{a}")
    assert scan.cites_all
    assert [c.key for c in scan.citations] == ["a"]
    assert not scan_latex(r"\nocite{a}").cites_all


def test_macro_parameters_and_macros_are_not_keys() -> None:
    assert latex_keys(r"\newcommand{\mycite}[1]{\citep{#1}} \cite{\mykey} \cite{a}") == ["a"]


def test_commands_that_merely_contain_cite_are_not_citations() -> None:
    assert latex_keys(r"\citestyle{plain} \excited{x} \citeindextrue \cite{a}") == ["a"]


def test_extra_commands_from_the_config() -> None:
    assert latex_keys(r"\mycite[p.~1]{a} \refer{b}", extra_commands=("mycite", "refer")) == ["a", "b"]
    assert latex_keys(r"\refer{b}") == []


def test_empty_and_trailing_commas() -> None:
    assert latex_keys(r"\cite{a,,b,}") == ["a", "b"]


# --- Markdown (pandoc, Quarto, R Markdown) -------------------------------------------------------------------


def test_bracketed_citations_with_prefix_locator_and_suffix() -> None:
    assert markdown_keys("Blah [see @doe99, pp. 33-35; also @smith04, chap. 1].") == ["doe99", "smith04"]


def test_suppress_author_and_in_text_citations() -> None:
    assert markdown_keys("[-@doe99] and @smith04 says [p. 33].") == ["doe99", "smith04"]


def test_pandoc_key_characters_and_trailing_punctuation() -> None:
    text = "@Foo_bar.baz. and @a:b-c+d?e<f>g~h/i#j$k%l&m, also @Foo_bar--baz and @x2020."
    assert markdown_keys(text) == ["Foo_bar.baz", "a:b-c+d?e<f>g~h/i#j$k%l&m", "Foo_bar", "x2020"]


def test_braced_keys_keep_every_character() -> None:
    assert markdown_keys("[@{Foo_bar.baz.}] [@{https://example.com/bib?name=foobar&date=2000}, p. 33]") == [
        "Foo_bar.baz.", "https://example.com/bib?name=foobar&date=2000"]


def test_keys_may_start_with_a_digit_or_underscore_and_hold_unicode() -> None:
    assert markdown_keys("@1657huygens @_private @müller2020") == ["1657huygens", "_private", "müller2020"]


def test_email_addresses_are_not_citations() -> None:
    assert markdown_keys("Write to jane.doe@example.org or <x@y.com>, then cite @a.") == ["a"]


def test_escaped_at_is_literal() -> None:
    assert markdown_keys(r"Figure \@ref(fig:x) and \@notakey, @a") == ["a"]


def test_code_spans_are_skipped() -> None:
    assert markdown_keys("`@x` and ``code with ` and @y`` and `` ` `` @a") == ["a"]


def test_unclosed_backticks_are_literal() -> None:
    assert markdown_keys("a lone ` backtick, then @a\n\nnext paragraph `@b` @c") == ["a", "c"]


def test_fenced_code_blocks_are_skipped() -> None:
    text = "@a\n```python\n@decorator\n```\n~~~~\n@tilde\n~~~~\n```{r}\n# @rchunk\n```\n@b\n"
    assert markdown_keys(text) == ["a", "b"]


def test_a_fence_closes_only_with_a_fence_at_least_as_long() -> None:
    text = "````\n```\n@hidden\n````\n@a"
    assert markdown_keys(text) == ["a"]


def test_unclosed_fence_runs_to_the_end() -> None:
    assert markdown_keys("@a\n```\n@hidden\n") == ["a"]


def test_yaml_front_matter_is_skipped_but_nocite_is_read() -> None:
    text = "---\ntitle: Mail me@x.org @notakey\nnocite: |\n  @n1, @n2\nauthor: A\n---\nBody @a\n"
    scan = scan_markdown(text)
    assert [(c.key, c.line) for c in scan.citations] == [("n1", 4), ("n2", 4), ("a", 7)]
    assert not scan.cites_all


def test_nocite_wildcard_in_front_matter() -> None:
    assert scan_markdown("---\nnocite: '@*'\n---\ntext\n").cites_all


def test_a_leading_horizontal_rule_is_not_front_matter() -> None:
    assert markdown_keys("---\n\n@a\n\n---\n") == ["a"]


def test_html_comments_links_and_urls_are_skipped() -> None:
    text = "<!-- @hidden -->\n[text](https://x.com/@user) <https://t.co/@u> https://medium.com/@bare/post @a"
    assert markdown_keys(text) == ["a"]


@pytest.mark.parametrize("label", ["fig-elephant", "tbl-letters", "sec-intro", "eq-energy", "lst-code", "thm-line"])
def test_quarto_cross_references_are_marked(label: str) -> None:
    (citation,) = scan_markdown(f"See @{label}.").citations
    assert citation.key == label
    assert citation.crossref


def test_pandoc_crossref_labels_are_marked_and_real_keys_are_not() -> None:
    citations = scan_markdown("[@fig:one; @Eq:two] and @figueroa2020 and @sec2020").citations
    assert [(c.key, c.crossref) for c in citations] == [
        ("fig:one", True), ("Eq:two", True), ("figueroa2020", False), ("sec2020", False)]


def test_custom_crossref_prefixes() -> None:
    assert is_crossref("algo-sort", ["algo"])
    assert not is_crossref("algo-sort")
    assert scan_markdown("@algo-sort", crossref_prefixes=("algo",)).citations[0].crossref


def test_raw_latex_citations_in_markdown_are_read_but_percent_is_literal() -> None:
    assert markdown_keys("About 50% of \\citep{a} and @b") == ["a", "b"]


def test_markdown_positions() -> None:
    scan = scan_markdown("line one\n\nsee [@doe99; @smith]\n")
    assert scan.citations == (Citation("doe99", 3, 7), Citation("smith", 3, 15))


def test_indented_code_blocks_are_skipped_but_list_paragraphs_are_not() -> None:
    text = ("Para @a\n\n    code @c1\n\nText @b\n- not a list @i\n\n    code @c2\n\n"
            "- item @j\n\n    item paragraph @k\n\n\ttab code after a list paragraph? @l\n")
    assert markdown_keys(text) == ["a", "b", "i", "j", "k", "l"]
    assert markdown_keys("Final para\n\n\tcode @c3\n") == []


# --- the scanner against pandoc itself ------------------------------------------------------------------------

PANDOC_SAMPLE = """\
---
title: "Mail me@x.org"
nocite: |
  @n1, @n2
---

Blah [see @doe99, pp. 33-35; also @smith04, chap. 1] and @Foo_bar.baz. then
@Foo_bar--baz, [-@sup] @1657huygens @_private @müller2020 [@{Foo_bar.baz.}]
@a:b-c+d?e<f>g~h/i#j$k%l&m, x. Write jane.doe@example.org or <x@y.com>.
\\@notakey `@code` and ``code with ` and @y`` then [link](https://x.com/@user) <https://t.co/@u>
<!-- @hidden -->

```python
@decorator
```

~~~~
@tilde
~~~~

    indented code @indented

> quoted @quoted

Text @b
- not a list @i

    code after a paragraph @c

* item @item

    item paragraph @para
"""


@pytest.mark.tools
@pytest.mark.skipif(shutil.which("pandoc") is None, reason="needs pandoc")
def test_the_keys_are_the_ones_pandoc_reads() -> None:
    native = subprocess.run(["pandoc", "-f", "markdown", "-t", "json"], input=PANDOC_SAMPLE, capture_output=True,
                            text=True, timeout=60, check=True)
    document = json.loads(native.stdout)
    cited: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("t") == "Cite":
                cited.extend(citation["citationId"] for citation in node["c"][0])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document["meta"])
    walk(document["blocks"])
    assert markdown_keys(PANDOC_SAMPLE) == cited
    assert "indented" not in cited and "para" in cited  # the sample does exercise both
