"""``bibsync check`` end to end: decide what to read, read it, analyse, and (only when needed) compare
the generated bibliographies with what ``bibsync export`` would write now.

All file and git I/O of the check is here; scanning and analysis are pure (:mod:`.citations`,
:mod:`.bibliography`, :mod:`.findings`). The export stack (bibtexparser, pylatexenc) is imported only
for the staleness check, which runs only when the listing, the lock, the config or a bibliography is
among the files checked, or when no files are named (a full check).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from bibsync.check.bibliography import Requirement, parse_bibtex, parse_csl_json, parse_required_fields
from bibsync.check.citations import Citation, Scan, scan_latex, scan_markdown
from bibsync.check.findings import ERROR, BibSource, Finding, LockState, Source, analyse
from bibsync.check.settings import CheckSettings
from bibsync.config import Config
from bibsync.fileio import display_path, read_text

LATEX_SUFFIXES = frozenset({".tex", ".ltx", ".latex"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".qmd", ".rmd", ".rmarkdown"})
BIBLIOGRAPHY_SUFFIXES = frozenset({".bib", ".json"})


class CheckInputError(Exception):
    """The check cannot run as asked (a missing file, a malformed listing or lock): exit 2."""

    def __init__(self, messages: Sequence[str]) -> None:
        self.messages = tuple(messages)
        super().__init__("\n".join(self.messages))


class CheckResult(NamedTuple):
    findings: list[Finding]
    sources: int
    bibliographies: int
    full: bool  # every configured source and bibliography was checked, staleness included
    skipped: tuple[str, ...] = ()  # named files outside the configured sources

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == ERROR)

    @property
    def warnings(self) -> int:
        return len(self.findings) - self.errors


def run_check(
    config: Config,
    settings: CheckSettings,
    files: Sequence[Path] = (),
    *,
    bib: Sequence[Path] = (),
    csl: Sequence[Path] = (),
) -> CheckResult:
    """Check ``files`` (or, with none, the configured sources) against the bibliographies."""
    missing = [f"{display_path(path)}: no such file" for path in files if not path.exists()]
    if missing:
        raise CheckInputError(missing)
    named_sources, full_check = _classify(config, files)
    configured = _configured_sources(config, settings)
    skipped: list[Path] = []
    if configured:
        wanted = {p.resolve() for p in configured}
        skipped = [p for p in named_sources if p.resolve() not in wanted]
        named_sources = [p for p in named_sources if p.resolve() in wanted]
    source_paths = _unique([*configured, *named_sources] if full_check else named_sources)

    bib_inputs = _bibliography_inputs(config, settings, files, bib, csl)
    if source_paths and not bib_inputs:
        raise CheckInputError(["bibsync check: no bibliography to check against: pass --bib/--csl, or set "
                               "'bib'/'csl' in [tool.bibsync] or [tool.bibsync.check]"])

    problems: list[str] = []
    findings: list[Finding] = []
    bibliographies: list[BibSource] = []

    def read_bibliographies() -> None:
        for path, kind in bib_inputs:
            generated = _is_generated(config, path)
            read_problems: list[str] = []
            text = _read(path, read_problems, missing_ok=generated)
            problems.extend(read_problems)
            if text is None:
                if generated and not read_problems:
                    findings.append(Finding(display_path(path), 1, 1, "missing: run `bibsync export` to write it"))
                continue
            parsed = parse_csl_json(text) if kind == "csl" else parse_bibtex(text)
            bibliographies.append(BibSource(display_path(path), parsed, generated))

    sources = _scan_sources(source_paths, settings, problems, meanwhile=read_bibliographies)
    if problems:
        raise CheckInputError(problems)

    lock = _lock_state(config) if any(s.scan.citations for s in sources) else None
    findings.extend(analyse(
        sources, bibliographies,
        required=_required_fields(),
        report_unused=settings.warn_unused and full_check and bool(configured),
        lock=lock,
    ))
    if full_check and config.listing is not None:
        findings.extend(_stale_outputs(config, [p for p, _ in bib_inputs if _is_generated(config, p)]))
    findings.sort()
    return CheckResult(findings, len(sources), len(bibliographies), full_check,
                       tuple(display_path(p) for p in skipped))


def _classify(config: Config, files: Sequence[Path]) -> tuple[list[Path], bool]:
    """The named source files, and whether a full check is due (no files named, or a bibliography,
    the listing, the lock, the enrichment file or the config among them)."""
    if not files:
        return [], True
    project_files = {p.resolve() for p in (config.listing, config.lock_path, config.enrich_path(), config.source,
                                           config.bib, config.csl) if p is not None}
    sources: list[Path] = []
    full = False
    for path in files:
        suffix = path.suffix.lower()
        if suffix in LATEX_SUFFIXES or suffix in MARKDOWN_SUFFIXES:
            sources.append(path)
        elif suffix in BIBLIOGRAPHY_SUFFIXES or path.resolve() in project_files:
            full = True
    return sources, full


def _configured_sources(config: Config, settings: CheckSettings) -> list[Path]:
    found: list[Path] = []
    for pattern in settings.sources:
        if Path(pattern).is_absolute():
            found.extend(p for p in sorted(Path(pattern).parent.glob(Path(pattern).name)) if p.is_file())
        else:
            found.extend(p for p in sorted(config.root.glob(pattern)) if p.is_file())
    return _unique(found)


def _bibliography_inputs(config: Config, settings: CheckSettings, files: Sequence[Path],
                         bib: Sequence[Path], csl: Sequence[Path]) -> list[tuple[Path, str]]:
    if bib or csl:  # the command line replaces the configured bibliographies
        chosen = [(p, "bibtex") for p in bib] + [(p, "csl") for p in csl]
    else:
        chosen = [(p, "bibtex") for p in settings.bib] + [(p, "csl") for p in settings.csl]
    if not chosen:  # nothing configured: the .bib files named on the command line
        chosen = [(p, "bibtex") for p in files if p.suffix.lower() == ".bib"]
    seen: set[Path] = set()
    unique: list[tuple[Path, str]] = []
    for path, kind in chosen:
        if path.resolve() not in seen:
            seen.add(path.resolve())
            unique.append((path, kind))
    return unique


def _is_generated(config: Config, path: Path) -> bool:
    if config.listing is None:
        return False
    return any(out is not None and out.resolve() == path.resolve() for out in (config.bib, config.csl))


# Splitting the scan over two processes pays off only for big inputs (a fork, and the results sent back).
PARALLEL_MIN_BYTES = 2_000_000
CHILD_SHARE = 0.6  # of the source bytes: this process also reads the bibliographies meanwhile


def _scan_sources(paths: Sequence[Path], settings: CheckSettings, problems: list[str], *,
                  meanwhile: Callable[[], None]) -> list[Source]:
    """Read and scan every source, in order (unreadable ones go to ``problems``), and run ``meanwhile``
    (reading the bibliographies) here while a forked child scans part of the sources, when that pays."""
    scanned: dict[int, Scan | str] = {}
    sizes = [_size(p) for p in paths]
    if len(paths) > 1 and hasattr(os, "fork") and (os.cpu_count() or 1) > 1 and sum(sizes) >= PARALLEL_MIN_BYTES:
        scanned = _scan_in_two_processes(paths, sizes, settings, meanwhile)
    else:
        meanwhile()
    for index, path in enumerate(paths):
        if index not in scanned:
            scanned[index] = _read_and_scan(path, settings)
    sources: list[Source] = []
    for index, path in enumerate(paths):
        result = scanned[index]
        if isinstance(result, str):
            problems.append(result)
        else:
            sources.append(Source(display_path(path), result))
    return sources


def _read_and_scan(path: Path, settings: CheckSettings) -> Scan | str:
    problems: list[str] = []
    text = _read(path, problems)
    return _scan(path, text, settings) if text is not None else problems[0]


def _scan_in_two_processes(paths: Sequence[Path], sizes: Sequence[int], settings: CheckSettings,
                           meanwhile: Callable[[], None]) -> dict[int, Scan | str]:
    """A forked child scans a little over half the sources (by size) while this process runs
    ``meanwhile`` and scans the rest. The scanners are pure, so the child only sends its results back
    (marshal: plain tuples). Whatever the child fails to deliver is scanned here afterwards, so a
    failed fork costs time, never results."""
    import marshal

    share, total, budget = [], 0, sum(sizes) * CHILD_SHARE
    for index in sorted(range(len(paths)), key=lambda i: -sizes[i]):
        if total < budget:
            share.append(index)
            total += sizes[index]
    mine = [index for index in range(len(paths)) if index not in set(share)]
    reading, writing = os.pipe()
    try:
        child = os.fork()
    except OSError:
        os.close(reading)
        os.close(writing)
        meanwhile()
        return {}
    if child == 0:  # the child: scan its share, send, and leave without running cleanup handlers
        status = 1
        try:
            os.close(reading)
            payload: list[tuple[int, object]] = []
            for index in share:
                result = _read_and_scan(paths[index], settings)
                payload.append((index, result if isinstance(result, str) else
                                ([tuple(c) for c in result.citations], result.cites_all)))
            with os.fdopen(writing, "wb") as stream:
                stream.write(marshal.dumps(payload))
            status = 0
        finally:
            os._exit(status)
    os.close(writing)
    try:
        meanwhile()
        scanned: dict[int, Scan | str] = {index: _read_and_scan(paths[index], settings) for index in mine}
        with os.fdopen(reading, "rb") as stream:
            data = stream.read()
    finally:
        _, status = os.waitpid(child, 0)
    if status == 0:
        try:
            for index, result in marshal.loads(data):
                if isinstance(result, str):
                    scanned[index] = result
                else:
                    citations, cites_all = result
                    scanned[index] = Scan(tuple(Citation(*c) for c in citations), cites_all)
        except (EOFError, ValueError, TypeError):
            pass  # scanned here instead
    return scanned


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _scan(path: Path, text: str, settings: CheckSettings) -> Scan:
    if path.suffix.lower() in LATEX_SUFFIXES:
        return scan_latex(text, extra_commands=settings.cite_commands)
    return scan_markdown(text, crossref_prefixes=settings.crossref_prefixes, extra_commands=settings.cite_commands)


def _read(path: Path, problems: list[str], *, missing_ok: bool = False) -> str | None:
    """UTF-8 text (see :func:`bibsync.fileio.read_text`), or None and a problem."""
    try:
        return read_text(path)
    except FileNotFoundError:
        if not missing_ok:
            problems.append(f"{display_path(path)}: no such file")
    except IsADirectoryError:
        problems.append(f"{display_path(path)}: is a folder, not a file")
    except PermissionError:
        problems.append(f"{display_path(path)}: permission denied")
    except UnicodeDecodeError as error:
        problems.append(f"{display_path(path)}: not UTF-8 text (byte {error.start}); save the file as UTF-8")
    return None


def _unique(paths: Sequence[Path]) -> list[Path]:
    seen: set[Path] = set()
    unique: list[Path] = []
    for path in paths:
        resolved = path.resolve()
        if resolved not in seen:
            seen.add(resolved)
            unique.append(path)
    return unique


def _required_fields() -> dict[str, dict[str, tuple[Requirement, ...]]]:
    from bibsync.mappings import read_text

    table = tomllib.loads(read_text("required-fields.toml"))
    return {kind: parse_required_fields(rows) for kind, rows in table.items() if isinstance(rows, dict)}


# --- the lock: keys that vanished since HEAD ---------------------------------------------------------------


def _lock_state(config: Config) -> LockState | None:
    """The working-tree lock and the one committed at HEAD, for a bibsync project (one with a listing)."""
    if config.listing is None or not config.lock_path.is_file():
        return None
    from bibsync.lockfile import parse_lock

    path = config.lock_path
    shown = display_path(path)
    problems: list[str] = []
    text = _read(path, problems)
    if text is None:
        raise CheckInputError(problems)
    working, lock_problems = parse_lock(text, shown)
    if lock_problems:
        raise CheckInputError([str(p) for p in lock_problems])
    head_text = _git_head_version(path)
    head = None
    if head_text is not None:
        parsed, head_problems = parse_lock(head_text, f"HEAD:{shown}")
        head = None if head_problems else parsed
    return LockState(shown, working, head)


def _git_head_version(path: Path) -> str | None:
    """The file as committed at HEAD, or None (not in git, no commits yet, not tracked, no git)."""
    import subprocess

    try:
        completed = subprocess.run(
            ["git", "-C", str(path.parent), "show", f"HEAD:./{path.name}"],
            capture_output=True, timeout=30, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if completed.returncode != 0:
        return None
    try:
        return completed.stdout.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError:
        return None


# --- staleness: the generated files against what `bibsync export` would write now -------------------------


def _stale_outputs(config: Config, generated: Sequence[Path]) -> list[Finding]:
    from bibsync.export import InputError, build_project, render_bibtex, render_csl  # heavy: only here

    try:
        project = build_project(config)
    except InputError as error:
        raise CheckInputError([str(d) for d in error.diagnostics]) from None
    expected: list[tuple[Path, str]] = []
    for path in generated:
        if config.bib is not None and path.resolve() == config.bib.resolve():
            expected.append((path, render_bibtex(project)))
        elif config.csl is not None and path.resolve() == config.csl.resolve():
            expected.append((path, render_csl(project)))
    if project.lock_changed:
        expected.append((project.lock_path, project.lock_text))
    listing = display_path(project.listing_path)
    findings: list[Finding] = []
    for path, text in expected:
        problems: list[str] = []
        current = _read(path, problems, missing_ok=True)
        if problems:
            raise CheckInputError(problems)
        if current is None:
            if path == project.lock_path:  # (a missing output is reported already)
                findings.append(Finding(display_path(path), 1, 1, "missing: run `bibsync export` to write it"))
            continue
        line = _first_difference(current, text.replace("\r\n", "\n"))
        if line is not None:
            findings.append(Finding(display_path(path), line, 1,
                                    f"out of date: `bibsync export` would write this differently from {listing} "
                                    "now (first difference on this line); run `bibsync export` and commit the result"))
    return findings


def _first_difference(current: str, expected: str) -> int | None:
    if current == expected:
        return None
    current_lines = current.split("\n")
    expected_lines = expected.split("\n")
    for number, (have, want) in enumerate(zip(current_lines, expected_lines, strict=False), start=1):
        if have != want:
            return number
    return min(len(current_lines), len(expected_lines))
