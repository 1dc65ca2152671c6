"""Benchmark ``bibsync check`` as a commit hook runs it: a fresh interpreter per run.

A 1,000-entry ``.bib`` and 50 sources of 2,000 lines each (half LaTeX, half Markdown, about one
cited key every eight lines, with comments, code blocks and cross-references mixed in) are generated in a
temporary folder, then ``python -m bibsync check`` is timed over several runs. Target: under 0.3 s wall.

    python benchmarks/bench_check.py [--runs 7] [--keep]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ENTRIES = 1_000
SOURCES = 50
LINES = 2_000
TARGET_SECONDS = 0.3

WORDS = ("model", "network", "learning", "data", "neural", "training", "attention", "graph", "policy",
         "reward", "latent", "sample", "language", "vision", "memory", "signal", "robust", "scale")


def make_bib(keys: list[str], rng: random.Random) -> str:
    entries = ["% A hand-made bibliography for the benchmark.\n@string{jmlr = \"Journal of ML Research\"}\n"]
    for number, key in enumerate(keys):
        title = " ".join(rng.choice(WORDS) for _ in range(8)).capitalize()
        abstract = " ".join(rng.choice(WORDS) for _ in range(120))
        kind = ("article", "inproceedings", "misc")[number % 3]
        venue = {"article": "  journal = jmlr,\n", "inproceedings": "  booktitle = {Proc. {NeurIPS}},\n",
                 "misc": ""}[kind]
        entries.append(
            f"@{kind}{{{key},\n  author = {{Doe, Jane and M{{\\\"u}}ller, Max and others}},\n"
            f"  title = {{{{{title}}}}},\n{venue}  year = {{{2000 + number % 25}}},\n  month = may,\n"
            f"  abstract = {{{abstract} 50\\% better, see \"quoted\" text}},\n}}\n"
        )
    return "\n".join(entries)


def make_latex(keys: list[str], rng: random.Random) -> str:
    lines = ["\\documentclass{article}", "\\begin{document}"]
    while len(lines) < LINES - 1:
        roll = rng.random()
        if roll < 0.05:
            lines.append(f"As shown by \\citet{{{rng.choice(keys)}}}, the {rng.choice(WORDS)} improves.")
        elif roll < 0.08:
            lines.append(f"Prior work \\citep[see][p.~3]{{{rng.choice(keys)}, {rng.choice(keys)}}} agrees.")
        elif roll < 0.09:
            lines.append(f"\\parencites[e.g.][]{{{rng.choice(keys)}}}{{{rng.choice(keys)}}} and 50\\% more.")
        elif roll < 0.12:
            lines.append(f"% TODO \\cite{{{rng.choice(keys)}}} check this claim")
        elif roll < 0.13:
            lines.extend(["\\begin{verbatim}", "\\cite{not-a-key}", "\\end{verbatim}"])
        elif roll < 0.16:
            lines.append(f"$\\alpha_{{i}} = \\sum_j x_{{ij}}$ \\\\ \\textbf{{{rng.choice(WORDS)}}}")
        else:
            lines.append(" ".join(rng.choice(WORDS) for _ in range(14)) + ".")
    lines.append("\\end{document}")
    return "\n".join(lines) + "\n"


def make_markdown(keys: list[str], rng: random.Random) -> str:
    lines = ["---", "title: A benchmark manuscript", "bibliography: refs.bib", "---", ""]
    while len(lines) < LINES:
        roll = rng.random()
        if roll < 0.05:
            lines.append(f"Blah blah [see @{rng.choice(keys)}, p. 33; @{rng.choice(keys)}].")
        elif roll < 0.07:
            lines.append(f"@{rng.choice(keys)} says so, as in @fig-{rng.choice(WORDS)} (mail me@example.org).")
        elif roll < 0.08:
            lines.extend(["```python", "@decorator", "def f(): pass", "```"])
        elif roll < 0.10:
            lines.append(f"Use `@{rng.choice(WORDS)}` in code, [-@{rng.choice(keys)}].")
        else:
            lines.append(" ".join(rng.choice(WORDS) for _ in range(14)) + ".")
    return "\n".join(lines[:LINES]) + "\n"


def build(folder: Path) -> None:
    rng = random.Random(20240501)
    keys = [f"{rng.choice(WORDS)}{2000 + n % 25}{rng.choice(WORDS)}{n}" for n in range(ENTRIES)]
    (folder / "refs.bib").write_text(make_bib(keys, rng), encoding="utf-8")
    (folder / "paper").mkdir()
    for number in range(SOURCES):
        if number % 2:
            (folder / "paper" / f"chapter{number:02}.md").write_text(make_markdown(keys, rng), encoding="utf-8")
        else:
            (folder / "paper" / f"chapter{number:02}.tex").write_text(make_latex(keys, rng), encoding="utf-8")
    (folder / "bibsync.toml").write_text(
        'bib = "refs.bib"\n\n[check]\nsources = ["paper/*.tex", "paper/*.md"]\nwarn-unused = false\n',
        encoding="utf-8",
    )


def time_runs(folder: Path, runs: int) -> list[float]:
    # Bytecode caching on, as for an installed package (this machine sets PYTHONDONTWRITEBYTECODE, which
    # would make every run recompile bibsync's modules from source).
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    environment["PYTHONPATH"] = str(REPO)
    command = [sys.executable, "-m", "bibsync", "check"]
    timings: list[float] = []
    for _ in range(runs + 1):  # the first run warms the file cache and writes .pyc files: not counted
        start = time.perf_counter()
        completed = subprocess.run(command, cwd=folder, env=environment, capture_output=True, text=True, check=False)
        timings.append(time.perf_counter() - start)
        if completed.returncode not in (0, 1):
            sys.exit(f"bibsync check failed ({completed.returncode}):\n{completed.stderr}")
    print(completed.stderr.strip().splitlines()[-1])
    return timings[1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the generated folder and print its path")
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bibsync-bench-"))
    build(folder)
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    print(f"{ENTRIES} entries, {SOURCES} sources x {LINES} lines, {size / 1e6:.1f} MB, {os.cpu_count()} cores")
    timings = time_runs(folder, options.runs)
    median = statistics.median(timings)
    print(f"bibsync check: median {median:.3f} s, min {min(timings):.3f} s over {len(timings)} runs "
          f"(target < {TARGET_SECONDS} s: {'met' if median < TARGET_SECONDS else 'MISSED'})")
    if options.keep:
        print(f"kept {folder}")
    else:
        import shutil

        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
