"""Find the citation keys a LaTeX or Markdown source cites, with line and column, without compiling.

Pure functions over text. Regions a compiler would not read as citations are masked first (replaced by
spaces, newlines kept, so offsets still point into the original text):

* LaTeX: comments (``%`` to the end of the line, but not ``\\%``; ``\\\\%`` *is* a comment),
  verbatim-like environments (verbatim, Verbatim, lstlisting, minted, comment, filecontents, ...),
  ``\\verb|..|``, ``\\lstinline``, ``\\mintinline`` and URL arguments (``%`` is literal in ``\\url``).
* Markdown (pandoc, Quarto, R Markdown): YAML front matter (its ``nocite:`` is read as citations), fenced
  code blocks, code spans, HTML comments, autolinks, link destinations and bare URLs.

Then LaTeX citation commands (natbib, biblatex, a few more; also read in Markdown, where pandoc passes
raw TeX through) and pandoc citations (``[@key]``, ``[-@key]``, ``@key``) are collected. Keys that look
like Quarto or pandoc-crossref cross-references (``@fig-x``, ``@eq:y``) are marked, not dropped: the
checker ignores them unless a bibliography defines them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import NamedTuple


class Citation(NamedTuple):  # tuples: made by the ten thousand in hot loops, and cheap to define
    """One cited key at a place in a source (1-based line and column of the key's first character)."""

    key: str
    line: int
    col: int
    crossref: bool = False  # looks like a cross-reference (@fig-..., @eq:...), not a citation


class Scan(NamedTuple):
    """What one source cites. ``cites_all`` is ``\\nocite{*}`` / ``nocite: '@*'``: every entry counts as used."""

    citations: tuple[Citation, ...]
    cites_all: bool = False


# --- LaTeX ----------------------------------------------------------------------------------------

# Commands whose arguments are [prenote][postnote]{key,key,...}, starred or not.
SIMPLE_CITE_COMMANDS = (
    # LaTeX and natbib
    "cite", "citep", "citet", "citealp", "citealt", "citeauthor", "citefullauthor", "citeyear",
    "citeyearpar", "citenum", "citetalias", "citepalias", "Citep", "Citet", "Citealp", "Citealt",
    "Citeauthor", "nocite",
    # biblatex
    "Cite", "parencite", "Parencite", "footcite", "Footcite", "footcitetext", "Footcitetext", "textcite",
    "Textcite", "smartcite", "Smartcite", "supercite", "Supercite", "autocite", "Autocite", "citetitle",
    "Citetitle", "citedate", "citeurl", "fullcite", "footfullcite", "notecite", "Notecite", "pnotecite",
    "Pnotecite", "fnotecite", "citename", "citelist", "citefield",
    # apacite / harvard / bibentry / abntex
    "citeA", "citeNP", "citeyearNP", "shortcite", "shortciteA", "shortciteNP", "fullciteA", "fullciteNP",
    "citeasnoun", "possessivecite", "bibentry", "citeonline",
)
# biblatex multicite commands: (multiprenote)(multipostnote) then [pre][post]{keys} groups, repeated.
MULTI_CITE_COMMANDS = (
    "cites", "Cites", "parencites", "Parencites", "footcites", "Footcites", "footcitetexts",
    "Footcitetexts", "smartcites", "Smartcites", "textcites", "Textcites", "supercites", "Supercites",
    "autocites", "Autocites",
)
# biblatex \volcite[prenote]{volume}[pages]{key}, and its multicite form.
VOLUME_CITE_COMMANDS = (
    "volcite", "Volcite", "pvolcite", "Pvolcite", "fvolcite", "Fvolcite", "ftvolcite", "svolcite",
    "Svolcite", "tvolcite", "Tvolcite", "avolcite", "Avolcite",
)
MULTI_VOLUME_CITE_COMMANDS = ("volcites", "Volcites", "pvolcites", "Pvolcites", "fvolcites", "Fvolcites",
                              "ftvolcites", "svolcites", "Svolcites", "tvolcites", "Tvolcites",
                              "avolcites", "Avolcites")

# Environments whose body LaTeX does not read as commands.
VERBATIM_ENVIRONMENTS = (
    "verbatim", "verbatim*", "Verbatim", "Verbatim*", "BVerbatim", "BVerbatim*", "LVerbatim", "LVerbatim*",
    "lstlisting", "minted", "comment", "filecontents", "filecontents*", "spverbatim", "alltt*",
)

_MULTI = frozenset(MULTI_CITE_COMMANDS)
_VOLUME = frozenset(VOLUME_CITE_COMMANDS)
_MULTI_VOLUME = frozenset(MULTI_VOLUME_CITE_COMMANDS)


# The scanner jumps between places found by searches with a literal first character (which the regex
# engine runs at C speed): citation commands, and the starts of verbatim blocks and \iffalse blocks.
# Whether a command is commented out or inside inline verbatim is decided by reading its own line
# from the start, so plain text is never walked character by character in Python.
_BLOCK_START = re.compile(
    r"\\(?:begin[ \t]*\{(?P<environment>"
    + "|".join(re.escape(e) for e in sorted(VERBATIM_ENVIRONMENTS, key=lambda e: (-len(e), e)))
    + r")\}|iffalse(?![A-Za-z@]))"
)
_HIDDEN_HINT = re.compile(r"%|\\(?:verb|lstinline|mintinline|url|href|path)")
_LINE_TOKENS = re.compile(
    r"[%\\](?:(?<=%)(?P<comment>)|(?<=\\)(?:(?P<escaped>[\\%])|(?P<inline>verb|lstinline|mintinline)(?![A-Za-z@])"
    r"|(?P<url>url|href|path)[ \t]*(?=\{)))"
)


@lru_cache(maxsize=8)
def _command_pattern(extra_commands: tuple[str, ...]) -> re.Pattern[str]:
    # loose on purpose (anything containing "cite"); names are checked against the known set after
    extras = "".join(f"|{re.escape(n)}" for n in sorted(extra_commands, key=lambda n: (-len(n), n)))
    # The common shape, [pre][post]{keys} with nothing nested, is matched in the same search (the
    # "keys" group); anything else is parsed argument by argument from the end of the name.
    return re.compile(
        rf"\\(?P<command>[A-Za-z]*[Cc]ite[A-Za-z]*|bibentry{extras})(?![A-Za-z@])\*?(?P<arguments>"
        r"(?:(?:[ \t\r\n]*\[[^\[\]{}%\\]*\]){0,2}[ \t\r\n]*\{(?P<keys>[^{}%\\]*)\})?)"
    )


@lru_cache(maxsize=8)
def _known_commands(extra_commands: tuple[str, ...]) -> frozenset[str]:
    return frozenset({*SIMPLE_CITE_COMMANDS, *MULTI_CITE_COMMANDS, *VOLUME_CITE_COMMANDS,
                      *MULTI_VOLUME_CITE_COMMANDS, *extra_commands})


def scan_latex(text: str, *, extra_commands: Iterable[str] = (), comments: bool = True) -> Scan:
    """Citation keys in LaTeX source. ``comments=False`` reads ``%`` as a literal (raw TeX in Markdown)."""
    extras = tuple(sorted(extra_commands))
    commands = _command_pattern(extras)
    known = _known_commands(extras)
    blocks = _verbatim_blocks(text, comments)
    found: list[tuple[int, str]] = []  # (offset of key, key)
    cites_all = False
    position = 0
    block = 0
    while True:
        match = commands.search(text, position)
        if match is None:
            break
        start = match.start()
        position = match.start("arguments")
        while block < len(blocks) and blocks[block][1] <= start:
            block += 1
        if block < len(blocks) and blocks[block][0] <= start:
            position = blocks[block][1]  # inside a verbatim or \iffalse block
            continue
        name = match.group("command")
        if name not in known or _escaped(text, start) or _hidden_on_line(text, start, comments):
            continue
        if match.group("keys") is not None and name not in _MULTI and name not in _VOLUME \
                and name not in _MULTI_VOLUME:
            keys, position = _split_keys(text, match.start("keys"), match.end("keys"), comments), match.end()
        else:
            keys, position = _citation_arguments(text, position, name, comments)
        for offset, key in keys:
            if name == "nocite" and key == "*":
                cites_all = True
            else:
                found.append((offset, key))
    return Scan(tuple(_positions(text, found, crossref_prefixes=None)), cites_all)


def _verbatim_blocks(text: str, comments: bool) -> list[tuple[int, int]]:
    """Spans of verbatim-like environments and ``\\iffalse ... \\fi``, in order, not overlapping."""
    blocks: list[tuple[int, int]] = []
    position = 0
    while True:
        match = _BLOCK_START.search(text, position)
        if match is None:
            return blocks
        start = match.start()
        if _escaped(text, start) or _hidden_on_line(text, start, comments):
            position = match.end()
            continue
        environment = match.group("environment")
        if environment is not None:
            end = text.find(f"\\end{{{environment}}}", match.end())
            position = len(text) if end < 0 else end
        else:
            position = _skip_iffalse(text, match.end())
        blocks.append((start, position))


def _escaped(text: str, start: int) -> bool:
    """Whether the backslash at ``start`` is the second half of ``\\\\`` (a line break, not a command)."""
    run = start
    while run > 0 and text[run - 1] == "\\":
        run -= 1
    return (start - run) % 2 == 1


def _hidden_on_line(text: str, start: int, comments: bool) -> bool:
    """Whether ``start`` is in a comment or an inline verbatim (\\verb, \\url, ...) begun on its line."""
    position = text.rfind("\n", 0, start) + 1
    if _HIDDEN_HINT.search(text, position, start) is None:
        return False  # the usual case: no %, no inline verbatim before it on the line
    while True:
        token = _LINE_TOKENS.search(text, position, start)
        if token is None:
            return False
        kind = token.lastgroup
        if kind == "comment":
            if comments:
                return True
            position = token.end()
        elif kind == "escaped":
            position = token.end()
        elif kind == "inline":
            position = _skip_inline_verbatim(text, token.end(), token.group("inline"))
        else:
            position = _skip_group(text, token.end(), "{", "}")
        if position > start:
            return True


def _citation_arguments(text: str, position: int, name: str, comments: bool) -> tuple[list[tuple[int, str]], int]:
    """The keys of one citation command whose name ends at ``position``, and where it ends."""
    keys: list[tuple[int, str]] = []
    if name in _MULTI or name in _MULTI_VOLUME:
        for _ in range(2):  # (multiprenote)(multipostnote)
            after = _skip_space(text, position, comments)
            if after < len(text) and text[after] == "(":
                position = _skip_group(text, after, "(", ")")
        while True:
            group_keys, after = _one_citation(text, position, volume=name in _MULTI_VOLUME, comments=comments)
            if after == position:
                break
            keys.extend(group_keys)
            position = after
        return keys, position
    return _one_citation(text, position, volume=name in _VOLUME, comments=comments)


def _one_citation(text: str, position: int, *, volume: bool, comments: bool) -> tuple[list[tuple[int, str]], int]:
    """``[pre][post]{keys}`` (or ``[pre]{volume}[pages]{key}``) at ``position``; ``position`` back if absent."""
    start = position
    position = _skip_options(text, position, comments, at_most=1 if volume else 2)
    if volume:
        after = _skip_space(text, position, comments)
        if after >= len(text) or text[after] != "{":
            return [], start
        position = _skip_options(text, _skip_group(text, after, "{", "}"), comments, at_most=1)
    after = _skip_space(text, position, comments)
    if after >= len(text) or text[after] != "{":
        return [], start
    end = _skip_group(text, after, "{", "}")
    body_end = end - 1 if end <= len(text) and text[end - 1 : end] == "}" else end
    return _split_keys(text, after + 1, body_end, comments), end


def _split_keys(text: str, start: int, end: int, comments: bool) -> list[tuple[int, str]]:
    body = text[start:end]
    if comments and "%" in body:
        body = _mask_comments(body)
    keys: list[tuple[int, str]] = []
    offset = 0
    for part in body.split(","):
        stripped = part.strip()
        # a macro (\mykey) or a parameter (#1, in a \newcommand) is not a key we can check
        if stripped and "#" not in stripped and not stripped.startswith("\\"):
            keys.append((start + offset + (len(part) - len(part.lstrip())), stripped))
        offset += len(part) + 1
    return keys


def _mask_comments(body: str) -> str:
    return re.sub(r"(?<!\\)((?:\\\\)*)%[^\n]*", lambda m: m.group(1) + " " * (len(m.group(0)) - len(m.group(1))),
                  body)


_SPACE = re.compile(r"[ \t\r\n]*")
_SPACE_AND_COMMENTS = re.compile(r"(?:[ \t\r\n]|%[^\n]*)*")


def _skip_space(text: str, position: int, comments: bool) -> int:
    return (_SPACE_AND_COMMENTS if comments else _SPACE).match(text, position).end()  # type: ignore[union-attr]


def _skip_options(text: str, position: int, comments: bool, *, at_most: int) -> int:
    for _ in range(at_most):
        after = _skip_space(text, position, comments)
        if after < len(text) and text[after] == "[":
            position = _skip_group(text, after, "[", "]")
        else:
            break
    return position


_GROUP_TOKENS = {
    ("{", "}"): re.compile(r"[{}]"),
    ("[", "]"): re.compile(r"[{}\]]"),
    ("(", ")"): re.compile(r"[{})]"),
}


def _skip_group(text: str, position: int, opening: str, closing: str) -> int:
    """Past the group opened at ``position`` (braces nest inside any group); the end of text if unclosed."""
    if position >= len(text) or text[position] != opening:
        return position
    tokens = _GROUP_TOKENS[(opening, closing)]
    depth = 0  # brace depth inside the group
    for token in tokens.finditer(text, position + 1):
        char = token.group()
        if char == "{":
            depth += 1
        elif char == "}" and depth > 0:
            depth -= 1
        elif char == closing and depth == 0:
            return token.end()
    return len(text)


def _skip_inline_verbatim(text: str, position: int, name: str) -> int:
    """Past ``\\verb*|...|``, ``\\lstinline[opts]{...}`` or ``\\mintinline[opts]{lang}|...|``."""
    if name == "verb" and text.startswith("*", position):
        position += 1
    if name != "verb":
        position = _skip_options(text, position, comments=False, at_most=1)
    if name == "mintinline":
        position = _skip_group(text, _skip_space(text, position, False), "{", "}")
    if position >= len(text):
        return position
    delimiter = text[position]
    if delimiter == "{" and name != "verb":
        return _skip_group(text, position, "{", "}")
    end = text.find(delimiter, position + 1)
    newline = text.find("\n", position + 1)
    if end < 0 or (0 <= newline < end):  # inline verbatim cannot span lines
        return position + 1
    return end + 1


_CONDITIONAL = re.compile(r"\\(?:if[A-Za-z@]*|fi)(?![A-Za-z@])")


def _skip_iffalse(text: str, position: int) -> int:
    """Past the ``\\fi`` matching an ``\\iffalse`` (a common way to comment out a block)."""
    depth = 1
    for match in _CONDITIONAL.finditer(text, position):
        depth += -1 if match.group() == "\\fi" else 1
        if depth == 0:
            return match.end()
    return len(text)


# --- Markdown -------------------------------------------------------------------------------------

# Quarto's reserved cross-reference prefixes (quarto.org, "Cross References": fig, tbl, lst, tip, nte,
# wrn, imp, cau, thm, lem, cor, prp, cnj, def, exm, exr, sol, rem, alg, eq, sec), written prefix-label;
# pandoc-crossref writes fig:label, eq:label, tbl:label, sec:label, lst:label (Fig: capitalises).
QUARTO_CROSSREF_PREFIXES = ("fig", "tbl", "lst", "tip", "nte", "wrn", "imp", "cau", "thm", "lem", "cor", "prp",
                            "cnj", "def", "exm", "exr", "sol", "rem", "alg", "eq", "sec")
PANDOC_CROSSREF_PREFIXES = ("fig", "tbl", "eq", "sec", "lst")

# pandoc's citeKey: starts with a letter, digit or _, then letters, digits, _ and single internal
# punctuation (:.#$%&-+?<>~/) followed by a letter, digit or _ (plus :// and //, for URLs); or any
# non-space text in braces: @{...}. It must not follow a letter or digit (e-mail addresses), and \@
# is a literal @ (bookdown's \@ref(fig:x)).
_PANDOC_CITATION = re.compile(  # (the lookbehind sits after the @ so that searches jump from @ to @)
    r"@(?<![\w\\]@)(?:\{(?P<braced>[^{}\s]+)\}|(?P<key>\w(?:\w|[:.#$%&\-+?<>~/](?=\w)|[:/](?=/))*))"
)
_NOCITE_WILDCARD = re.compile(r"@(?<![\w\\]@)\*")

# a YAML block at the very top: "---" not followed by a blank line, closed by "---" or "..."
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?![ \t]*\n)(?:.*?\n)??(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FENCE_LINE = re.compile(r"[ \t]*(?:>[ \t]*)*(?P<fence>`{3,}|~{3,})(?P<info>[^\n]*)")
_BACKTICKS = re.compile(r"``*")  # (not `+: a literal first character lets the engine search fast)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_AUTOLINK = re.compile(r"<[A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>]*>|<[^\s<>@]+@[^\s<>@]+>")
_LINK_DESTINATION = re.compile(r"\]\([^)\s]*")
_URL_REST = re.compile(r"://[^\s<>()\[\]]+")  # searched from "://", then the scheme checked before it


def scan_markdown(
    text: str,
    *,
    crossref_prefixes: Iterable[str] = (),
    extra_commands: Iterable[str] = (),
) -> Scan:
    """Citation keys in pandoc Markdown, Quarto or R Markdown (and raw LaTeX citation commands in it)."""
    masked, nocite = _mask_markdown(text)
    found: list[tuple[int, str]] = list(nocite.keys)
    for match in _PANDOC_CITATION.finditer(masked):
        braced = match.group("braced")
        if braced is not None:
            found.append((match.start("braced"), braced))
        else:
            found.append((match.start("key"), match.group("key")))
    latex = scan_latex(masked, extra_commands=extra_commands, comments=False)
    prefixes = _crossref_matcher(tuple(sorted(set(crossref_prefixes))))
    citations = [*_positions(text, found, crossref_prefixes=prefixes)]
    if latex.citations:
        citations.extend(latex.citations)
        citations.sort(key=lambda c: (c.line, c.col, c.key))
    return Scan(tuple(citations), nocite.all or latex.cites_all)


class _Nocite(NamedTuple):
    keys: tuple[tuple[int, str], ...] = ()
    all: bool = False


def _mask_markdown(text: str) -> tuple[str, _Nocite]:
    spans: list[tuple[int, int]] = []
    nocite = _Nocite()
    front = _FRONT_MATTER.match(text)
    if front:
        spans.append((0, front.end()))
        nocite = _read_nocite(text, front.end())
    position = front.end() if front else 0
    spans.extend(_fenced_blocks(text, position))
    masked = _blank(text, spans)
    masked = _blank(masked, list(_indented_code_blocks(masked)))
    masked = _blank(masked, [m.span() for m in _HTML_COMMENT.finditer(masked)])
    masked = _blank(masked, _code_spans(masked))
    link_spans = [m.span() for pattern in (_AUTOLINK, _LINK_DESTINATION) for m in pattern.finditer(masked)]
    link_spans.extend(_bare_urls(masked))
    return _blank(masked, link_spans), nocite


def _fenced_blocks(text: str, position: int) -> Iterator[tuple[int, int]]:
    """Fenced code blocks: ``` or ~~~ (three or more) opening a line, closed by a line holding a fence of
    the same character at least as long, or by the end of the text. Found by literal search."""
    next_at = {"```": -2, "~~~": -2}  # next occurrence of each fence, searched again only once passed
    while True:
        for fence_text, found in next_at.items():
            if -1 < found < position or found == -2:
                next_at[fence_text] = text.find(fence_text, position)
        candidates = [at for at in next_at.values() if at >= 0]
        if not candidates:
            return
        at = min(candidates)
        line_start = text.rfind("\n", 0, at) + 1
        opening = _FENCE_LINE.match(text, line_start)
        if opening is None or opening.start("fence") != at or (at > 0 and text[at - 1] == text[at]):
            position = at + 3
            continue
        fence = opening.group("fence")
        if fence[0] == "`" and "`" in opening.group("info"):
            position = opening.end()  # a backtick fence's info string has no backticks: inline code
            continue
        end = _fence_end(text, opening.end(), fence)
        yield line_start, end
        position = end


def _fence_end(text: str, position: int, fence: str) -> int:
    while True:
        at = text.find(fence, position)
        if at < 0:
            return len(text)
        line_start = text.rfind("\n", 0, at) + 1
        closing = _FENCE_LINE.match(text, line_start)
        if (closing is not None and closing.start("fence") == at and not closing.group("info").strip()
                and closing.group("fence")[0] == fence[0]):
            return closing.end()
        position = at + len(fence)


_INDENTED_LINE = re.compile(r"\n(?: {4}|\t)[ \t]*\S")  # (blanked code is all spaces: not matched)
_LIST_MARKER = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)]|#[.)])(?:[ \t]|$)")


def _indented_code_blocks(text: str) -> Iterator[tuple[int, int]]:
    """Indented code blocks: lines indented four spaces (or a tab) after a blank line, outside lists.

    A list item's further paragraphs are indented too; the item is recognised by walking back to the
    last unindented line and looking for a list marker on the way."""
    position = 0
    while True:
        indented = _INDENTED_LINE.search(text, position)
        if indented is None:
            return
        start = indented.start() + 1
        position = start
        previous_end = start - 1
        previous_start = text.rfind("\n", 0, previous_end) + 1
        if text[previous_start:previous_end].strip() or _in_list(text, previous_start):
            continue  # a paragraph's continuation line, or a list item's content
        end = start
        while end < len(text):
            line_end = text.find("\n", end)
            line_end = len(text) if line_end < 0 else line_end
            line = text[end:line_end]
            if line.strip() and not (line.startswith("    ") or line.startswith("\t")):
                break
            end = line_end + 1
        while end > start and not text[text.rfind("\n", 0, end - 1) + 1 : end].strip():
            end = text.rfind("\n", 0, end - 1) + 1  # trailing blank lines are not part of the block
        yield start, end
        position = max(end, start + 1)


def _in_list(text: str, line_start: int) -> bool:
    """Whether the lines above ``line_start``, back to the last unindented one, hold a list marker."""
    while line_start > 0:
        line_start = text.rfind("\n", 0, line_start - 1) + 1
        line = text[line_start : text.find("\n", line_start)]
        if not line.strip():
            continue
        if _LIST_MARKER.match(line):
            if line_start == 0:
                return True
            above_start = text.rfind("\n", 0, line_start - 1) + 1
            above = text[above_start : line_start - 1]
            # pandoc: a list does not interrupt a paragraph; after a plain line, "- x" is paragraph text
            return not above.strip() or above[0].isspace() or _LIST_MARKER.match(above) is not None
        if not line[0].isspace():
            return False
    return False


def _bare_urls(text: str) -> Iterator[tuple[int, int]]:
    """http(s):// and ftp:// URLs in running text, but not a braced citation key (@{https://...})."""
    for match in _URL_REST.finditer(text):
        before = text[max(match.start() - 5, 0) : match.start()]
        scheme = next((s for s in ("https", "http", "ftp") if before.endswith(s)), None)
        if scheme is None:
            continue
        start = match.start() - len(scheme)
        preceding = text[max(start - 2, 0) : start]
        if preceding.endswith("@{") or preceding[-1:].isalnum() or preceding[-1:] == "_":
            continue
        yield start, match.end()


def _code_spans(text: str) -> list[tuple[int, int]]:
    """Backtick runs closed by a run of the same length within the same paragraph."""
    spans: list[tuple[int, int]] = []
    position = 0
    while True:
        opening = _BACKTICKS.search(text, position)
        if opening is None:
            return spans
        if opening.start() > 0 and text[opening.start() - 1] == "\\":  # \` is a literal backtick
            position = opening.start() + 1
            continue
        width = len(opening.group())
        closing = _closing_backticks(width).search(text, opening.end())
        if closing is None or _BLANK_LINE.search(text, opening.end(), closing.start()):
            position = opening.end()  # unmatched: literal backticks
            continue
        spans.append((opening.start(), closing.end()))
        position = closing.end()


@lru_cache(maxsize=16)
def _closing_backticks(width: int) -> re.Pattern[str]:
    return re.compile(rf"(?<!`)`{{{width}}}(?!`)")


_NOCITE_FIELD = re.compile(r"^nocite[ \t]*:(?P<rest>[^\n]*)\n?", re.MULTILINE)


def _read_nocite(text: str, end: int) -> _Nocite:
    """The keys in the front matter's ``nocite:`` field (inline or an indented block below it)."""
    field = _NOCITE_FIELD.search(text, 0, end)
    if field is None:
        return _Nocite()
    value_end = field.end()
    for line in re.finditer(r"[^\n]*\n?", text[field.end() : end]):
        content = line.group()
        if not content or (content.strip() and not content[0].isspace()):
            break
        value_end = field.end() + line.end()
    start = field.start("rest")
    value = text[start:value_end]
    keys = tuple((start + m.start("key"), m.group("key")) for m in _PANDOC_CITATION.finditer(value)
                 if m.group("key"))
    return _Nocite(keys, bool(_NOCITE_WILDCARD.search(value)))


def _blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` with each span replaced by spaces, newlines kept (offsets and line numbers stay valid)."""
    pieces: list[str] = []
    position = 0
    for start, end in sorted(spans):
        if end <= position:
            continue
        start = max(start, position)
        pieces.append(text[position:start])
        pieces.append("\n".join(" " * len(line) for line in text[start:end].split("\n")))
        position = end
    if not pieces:
        return text
    pieces.append(text[position:])
    return "".join(pieces)


@lru_cache(maxsize=8)
def _crossref_matcher(extra_prefixes: tuple[str, ...]) -> re.Pattern[str]:
    quarto = "|".join(sorted({*QUARTO_CROSSREF_PREFIXES, *extra_prefixes}))
    pandoc = "|".join(PANDOC_CROSSREF_PREFIXES)
    return re.compile(rf"(?:{quarto})-|(?i:{pandoc}):")


def is_crossref(key: str, extra_prefixes: Iterable[str] = ()) -> bool:
    """Whether ``key`` reads as a Quarto (``fig-x``) or pandoc-crossref (``fig:x``) cross-reference."""
    return _crossref_matcher(tuple(sorted(set(extra_prefixes)))).match(key) is not None


def _positions(text: str, found: Iterable[tuple[int, str]], *,
               crossref_prefixes: re.Pattern[str] | None) -> Iterator[Citation]:
    """Offsets to 1-based line and column, counting newlines once, front to back."""
    line = 1
    last = 0
    line_start = 0
    for offset, key in sorted(found):
        newlines = text.count("\n", last, offset)
        if newlines:
            line += newlines
            line_start = text.rfind("\n", 0, offset) + 1
        last = offset
        crossref = crossref_prefixes is not None and crossref_prefixes.match(key) is not None
        yield Citation(key, line, offset - line_start + 1, crossref)
