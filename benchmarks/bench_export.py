"""Benchmark ``bibsync export`` on large synthetic listings.

The listing is generated from ``fixtures/listing.txt`` (read as text, not through bibsync): every entry
is one of the fixture's 50 papers with its title and abstract made unique, so the parser, the key
assignment, the lock and both writers do the work a real listing of that size would ask of them.

Normal mode (the default)
    Entries come in small *key groups*: papers that share the first author, the year and the first
    significant title word, hence one citation-key base (``mirowski2011kabeton``). Each group gets its
    own capitalised pseudo-word at the start of the title; each entry gets its own number woven into the
    middle of the title and a sentence with that number at the end of the abstract. Group sizes are drawn
    from a fixed distribution (80% singletons, then 2, 3, 4 and a few 8s), so the amount of suffixing per
    entry does not depend on N and a time ratio between sizes measures scaling, not a growing workload
    per group. Dates: the fixture's month, a rotated day, and a year rotated over 1995-2026; one group in
    seven keeps a year-less ``Mon D`` header (resolved against ``--as-of``).
``--worst-case``
    Only a counter in the middle of the title makes it unique; headers are the fixture's own. All
    entries derived from one fixture paper share one key base: ~N/49 entries per base (fixture papers
    with a one-word title are left out, since that word must stay glued to the first author's name).

Every size is timed ``--runs`` times, round-robin over the sizes so that drift on a noisy machine hits
them alike. One run, in a fresh temporary folder with an empty ``bibsync.toml`` (so no config above it
is picked up), is

    (a) a first export with no lock file:  ``python -m bibsync export L --bib --csl --lock --as-of``
    (b) the same command again with the lock written by (a) present, so every key is matched from it.

Each export is a subprocess of this script. Wall time is ``time.perf_counter()`` around it (so it
includes interpreter start-up, ~0.3 s, which the 50-entry fixture run shows). Peak RSS and CPU time
(user + system, steadier than wall time when other work shares the machine) are the child's, as the
kernel reports them at ``wait4()``: through ``/usr/bin/time -f '%e %M %U %S'`` when that is GNU time,
otherwise through a fresh intermediate Python process whose only child is the export, from its
``getrusage(RUSAGE_CHILDREN)`` (never a delta across runs in this process: ``ru_maxrss`` is a maximum
over all children so far, so a delta would hide every run smaller than the largest before it).

The report names the commit measured: the tree may change under a long run.

The runs are checked, not only timed: exit status 0, the reported entry count equals N, the lock holds
exactly the generated titles (so the title/author split came out as intended), and the re-export leaves
the lock and both outputs byte-identical.

Run from the repository root::

    /work/venv/bin/python benchmarks/bench_export.py                    # 10k and 100k, 5 runs each
    /work/venv/bin/python benchmarks/bench_export.py --sizes 10000,100000 --runs 3
    /work/venv/bin/python benchmarks/bench_export.py --worst-case --sizes 100000 --runs 1
    /work/venv/bin/python benchmarks/bench_export.py --write-listing /tmp/l100k.txt --sizes 100000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "fixtures" / "listing.txt"
AS_OF = "2026-11-26"
GNU_TIME = "/usr/bin/time"

# Targets from the performance brief.
TARGET_RATIO = 11.0  # time(100k) / time(10k)
TARGET_SECONDS_100K = 20.0
TARGET_PEAK_MIB_100K = 1024.0

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_HEADER = re.compile(
    r"(?P<category>[A-Z]{2,4}?)(?P<month>" + "|".join(MONTHS) + r")\s*(?P<day>\d{1,2})"
    r"(?:,\s*(?P<year>\d{4}))?\s*(?P<code>Code)?"
)
_ORGANISATIONS = re.compile(r"\s+\u00b7\s*(?=[^\u00b7]*$)")
_ET_AL = re.compile(r"\s*\bet\.?\s+al\.?\s*$")
_PARTICLES = frozenset({"de", "la", "las", "le", "van", "von", "der", "den", "da", "di", "du", "del", "della", "dos"})
_SUMMARY = re.compile(r"bibsync: (\d+) entries")

# Key-group sizes in normal mode and their weights.
GROUP_SIZES = (1, 2, 3, 4, 8)
GROUP_WEIGHTS = (0.80, 0.12, 0.05, 0.02, 0.01)
YEARLESS_EVERY = 7  # one group in seven keeps a year-less "Mon D" header
YEARS = range(1995, 2027)

_CONSONANTS = "bdfgklmnprstvz"
_VOWELS = "aeiou"
_SYLLABLES = [c + v for c in _CONSONANTS for v in _VOWELS]


# --- the fixture ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FixtureEntry:
    category: str
    month: str
    day: int
    year: int | None
    code: bool
    title: str  # the title as it is glued to the authors
    rest: str  # everything after the title: "Piotr Mirowski, ... et al. · deepmind"
    abstract: str


def read_fixture(path: Path) -> list[FixtureEntry]:
    """The fixture's entries: a header line, a title/author line, abstract lines up to the next header."""
    lines = [line.strip() for line in path.read_text(encoding="utf-8-sig").splitlines() if line.strip()]
    entries: list[FixtureEntry] = []
    index = 0
    while index < len(lines):
        header = _HEADER.fullmatch(lines[index])
        if header is None or index + 1 >= len(lines):
            raise SystemExit(f"{path}: line {index + 1} is not an entry header: {lines[index]!r}")
        body = lines[index + 1]
        index += 2
        abstract: list[str] = []
        while index < len(lines) and _HEADER.fullmatch(lines[index]) is None:
            abstract.append(lines[index])
            index += 1
        title_end = title_end_of(body)
        if title_end is None:
            print(f"note: skipping a fixture entry whose title end is unclear: {body[:60]!r}", file=sys.stderr)
            continue
        entries.append(
            FixtureEntry(
                category=header["category"],
                month=header["month"],
                day=int(header["day"]),
                year=int(header["year"]) if header["year"] else None,
                code=header["code"] is not None,
                title=body[:title_end],
                rest=body[title_end:],
                abstract=" ".join(abstract),
            )
        )
    return entries


def title_end_of(body: str) -> int | None:
    """Where the title ends in a title/author line: at the leftmost capital glued to a non-space such
    that everything from it to the next ", " reads as a name, in the piece right of which all pieces
    are names."""
    authors = _ET_AL.sub("", _ORGANISATIONS.split(body, maxsplit=1)[0]).rstrip()
    pieces = authors.split(", ")
    glue = len(pieces) - 1
    while glue > 0 and _is_name(pieces[glue]):
        glue -= 1
    offset = sum(len(p) + 2 for p in pieces[:glue])
    piece = pieces[glue]
    for at in range(1, len(piece)):
        if piece[at].isupper() and piece[at - 1] not in " -'\u2019/" and _is_name(piece[at:]):
            return offset + at
    return None


def _is_name(text: str) -> bool:
    words = text.split()
    if not 1 <= len(words) <= 6 or words[0] in _PARTICLES:
        return False
    return all(w in _PARTICLES or _is_name_word(w) for w in words)


def _is_name_word(word: str) -> bool:
    if not word[0].isupper():
        return False
    if re.fullmatch(r"(?:[A-Z]\.?-?){1,3}", word):  # initials: W, W., J.-B., JC
        return True
    for i in range(1, len(word)):
        char, before = word[i], word[i - 1]
        if char.isupper() and before not in "-'\u2019" and word[:i] not in ("Mc", "Mac"):
            return False
        if not (char.isalpha() or char in "-'\u2019"):
            return False
    return True


# --- the synthetic listing ----------------------------------------------------------------------------


@dataclass(slots=True)
class Listing:
    text: str
    titles: list[str]
    group_sizes: list[int] = field(default_factory=list)  # the intended key groups (normal mode)
    bases: int = 0  # fixture papers the entries derive from


def pseudo_word(number: int) -> str:
    """A distinct capitalised pseudo-word per number ("Bababan", "Kabeton"): never a stop word, never a
    name particle, no inner capital, so it neither changes the title/author split nor vanishes from keys."""
    syllables = []
    for _ in range(3):
        number, remainder = divmod(number, len(_SYLLABLES))
        syllables.append(_SYLLABLES[remainder])
    while number:
        number, remainder = divmod(number, len(_SYLLABLES))
        syllables.append(_SYLLABLES[remainder])
    return ("".join(reversed(syllables)) + "n").capitalize()


def weave(title: str, token: str) -> str:
    """``token`` inserted in the middle of ``title`` (before its middle word), never at its end."""
    words = title.split(" ")
    middle = max(1, len(words) // 2)
    return " ".join([*words[:middle], token, *words[middle:]])


def header(entry: FixtureEntry, day: int, year: int | None) -> str:
    date = f"{entry.month} {day}" + (f", {year}" if year is not None else "")
    return f"{entry.category}{date}{'Code' if entry.code else ''}"


def synthetic_listing(fixture: Sequence[FixtureEntry], size: int, *, worst_case: bool, seed: int) -> Listing:
    blocks: list[str] = []
    titles: list[str] = []
    if worst_case:
        bases = [e for e in fixture if " " in e.title.strip()]
        for number in range(size):
            base = bases[number % len(bases)]
            title = weave(base.title, str(100_000 + number))
            abstract = f"{base.abstract} This is variant {number} of the study.".strip()
            blocks.append(f"{header(base, base.day, base.year)}\n{title}{base.rest}\n{abstract}\n")
            titles.append(title)
        return Listing("".join(blocks), titles, bases=len(bases))

    rng = random.Random(seed)
    group_sizes: list[int] = []
    number = 0
    group = 0
    while number < size:
        base = fixture[group % len(fixture)]
        members = min(rng.choices(GROUP_SIZES, GROUP_WEIGHTS)[0], size - number)
        group_sizes.append(members)
        year = None if group % YEARLESS_EVERY == YEARLESS_EVERY - 1 else YEARS[(group // len(fixture) + group) % 32]
        tag = pseudo_word(group)
        for member in range(members):
            day = 1 + (base.day + group + member) % 28  # 1-28: a valid date in any month and year
            title = weave(f"{tag} {base.title}", str(100_000 + number))
            abstract = f"{base.abstract} This is variant {number} of the study.".strip()
            blocks.append(f"{header(base, day, year)}\n{title}{base.rest}\n{abstract}\n")
            titles.append(title)
            number += 1
        group += 1
    return Listing("".join(blocks), titles, group_sizes, bases=len(fixture))


# --- measuring one export -----------------------------------------------------------------------------

# Runs the export as its only child and reports the child's peak RSS: a fresh process, so
# RUSAGE_CHILDREN covers exactly that one child.
_WRAPPER = """\
import json, resource, subprocess, sys
code = subprocess.call(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=open(sys.argv[1], "wb"))
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": code, "maxrss_kib": usage.ru_maxrss, "cpu": usage.ru_utime + usage.ru_stime}))
"""


@dataclass(frozen=True, slots=True)
class Sample:
    seconds: float  # wall
    peak_mib: float  # the child's peak RSS
    cpu: float  # the child's user + system CPU seconds: less sensitive than wall time to other load


def gnu_time_works() -> bool:
    if not os.access(GNU_TIME, os.X_OK):
        return False
    with tempfile.NamedTemporaryFile("r") as out:
        done = subprocess.run([GNU_TIME, "-f", "%e %M", "-o", out.name, "true"], capture_output=True, check=False)
        fields = out.read().split()
    return done.returncode == 0 and len(fields) == 2 and fields[1].isdigit()


def measure(command: Sequence[str], cwd: Path, env: dict[str, str], stderr_path: Path, method: str,
            timeout: float) -> Sample:
    """Run ``command`` once; wall seconds and the child's peak RSS. Exits on failure."""
    if method == "time":
        rss_file = cwd / ".time.out"
        full = [GNU_TIME, "-f", "%e %M %U %S", "-o", str(rss_file), *command]
        with stderr_path.open("wb") as err:
            start = time.perf_counter()
            done = subprocess.run(full, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err, timeout=timeout,
                                  check=False)
            seconds = time.perf_counter() - start
        code = done.returncode
        _, peak, user, system = rss_file.read_text().splitlines()[-1].split()
        peak_kib, cpu = int(peak), float(user) + float(system)
        rss_file.unlink()
    else:
        start = time.perf_counter()
        wrapped = subprocess.run([sys.executable, "-c", _WRAPPER, str(stderr_path), *command], cwd=cwd, env=env,
                                 capture_output=True, text=True, timeout=timeout, check=False)
        seconds = time.perf_counter() - start
        report = json.loads(wrapped.stdout)
        code, peak_kib, cpu = int(report["code"]), int(report["maxrss_kib"]), float(report["cpu"])
    if code != 0:
        tail = stderr_path.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise SystemExit(f"export failed with status {code} in {cwd}:\n{tail}")
    return Sample(seconds, peak_kib / 1024, cpu)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_entries(stderr_path: Path, expected: int) -> int:
    """The entry count the CLI reports must be ``expected``; returns the number of warning lines."""
    lines = stderr_path.read_text(encoding="utf-8", errors="replace").splitlines()
    summary = [m for m in map(_SUMMARY.search, lines) if m]
    if not summary or int(summary[-1].group(1)) != expected:
        raise SystemExit(f"expected 'bibsync: {expected} entries', got: {lines[-1:]}")
    return len(lines) - 1


def check_titles(lock: Path, titles: Sequence[str]) -> None:
    """The lock holds exactly the generated titles: every title/author split fell where intended."""
    locked = sorted(
        line.split("\t")[3] for line in lock.read_text(encoding="utf-8").splitlines() if line and line[0] != "#"
    )
    expected = sorted(" ".join(t.split()) for t in titles)
    if locked != expected:
        wrong = sorted(set(expected) - set(locked))[:3]
        raise SystemExit(f"{len(set(expected) - set(locked))} titles were not split as generated, e.g. {wrong}")


@dataclass(slots=True)
class Results:
    first: list[Sample] = field(default_factory=list)
    again: list[Sample] = field(default_factory=list)
    warnings: int = 0


def run_once(size: int, listing: Path, listing_titles: Sequence[str] | None, scratch: Path, env: dict[str, str],
             method: str, as_of: str, timeout: float, results: Results) -> None:
    """One first export and one re-export in a fresh folder."""
    folder = Path(tempfile.mkdtemp(prefix=f"run{size}-", dir=scratch))
    (folder / "bibsync.toml").write_text("", encoding="utf-8")  # stop config discovery here
    bib, csl, lock = folder / "out.bib", folder / "out.json", folder / "bibsync.lock"
    command = [sys.executable, "-m", "bibsync", "export", str(listing), "--bib", str(bib), "--csl", str(csl),
               "--lock", str(lock), "--as-of", as_of]
    err = folder / "stderr.txt"

    results.first.append(measure(command, folder, env, err, method, timeout))
    results.warnings = check_entries(err, size)
    if listing_titles is not None:
        check_titles(lock, listing_titles)
    before = (digest(lock), digest(bib), digest(csl))

    results.again.append(measure(command, folder, env, err, method, timeout))
    check_entries(err, size)
    if (digest(lock), digest(bib), digest(csl)) != before:
        raise SystemExit(f"re-export with the lock changed the lock or the outputs (size {size}, {folder})")
    shutil.rmtree(folder)


# --- report -------------------------------------------------------------------------------------------


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{model}, {os.cpu_count()} cores ({usable} usable), Python {platform.python_version()} "
            f"({platform.python_implementation()}), {platform.system()} {platform.release()}; load average at "
            f"start {load}")


def revision() -> str:
    """The last commit that changed the code measured (bibsync/, mappings/), and whether it has uncommitted
    changes: commits elsewhere (benchmarks, docs) do not count."""
    try:
        commit = subprocess.run(["git", "-C", str(REPO), "log", "-1", "--format=%h", "--", "bibsync", "mappings"],
                                capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "bibsync", "mappings"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return commit + (" with uncommitted changes in bibsync/ or mappings/" if dirty else "")


def row(size: str, mode: str, samples: Sequence[Sample]) -> str:
    times = [s.seconds for s in samples]
    peak = max(s.peak_mib for s in samples)
    cpu = statistics.median(s.cpu for s in samples)
    return (f"| {size} | {mode} | {len(samples)} | {statistics.median(times):.2f} | {min(times):.2f} | "
            f"{peak:.0f} | {cpu:.2f} |")


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated entry counts, got {text!r}") from None
    if not sizes or any(s < 1 for s in sizes):
        raise argparse.ArgumentTypeError("sizes must be positive")
    return sizes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Time `bibsync export` (first export, and re-export with the lock) on synthetic listings "
                    "of N entries derived from fixtures/listing.txt; print a Markdown table.",
        epilog="Wall time: perf_counter around the subprocess. Peak RSS: the child's ru_maxrss via GNU time "
               "(%M) or a fresh wrapper process. See the module docstring for how the listing is built.",
    )
    parser.add_argument("--sizes", type=parse_sizes, default=[10_000, 100_000],
                        help="comma-separated entry counts (default: 10000,100000)")
    parser.add_argument("--runs", type=int, default=5, help="repetitions per size and mode (default: 5)")
    parser.add_argument("--worst-case", action="store_true",
                        help="only a counter makes titles unique: ~N/49 entries share each citation-key base")
    parser.add_argument("--baseline", action=argparse.BooleanOptionalAction, default=True,
                        help="also time the 50-entry fixture, to show the fixed start-up cost (default: on)")
    parser.add_argument("--rss", choices=("auto", "time", "wrapper"), default="auto",
                        help="how to read the child's peak RSS: GNU time, or a fresh wrapper process "
                             "(default: GNU time if it works)")
    parser.add_argument("--as-of", default=AS_OF, help=f"--as-of passed to bibsync (default: {AS_OF})")
    parser.add_argument("--fixture", type=Path, default=FIXTURE, help="the listing to derive entries from")
    parser.add_argument("--seed", type=int, default=20261126, help="seed for the key-group sizes")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds allowed per export (default: 1800)")
    parser.add_argument("--write-listing", type=Path, metavar="PATH",
                        help="only write the synthetic listing for the (single) size to PATH and exit")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    fixture = read_fixture(args.fixture)
    if args.write_listing is not None:
        if len(args.sizes) != 1:
            parser.error("--write-listing takes exactly one size")
        listing = synthetic_listing(fixture, args.sizes[0], worst_case=args.worst_case, seed=args.seed)
        args.write_listing.write_text(listing.text, encoding="utf-8")
        print(f"wrote {args.sizes[0]} entries to {args.write_listing}")
        return 0

    measured = revision()  # at the start: the lead may commit while this runs
    method = "time" if args.rss == "time" or (args.rss == "auto" and gnu_time_works()) else "wrapper"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    env.pop("PYTHONPROFILEIMPORTTIME", None)

    scratch = Path(tempfile.mkdtemp(prefix="bibsync-bench-export-"))
    try:
        paths: dict[int, Path] = {}
        titles: dict[int, list[str]] = {}
        groups: dict[int, list[int]] = {}
        bases: dict[int, int] = {}
        for size in args.sizes:
            listing = synthetic_listing(fixture, size, worst_case=args.worst_case, seed=args.seed)
            paths[size] = scratch / f"listing-{size}.txt"
            paths[size].write_text(listing.text, encoding="utf-8")
            titles[size], groups[size], bases[size] = listing.titles, listing.group_sizes, listing.bases
        results = {size: Results() for size in args.sizes}
        baseline = Results()
        for run in range(args.runs):
            for size in args.sizes:
                print(f"run {run + 1}/{args.runs}: {size:,} entries ...", file=sys.stderr, flush=True)
                run_once(size, paths[size], titles[size] if run == 0 else None, scratch, env, method, args.as_of,
                         args.timeout, results[size])
                first, again = results[size].first[-1], results[size].again[-1]
                print(f"  first {first.seconds:.2f} s ({first.cpu:.2f} s CPU) {first.peak_mib:.0f} MiB; re-export "
                      f"{again.seconds:.2f} s ({again.cpu:.2f} s CPU) {again.peak_mib:.0f} MiB", file=sys.stderr,
                      flush=True)
            if args.baseline:
                run_once(len(fixture), args.fixture, None, scratch, env, method, args.as_of, args.timeout, baseline)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    mode = "worst case (counter-only titles)" if args.worst_case else "normal"
    print(f"## bibsync export benchmark ({mode})\n")
    print(f"Machine: {machine()}  ")
    now = revision()
    print(f"bibsync: {measured}" + ("  " if now == measured else f" at the start, {now} at the end  "))
    rss_how = "GNU time %M" if method == "time" else "ru_maxrss of a fresh wrapper process's only child"
    print(f"Wall time: perf_counter around the subprocess (includes interpreter start-up); peak RSS: {rss_how}.\n")
    print("| entries | mode | runs | median s | min s | peak MiB | median CPU s |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for size in args.sizes:
        print(row(f"{size:,}", "first export (no lock)", results[size].first))
        print(row(f"{size:,}", "re-export (lock present)", results[size].again))
    if args.baseline:
        print(row(f"{len(fixture)} (fixture)", "first export (no lock)", baseline.first))
        print(row(f"{len(fixture)} (fixture)", "re-export (lock present)", baseline.again))
    print()
    for size in args.sizes:
        sizes = groups[size]
        grouping = (f"{len(sizes):,} key groups, largest {max(sizes)}, {sum(s for s in sizes if s > 1):,} entries "
                    "sharing a key base") if sizes else (f"{bases[size]} fixture papers, ~{size // bases[size]:,} "
                                                         "entries per key base")
        print(f"- {size:,} entries: {grouping}; {results[size].warnings} warning lines on stderr")

    if len(args.sizes) >= 2:
        small, large = min(args.sizes), max(args.sizes)
        factor = large / small
        start_up = min(s.seconds for s in baseline.first) if args.baseline else 0.0
        for label, pick in (("first export", "first"), ("re-export", "again")):
            big = [s.seconds for s in getattr(results[large], pick)]
            little = [s.seconds for s in getattr(results[small], pick)]
            ratio = statistics.median(big) / statistics.median(little)
            ratio_min = min(big) / min(little)
            ratio_cpu = (statistics.median(s.cpu for s in getattr(results[large], pick))
                         / statistics.median(s.cpu for s in getattr(results[small], pick)))
            line = (f"- time ratio {large:,}/{small:,} ({label}): {ratio:.2f} on medians, {ratio_min:.2f} on minima, "
                    f"{ratio_cpu:.2f} on median CPU time (linear = {factor:g}")
            if factor == 10:
                line += f", target <= {TARGET_RATIO:g}: {'PASS' if ratio <= TARGET_RATIO else 'FAIL'}"
            line += ")"
            if args.baseline and statistics.median(little) > 2 * start_up:
                adjusted = (statistics.median(big) - start_up) / (statistics.median(little) - start_up)
                line += f"; without the {start_up:.2f} s start-up (fixture export, min): {adjusted:.2f}"
            print(line)
    if 100_000 in args.sizes:
        samples = [*results[100_000].first, *results[100_000].again]
        seconds = max(statistics.median(s.seconds for s in results[100_000].first),
                      statistics.median(s.seconds for s in results[100_000].again))
        peak = max(s.peak_mib for s in samples)
        print(f"- 100,000 entries: slower mode median {seconds:.2f} s (target < {TARGET_SECONDS_100K:g} s: "
              f"{'PASS' if seconds < TARGET_SECONDS_100K else 'FAIL'}), peak {peak:.0f} MiB (target < 1 GiB: "
              f"{'PASS' if peak < TARGET_PEAK_MIB_100K else 'FAIL'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
