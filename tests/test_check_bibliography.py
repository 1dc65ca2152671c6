"""The fast bibliography readers: .bib keys, types, fields and positions; CSL-JSON ids; required fields."""

from __future__ import annotations

import tomllib

from bibsync.check.bibliography import (
    BibEntry,
    missing_fields,
    parse_bibtex,
    parse_csl_json,
    parse_required_fields,
)
from bibsync.mappings import read_text


def keys(text: str) -> list[str]:
    return [e.key for e in parse_bibtex(text).entries]


def test_entries_with_braces_and_parentheses() -> None:
    text = "@article{a,\n  title = {T},\n}\n\n@Book(b, title = \"T\", year = 2000)\n@misc{c}\n"
    bib = parse_bibtex(text)
    assert [(e.key, e.entry_type, e.line, e.col) for e in bib.entries] == [
        ("a", "article", 1, 10), ("b", "book", 5, 7), ("c", "misc", 6, 7)]
    assert bib.problems == ()


def test_comment_string_and_preamble_blocks_are_not_entries() -> None:
    text = ("@comment{@article{hidden, title={x}}}\n@string{jmlr = \"J. Mach. Learn. Res.\"}\n"
            "@preamble{\"\\newcommand{\\noop}[1]{}\"}\n@article{a, journal = jmlr # \" (JMLR)\"}\n")
    assert keys(text) == ["a"]


def test_text_and_at_signs_between_entries_are_comments() -> None:
    assert keys("Contact me@example.org about this file.\n@misc{a, note={x}}\n% @misc{not, x={y}}\n") == [
        "a", "not"]  # BibTeX has no % comments: a commented-out entry is still read, as bibtex reads it


def test_values_with_nested_braces_quotes_and_at_signs() -> None:
    text = ('@misc{a, title = {The {DNA} of {{MaxSAT}} \\"{u} "quoted" @home},\n'
            '  note = "a {"} b", author = {M{\\"u}ller, J.}}\n@misc{b, title={x}}\n')
    bib = parse_bibtex(text)
    assert [e.key for e in bib.entries] == ["a", "b"]
    assert bib.entries[0].fields == {"title", "note", "author"}
    assert bib.problems == ()


def test_field_names_are_lower_case_and_empty_values_do_not_count() -> None:
    (entry,) = parse_bibtex("@ARTICLE{a, Title = {T}, AUTHOR = {A}, journal = {}, year = \"\"}").entries
    assert entry.entry_type == "article"
    assert entry.fields == {"title", "author"}


def test_crossref_and_ids_are_kept() -> None:
    (entry,) = parse_bibtex("@inproceedings{a, crossref = {proc}, ids = {old1, old2}}").entries
    assert entry.parent == "proc"
    assert entry.aliases == ("old1", "old2")


def test_an_unclosed_entry_is_reported_and_reading_resumes_at_the_next_entry() -> None:
    text = "@misc{a, title = {unbalanced {brace},\n  year = 2000}\n@misc{b, title = {fine}}\n"
    bib = parse_bibtex(text)
    assert [e.key for e in bib.entries] == ["b"]
    (problem,) = bib.problems
    assert (problem.line, problem.col) == (1, 7)  # at the entry's key
    assert problem.message == "entry 'a' is not closed before the next entry (line 3): unbalanced braces?"


def test_an_entry_unclosed_at_the_end_of_the_file() -> None:
    bib = parse_bibtex("@misc{b}\n@misc{a, title = {never closed}\n")
    assert [e.key for e in bib.entries] == ["b"]
    assert [(p.line, p.col) for p in bib.problems] == [(2, 7)]
    assert "not closed" in bib.problems[0].message


def test_a_stray_closing_brace_is_reported() -> None:
    bib = parse_bibtex("@misc{a, title = {x}}}, year = 2000}\n@misc{b}\n")
    assert [e.key for e in bib.entries] == ["a", "b"]  # BibTeX too ends 'a' at its first balanced '}'


def test_garbage_inside_an_entry_is_reported_with_its_place() -> None:
    bib = parse_bibtex("@misc{a,\n  title {x}\n}\n@misc{b}\n")
    assert [e.key for e in bib.entries] == ["b"]
    (problem,) = bib.problems
    assert problem.line == 2
    assert "expected 'field = value'" in problem.message


def test_an_entry_without_a_key() -> None:
    bib = parse_bibtex("@misc{, title = {x}}\n")
    assert bib.entries == ()
    assert "without a citation key" in bib.problems[0].message


def test_csl_json_ids_types_and_lines() -> None:
    text = '[\n  {"id": "a", "type": "article", "title": "T"},\n  {\n    "type": "book",\n    "id": 42\n  }\n]'
    bib = parse_csl_json(text)
    assert [(e.key, e.entry_type, e.line) for e in bib.entries] == [("a", "article", 2), ("42", "book", 5)]
    assert bib.entries[0].fields == {"id", "type", "title"}


def test_csl_json_problems() -> None:
    assert parse_csl_json("[{").problems[0].message.startswith("not valid JSON")
    assert parse_csl_json('{"not": "a list"}').problems[0].message == "item 1 has no 'id': it cannot be cited"
    assert "array" in parse_csl_json('"x"').problems[0].message
    assert "no 'id'" in parse_csl_json('[{"type": "book"}]').problems[0].message


def test_the_shipped_required_fields_table() -> None:
    table = tomllib.loads(read_text("required-fields.toml"))
    bibtex = parse_required_fields(table["bibtex"])
    assert bibtex["article"] == (("author",), ("title",), ("journal", "journaltitle"), ("year", "date"))
    assert bibtex["misc"] == ()
    assert parse_required_fields(table["csl"])["*"] == (("type",),)


def test_missing_fields_accept_alternatives_and_crossref_parents() -> None:
    required = parse_required_fields({"inproceedings": ["author", "title", "booktitle", "year|date"]})
    parent = BibEntry("proc", "proceedings", 1, 1, frozenset({"title", "year"}))
    child = BibEntry("paper", "inproceedings", 5, 1, frozenset({"author", "title"}), parent="PROC")
    assert missing_fields(child, required, {"proc": parent}) == []  # booktitle from the parent's title
    orphan = child._replace(parent=None)
    assert missing_fields(orphan, required, {}) == [("booktitle",), ("year", "date")]
    unknown_type = BibEntry("x", "software", 1, 1)
    assert missing_fields(unknown_type, required, {}) == []
