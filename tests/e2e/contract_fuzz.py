"""Schemathesis (pinned) over the one contract, docs/openapi.json, through the gateway of a running platform: the
in-suite run of issue 20 (``benchmarks/api_fuzz.py`` is the long one, with the same hooks and checks).

Every check, the fuzzing and stateful phases (links between operations: create → read → update → delete), a fixed
seed, one example per operation: a CI-sized run. The coverage phase (a fixed set of boundary cases for every
parameter, about as long again) is the benchmark's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SEED = 20


@dataclass
class FuzzRun:
    requests: int
    failures: list[str]
    errors: list[Any]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def schemathesis(base: str, key: str, report_dir: Path, phases: str) -> FuzzRun:
    """One run with ``key``: the requests sent, every failure as ``<check code> <operation>``, and errors."""
    report_dir.mkdir(parents=True, exist_ok=True)
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        str(ROOT / "docs" / "openapi.json"),
        *("--url", base, "-H", f"Authorization: Bearer {key}", "--checks", "all", "--phases", phases),
        # A bound, not a pace: schemathesis reports a request slower than its 10 s default as a failure, and a
        # test asserts no timings (a loaded CI machine is not a slow API).
        *("--request-timeout", "120"),
        *("--seed", str(SEED), "--max-examples", "1", "--workers", "2", "--no-color"),
        *("--report", "json", "--report-dir", str(report_dir), "--exclude-path-regex", "/ws$"),
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "benchmarks.fuzz_hooks", "PYTHONPATH": str(ROOT)}
    with (report_dir / "st.log").open("wb") as log:
        subprocess.run(command, check=False, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT, timeout=600)
    reports = sorted(report_dir.glob("*.json"))
    assert reports, (report_dir / "st.log").read_text()[-3000:]
    report = json.loads(reports[-1].read_text())
    failures = sorted(f"{group['code']} {op}" for group in report["failures"] for op in group["operations"])
    return FuzzRun(report["test_cases"]["generated"], failures, report["errors"])
