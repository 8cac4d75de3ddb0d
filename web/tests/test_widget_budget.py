"""The widget's weight budget: one file, at most 30 KB gzipped (Intercom's and Chatwoot's are several times that)."""

from __future__ import annotations

import gzip

from web.pages import STATIC

BUDGET_BYTES = 30 * 1024


def test_widget_js_fits_its_budget_gzipped() -> None:
    raw = (STATIC / "widget.js").read_bytes()
    packed = len(gzip.compress(raw, compresslevel=9))
    assert packed <= BUDGET_BYTES, f"widget.js is {packed} bytes gzipped; the budget is {BUDGET_BYTES}"


def test_the_widget_never_writes_markup() -> None:
    """Text reaches the page through textContent only: no innerHTML, outerHTML, insertAdjacentHTML or
    document.write anywhere in the widget, so no message can become markup."""
    source = (STATIC / "widget.js").read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in source, sink
