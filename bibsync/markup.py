"""The listing's text and its renderings: BibTeX (escaped, case-protected), CSL rich text, plain Unicode.

Listing text is plain Unicode that may carry bits of TeX: math (``$3\\times$``), commands
(``\\emph{...}``, ``\\v{c}``, ``\\%``) and TeX quotes (````...''``). Everything else is literal, including
a plain ``%`` or ``&``. :func:`segments` splits text into those three kinds once; each renderer then
treats literal text, math and commands in its own way:

* BibTeX keeps math and commands as they are and escapes literal text, so that no content (a lone brace,
  a backslash, ``%``, ``@``) can break the file or change its meaning.
* CSL turns everything into Unicode with CSL's HTML-like rich text (``<i>``, ``<b>``, ``<sup>``,
  ``<span class="nocase">``).
* plain text is Unicode without markup (Zotero fields, citation keys).

pylatexenc does the TeX -> Unicode work, but only for the pieces that contain TeX (it costs about a
millisecond per call) and with a cache, so a 100,000-entry export stays fast.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii


class Kind(enum.Enum):
    TEXT = "text"  # literal characters
    MATH = "math"  # TeX math, without the $ delimiters
    TEX = "tex"  # a TeX command with its arguments, kept verbatim; braces balanced


@dataclass(frozen=True, slots=True)
class Segment:
    kind: Kind
    text: str


_TEX_TRIGGERS = re.compile(r"[\\$]")
_ESCAPED_SPECIALS = frozenset("%&$#_{}")
_ACCENTS = frozenset("'`^\"~=.")
_BIBTEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    # not \{ and \}: BibTeX and biber count braces even after a backslash, so a lone \{ breaks the file
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_BIBTEX_SPECIAL = re.compile(r"[\\{}&%$#_~^]")
# Text commands CSL rich text can express; anything else goes through pylatexenc to plain Unicode.
_CSL_WRAPPERS = {
    "emph": ("<i>", "</i>"),
    "textit": ("<i>", "</i>"),
    "textsl": ("<i>", "</i>"),
    "textbf": ("<b>", "</b>"),
    "textsc": ('<span style="font-variant:small-caps;">', "</span>"),
    "textsuperscript": ("<sup>", "</sup>"),
    "textsubscript": ("<sub>", "</sub>"),
}
_COMMAND = re.compile(r"\\([A-Za-z]+)")


# --- parsing ---------------------------------------------------------------------------------------


def segments(text: str) -> tuple[Segment, ...]:
    """Split listing text into literal text, math and TeX commands."""
    if "\\" not in text and "$" not in text:  # `in` is far faster than a regex scan of a long abstract
        return (Segment(Kind.TEXT, text),) if text else ()
    return _segments(text)


@lru_cache(maxsize=1 << 16)  # a text with TeX is split once, though three renderers read it
def _segments(text: str) -> tuple[Segment, ...]:
    found: list[Segment] = []
    literal_start = 0  # where the current run of literal text began
    position = 0
    for trigger in _TEX_TRIGGERS.finditer(text):
        index = trigger.start()
        if index < position:
            continue  # inside the math or command just taken
        if text[index] == "$":
            end, kind, body = _math_end(text, index), Kind.MATH, slice(1, -1)
        else:
            end, kind, body = _command_end(text, index), Kind.TEX, slice(None)
            if end is not None and not _raw_balanced(text[index:end]) and text[index:end] not in ("\\{", "\\}"):
                end = None  # e.g. \emph{a\{}: balanced for TeX, not for BibTeX's brace counting
        if end is None:
            continue  # a literal $ or backslash
        if index > literal_start:
            found.append(Segment(Kind.TEXT, text[literal_start:index]))
        found.append(Segment(kind, text[index:end][body]))
        literal_start = position = end
    if literal_start < len(text):
        found.append(Segment(Kind.TEXT, text[literal_start:]))
    return tuple(found)


def _math_end(text: str, start: int) -> int | None:
    """End (exclusive) of ``$...$`` starting at ``start``, if it is math: no space just inside the
    dollars, balanced braces, nothing that would be a TeX comment or alignment."""
    close = start + 1
    while True:
        close = text.find("$", close)
        if close == -1:
            return None
        if text[close - 1] != "\\":
            break
        close += 1
    body = text[start + 1 : close]
    if not body or body[0].isspace() or body[-1].isspace() or "\n" in body:
        return None
    if not (_balanced(body) and _raw_balanced(body)) or re.search(r"(?<!\\)[%&#]", body) or body.endswith("\\"):
        return None
    return close + 1


def _command_end(text: str, start: int) -> int | None:
    """End (exclusive) of a TeX command at ``start``: ``\\name{arg}...``, ``\\%``, ``\\'e``, ``\\v{c}``.
    None when the backslash is literal (``\\`` before a space, an unbalanced argument)."""
    if start + 1 >= len(text):
        return None
    following = text[start + 1]
    if following in _ESCAPED_SPECIALS:
        return start + 2
    if following in _ACCENTS:
        end = start + 2
        if end < len(text) and text[end] == "{":
            return _group_end(text, end)
        if end < len(text) and text[end].isalpha():
            return end + 1
        return None
    match = _COMMAND.match(text, start)
    if match is None:
        return None
    end = match.end()
    while end < len(text) and text[end] == "{":
        group_end = _group_end(text, end)
        if group_end is None:
            return None
        end = group_end
    return end


def _group_end(text: str, start: int) -> int | None:
    depth = 0
    index = start
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return None


def _balanced(text: str) -> bool:
    depth = 0
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        depth += char == "{"
        depth -= char == "}"
        if depth < 0:
            return False
        index += 1
    return depth == 0


def _raw_balanced(text: str) -> bool:
    """Balanced as BibTeX and biber count braces: a backslash does not escape a brace for them."""
    depth = 0
    for char in text:
        depth += char == "{"
        depth -= char == "}"
        if depth < 0:
            return False
    return depth == 0


# --- plain Unicode ---------------------------------------------------------------------------------


def plain_text(text: str) -> str:
    """Unicode without markup: ``$3\\times$`` -> ``3×``, ``\\emph{x}`` -> ``x``, TeX quotes -> curly quotes."""
    tex_quotes = "`" in text
    out = []
    for segment in segments(text):
        if segment.kind is not Kind.TEXT:
            out.append(_tex_to_text(segment))
        else:
            out.append(_quotes(segment.text) if tex_quotes else segment.text)
    return "".join(out)


def _quotes(text: str) -> str:
    """TeX quote ligatures; a field that uses ` for opening quotes uses ' for closing ones."""
    return text.replace("``", "\u201c").replace("''", "\u201d").replace("`", "\u2018").replace("'", "\u2019")


@lru_cache(maxsize=16384)
def _latex_to_text(source: str) -> str:
    from pylatexenc.latex2text import LatexNodes2Text  # costly import, needed only for TeX pieces

    converted: str = LatexNodes2Text(math_mode="text").latex_to_text(source)
    return converted.strip() if source.startswith("$") else converted


def _tex_to_text(segment: Segment) -> str:
    return _latex_to_text(f"${segment.text}$" if segment.kind is Kind.MATH else segment.text)


# --- case protection -------------------------------------------------------------------------------

_WORD_EDGE = "()[]{}:;,.!?\"'\u2018\u2019\u201c\u201d"
_HYPHEN_PARTS = re.compile(r"([-/])")
_SPACES = re.compile(r"(\s+)")


@lru_cache(maxsize=65536)
def needs_protection(word: str) -> bool:
    """Capitals a style must not lowercase: acronyms (LLMs, CLIP-CLOP, GPT-3), inner capitals (MaxSAT,
    iPhone, TRecViT) and one-letter symbols (Top-K), but not a plain capitalised word (Compute-Optimal)."""
    return any(_part_needs_protection(part) for part in _HYPHEN_PARTS.split(word.strip(_WORD_EDGE)))


def _part_needs_protection(part: str) -> bool:
    capitals = sum(map(str.isupper, part))  # map keeps the per-character work in C
    if capitals != 1:
        return capitals > 1
    first_letter = part[0] if part[0].isalpha() else next((c for c in part if c.isalpha()), "")
    if not first_letter.isupper():
        return True  # one capital, not at the start: iPhone, eBay
    return len(part) == 1 and part not in {"A", "I"}


def protection_spans(word: str) -> list[tuple[str, bool]]:
    """How to protect a word: whole (``{CLIP-CLOP}``, ``{Gopher}``) or only the parts that need it
    (``{CLIP}-Guided``, ``Top-{K}``). The word's surrounding punctuation is never protected."""
    core = word.strip(_WORD_EDGE)
    start = word.find(core)
    before, after = word[:start], word[start + len(core) :]
    pieces = _HYPHEN_PARTS.split(core)  # parts at even indexes, separators at odd ones
    flags = [_part_needs_protection(p) for p in pieces[::2]]
    if all(flags) or not any(flags):
        spans = [(core, True)]
    else:
        spans = [(piece, i % 2 == 0 and flags[i // 2]) for i, piece in enumerate(pieces) if piece]
    return [s for s in [(before, False), *spans, (after, False)] if s[0]]


@lru_cache(maxsize=1 << 17)  # the BibTeX and the CSL writer both ask, once per entry each
def protected_words(title: str, abstract: str = "") -> frozenset[str]:
    """The title's words that a sentence-casing style must leave alone.

    Beyond :func:`needs_protection`: a capitalised word that is not the title's first word is a proper
    name when the abstract also writes it capitalised mid-sentence and never lowercase (Gopher, Baldwin,
    Concordia), or when the title is otherwise in sentence case. The first word of a sentence inside the
    title ("Beautiful and damned. Combined ...") is protected too: BibTeX styles only spare the title's
    first letter and the one after a colon.
    """
    words: list[str] = []
    for segment in segments(title):
        if segment.kind is Kind.TEXT:
            words.extend(segment.text.split())
    protected = {w for w in words if needs_protection(w)}
    capitalised = [
        (i, w) for i, w in enumerate(words) if i > 0 and w.strip(_WORD_EDGE)[:1].isupper() and w not in protected
    ]
    if not capitalised:
        return frozenset(protected)
    # Sentence case or Title Case? Judge by the longer words, which Title Case always capitalises.
    content_words = [w for w in words[1:] if w not in protected and len(w.strip(_WORD_EDGE)) >= 4]
    sentence_case = len([w for w in content_words if w.strip(_WORD_EDGE)[:1].isupper()]) * 2 < len(content_words)
    for index, word in capitalised:
        bare = word.strip(_WORD_EDGE)
        previous = words[index - 1]
        if previous.endswith((".", "?", "!")):
            protected.add(word)  # a sentence starts inside the title
        elif previous.endswith(":"):
            continue  # styles keep the capital after a colon themselves
        elif sentence_case or _named_in_abstract(bare, abstract):
            protected.add(word)
    return frozenset(protected)


_SENTENCE_END = (".", "?", "!", ":")
_PREVIOUS_TOKEN = re.compile(r"(\S+)\s+\Z")
_NEXT_TOKEN = re.compile(r"\s+(\S+)")


def _tokens(word: str, text: str) -> Iterator[tuple[int, int]]:
    """Where ``word`` stands in ``text`` as a whole whitespace-separated token, punctuation around it
    allowed: (start, end) of the token. str.find does the searching, at C speed."""
    found = text.find(word)
    while found != -1:
        start, end = found, found + len(word)
        while start > 0 and text[start - 1] in _WORD_EDGE:
            start -= 1
        while end < len(text) and text[end] in _WORD_EDGE:
            end += 1
        if (start == 0 or text[start - 1].isspace()) and (end == len(text) or text[end].isspace()):
            yield start, end
        found = text.find(word, found + 1)


def _named_in_abstract(word: str, abstract: str) -> bool:
    """Does the abstract treat ``word`` as a name: capitalised on its own mid-sentence ("including
    Gopher."), and never in lowercase? A run of capitalised words ("Large Language Models (LLMs)")
    spells out a term, not a name, so it is no evidence. Only the title's words are looked up."""
    if word not in abstract or next(_tokens(word.lower(), abstract), None):
        return False
    for start, end in _tokens(word, abstract):
        before = _PREVIOUS_TOKEN.search(abstract[max(0, start - 200) : start])
        after = _NEXT_TOKEN.match(abstract, end)
        previous = before.group(1) if before else ""
        if not previous or previous.endswith(_SENTENCE_END):
            continue  # a sentence starts here
        if previous.strip(_WORD_EDGE)[:1].isupper():
            continue  # inside a run of capitalised words
        run_follows = after is not None and after.group(1).strip(_WORD_EDGE)[:1].isupper()
        if run_follows and not abstract[start:end].endswith((".", ",", ";", ":")):
            continue  # the start of such a run
        return True
    return False


# --- BibTeX ----------------------------------------------------------------------------------------


def to_bibtex(text: str, *, ascii_only: bool = False, protect: frozenset[str] | None = None) -> str:
    """BibTeX field content: literal text escaped, math and commands kept.

    For a title, pass ``protect`` (see :func:`protected_words`): those words are braced, and so is math,
    since a style's ``change.case$`` would lowercase it.
    """
    out: list[str] = []
    for segment in segments(text):
        if segment.kind is Kind.MATH:
            math = segment.text if not ascii_only or segment.text.isascii() else _ascii_math(segment.text)
            out.append(f"${math}$" if protect is None else f"{{${math}$}}")
        elif segment.kind is Kind.TEX:
            out.append(_tex_to_bibtex(segment.text, ascii_only))
        elif protect:
            out.append(_protect_words(segment.text, protect, ascii_only))
        else:
            out.append(escape_bibtex(segment.text, ascii_only=ascii_only))
    return "".join(out)


def _protect_words(text: str, protect: frozenset[str], ascii_only: bool) -> str:
    out: list[str] = []
    plain: list[str] = []  # unprotected pieces, escaped together (escaping is character by character)
    for piece in _SPACES.split(text):
        if piece not in protect:
            plain.append(piece)
            continue
        for span, braced in protection_spans(piece):
            if braced:
                out.append(escape_bibtex("".join(plain), ascii_only=ascii_only))
                plain.clear()
                out.append("{" + escape_bibtex(span, ascii_only=ascii_only) + "}")
            else:
                plain.append(span)
    out.append(escape_bibtex("".join(plain), ascii_only=ascii_only))
    return "".join(out)


def escape_bibtex(text: str, *, ascii_only: bool = False) -> str:
    """Literal text as BibTeX: specials escaped; non-ASCII kept (UTF-8) or as LaTeX accents (ASCII)."""
    # On a long abstract, ten `in` scans beat one regex scan many times over; on a word, the regex wins.
    special = any(char in text for char in _BIBTEX_ESCAPES) if len(text) > 200 else _BIBTEX_SPECIAL.search(text)
    escaped = _BIBTEX_SPECIAL.sub(_escape_match, text) if special else text
    if ascii_only and not escaped.isascii():
        escaped = "".join(c if c.isascii() else _latex_accent(c) for c in escaped)
    return escaped


def _escape_match(match: re.Match[str]) -> str:
    return _BIBTEX_ESCAPES[match.group()]


def _tex_to_bibtex(source: str, ascii_only: bool) -> str:
    """A command kept as a command, its arguments rendered as listing text in their turn, so that a
    plain ``%`` inside ``\\emph{...}`` is escaped like any other."""
    if source in ("\\{", "\\}"):
        return _BIBTEX_ESCAPES[source[1]]
    match = _COMMAND.match(source)
    position = match.end() if match else (2 if len(source) > 2 and source[2] == "{" else len(source))
    out = [source[:position]]
    while position < len(source) and source[position] == "{":
        end = _group_end(source, position)
        assert end is not None  # segments() only makes TEX segments whose groups close
        out.append("{" + to_bibtex(source[position + 1 : end - 1], ascii_only=ascii_only) + "}")
        position = end
    out.append(source[position:])
    rendered = "".join(out)
    if ascii_only and not rendered.isascii():  # an accent on a non-ASCII letter: \'é
        rendered = "".join(c if c.isascii() else _latex_accent(c) for c in rendered)
    return rendered


def _ascii_math(math: str) -> str:
    """Non-ASCII characters in math: symbols as math commands (``\\ensuremath{\\Omega}``), letters in an
    ``\\mbox`` since text accents are not allowed in math mode."""
    out = []
    for char in math:
        if char.isascii():
            out.append(char)
            continue
        latex = _latex_accent(char)
        out.append(latex if "\\ensuremath" in latex else f"\\mbox{{{latex}}}")
    return "".join(out)


@lru_cache(maxsize=4096)
def _latex_accent(char: str) -> str:
    """One non-ASCII character as a braced LaTeX command (``č`` -> ``{\\v{c}}``), the form BibTeX styles
    treat as a single letter when they sort, abbreviate or change case."""
    from pylatexenc.latexencode import unicode_to_latex

    latex: str = unicode_to_latex(char, non_ascii_only=True)
    if latex == char or not latex.isascii():
        transliterated = anyascii(char)
        return escape_bibtex(transliterated) if transliterated else "?"
    return latex if latex.startswith("{") else f"{{{latex}}}"


# --- CSL rich text ---------------------------------------------------------------------------------


def to_csl(text: str, *, protect: frozenset[str] = frozenset()) -> str:
    """CSL-JSON rich text: Unicode, ``<i>``/``<b>``/``<sup>``, and ``<span class="nocase">`` around
    ``protect``ed words (titles)."""
    tex_quotes = "`" in text
    out: list[str] = []
    for segment in segments(text):
        if segment.kind is Kind.TEXT:
            literal = _quotes(segment.text) if tex_quotes else segment.text
            out.append(_nocase_words(segment.text, literal, protect) if protect else literal)
        elif segment.kind is Kind.TEX:
            out.append(_csl_command(segment.text))
        else:
            out.append(_tex_to_text(segment))
    return "".join(out)


def _nocase_words(source: str, literal: str, protect: frozenset[str]) -> str:
    """Wrap protected words of ``source`` (as rendered in ``literal``) in nocase spans."""
    out = []
    for original, rendered in zip(_SPACES.split(source), _SPACES.split(literal), strict=True):
        if original in protect:
            # quote ligatures never change a word's letters, so the spans line up after rendering
            spans = protection_spans(rendered)
            rendered = "".join(f'<span class="nocase">{t}</span>' if nocase else t for t, nocase in spans)
        out.append(rendered)
    return "".join(out)


def _csl_command(source: str) -> str:
    match = _COMMAND.match(source)
    if match is not None and match.group(1) in _CSL_WRAPPERS and source.endswith("}"):
        opening, closing = _CSL_WRAPPERS[match.group(1)]
        inner = source[match.end() + 1 : -1]
        if _group_end(source, match.end()) == len(source):
            return f"{opening}{to_csl(inner)}{closing}"
    return _latex_to_text(source)

