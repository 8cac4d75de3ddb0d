"""Markdown for the knowledge base's preview, rendered safely: raw HTML in the source is shown as text (never
passed through), and links whose scheme could run code (``javascript:``, ``vbscript:``, ``data:`` other than
images) are dropped by markdown-it's link validation."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markupsafe import Markup, escape

_RENDERER = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def render(source: str, body_format: str = "markdown") -> Markup:
    """HTML for a preview of ``source``; an HTML article is previewed as its escaped source."""
    if body_format != "markdown":
        return Markup("<pre>") + escape(source) + Markup("</pre>")
    return Markup(_RENDERER.render(source))  # noqa: S704 - html disabled; the renderer escapes text and attributes
