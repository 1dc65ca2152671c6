"""Fast readers for the bibliographies a check resolves keys against: BibTeX ``.bib`` and CSL-JSON.

The check only needs each entry's key, type, where it is, and which fields it has, so the ``.bib``
reader is a small scanner, not a full parser (bibtexparser 1.4 takes ~1.5 ms an entry: too slow for a
commit hook). It follows BibTeX's own reading rules:

* Text outside entries is a comment; ``@comment``, ``@preamble`` and ``@string`` blocks are skipped.
* Entries are ``@type{key, field = value, ...}`` or ``@type(key, ...)``.
* Values are ``{...}`` (braces nest), ``"..."`` (braces nest inside; a ``"`` in braces is literal),
  numbers or ``@string`` names, joined with ``#``. BibTeX counts every brace, escaped or not.
* Keys are compared case-insensitively (BibTeX does; biber warns).

A malformed entry is reported and reading resumes at the next line that starts with ``@``.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from typing import NamedTuple


class BibEntry(NamedTuple):  # (tuples, not dataclasses: cheaper to define at start-up)
    """One entry: its key, type (lower case) and non-empty field names (lower case), and where the key is."""

    key: str
    entry_type: str
    line: int
    col: int
    fields: frozenset[str] = frozenset()
    parent: str | None = None  # biblatex/BibTeX crossref (or xdata): fields are inherited from it
    aliases: tuple[str, ...] = ()  # biblatex ``ids``: other keys that cite this entry


class Problem(NamedTuple):
    """A place where the file cannot be read as a bibliography."""

    line: int
    col: int
    message: str


class Bibliography(NamedTuple):
    kind: str  # "bibtex" or "csl"
    entries: tuple[BibEntry, ...] = ()
    problems: tuple[Problem, ...] = ()


class _Lines:
    """Offset -> 1-based (line, column)."""

    def __init__(self, text: str) -> None:
        self._starts = [0, *(m.end() for m in re.finditer("\n", text))]

    def at(self, offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(self._starts, offset) - 1
        return index + 1, offset - self._starts[index] + 1


_ENTRY_START = re.compile(r"@[ \t]*(?P<type>[A-Za-z][\w\-]*)[ \t\r\n]*(?P<open>[{(])")
_NEXT_ENTRY_LINE = re.compile(r"^[ \t]*@", re.MULTILINE)
_KEY = {"{": re.compile(r"[ \t\r\n]*(?P<key>[^,\s{}]*)"), "(": re.compile(r"[ \t\r\n]*(?P<key>[^,\s{}()]*)")}
_FIELD_NAME = re.compile(r"[ \t\r\n]*(?P<name>[^\s=,{}()\"#%']+)[ \t\r\n]*=[ \t\r\n]*")
_SPACE = re.compile(r"[ \t\r\n]*")
# braces nested up to three deep, matched in C; possessive quantifiers, so a value that never closes
# fails at once instead of backtracking (the slow path then reports it)
_NESTED = r"(?:[^{}]++|\{(?:[^{}]++|\{(?:[^{}]++|\{[^{}]*+\})*+\})*+\})*+"
_SIMPLE_FIELD = re.compile(
    r"[ \t\r\n]*,[ \t\r\n]*(?P<name>[^\s=,{}()\"#%']+)[ \t\r\n]*=[ \t\r\n]*"
    rf"(?:\{{(?P<braced>{_NESTED})\}}|\"(?P<quoted>[^\"{{}}]*)\"|(?P<bare>[^\s,#{{}}()\"=]+))(?=[ \t\r\n]*[,}})])"
)
_BARE_VALUE = re.compile(r"[^\s,#{}()\"=]+")
_BRACES = re.compile(r"[{}]")
_QUOTED = re.compile(r"[{}\"]")
_SKIPPED_BLOCKS = frozenset({"comment", "preamble", "string"})
_INHERIT = ("crossref", "xdata")


class _Malformed(Exception):
    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message


def parse_bibtex(text: str) -> Bibliography:
    """Every entry's key, type and fields, and every place the file is malformed."""
    lines = _Lines(text)
    entries: list[BibEntry] = []
    problems: list[Problem] = []
    position = 0
    while True:
        at = text.find("@", position)
        if at < 0:
            break
        start = _ENTRY_START.match(text, at)
        if start is None:  # an @ in comment text between entries
            position = at + 1
            continue
        entry_type = start.group("type").lower()
        opening = start.group("open")
        closing = "}" if opening == "{" else ")"
        try:
            if entry_type in _SKIPPED_BLOCKS:
                position = _skip_block(text, start.end() - 1, opening, closing)
                continue
            entry, position = _read_entry(text, start.end(), entry_type, opening, closing, lines)
            entries.append(entry)
        except _Malformed as error:
            line, col = lines.at(error.offset)
            problems.append(Problem(line, col, error.message))
            resume = _NEXT_ENTRY_LINE.search(text, max(error.offset, at + 1))
            if resume is None:
                break
            position = resume.end() - 1
    return Bibliography("bibtex", tuple(entries), tuple(problems))


def _read_entry(text: str, position: int, entry_type: str, opening: str, closing: str,
                lines: _Lines) -> tuple[BibEntry, int]:
    key_match = _KEY[opening].match(text, position)
    assert key_match is not None  # the pattern matches the empty string
    key = key_match.group("key")
    key_at = key_match.start("key")
    if not key:
        raise _Malformed(key_at, f"@{entry_type} entry without a citation key")
    position = key_match.end()
    fields: set[str] = set()
    values: dict[str, str] = {}
    length = len(text)
    while True:
        fast = _SIMPLE_FIELD.match(text, position)
        if fast is not None:  # the common case in one match: ", name = {value}" with nothing nested
            position = fast.end()
            value = fast.group("braced") or fast.group("quoted") or fast.group("bare") or ""
            name = fast.group("name").lower()
            if value.strip():
                fields.add(name)
                if name in _INHERIT or name == "ids":
                    values[name] = value
            continue
        position = _SPACE.match(text, position).end()  # type: ignore[union-attr]
        if position >= length:
            raise _Malformed(key_at, f"entry '{key}' is not closed: unbalanced braces or a missing "
                                     f"'{closing}'")
        char = text[position]
        if char == closing:
            position += 1
            break
        if char == "@" and _NEXT_ENTRY_LINE.match(text, text.rfind("\n", 0, position) + 1):
            line, _ = lines.at(position)  # a value swallowed a closing brace: say where the entry began
            raise _Malformed(key_at, f"entry '{key}' is not closed before the next entry (line {line}): "
                                     "unbalanced braces?")
        if char != ",":
            raise _Malformed(position, f"entry '{key}': expected ',' or '{closing}', found {char!r}")
        position = _SPACE.match(text, position + 1).end()  # type: ignore[union-attr]
        if position < length and text[position] == closing:  # trailing comma
            position += 1
            break
        name_match = _FIELD_NAME.match(text, position)
        if name_match is None:
            raise _Malformed(position, f"entry '{key}': expected 'field = value'")
        name = name_match.group("name").lower()
        value, position = _read_value(text, name_match.end(), key)
        if value.strip():
            fields.add(name)
            if name in _INHERIT or name == "ids":
                values[name] = value
    line, col = lines.at(key_at)
    parent = next((values[name].strip() for name in _INHERIT if name in values), None)
    aliases = tuple(a.strip() for a in values.get("ids", "").split(",") if a.strip())
    return BibEntry(key, entry_type, line, col, frozenset(fields), parent or None, aliases), position


def _read_value(text: str, position: int, key: str) -> tuple[str, int]:
    """One field value (parts joined by ``#``): its text without delimiters, and where it ends."""
    parts: list[str] = []
    while True:
        if position >= len(text):
            raise _Malformed(position, f"entry '{key}': value missing at the end of the file")
        char = text[position]
        if char == "{":
            try:
                end = _skip_block(text, position, "{", "}")
            except _Malformed as error:
                raise _Malformed(error.offset, f"entry '{key}': value {error.message}") from None
            parts.append(text[position + 1 : end - 1])
        elif char == '"':
            try:
                end = _skip_quoted(text, position)
            except _Malformed as error:
                raise _Malformed(error.offset, f"entry '{key}': {error.message}") from None
            parts.append(text[position + 1 : end - 1])
        else:
            bare = _BARE_VALUE.match(text, position)
            if bare is None:
                raise _Malformed(position, f"entry '{key}': expected a value, found {char!r}")
            end = bare.end()
            parts.append(bare.group())
        position = _SPACE.match(text, end).end()  # type: ignore[union-attr]
        if position < len(text) and text[position] == "#":
            position = _SPACE.match(text, position + 1).end()  # type: ignore[union-attr]
            continue
        return "".join(parts), position


def _skip_block(text: str, position: int, opening: str, closing: str) -> int:
    """Past the group opened at ``position``: braces nest; a parenthesised block ends at its ``)``."""
    depth = 0
    tokens = _BRACES if opening == "{" else re.compile(r"[{})]")
    for token in tokens.finditer(text, position):
        char = token.group()
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0 and opening == "{":
                return token.end()
            if depth < 0:
                raise _Malformed(token.start(), "unbalanced '}'")
        elif depth == 0:  # ')' closing a parenthesised block
            return token.end()
    raise _Malformed(position, "not closed: unbalanced braces")


def _skip_quoted(text: str, position: int) -> int:
    depth = 0
    for token in _QUOTED.finditer(text, position + 1):
        char = token.group()
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                raise _Malformed(token.start(), "unbalanced '}' in a quoted value")
        elif depth == 0:
            return token.end()
    raise _Malformed(position, "quoted value not closed")


# --- CSL-JSON ---------------------------------------------------------------------------------------

_ID_FIELD = re.compile(r'"id"\s*:\s*')


def parse_csl_json(text: str) -> Bibliography:
    """The items of a CSL-JSON array: ``id`` as the key, ``type`` as the entry type."""
    import json

    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return Bibliography("csl", (), (Problem(error.lineno, error.colno, f"not valid JSON: {error.msg}"),))
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        return Bibliography("csl", (), (Problem(1, 1, "expected a CSL-JSON array of items"),))
    lines = _Lines(text)
    entries: list[BibEntry] = []
    problems: list[Problem] = []
    search_from = 0
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            problems.append(Problem(*lines.at(search_from), f"item {index + 1} is not a JSON object"))
            continue
        raw_id = item.get("id")
        if not isinstance(raw_id, str | int) or isinstance(raw_id, bool) or raw_id == "":
            problems.append(Problem(*lines.at(search_from), f"item {index + 1} has no 'id': it cannot be cited"))
            continue
        key = str(raw_id)
        offset, search_from = _find_id(text, raw_id, search_from)
        line, col = lines.at(offset)
        item_type = item.get("type")
        fields = frozenset(name for name, value in item.items() if value not in (None, "", [], {}))
        entries.append(BibEntry(key, item_type if isinstance(item_type, str) else "", line, col, fields))
    return Bibliography("csl", tuple(entries), tuple(problems))


def _find_id(text: str, raw_id: str | int, start: int) -> tuple[int, int]:
    """Where an item's ``"id": ...`` value is, searching forward; ``start`` itself if not found."""
    import json

    wanted = {json.dumps(raw_id), json.dumps(raw_id, ensure_ascii=False)}
    for match in _ID_FIELD.finditer(text, start):
        for literal in wanted:
            if text.startswith(literal, match.end()):
                value_at = match.end() + (1 if isinstance(raw_id, str) else 0)
                return value_at, match.end() + len(literal)
    return start, start


# --- required fields -----------------------------------------------------------------------------------

Requirement = tuple[str, ...]  # alternatives: any one present satisfies it


def parse_required_fields(table: dict[str, object]) -> dict[str, tuple[Requirement, ...]]:
    """``{"article": ["author", "year|date"]}`` -> ``{"article": (("author",), ("year", "date"))}``."""
    required: dict[str, tuple[Requirement, ...]] = {}
    for entry_type, names in table.items():
        if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
            raise ValueError(f"required fields of '{entry_type}' must be a list of field names")
        required[entry_type.lower()] = tuple(tuple(a.strip().lower() for a in n.split("|")) for n in names)
    return required


def missing_fields(entry: BibEntry, required: dict[str, tuple[Requirement, ...]],
                   by_key: dict[str, BibEntry]) -> list[Requirement]:
    """The requirements of ``entry``'s type that neither it nor its crossref parent(s) meet."""
    present: set[str] = set(entry.fields)
    parent_key = entry.parent
    seen = {entry.key.lower()}
    while parent_key and parent_key.lower() not in seen and parent_key.lower() in by_key:
        seen.add(parent_key.lower())
        parent = by_key[parent_key.lower()]
        present.update(_inherited(parent))
        parent_key = parent.parent
    needs = (*required.get("*", ()), *required.get(entry.entry_type, ()))
    return [need for need in needs if not any(name in present for name in need)]


def _inherited(parent: BibEntry) -> Iterable[str]:
    # biblatex maps a parent's title to the child's booktitle (and maintitle for multivolume works)
    yield from parent.fields
    if "title" in parent.fields:
        yield from ("booktitle", "maintitle")
