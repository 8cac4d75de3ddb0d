"""Which library a turn's CPU goes to, from the py-spy profiles ``turn_e2e.py --profile DIR`` records.

    .venv/bin/python benchmarks/profile_layers.py DIR [--label c16]

Each sample is put to the layer of its innermost frame (the code that was running): Deskpilot's own code, the
asyncio loop, SQLAlchemy, asyncpg, nats-py, httpx2 and its stack, the model SDKs, pydantic, json, the web server
stack, telemetry, or other. Samples waiting for work (an idle ``select``, a pool thread's wait) are left out, and so
are samples in a socket write: those are mostly wall time, the sender preempted by the process its write woke
(``/proc/<pid>/stat`` shows system time at 10-13 % of a Python service's CPU). ``turn_e2e.py`` prints the split
itself after a profiled throughput run, weighted by each process's CPU-ms per turn.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

IDLE = re.compile(r"select \(selectors|_do_waitpid|Condition\.wait|_worker \(concurrent|Event\.wait")
WRITE = re.compile(r"_SelectorSocketTransport\.write|TcpTransport\.write")
LAYERS = (
    ("Deskpilot", r"\((services|libs|deskpilot)/"),
    ("asyncio loop", r"\(asyncio/|\(selectors"),
    ("SQLAlchemy", r"\(sqlalchemy/"),
    ("asyncpg", r"\(asyncpg/"),
    ("nats-py", r"\(nats/"),
    ("httpx2/httpcore/h11/anyio", r"\((httpx2|httpcore2|h11|anyio|sniffio)/"),
    ("model SDKs", r"\((anthropic|openai)/"),
    ("pydantic", r"\(pydantic"),
    ("json", r"\(json/"),
    ("litestar/uvicorn/websockets", r"\((litestar|uvicorn|websockets|msgspec)/"),
    ("telemetry", r"\((opentelemetry|prometheus_client)/"),
)


def layer_of(leaf: str) -> str:
    return next((name for name, pattern in LAYERS if re.search(pattern, leaf)), "other")


def split(profile: Path) -> Counter[str]:
    """Samples per layer of one py-spy raw profile (``stack;frames count`` lines), idle and socket writes left out."""
    samples: Counter[str] = Counter()
    for line in profile.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        leaf = stack.rsplit(";", 1)[-1]
        if stack and not IDLE.search(leaf) and not WRITE.search(leaf):
            samples[layer_of(leaf)] += int(count)
    return samples


def weighted(directory: Path, label: str, cpu_per_turn: dict[str, float]) -> dict[str, float]:
    """CPU-ms per turn by layer over the platform's processes: each process's split scaled to its CPU-ms per turn."""
    total: dict[str, float] = {}
    for process, ms in cpu_per_turn.items():
        path = directory / f"{label}-{process}.txt"
        samples = split(path) if path.exists() else Counter()
        count = sum(samples.values())
        for layer, n in samples.items():
            total[layer] = total.get(layer, 0.0) + ms * n / count
    return dict(sorted(total.items(), key=lambda item: -item[1]))


def lines(by_layer: dict[str, float]) -> list[str]:
    whole = sum(by_layer.values()) or 1.0
    return [f"{ms:6.2f} CPU-ms {ms / whole:6.1%}  {layer}" for layer, ms in by_layer.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--label", default="c16", help="the run's label: c<conversations>")
    args = parser.parse_args()
    for path in sorted(args.directory.glob(f"{args.label}-*.txt")):
        samples = split(path)
        count = sum(samples.values()) or 1
        shares = ", ".join(f"{layer} {n / count:.0%}" for layer, n in samples.most_common(6))
        print(f"{path.stem.removeprefix(args.label + '-'):<14} {count:6d} samples: {shares}")


if __name__ == "__main__":
    main()
