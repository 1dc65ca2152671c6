"""The analysis: undefined keys with "did you mean", duplicates, unused entries, missing fields, the lock."""

from __future__ import annotations

import datetime as dt

from bibsync.check.bibliography import parse_bibtex, parse_csl_json, parse_required_fields
from bibsync.check.citations import Scan, scan_latex, scan_markdown
from bibsync.check.findings import ERROR, WARNING, BibSource, Finding, LockState, Source, analyse
from bibsync.lockfile import LockRecord

REQUIRED = {"bibtex": parse_required_fields({"article": ["author", "title", "journal|journaltitle", "year|date"]}),
            "csl": parse_required_fields({"*": ["type"]})}

BIB = """\
@article{smith2020a, author = {Smith}, title = {A}, journal = {J}, year = 2020}
@article{smith2020b, author = {Smith}, title = {B}, journal = {J}, year = 2020}
@article{Mirowski2022clip, author = {Mirowski}, title = {C}, journal = {J}, year = 2022}
@article{hoffmann2022training, author = {Hoffmann}, title = {T}, journal = {J}, year = 2022}
@article{unused2019, author = {U}, title = {U}, journal = {J}, date = {2019-01-02}}
"""


def check(sources: dict[str, Scan], bib: str = BIB, *, generated: bool = False, report_unused: bool = True,
          lock: LockState | None = None) -> list[Finding]:
    return analyse([Source(path, scan) for path, scan in sources.items()],
                   [BibSource("refs.bib", parse_bibtex(bib), generated)],
                   required=REQUIRED, report_unused=report_unused, lock=lock)


def errors(findings: list[Finding]) -> list[str]:
    return [str(f) for f in findings if f.severity == ERROR]


def test_resolved_keys_give_no_error() -> None:
    findings = check({"paper.tex": scan_latex(r"\cite{smith2020a,smith2020b,Mirowski2022clip,hoffmann2022training}")})
    assert errors(findings) == []


def test_undefined_key_is_reported_at_its_place_with_the_bibliographies_searched() -> None:
    findings = check({"paper.tex": scan_latex("text\n  \\citep{smith2020a, nobody2000}")})
    assert errors(findings) == ["paper.tex:2:22: undefined citation key 'nobody2000' (not in refs.bib)"]


def test_did_you_mean_other_case() -> None:
    (finding,) = errors(check({"p.md": scan_markdown("@mirowski2022clip")}))
    assert finding.endswith("did you mean 'Mirowski2022clip'? (keys differ only in case)")


def test_did_you_mean_suffix() -> None:
    (finding,) = errors(check({"p.md": scan_markdown("@smith2020")}))
    assert finding.endswith("did you mean 'smith2020a' or 'smith2020b'?")
    (finding,) = errors(check({"p.md": scan_markdown("@hoffmann2022trainingb")}))
    assert finding.endswith("did you mean 'hoffmann2022training'?")


def test_did_you_mean_typo() -> None:
    (finding,) = errors(check({"p.md": scan_markdown("@hofmann2022training")}))
    assert finding.endswith("did you mean 'hoffmann2022training'?")


def test_no_suggestion_for_a_key_unlike_any() -> None:
    (finding,) = errors(check({"p.md": scan_markdown("@zzz")}))
    assert finding == "p.md:1:2: undefined citation key 'zzz' (not in refs.bib)"


def test_crossrefs_are_ignored_unless_a_bibliography_defines_them() -> None:
    bib = BIB + "@article{fig-special, author={A}, title={T}, journal={J}, year=2000}\n"
    findings = check({"p.qmd": scan_markdown("@fig-plot and @fig-special")}, bib)
    assert errors(findings) == []
    assert "'fig-special' is never cited" not in " ".join(map(str, findings))


def test_duplicate_keys_are_case_insensitive() -> None:
    bib = BIB + "@article{SMITH2020A, author={S}, title={T}, journal={J}, year=2020}\n" \
                "@article{unused2019, author={S}, title={T}, journal={J}, year=2020}\n"
    assert errors(check({}, bib)) == [
        "refs.bib:6:10: duplicate key 'SMITH2020A': already defined on line 1 as 'smith2020a' "
        "(BibTeX compares keys case-insensitively)",
        "refs.bib:7:10: duplicate key 'unused2019': already defined on line 5",
    ]


def test_duplicate_ids_in_csl_json() -> None:
    csl = parse_csl_json('[{"id": "a", "type": "book"}, {"id": "A", "type": "book"}]')
    findings = analyse([], [BibSource("refs.json", csl)], required=REQUIRED)
    assert [f.message for f in findings] == [
        "duplicate key 'A': already defined on line 1 as 'a' (BibTeX compares keys case-insensitively)"]


def test_unused_entries_are_warnings() -> None:
    findings = check({"p.md": scan_markdown("[@smith2020a; @smith2020b; @Mirowski2022clip; @hoffmann2022training]")})
    assert [(str(f), f.severity) for f in findings] == [
        ("refs.bib:5:10: warning: entry 'unused2019' is never cited", WARNING)]


def test_no_unused_warnings_for_generated_bibliographies_partial_checks_or_nocite_star() -> None:
    cites_one = {"p.md": scan_markdown("@smith2020a")}
    assert check(cites_one) != []
    assert check(cites_one, generated=True) == []
    assert check(cites_one, report_unused=False) == []
    assert check({"p.tex": scan_latex(r"\nocite{*}\cite{smith2020a}")}) == []
    assert check({}) == []  # no sources: nothing can be called unused


def test_aliases_from_ids_resolve_and_mark_the_entry_used() -> None:
    bib = "@article{new2020, ids = {old2019}, author={A}, title={T}, journal={J}, year=2020}\n"
    assert check({"p.tex": scan_latex(r"\cite{old2019}")}, bib) == []


def test_missing_required_fields_are_warnings() -> None:
    bib = "@article{a, author = {A}, title = {T}}\n@article{b, author={A}, title={T}, journaltitle={J}, date={2020}}\n"
    findings = check({"p.tex": scan_latex(r"\cite{a,b}")}, bib)
    assert [str(f) for f in findings] == [
        "refs.bib:1:10: warning: entry 'a' (@article) is missing required fields: journal or journaltitle, "
        "year or date"]


def test_csl_items_without_a_type_are_warned_about() -> None:
    csl = parse_csl_json('[{"id": "a", "title": "T"}]')
    findings = analyse([], [BibSource("refs.json", csl)], required=REQUIRED)
    assert [str(f) for f in findings] == ["refs.json:1:10: warning: item 'a' is missing required field: type"]


def test_malformed_bibliographies_are_errors() -> None:
    findings = check({}, "@misc{a, title = {x}\n@misc{b}\n")
    assert errors(findings) == [
        "refs.bib:1:7: entry 'a' is not closed before the next entry (line 2): unbalanced braces?"]


def test_findings_are_sorted_by_path_line_and_column() -> None:
    findings = check({"b.md": scan_markdown("@x1 @x2\n@x0"), "a.tex": scan_latex(r"\cite{y}")}, report_unused=False)
    assert [(f.path, f.line, f.col) for f in findings] == [("a.tex", 1, 7), ("b.md", 1, 2), ("b.md", 1, 6),
                                                           ("b.md", 2, 2)]


def record(key: str, title: str) -> LockRecord:
    return LockRecord(key, dt.date(2022, 5, 6), ("Mirowski",), title)


def test_a_key_gone_from_the_lock_since_head_is_an_error_even_while_the_bibliography_still_has_it() -> None:
    lock = LockState("bibsync.lock", working={"mirowski2022collage": record("mirowski2022collage", "CLIP-CLOP")},
                     head={"Mirowski2022clip": record("Mirowski2022clip", "CLIP-CLOP")})
    findings = check({"p.tex": scan_latex(r"\cite{Mirowski2022clip}")}, lock=lock, report_unused=False)
    assert errors(findings) == [
        "p.tex:1:7: citation key 'Mirowski2022clip' was in bibsync.lock at HEAD but is gone from it: its paper's "
        "key changed or the key was retired; the same paper is now 'mirowski2022collage'"]


def test_a_locked_key_missing_from_the_generated_bibliography() -> None:
    lock = LockState("bibsync.lock", working={"gone2021": record("gone2021", "Gone")}, head=None)
    findings = check({"p.tex": scan_latex(r"\cite{gone2021}")}, lock=lock, generated=True)
    assert errors(findings) == [
        "p.tex:1:7: citation key 'gone2021' is locked in bibsync.lock but missing from refs.bib: its paper left the "
        "listing, or the file is out of date (run `bibsync export`)"]


def test_locked_keys_still_present_are_fine() -> None:
    same = {"smith2020a": record("smith2020a", "A")}
    lock = LockState("bibsync.lock", working=same, head=same)
    assert check({"p.tex": scan_latex(r"\cite{smith2020a}")}, lock=lock, generated=True) == []
