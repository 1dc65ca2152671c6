"""Benchmark what ``bibsync enrich`` adds: applying its results in ``export``, and matching answers.

1. Enrichment overhead in ``export``
    The synthetic listing of ``bench_export.py`` (its normal mode: ``synthetic_listing`` over
    ``fixtures/listing.txt``, same seed) is exported twice per run and size, each time in a fresh
    temporary folder with an empty ``bibsync.toml`` (so no config above it is picked up) and no lock:

        (a) without an enrichment file,
        (b) with a ``bibsync.enrich.json`` next to the lock in which every entry has a ``matched`` record.

    Both are ``python -m bibsync export L --bib --csl --lock --as-of``, a subprocess of this script,
    measured exactly as ``bench_export.py`` measures it (its ``measure``: wall time is
    ``time.perf_counter()`` around the subprocess, interpreter start-up included; CPU time (user + system)
    and peak RSS are the child's at ``wait4()``, through GNU time or a fresh wrapper process).

    The enrichment file is made once per size, before any timing: a first export without enrichment
    gives the keys (its lock, read with ``bibsync.lockfile.parse_lock``); each lock line is mapped back,
    by its title, to the generated entry and so to the fixture paper it derives from. That entry's
    record is what ``bibsync enrich`` would store for it: one Work (``sources`` arxiv + crossref) with the
    entry's title and year, the listed authors (the fixture's full names; the lock's family names are
    checked against them), followed, for an entry the listing cut off with "et al." (44 of the 50
    fixture papers), by 10 invented authors (a record for an entry without "et al." matches only with
    the same author count, so it gets none), a unique arXiv id (``YYMM.NNNNN``), a primary class, a DOI
    under ``10.5555/``, the landing URL, and for one entry in three a Venue (alternately ``journal`` and
    ``proceedings``) with volume, pages and publisher. The file is written with
    ``bibsync.enrich.store.format_store``.

    Every size and variant is timed ``--runs`` times, round-robin over the sizes, the order of the two
    variants alternating between runs, so that drift on a noisy machine hits them alike.

    Checked, not only timed: exit status 0 and the entry count the CLI reports; without enrichment the
    ``.bib`` has no ``eprint = {`` line, with it exactly one per entry, and as many ``@article{`` /
    ``@inproceedings{`` as records with a journal / proceedings venue; the lock written with enrichment
    is byte-identical to the one written without (keys never depend on enrichment), in every run.

2. Cost of matching (in-process)
    ``bibsync.enrich.update.update`` (which runs ``bibsync.enrich.match.decide`` per lookup) on
    ``--lookups`` lookups with ``--candidates`` candidates each, timed with ``time.perf_counter()`` around
    the call, ``--runs`` times (a ``gc.collect()`` before each). Lookups are built from the 50 fixture
    entries, parsed with ``bibsync.export.build_project``; lookup *i* is fixture entry ``i % 50`` with
    `` i`` appended to its title, and its key made unique. Its candidates come from the services in
    turn (for 6: 2 arXiv, 2 Crossref, 2 DBLP); one of them, at position ``i % K``, has the exact title
    (number included), the listed authors (plus 10 more when the listing says "et al."), and the year;
    the others are, in turn, a near title (its first ~80% of words, same authors: "review" on its
    own), the exact title by other authors (a different paper), and another fixture paper altogether.
    Every candidate has its own identifiers, so none is merged with another.

    Checked: every lookup's verdict is ``matched`` and its work carries the exact candidate's
    identifiers.

3. The rate floor (computed, not measured)
    The least wall time the services' documented rates impose on a real ``bibsync enrich`` of N entries
    with the default services: services are asked side by side, each no faster than one request per
    ``min_interval / concurrency`` seconds, so ``N * max(min_interval / concurrency)`` over the services
    (arXiv: 3 s, one at a time).

The report names the machine and the commit measured (at the start, and at the end if it changed).

Run from the repository root::

    /work/venv/bin/python benchmarks/bench_enrich.py                          # 10k and 100k, 3 runs
    /work/venv/bin/python benchmarks/bench_enrich.py --sizes 10000 --runs 5
    /work/venv/bin/python benchmarks/bench_enrich.py --skip-export --lookups 20000 --candidates 8
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import inspect
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import bench_export  # the module next to this one

REPO = bench_export.REPO
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # measure this checkout, not an installed bibsync

from bibsync.config import DEFAULT_ENRICH, Config  # noqa: E402
from bibsync.enrich.candidate import Candidate, Query  # noqa: E402
from bibsync.enrich.fetch import Answer, Lookup  # noqa: E402
from bibsync.enrich.match import Work  # noqa: E402
from bibsync.enrich.services import SERVICES  # noqa: E402
from bibsync.enrich.settings import DEFAULT_SERVICES, EnrichSettings  # noqa: E402
from bibsync.enrich.store import Record, Status, format_store  # noqa: E402
from bibsync.enrich.update import query_for, update  # noqa: E402
from bibsync.export import build_project  # noqa: E402
from bibsync.lockfile import parse_lock  # noqa: E402
from bibsync.model import Entry, Keyed, Person, Venue  # noqa: E402

AS_OF = bench_export.AS_OF
SEED = 20261126  # bench_export's default: the same listing
EXTRA_AUTHORS = 10  # authors a record adds to an entry the listing cut off with "et al."
ARXIV_CLASSES = ("cs.LG", "cs.CL", "cs.CV", "stat.ML", "cs.AI", "cs.SI")
MATCH_SOURCES = ("arxiv", "crossref", "dblp")

_GIVEN = ("Ada", "Bo", "Chen", "Dana", "Emil", "Fatima", "Goran", "Hana", "Ivo", "Jun", "Kemal", "Lea")
_FAMILY = ("Abara", "Brandt", "Castillo", "Dvorak", "Eriksen", "Fujita", "Gallo", "Horvat", "Ibsen", "Jansen",
           "Kowalski", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Petrov", "Quint", "Rossi", "Sato", "Tanaka")


def invented_authors(seed: int, count: int) -> tuple[Person, ...]:
    """``count`` invented people, different for different seeds (none shares a fixture author's name)."""
    return tuple(Person(family=f"{_FAMILY[(seed + 7 * j) % len(_FAMILY)]}{'son' * (j // len(_FAMILY))}",
                        given=_GIVEN[(seed // 3 + j) % len(_GIVEN)]) for j in range(count))


def arxiv_id(number: int) -> str:
    """A unique new-style arXiv id per number, ``0701.00000`` .. ``2512.99999`` (well-formed below 100,000)."""
    return f"{7 + (number // 12) % 19:02d}{1 + number % 12:02d}.{number:05d}"


def fixture_entries(fixture_path: Path, scratch: Path) -> tuple[Keyed, ...]:
    """The fixture's entries as bibsync parses them (keyed, sorted by key)."""
    project = build_project(Config(root=scratch), listing=fixture_path, as_of=dt.date.fromisoformat(AS_OF),
                            lock=scratch / "fixture.lock", enrich=False)
    return project.keyed


# --- 1. export with and without enrichment ---------------------------------------------------------------


@dataclass(slots=True)
class Prepared:
    """One size's inputs: the listing, the keys' lock, and the enrichment file for it."""

    listing: Path
    lock_bytes: bytes
    store: Path
    journals: int
    proceedings: int
    store_mib: float
    store_seconds: float  # building the records and format_store, in this process


@dataclass(slots=True)
class ExportResults:
    without: list[bench_export.Sample] = field(default_factory=list)
    with_: list[bench_export.Sample] = field(default_factory=list)
    warnings: dict[str, int] = field(default_factory=dict)


def export_command(listing: Path, folder: Path, as_of: str) -> list[str]:
    return [sys.executable, "-m", "bibsync", "export", str(listing), "--bib", str(folder / "out.bib"),
            "--csl", str(folder / "out.json"), "--lock", str(folder / "bibsync.lock"), "--as-of", as_of]


def fresh_folder(scratch: Path, prefix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=scratch))
    (folder / "bibsync.toml").write_text("", encoding="utf-8")  # stop config discovery here
    return folder


def make_records(lock_text: str, listing: bench_export.Listing, fixture: Sequence[bench_export.FixtureEntry],
                 parsed: dict[str, Entry]) -> list[Record]:
    """A ``matched`` record for every key in the lock (see the module docstring)."""
    locked, problems = parse_lock(lock_text, "bibsync.lock")
    if problems:
        raise SystemExit(f"the lock does not parse: {problems[0]}")
    if len(locked) != len(listing.titles):
        raise SystemExit(f"the lock has {len(locked)} keys for {len(listing.titles)} entries")
    number_of = {" ".join(t.split()): n for n, t in enumerate(listing.titles)}
    base_of: list[int] = []  # entry number -> fixture index (normal mode: one fixture paper per key group)
    for group, members in enumerate(listing.group_sizes):
        base_of.extend([group % len(fixture)] * members)
    records = []
    for key, lock in locked.items():
        number = number_of.get(lock.title)
        if number is None:
            raise SystemExit(f"{key}: the lock's title is not a generated one: {lock.title!r}")
        entry = parsed[" ".join(fixture[base_of[number]].title.split())]
        if tuple(p.family for p in entry.authors[:3]) != lock.authors:
            raise SystemExit(f"{key}: the lock's authors {lock.authors} are not the fixture's {entry.authors}")
        authors = entry.authors + (invented_authors(number, EXTRA_AUTHORS) if entry.truncated else ())
        year = lock.date.year
        identifier = arxiv_id(number)
        doi = f"10.5555/bench.{number}"
        venue = None
        if number % 3 == 0:
            journal = number % 6 == 0
            venue = Venue(kind="journal" if journal else "proceedings",
                          title="Journal of Synthetic Results" if journal else "Proceedings of the Benchmark Workshop",
                          year=year + number % 2, volume=str(1 + number % 40), issue=str(1 + number % 4) if journal
                          else "", pages=f"{1 + number % 900}-{13 + number % 900}",
                          publisher="" if journal else "Bench Press")
        work = Work(sources=("arxiv", "crossref"), title=lock.title, authors=authors, year=year, doi=doi,
                    arxiv_id=identifier, arxiv_class=ARXIV_CLASSES[number % len(ARXIV_CLASSES)],
                    url=f"https://doi.org/{doi}" if venue else f"https://arxiv.org/abs/{identifier}", venue=venue)
        records.append(Record(key, Status.MATCHED, "title, year and authors agree (arxiv, crossref)", (work,)))
    return records


def prepare(size: int, fixture: Sequence[bench_export.FixtureEntry], parsed: dict[str, Entry], scratch: Path,
            env: dict[str, str], method: str, as_of: str, timeout: float) -> Prepared:
    listing = bench_export.synthetic_listing(fixture, size, worst_case=False, seed=SEED)
    listing_path = scratch / f"listing-{size}.txt"
    listing_path.write_text(listing.text, encoding="utf-8")
    folder = fresh_folder(scratch, f"keys{size}-")
    err = folder / "stderr.txt"
    bench_export.measure(export_command(listing_path, folder, as_of), folder, env, err, method, timeout)
    bench_export.check_entries(err, size)
    lock_text = (folder / "bibsync.lock").read_text(encoding="utf-8")
    start = time.perf_counter()
    records = make_records(lock_text, listing, fixture, parsed)
    store = scratch / f"enrich-{size}.json"
    store.write_text(format_store(records), encoding="utf-8")
    seconds = time.perf_counter() - start
    journals = sum(1 for r in records if r.works[0].venue is not None and r.works[0].venue.kind == "journal")
    proceedings = sum(1 for r in records if r.works[0].venue is not None and r.works[0].venue.kind == "proceedings")
    lock_bytes = (folder / "bibsync.lock").read_bytes()
    shutil.rmtree(folder)
    return Prepared(listing_path, lock_bytes, store, journals, proceedings, store.stat().st_size / 2**20, seconds)


def count_lines(path: Path, prefix: str) -> int:
    with path.open(encoding="utf-8") as text:
        return sum(1 for line in text if line.lstrip().startswith(prefix))


def run_export(size: int, prepared: Prepared, enriched: bool, scratch: Path, env: dict[str, str], method: str,
               as_of: str, timeout: float, results: ExportResults) -> bench_export.Sample:
    """One export in a fresh folder without a lock; with ``enriched``, the enrichment file next to the lock."""
    folder = fresh_folder(scratch, f"{'with' if enriched else 'without'}{size}-")
    if enriched:
        shutil.copyfile(prepared.store, folder / DEFAULT_ENRICH)
    err = folder / "stderr.txt"
    sample = bench_export.measure(export_command(prepared.listing, folder, as_of), folder, env, err, method, timeout)
    results.warnings["with" if enriched else "without"] = bench_export.check_entries(err, size)
    bib = folder / "out.bib"
    eprints = count_lines(bib, "eprint = {")
    if eprints != (size if enriched else 0):
        raise SystemExit(f"{size} entries {'with' if enriched else 'without'} enrichment: {eprints} 'eprint = {{' "
                         f"lines in {bib}")
    if enriched:
        articles, inproceedings = count_lines(bib, "@article{"), count_lines(bib, "@inproceedings{")
        if (articles, inproceedings) != (prepared.journals, prepared.proceedings):
            raise SystemExit(f"{size} entries: {articles} @article / {inproceedings} @inproceedings in {bib}, "
                             f"expected {prepared.journals} / {prepared.proceedings}")
    if (folder / "bibsync.lock").read_bytes() != prepared.lock_bytes:
        raise SystemExit(f"{size} entries {'with' if enriched else 'without'} enrichment: the lock differs from "
                         f"the one written without enrichment ({folder})")
    shutil.rmtree(folder)
    return sample


# --- 2. matching ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MatchInput:
    lookups: list[Lookup]
    answers: list[Answer]
    truncated: dict[str, bool]
    expected: dict[str, tuple[str, str]]  # key -> (arXiv id, DOI) of the exact candidate


def near_title(title: str) -> str:
    """The first ~80% of the words (a subtitle dropped: similar enough for review), never the same title."""
    words = title.split()
    kept = words[:(len(words) * 4) // 5]
    return " ".join(kept) if kept else f"{title} Revisited"


def candidate(source: str, title: str, authors: tuple[Person, ...], year: int, tag: str) -> Candidate:
    """A record as ``source`` would return it, with identifiers unique to ``tag``."""
    if source == "arxiv":
        return Candidate(source, title, authors, year, doi=f"10.48550/arxiv.{tag}", arxiv_id=tag,
                         arxiv_class="cs.LG", url=f"https://arxiv.org/abs/{tag}")
    venue = Venue(kind="proceedings", title="Proceedings of the Benchmark Workshop", year=year, pages="1-12")
    return Candidate(source, title, authors, year, doi=f"10.5555/{source}.{tag}", url=f"https://doi.org/10.5555/{tag}",
                     venue=venue)


def match_input(entries: Sequence[Keyed], lookups: int, per_lookup: int) -> MatchInput:
    result = MatchInput([], [], {}, {})
    queries = [query_for(k) for k in entries]
    # For each entry, the fixture papers none of whose authors it shares: their author lists are "other authors".
    families = [{p.family for p in q.authors} for q in queries]
    others = [[q for j, q in enumerate(queries) if not families[i] & families[j]] for i in range(len(queries))]
    for number in range(lookups):
        index = number % len(entries)
        entry, base = entries[index].entry, queries[index]
        key = f"{entries[index].key}-{number}"
        query = Query(key=key, title=f"{base.title} {number}", authors=base.authors, year=base.year)
        other = others[index][number % len(others[index])]
        exact_at = number % per_lookup
        by_source: dict[str, list[Candidate]] = {}
        kind = 0
        for position in range(per_lookup):
            source = MATCH_SOURCES[position * len(MATCH_SOURCES) // per_lookup]
            tag = arxiv_id(number * per_lookup + position)
            if position == exact_at:
                authors = base.authors + (invented_authors(number, EXTRA_AUTHORS) if entry.truncated else ())
                found = candidate(source, query.title, authors, query.year, tag)
                result.expected[key] = (found.arxiv_id, found.doi)
            else:
                if kind % 3 == 0:
                    found = candidate(source, f"{near_title(base.title)} {number}", base.authors, query.year, tag)
                elif kind % 3 == 1:
                    found = candidate(source, query.title, other.authors, query.year, tag)
                else:
                    found = candidate(source, f"{other.title} {number}", other.authors, other.year, tag)
                kind += 1
            by_source.setdefault(source, []).append(found)
        result.lookups.append(Lookup(query))
        result.answers.extend(Answer(key, source, tuple(found)) for source, found in by_source.items())
        result.truncated[key] = entry.truncated
    return result


def run_matching(data: MatchInput, settings: EnrichSettings, runs: int) -> list[float]:
    """Seconds per ``update`` call, each checked."""
    extra = {"asked": MATCH_SOURCES} if "asked" in inspect.signature(update).parameters else {}
    seconds = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        records, changes = update(data.lookups, data.answers, {}, settings, data.truncated, **extra)
        seconds.append(time.perf_counter() - start)
        check_matching(data, records, changes)
    return seconds


def check_matching(data: MatchInput, records: dict[str, Record], changes: Sequence[object]) -> None:
    if len(changes) != len(data.lookups) or len(records) != len(data.lookups):
        raise SystemExit(f"update gave {len(changes)} changes and {len(records)} records for {len(data.lookups)} "
                         "lookups")
    for key, (identifier, doi) in data.expected.items():
        record = records[key]
        if record.status is not Status.MATCHED:
            raise SystemExit(f"{key}: {record.status.value}, expected matched: {record.reason}")
        work = record.works[0]
        if len(record.works) != 1 or (work.arxiv_id, work.doi) != (identifier, doi):
            raise SystemExit(f"{key}: matched {[w.identifiers for w in record.works]}, expected {identifier} / {doi}")


# --- report --------------------------------------------------------------------------------------------------


def rate_floor(entries: int) -> tuple[float, str]:
    """Seconds the default services' documented rates impose on ``entries`` lookups, and the binding service."""
    services = [SERVICES[name] for name in DEFAULT_SERVICES]
    slowest = max(services, key=lambda s: s.min_interval / s.concurrency)
    return entries * slowest.min_interval / slowest.concurrency, slowest.label


def duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds:.0f} s = {seconds / 60:.0f} min"
    return f"{seconds:,.0f} s = {seconds / 3600:.1f} h"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Time `bibsync export` with and without a full enrichment file, and the matching of "
                    "service answers (bibsync.enrich.update); print a Markdown report.",
        epilog="See the module docstring for what is generated, measured and checked.",
    )
    parser.add_argument("--sizes", type=bench_export.parse_sizes, default=[10_000, 100_000],
                        help="comma-separated entry counts for the export measurement (default: 10000,100000)")
    parser.add_argument("--runs", type=int, default=3, help="repetitions per measurement (default: 3)")
    parser.add_argument("--lookups", type=int, default=10_000, help="lookups per matching run (default: 10000)")
    parser.add_argument("--candidates", type=int, default=6,
                        help="candidates per lookup, one of them the paper (default: 6)")
    parser.add_argument("--skip-export", action="store_true", help="only measure matching")
    parser.add_argument("--rss", choices=("auto", "time", "wrapper"), default="auto",
                        help="how to read the child's peak RSS (as bench_export.py; default: GNU time if it works)")
    parser.add_argument("--fixture", type=Path, default=bench_export.FIXTURE, help="the listing to derive entries from")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds allowed per export (default: 1800)")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.lookups < 1 or args.candidates < 1:
        parser.error("--runs, --lookups and --candidates must be at least 1")

    measured = bench_export.revision()
    machine = bench_export.machine()
    method = "time" if args.rss == "time" or (args.rss == "auto" and bench_export.gnu_time_works()) else "wrapper"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    env.pop("PYTHONPROFILEIMPORTTIME", None)

    fixture = bench_export.read_fixture(args.fixture)
    scratch = Path(tempfile.mkdtemp(prefix="bibsync-bench-enrich-"))
    prepared: dict[int, Prepared] = {}
    exports = {size: ExportResults() for size in args.sizes}
    try:
        keyed = fixture_entries(args.fixture, scratch)
        parsed = {k.entry.title: k.entry for k in keyed}

        if not args.skip_export:
            for size in args.sizes:
                print(f"preparing {size:,} entries: keys, enrichment file ...", file=sys.stderr, flush=True)
                prepared[size] = prepare(size, fixture, parsed, scratch, env, method, AS_OF, args.timeout)
            for run in range(args.runs):
                for size in args.sizes:
                    for enriched in ((False, True) if run % 2 == 0 else (True, False)):
                        sample = run_export(size, prepared[size], enriched, scratch, env, method, AS_OF, args.timeout,
                                            exports[size])
                        (exports[size].with_ if enriched else exports[size].without).append(sample)
                        print(f"run {run + 1}/{args.runs}: {size:,} entries {'with' if enriched else 'without'} "
                              f"enrichment: {sample.seconds:.2f} s ({sample.cpu:.2f} s CPU) {sample.peak_mib:.0f} MiB",
                              file=sys.stderr, flush=True)

        print(f"matching: {args.lookups:,} lookups x {args.candidates} candidates ...", file=sys.stderr, flush=True)
        data = match_input(keyed, args.lookups, args.candidates)
        settings = EnrichSettings(file=scratch / DEFAULT_ENRICH)
        matching = run_matching(data, settings, args.runs)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    print("## bibsync enrich benchmark\n")
    print(f"Machine: {machine}  ")
    now = bench_export.revision()
    print(f"bibsync: {measured}" + ("" if now == measured else f" at the start, {now} at the end"))
    print()
    if not args.skip_export:
        rss_how = "GNU time %M" if method == "time" else "ru_maxrss of a fresh wrapper process's only child"
        print("### 1. `bibsync export` without and with a full enrichment file\n")
        print(f"First export (no lock) in a fresh folder. Wall time: perf_counter around the subprocess "
              f"(includes interpreter start-up); peak RSS: {rss_how}; CPU: the child's user + system.\n")
        print("| entries | variant | runs | median s | min s | peak MiB | median CPU s |")
        print("|---:|---|---:|---:|---:|---:|---:|")
        for size in args.sizes:
            print(bench_export.row(f"{size:,}", "without enrichment", exports[size].without))
            print(bench_export.row(f"{size:,}", "with enrichment (all matched)", exports[size].with_))
        print()
        for size in args.sizes:
            without, with_ = exports[size].without, exports[size].with_
            wall = statistics.median(s.seconds for s in with_) / statistics.median(s.seconds for s in without)
            cpu = statistics.median(s.cpu for s in with_) / statistics.median(s.cpu for s in without)
            peak = max(s.peak_mib for s in with_) / max(s.peak_mib for s in without)
            extra = statistics.median(s.seconds for s in with_) - statistics.median(s.seconds for s in without)
            print(f"- {size:,} entries: with/without = {wall:.2f} wall (median; +{extra:.2f} s), {cpu:.2f} CPU "
                  f"(median), {peak:.2f} peak RSS")
        for size in args.sizes:
            p = prepared[size]
            print(f"- {size:,} entries: enrichment file {p.store_mib:.1f} MiB ({p.journals:,} journal and "
                  f"{p.proceedings:,} proceedings venues), built and written in {p.store_seconds:.1f} s in-process; "
                  f"warning lines on stderr: {exports[size].warnings.get('without', 0)} without, "
                  f"{exports[size].warnings.get('with', 0)} with")
        print("- checked in every run: exit 0, entry count, `eprint = {` lines (0 without, one per entry with), "
              "@article/@inproceedings counts, lock byte-identical with and without enrichment\n")

    print("### 2. Matching: `bibsync.enrich.update.update` (runs `match.decide` per lookup)\n")
    per_lookup = [s / args.lookups * 1e6 for s in matching]
    print("| lookups | candidates each | runs | median s per run | median µs per lookup | min µs per lookup |")
    print("|---:|---:|---:|---:|---:|---:|")
    print(f"| {args.lookups:,} | {args.candidates} | {len(matching)} | {statistics.median(matching):.2f} | "
          f"{statistics.median(per_lookup):.0f} | {min(per_lookup):.0f} |")
    print(f"\n- checked in every run: all {args.lookups:,} lookups matched, each to its exact candidate's identifiers "
          f"(median {statistics.median(per_lookup) / args.candidates:.0f} µs per candidate)\n")

    print("### 3. Rate floor of a real `bibsync enrich` (computed, not measured)\n")
    services = ", ".join(f"{SERVICES[n].label} {SERVICES[n].min_interval:g} s x{SERVICES[n].concurrency}"
                         for n in DEFAULT_SERVICES)
    print(f"Default services ({services}; min_interval x concurrency) are asked side by side: "
          "N x max(min_interval / concurrency).\n")
    counts = sorted({len(fixture), *([] if args.skip_export else args.sizes), args.lookups})
    for count in counts:
        seconds, label = rate_floor(count)
        print(f"- {count:,} entries -> at least {duration(seconds)} ({label}-bound); matching their answers at the "
              f"rate measured above: ~{statistics.median(per_lookup) * count / 1e6:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
