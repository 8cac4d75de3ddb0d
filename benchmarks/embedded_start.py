"""Start-up time of the embedded PostgreSQL+pgvector (``deskpilot.embedded.EmbeddedPostgres``).

For each of ``--runs`` fresh temporary directories: the first start (initdb, start, ``CREATE EXTENSION vector``),
a stop, and a second start on the same data dir (what every ``deskpilot up`` after the first one pays). Prints the
median and the spread of each; with ``--self-check``, also the database self-check of
``libs.platform.selfcheck`` when it exists (a distance query and an HNSW insert in a throwaway connection).

Run: ``.venv/bin/python benchmarks/embedded_start.py [--runs 3]``.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from deskpilot.embedded import EmbeddedPostgres


def _timed_start(server: EmbeddedPostgres) -> tuple[float, str]:
    started = time.perf_counter()
    url = server.start()
    return time.perf_counter() - started, url


def _self_check_seconds(url: str) -> float | None:
    try:
        selfcheck = importlib.import_module("libs.platform.selfcheck")
    except ImportError:
        return None
    started = time.perf_counter()
    asyncio.run(selfcheck.check_database(url, remember=False))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    figures: dict[str, list[float]] = {"first start": [], "restart": [], "self-check": []}
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="deskpilot-bench-pg-") as d:
            server = EmbeddedPostgres(Path(d))
            seconds, _url = _timed_start(server)
            figures["first start"].append(seconds)
            server.stop()
            server = EmbeddedPostgres(Path(d))
            seconds, url = _timed_start(server)
            figures["restart"].append(seconds)
            check = _self_check_seconds(url)
            if check is not None:
                figures["self-check"].append(check)
            server.stop()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, Python {sys.version.split()[0]}")
    print(f"{'what':<14} {'median s':>9} {'min s':>7} {'max s':>7}  runs")
    for what, values in figures.items():
        if values:
            med, low, high = statistics.median(values), min(values), max(values)
            print(f"{what:<14} {med:>9.2f} {low:>7.2f} {high:>7.2f}  {len(values)}")


if __name__ == "__main__":
    main()
