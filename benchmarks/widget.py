"""The chat widget in headless Chromium: its weight, first render, and time to the first streamed token on screen.

    .venv/bin/python benchmarks/widget.py [--runs 20]

Runs ``deskpilot up`` (embedded NATS and PostgreSQL in a temporary directory, the offline model with no pause
between words) and drives Debian's Chromium with Playwright, a fresh browser profile per run, on ``/widget/demo``:

* weight: ``widget.js`` and ``widget.css`` as served, raw and gzipped (budget: widget.js ≤ 30 KB gzipped);
* first render: from the start of navigation to the widget shown and usable (its stylesheet loaded, the host
  element visible), read from ``performance.now()`` in the page;
* first token: from the moment the customer sends "hello" to the first streamed word of the reply drawn in the
  widget (a MutationObserver in the page). Two rows: the conversation's first message (it opens the conversation:
  ``POST /v1/conversations/chat``, then the WebSocket) and a later message (socket already open).

Baseline, same platform, same run: a plain Python WebSocket client (``websockets``) doing what the widget does
(open the conversation, connect, send) and timing the first delta frame; the difference is what the browser and
the widget add (parsing, rendering, layout).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2
from playwright.async_api import Browser, async_playwright
from websockets.asyncio.client import connect

from deskpilot.embedded import free_port

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BUDGET = 30 * 1024

# Installed in every page before its scripts: notes when the widget becomes visible (its stylesheet loaded).
RENDER_PROBE = """
window.__dp = {};
new MutationObserver(function () {
  var host = document.getElementById("deskpilot-widget");
  if (host && !host.hasAttribute("hidden") && window.__dp.rendered === undefined) {
    window.__dp.rendered = performance.now();
  }
}).observe(document, {subtree: true, childList: true, attributes: true});
"""

# Sends a message the way a customer does (the form's submit) and notes when the first streamed word is drawn.
SEND_AND_WATCH = """
(text) => {
  const root = document.getElementById("deskpilot-widget").shadowRoot;
  const before = root.querySelectorAll(".dp-ai").length;
  window.__dp.first = undefined;
  new MutationObserver(function (changes, observer) {
    const bubbles = root.querySelectorAll(".dp-ai");
    if (bubbles.length > before && bubbles[bubbles.length - 1].querySelector(".dp-text").textContent) {
      window.__dp.first = performance.now();
      observer.disconnect();
    }
  }).observe(root, {subtree: true, childList: true, characterData: true});
  root.querySelector(".dp-input").value = text;
  window.__dp.sent = performance.now();
  root.querySelector(".dp-compose").requestSubmit();
}
"""


def start_platform(data_dir: Path, port: int) -> tuple[subprocess.Popen[bytes], str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NATS_URL", "DATABASE_URL")}
    env.update(
        {
            "KNOWLEDGE_EMBEDDINGS": "hashing",
            "ANTHROPIC_API_KEY": "",
            "OPENAI_API_KEY": "",
            "DESKPILOT_WIDGET_IP_CONVERSATIONS_PER_MINUTE": "100000",
            "DESKPILOT_WIDGET_IP_CONVERSATION_BURST": "10000",
            "DESKPILOT_WIDGET_IP_MESSAGES_PER_MINUTE": "100000",
            "DESKPILOT_WIDGET_IP_MESSAGE_BURST": "10000",
        }
    )
    log = data_dir / "platform.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "deskpilot.cli", "up", "--port", str(port), "--data-dir", str(data_dir / "data")],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"deskpilot up exited:\n{log.read_text()[-2000:]}")
        try:
            if httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                found = re.search(r"widget key: (\S+)", log.read_text())
                assert found, "no widget key printed"
                return proc, found.group(1)
        except httpx2.TransportError:
            pass
        time.sleep(0.3)
    raise SystemExit("deskpilot up not healthy in 240 s")


def stop_platform(proc: subprocess.Popen[bytes]) -> None:
    import signal

    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"p50 {statistics.median(ordered):7.1f} ms   p95 {p95:7.1f} ms   max {ordered[-1]:7.1f} ms   (n={len(ordered)})"
    )


def weight(base: str) -> list[str]:
    lines = []
    for name in ("widget.js", "widget.css"):
        body = httpx2.get(f"{base}/{name}").content
        packed = len(gzip.compress(body, compresslevel=9))
        lines.append(f"{name:<11} {len(body):>7,} bytes, {packed:>6,} gzipped")
    js_packed = len(gzip.compress(httpx2.get(f"{base}/widget.js").content, compresslevel=9))
    verdict = "within" if js_packed <= BUDGET else "OVER"
    lines.append(f"budget: widget.js {js_packed / 1024:.1f} KB of {BUDGET // 1024} KB gzipped: {verdict}")
    return lines


async def browser_run(browser: Browser, base: str, render: list[float], first: list[float], later: list[float]) -> None:
    """One fresh customer: open the demo page, send a first and a later message."""
    context = await browser.new_context()
    await context.add_init_script(RENDER_PROBE)
    page = await context.new_page()
    await page.goto(f"{base}/widget/demo")
    await page.wait_for_function("() => window.__dp.rendered !== undefined")
    render.append(await page.evaluate("() => window.__dp.rendered"))
    for bucket, text in ((first, "hello"), (later, "hello again")):
        await page.evaluate(SEND_AND_WATCH, text)
        await page.wait_for_function("() => window.__dp.first !== undefined", timeout=30_000)
        bucket.append(await page.evaluate("() => window.__dp.first - window.__dp.sent"))
        # the reply finished (no bubble still streaming) before the next message
        await page.wait_for_function(
            "() => !document.getElementById('deskpilot-widget').shadowRoot.querySelector('.dp-streaming')"
        )
    await context.close()


async def socket_run(base: str, widget_key: str, found: list[float]) -> None:
    """The same first message from a plain WebSocket client (opening the conversation included, as in the widget)."""
    origin = base
    async with httpx2.AsyncClient() as http:
        sent = time.perf_counter()
        r = await http.post(f"{base}/v1/conversations/chat", headers={"X-Widget-Key": widget_key, "Origin": origin})
        r.raise_for_status()
        cid, token = r.json()["conversation_id"], r.json()["client_token"]
        url = f"ws{base.removeprefix('http')}/v1/conversations/chat/{cid}/ws?key={widget_key}&token={token}"
        async with connect(url, additional_headers={"Origin": origin}) as ws:
            await ws.send(json.dumps({"type": "message", "text": "hello"}))
            while True:
                frame = json.loads(await ws.recv())
                if frame["kind"] == "delta" and frame["text"]:
                    found.append((time.perf_counter() - sent) * 1000)
                    return


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="deskpilot-widget-bench-") as tmp:
        port = free_port()
        proc, widget_key = start_platform(Path(tmp), port)
        base = f"http://127.0.0.1:{port}"
        try:
            print("Deskpilot chat widget, headless Chromium (Debian), deskpilot up with the offline model")
            for line in weight(base):
                print("  " + line)
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                render: list[float] = []
                first: list[float] = []
                later: list[float] = []
                baseline: list[float] = []
                for _ in range(2):  # warm-up: first-use caches in the services and the browser
                    await browser_run(browser, base, [], [], [])
                    await socket_run(base, widget_key, [])
                # Interleaved, with the browser open throughout, so both see the same load on the machine.
                for _ in range(args.runs):
                    await browser_run(browser, base, render, first, later)
                    await socket_run(base, widget_key, baseline)
                await browser.close()
            print(f"  first render (navigation start -> widget usable):       {summary(render)}")
            print(f"  first token, first message (opens the conversation):    {summary(first)}")
            print(f"  first token, later message (socket open):               {summary(later)}")
            print(f"  baseline: Python WebSocket client, first message:       {summary(baseline)}")
            added = statistics.median(first) - statistics.median(baseline)
            print(f"  browser + widget add {added:+.1f} ms at the median to the first message's first token")
        finally:
            stop_platform(proc)


if __name__ == "__main__":
    asyncio.run(main())
