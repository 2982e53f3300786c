"""Benchmark: ``import csat`` against ``import flask, sqlalchemy, wtforms``.

Each import runs in a fresh interpreter, the two alternately, and the median
of the repeats counts (target: at most 1.2x). ``import csat`` must also leave
matplotlib unimported: the report renderer imports it lazily.

    python -m bench.import_time [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence

from bench.common import ROOT, bench, median, note

TARGET = 1.2
CSAT = "csat"
BASELINE = "flask, sqlalchemy, wtforms"
#: What a host does right after ``import csat``: shown for context, not a target
#: (``import csat`` loads its public names lazily, on first use).
FIRST_USE = "csat.SurveyService"
SNIPPET = """\
import sys, time
start = time.perf_counter()
{statement}
elapsed = time.perf_counter() - start
print(elapsed, "matplotlib" in sys.modules)
"""


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPROFILEIMPORTTIME"}
    done = subprocess.run(  # noqa: S603 - our own interpreter and fixed code
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stderr}")
    return done


def import_once(modules: str, then: str = "") -> tuple[float, bool]:
    """Seconds to import ``modules`` (and run ``then``) in a fresh interpreter;
    was matplotlib imported?"""
    statement = f"import {modules}" + (f"; {then}" if then else "")
    seconds, matplotlib = _run(["-c", SNIPPET.format(statement=statement)]).stdout.split()
    return float(seconds), matplotlib == "True"


def import_times(modules: str) -> dict[str, int]:
    """Self time (µs) of each module imported by ``import modules`` (``-X importtime``)."""
    stderr = _run(["-X", "importtime", "-c", f"import {modules}"]).stderr
    times: dict[str, int] = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        self_us, _, name = (part.strip() for part in line.split(":", 1)[1].split("|"))
        if self_us.isdigit():
            times[name] = int(self_us)
    return times


def _group(module: str) -> str:
    """``sqlalchemy.orm.query`` -> ``sqlalchemy.orm``; ``idna.core`` -> ``idna``."""
    parts = module.split(".")
    return ".".join(parts[:2] if parts[0] in ("csat", "sqlalchemy") else parts[:1])


def heaviest(count: int = 6) -> list[tuple[str, int]]:
    """Packages that ``import csat`` imports and the baseline does not, by summed self time."""
    baseline = import_times(BASELINE)
    groups: dict[str, int] = {}
    for module, us in import_times(CSAT).items():
        if module not in baseline:
            groups[_group(module)] = groups.get(_group(module), 0) + us
    return sorted(groups.items(), key=lambda item: -item[1])[:count]


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print the two figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=15, help="imports of each side (15)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be positive")
    import_once(CSAT)  # warm-up: byte-compile and fill the OS file cache
    import_once(BASELINE)
    csat_times: list[float] = []
    base_times: list[float] = []
    first_use_times: list[float] = []
    with_matplotlib = 0
    for _ in range(args.repeat):
        seconds, matplotlib = import_once(CSAT)
        csat_times.append(seconds)
        with_matplotlib += matplotlib
        base_times.append(import_once(BASELINE)[0])
        first_use_times.append(import_once(CSAT, FIRST_USE)[0])
    note(
        "import_no_matplotlib",
        f"matplotlib in sys.modules after import csat: {with_matplotlib} of {args.repeat} runs",
    )
    clean = with_matplotlib == 0
    bench("import_no_matplotlib", "yes" if clean else "no", "yes", clean)
    ours, theirs = median(csat_times), median(base_times)
    ratio = ours / theirs
    note(
        "import_time",
        f"import csat {ours * 1000:.1f} ms, import {BASELINE} {theirs * 1000:.1f} ms "
        f"(medians of {args.repeat}, fresh interpreters)",
    )
    note(
        "import_time",
        f"context: import csat + first use ({FIRST_USE}, loads the ORM and models) "
        f"{median(first_use_times) * 1000:.1f} ms = {median(first_use_times) / theirs:.2f}x",
    )
    top = ", ".join(f"{name} {us / 1000:.1f}" for name, us in heaviest())
    note("import_time", f"imported by csat only, by package (self ms): {top}")
    bench("import_time", f"{ratio:.2f}x flask+sqlalchemy+wtforms", f"<= {TARGET}x", ratio <= TARGET)
    return 0


if __name__ == "__main__":
    sys.exit(main())
