"""Turning uploaded files into article drafts: Markdown, HTML, PDF (its text) and CSV question/answer pairs."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from services.knowledge.chunking import html_to_markdown

SUPPORTED = {
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "text/html": "html",
    "application/pdf": "pdf",
    "text/csv": "csv",
}
OCTET_STREAM = "application/octet-stream"
EXTENSIONS = {"md": "markdown", "markdown": "markdown", "html": "html", "htm": "html", "pdf": "pdf", "csv": "csv"}
"""What a file sent as ``application/octet-stream`` is, by the extension of its ``filename``."""


class UnsupportedType(ValueError):
    """The upload's media type is not one we import (→ 415)."""


class UnreadableFile(ValueError):
    """The upload claims a supported type but cannot be read as one: the import's ``problem``, no article."""


@dataclass(frozen=True)
class ImportedArticle:
    title: str
    body: str
    body_format: str  # markdown | html


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableFile("the file is not UTF-8 text") from error
    if "\x00" in text:  # text holds no NUL (nor can PostgreSQL store one)
        raise UnreadableFile("the file holds a NUL character: it is not text")
    return text


def _title_from_markdown(markdown: str, fallback: str) -> str:
    for line in markdown.splitlines():
        match = re.match(r"^#\s+(.+?)\s*#*\s*$", line)
        if match:
            return match.group(1)[:300]
    return fallback


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except PdfReadError as error:
        raise UnreadableFile(f"not a readable PDF: {error}") from error
    except Exception as error:  # a broken file breaks the parser in any way: still the file's problem
        raise UnreadableFile(f"not a readable PDF ({type(error).__name__})") from error
    # Text drawn from a PDF's fonts may hold NULs (unmapped glyphs): they are no text, and PostgreSQL stores none.
    texts = [page.replace("\x00", "").strip() for page in pages]
    return "\n\n".join(text for text in texts if text)


def _csv_pairs(text: str) -> list[ImportedArticle]:
    """A header row naming ``question`` and ``answer`` columns (any case), then one article per row."""
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    if "question" not in header or "answer" not in header:
        raise UnreadableFile("the CSV needs a header row with 'question' and 'answer' columns")
    qi, ai = header.index("question"), header.index("answer")
    out = []
    for row in reader:
        if len(row) <= max(qi, ai):
            continue
        question, answer = row[qi].strip(), row[ai].strip()
        if question and answer:
            out.append(ImportedArticle(title=question[:300], body=answer, body_format="markdown"))
    if not out:
        raise UnreadableFile("the CSV has no question/answer rows")
    return out


def _kind(media: str, filename: str) -> str:
    """What the file is: its media type says, or for ``application/octet-stream`` its name's extension."""
    if media == OCTET_STREAM:
        extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
        if extension not in EXTENSIONS:
            names = ", ".join(f".{e}" for e in EXTENSIONS)
            raise UnreadableFile(f"cannot tell what the file is: name it with one of {names}, or send its media type")
        return EXTENSIONS[extension]
    kind = SUPPORTED.get(media)
    if kind is None:
        accepted = ", ".join([*sorted(SUPPORTED), OCTET_STREAM])
        raise UnsupportedType(f"cannot import {media or 'an untyped body'}; send one of: {accepted}")
    return kind


def parse_upload(data: bytes, content_type: str, filename: str = "") -> list[ImportedArticle]:
    """The articles in an upload, by its media type (or its name's extension); raises :class:`UnsupportedType` or
    :class:`UnreadableFile`."""
    kind = _kind(media_type(content_type), filename)
    fallback = re.sub(r"\.[A-Za-z0-9]+$", "", filename.rsplit("/", 1)[-1]) or "Imported article"
    if kind == "csv":
        return _csv_pairs(_decode(data))
    if kind == "pdf":
        text = _pdf_text(data)
        if not text:
            raise UnreadableFile("the PDF has no extractable text (scanned images are not supported)")
        first_line = text.strip().splitlines()[0].strip()
        return [ImportedArticle(title=(fallback if filename else first_line)[:300], body=text, body_format="markdown")]
    text = _decode(data)
    if not text.strip():
        raise UnreadableFile("the file is empty")
    if kind == "html":
        page = html_to_markdown(text)
        return [ImportedArticle(title=(page.title or fallback)[:300], body=text, body_format="html")]
    return [ImportedArticle(title=_title_from_markdown(text, fallback), body=text, body_format="markdown")]
