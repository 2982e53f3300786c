"""Run every benchmark, pass its output through and summarise.

Exits 0 even when a target is short (this is a report), non-zero when a
benchmark crashes or prints no BENCH line. Run from anywhere:

    python bench/run.py [--rows N] [--metrics-rows N] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ("invite_many", "import_time", "send", "web", "metrics")


def run_one(name: str, args: Sequence[str]) -> tuple[int, float, list[str]]:
    """Run ``python -m bench.<name>``; stream its output; return code, seconds, BENCH lines."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    start = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and modules
        [sys.executable, "-m", f"bench.{name}", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    for line in process.stdout:
        print(line, end="", flush=True)
        if line.startswith("BENCH "):
            lines.append(line.rstrip("\n"))
    code = process.wait()
    return code, time.perf_counter() - start, lines


def outcome(line: str) -> str:
    """``ok``, ``short`` or ``skipped`` for one BENCH line."""
    if ": skipped (" in line:
        return "skipped"
    return "ok" if line.endswith(" ok") else "short"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks; 1 if any crashed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, help="invitations for invite_many (100,000)")
    parser.add_argument(
        "--metrics-rows",
        type=int,
        action="append",
        help="responses for metrics, once per value (1,000,000 and 3,000,000: a year of a "
        "desk resolving a million tickets a month, a quarter answered)",
    )
    parser.add_argument("--only", choices=BENCHMARKS, action="append", help="run only these")
    args = parser.parse_args(argv)
    totals: Counter[str] = Counter()
    crashed: list[str] = []
    runs: list[tuple[str, list[str]]] = []
    for name in args.only or BENCHMARKS:
        if name == "metrics":
            rows = args.metrics_rows or [1_000_000, 3_000_000]
            runs.extend((name, ["--rows", str(n)]) for n in rows)
        elif name == "invite_many" and args.rows:
            runs.append((name, ["--rows", str(args.rows)]))
        else:
            runs.append((name, []))
    for name, extra in runs:
        code, seconds, lines = run_one(name, extra)
        counts = Counter(outcome(line) for line in lines)
        totals.update(counts)
        summary = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "no figures"
        print(f"run: {name} took {seconds:.1f} s, exit {code}: {summary}", flush=True)
        if code != 0 or not lines:
            crashed.append(name)
    summary = ", ".join(f"{n} {kind}" for kind, n in sorted(totals.items())) or "no figures"
    status = f"crashed: {', '.join(crashed)}" if crashed else "no benchmark crashed"
    print(f"run: {summary}; {status}", flush=True)
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
