"""Fuzz the whole public API through the gateway with schemathesis: requests, 5xx and failed checks per check.

    .venv/bin/python benchmarks/api_fuzz.py [--examples 30] [--seed 20] [--max-time 900] [--tree DIR]

Runs ``deskpilot up`` (embedded NATS and PostgreSQL in a temporary directory, the offline model) from ``--tree``
(default: this checkout; e.g. ``git worktree add --detach /tmp/before <commit>`` for a before/after), creates a
second tenant, and runs schemathesis over the contract (``docs/openapi.json`` of *this* checkout, so that before
and after are measured against the same document) through the gateway port: every check, the coverage, fuzzing
and stateful phases, a fixed seed, once with each tenant's key. Prints, per tenant and in total, the requests
sent, the responses >= 500, and the failures of each check. The in-suite run (tests/contract) is the short one.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2

from deskpilot.embedded import free_port
from deskpilot.gateway_limits import LOAD_GENERATOR_ENV

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT = ROOT / "docs" / "openapi.json"


def start(tree: Path, data_dir: Path, port: int) -> tuple[subprocess.Popen[bytes], str, dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if k not in ("NATS_URL", "DATABASE_URL")}
    env.update(
        {"PYTHONPATH": str(tree), "KNOWLEDGE_EMBEDDINGS": "hashing", "ANTHROPIC_API_KEY": "", "OPENAI_API_KEY": ""}
    )
    env.update(LOAD_GENERATOR_ENV)  # a fuzzer is a load generator: the gateway's rate limits would answer it
    log = data_dir / "platform.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "deskpilot.cli", "up", "--port", str(port), "--data-dir", str(data_dir)],
        env=env,
        cwd=tree,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"deskpilot up exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                match = re.search(r"api key: (\S+)", log.read_text())
                assert match, "no api key printed"
                return proc, match.group(1), env
        except httpx2.TransportError:
            pass
        time.sleep(0.5)
    raise SystemExit("the platform did not start in 10 minutes")


def second_tenant(tree: Path, data_dir: Path, env: dict[str, str], base: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "deskpilot.cli", "tenants", "create", "Fuzz B", "--data-dir", str(data_dir)],
        env=env,
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    key = re.search(r"(dp_[A-Za-z0-9_-]{20,})", out)
    assert key, out
    probes = ["/v1/conversations", "/v1/agent/policy", "/v1/integrations", "/v1/knowledge/articles", "/v1/tickets"]
    probes.append("/v1/billing/plan")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # every service has projected the new tenant
        ok = [httpx2.get(base + p, headers={"Authorization": f"Bearer {key.group(1)}"}, timeout=10) for p in probes]
        if all(r.status_code == 200 for r in ok):
            return key.group(1)
        time.sleep(0.5)
    raise SystemExit("the second tenant was not projected in time")


def fuzz(base: str, key: str, args: argparse.Namespace, report_dir: Path) -> dict[str, object]:
    """One schemathesis run with ``key``; its figures (from the ndjson report)."""
    report_dir.mkdir(parents=True, exist_ok=True)
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        str(DOCUMENT),
        "--url",
        base,
        "-H",
        f"Authorization: Bearer {key}",
        "--checks",
        "all",
        "--phases",
        "coverage,fuzzing,stateful",
        "--seed",
        str(args.seed),
        "--max-examples",
        str(args.examples),
        "--max-time",
        str(args.max_time),
        "--workers",
        "2",
        "--no-color",
        "--report",
        "json",
        "--report-dir",
        str(report_dir),
        "--exclude-path-regex",
        "/ws$",
    ]
    hooks = {**os.environ, "SCHEMATHESIS_HOOKS": "benchmarks.fuzz_hooks", "PYTHONPATH": str(ROOT)}  # unique keys
    log = (report_dir / "st.log").open("wb")
    subprocess.run(command, check=False, stdout=log, stderr=subprocess.STDOUT, env=hooks, cwd=ROOT)
    return count(report_dir)


def count(report_dir: Path) -> dict[str, object]:
    """Test cases (requests) generated, failures per check (unique failures, as schemathesis groups them), and
    of those the server errors."""
    reports = sorted(report_dir.glob("*.json"))
    if not reports:
        return {"error": f"no report; see {report_dir / 'st.log'}"}
    report = json.loads(reports[-1].read_text())
    failures = collections.Counter[str]()
    for group in report["failures"]:
        failures[f"{group.get('code')} {group.get('title')}"] += int(group["count"])
    server_errors = sum(n for name, n in failures.items() if "server error" in name.lower())
    return {
        "requests": report["test_cases"]["generated"],
        "operations tested": report["operations"]["tested"],
        "5xx": server_errors,
        "failures by check": dict(failures.most_common()),
        "errors": report["errors"],
        "stop": report["stop_reason"],
    }


def summarise(report_dirs: list[Path]) -> None:
    """Print the figures of reports kept earlier (``--summarise DIR ...``)."""
    print(json.dumps({str(d): count(d) for d in report_dirs}, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=30)
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--max-time", type=int, default=900, help="seconds per tenant's run")
    parser.add_argument("--tree", type=Path, default=ROOT)
    parser.add_argument("--keep", type=Path, default=None, help="keep the reports here")
    parser.add_argument("--summarise", type=Path, nargs="*", help="only print the figures of kept reports")
    args = parser.parse_args()
    if args.summarise:
        summarise(args.summarise)
        return
    tree = args.tree.resolve()
    with tempfile.TemporaryDirectory(prefix="deskpilot-fuzz-") as tmp:
        data_dir, port = Path(tmp), free_port()
        proc, key_a, env = start(tree, data_dir, port)
        base = f"http://127.0.0.1:{port}"
        try:
            key_b = second_tenant(tree, data_dir, env, base)
            reports = args.keep or data_dir / "reports"
            results = {name: fuzz(base, key, args, reports / name) for name, key in (("A", key_a), ("B", key_b))}
        finally:
            os.killpg(proc.pid, 15)
            proc.wait(120)
    print(f"schemathesis over {DOCUMENT.relative_to(ROOT)} through the gateway of {tree}")
    print(f"  seed {args.seed}, {args.examples} examples per operation, phases coverage+fuzzing+stateful")
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
