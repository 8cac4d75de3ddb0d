"""Heading-aware chunking with overlap, and main-content extraction from HTML."""

from __future__ import annotations

import itertools

from services.knowledge.chunking import chunk_article, chunk_markdown, html_to_markdown, slugify

DOC = """Intro before any heading.

# Returns

Free within 30 days.

## Refunds & credits

{long}

```
# a comment in code, not a heading
```

# Shipping

Ships in two days.
"""


def test_sections_keep_their_heading_path_and_anchor() -> None:
    chunks = chunk_markdown(DOC.format(long="Short."))
    assert [(c.heading, c.anchor) for c in chunks] == [
        ("", ""),
        ("Returns", "#returns"),
        ("Returns > Refunds & credits", "#refunds--credits"),
        ("Shipping", "#shipping"),
    ]
    assert "# a comment in code" in chunks[2].text
    assert chunks[2].embedding_text("Help").startswith("Help > Returns > Refunds & credits\n")


def test_long_sections_are_split_with_overlap_at_word_boundaries() -> None:
    words = [f"w{i}" for i in range(400)]
    chunks = chunk_markdown(DOC.format(long=" ".join(words)), max_chars=300, overlap=60)
    section = [c for c in chunks if c.anchor == "#refunds--credits"]
    assert len(section) > 4
    assert all(len(c.text) <= 300 for c in section)
    for before, after in itertools.pairwise(section):
        first_word = after.text.split()[0]
        assert first_word in before.text.split()  # the window overlaps its predecessor
        assert after.text.split()[0] in words or after.text.startswith("```")
    joined = " ".join(c.text for c in section)
    assert all(w in joined.split() for w in words)  # nothing lost
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))


def test_html_main_content_becomes_an_outline() -> None:
    page = html_to_markdown(
        "<html><head><title>Help: returns</title><style>p{}</style></head><body><header>Logo</header>"
        "<nav><a href='/'>Home</a></nav><main><h1>Returns</h1><p>Send it <b>back</b>.</p>"
        "<h2>Refunds</h2><ul><li>Card</li><li>Voucher</li></ul></main><footer>©</footer>"
        "<script>track()</script></body></html>"
    )
    assert page.title == "Help: returns"
    assert page.markdown == "# Returns\n\nSend it back.\n\n## Refunds\n\nCard\n\nVoucher"
    chunks = chunk_article("<h1>A</h1><p>x</p><h2>B</h2><p>y</p>", "html")
    assert [(c.heading, c.text) for c in chunks] == [("A", "x"), ("A > B", "y")]


def test_slugs_follow_githubs_rule() -> None:
    assert slugify("Refunds & Credits (EU)") == "refunds--credits-eu"
