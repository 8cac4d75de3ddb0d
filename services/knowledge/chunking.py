"""Turning an article body into retrieval chunks: heading-aware sections, split with overlap.

HTML is first reduced to the same outline as Markdown (headings, paragraphs, list items), keeping only the main
content of a page (``<main>``/``<article>`` when present; never navigation, header, footer, scripts or styles).
Each chunk keeps its heading path ("Returns > Refunds") and an anchor (``#refunds``, GitHub-style slug) so results
can cite the exact section.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from html.parser import HTMLParser

MAX_CHARS = 1000  # ~200 word pieces: inside all-MiniLM-L6-v2's 256-token window with the heading prefix
OVERLAP_CHARS = 200

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True)
class Chunk:
    ordinal: int
    heading_path: tuple[str, ...]
    anchor: str  # "" = top of the article
    text: str

    @property
    def heading(self) -> str:
        return " > ".join(self.heading_path)

    def embedding_text(self, title: str) -> str:
        """What is embedded and hashed: the title and heading path give a short section its context."""
        context = " > ".join((title, *self.heading_path))
        return f"{context}\n{self.text}"


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def slugify(heading: str) -> str:
    """GitHub's anchor rule: lower-case, drop punctuation, spaces to hyphens."""
    slug = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return re.sub(r" ", "-", slug)


class _MainContent(HTMLParser):
    """HTML → Markdown-like outline of the main content."""

    SKIP = frozenset({"script", "style", "nav", "header", "footer", "aside", "noscript", "form", "template", "svg"})
    BLOCKS = frozenset({"p", "div", "section", "li", "tr", "br", "pre", "blockquote", "dd", "dt", "table"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.main_lines: list[str] | None = None
        self._main_depth = 0
        self._skip_depth = 0
        self._current: list[str] = []
        self._heading_level = 0
        self.title = ""
        self._in_title = False

    def _flush(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self._current)).strip()
        self._current = []
        if not text:
            return
        line = f"{'#' * self._heading_level} {text}" if self._heading_level else text
        self.lines.append(line)
        if self._main_depth and self.main_lines is not None:
            self.main_lines.append(line)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:  # noqa: ARG002
        if tag in self.SKIP:
            self._skip_depth += 1
            return
        if tag == "title":
            self._in_title = True
        if tag in {"main", "article"}:
            if self.main_lines is None:
                self.main_lines = []
            self._main_depth += 1
        if re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self._heading_level = int(tag[1])
        elif tag in self.BLOCKS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self._skip_depth = max(0, self._skip_depth - 1)
            return
        if tag == "title":
            self._in_title = False
        if re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self._heading_level = 0
        elif tag in self.BLOCKS:
            self._flush()
        if tag in {"main", "article"}:
            self._flush()
            self._main_depth = max(0, self._main_depth - 1)

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
            return
        if not self._skip_depth:
            self._current.append(data)


@dataclass(frozen=True)
class HtmlDocument:
    title: str
    markdown: str


def html_to_markdown(html: str) -> HtmlDocument:
    """The main content of an HTML page as Markdown-like text, and the page's ``<title>`` (or first heading)."""
    parser = _MainContent()
    parser.feed(html)
    parser.close()
    parser._flush()
    lines = parser.main_lines if parser.main_lines else parser.lines
    title = re.sub(r"\s+", " ", parser.title).strip()
    if not title:
        title = next((line.lstrip("#").strip() for line in lines if line.startswith("#")), "")
    return HtmlDocument(title=title, markdown="\n\n".join(lines))


def _sections(markdown: str) -> list[tuple[tuple[str, ...], str]]:
    """(heading path, text) per section, in order; code fences never start a section."""
    path: list[tuple[int, str]] = []
    sections: list[tuple[tuple[str, ...], str]] = []
    current: list[str] = []
    in_fence = False

    def close() -> None:
        text = "\n".join(current).strip()
        if text:
            sections.append((tuple(h for _, h in path), text))
        current.clear()

    for line in markdown.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match:
            close()
            level, heading = len(match.group(1)), match.group(2).strip()
            while path and path[-1][0] >= level:
                path.pop()
            path.append((level, heading))
        else:
            current.append(line)
    close()
    return sections


def _windows(text: str, max_chars: int, overlap: int) -> list[str]:
    """Split ``text`` into windows of at most ``max_chars`` at paragraph, sentence or word boundaries; each
    window after the first repeats the last ``overlap`` characters (whole words) of the previous one."""
    text = text.strip()
    if len(text) <= max_chars:
        return [text]
    out: list[str] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + max_chars)
        if end < len(text):
            window = text[start:end]
            cut = max(window.rfind("\n\n"), window.rfind(". "), window.rfind("\n"))
            if cut < max_chars // 2:
                cut = window.rfind(" ")
            if cut > 0:
                end = start + cut + 1
        out.append(text[start:end].strip())
        if end >= len(text):
            break
        next_start = max(end - overlap, start + 1)
        space = text.find(" ", next_start)
        start = space + 1 if 0 <= space < end else next_start
    return [w for w in out if w]


def chunk_markdown(markdown: str, max_chars: int = MAX_CHARS, overlap: int = OVERLAP_CHARS) -> list[Chunk]:
    chunks: list[Chunk] = []
    for path, text in _sections(markdown):
        anchor = f"#{slugify(path[-1])}" if path else ""
        for window in _windows(text, max_chars, overlap):
            chunks.append(Chunk(ordinal=len(chunks), heading_path=path, anchor=anchor, text=window))
    return chunks


def chunk_article(body: str, body_format: str, max_chars: int = MAX_CHARS, overlap: int = OVERLAP_CHARS) -> list[Chunk]:
    markdown = html_to_markdown(body).markdown if body_format == "html" else body
    return chunk_markdown(markdown, max_chars, overlap)
