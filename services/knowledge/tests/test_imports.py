"""Imports: Markdown, HTML, PDF text and CSV question/answer pairs become searchable articles; too large → 413,
unsupported type → 415; a file that cannot be read as its type makes no article and the import says why
(``problem``): the upload was well-formed, what it holds is the file's."""

from __future__ import annotations

from typing import Any

from libs.events import EventLog
from services.knowledge.tests.conftest import Service, tenant_headers


def minimal_pdf(lines: list[str]) -> bytes:
    """A one-page PDF whose text layer holds ``lines`` (Helvetica), with a correct cross-reference table."""
    content = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({line}) '" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


async def _import(client: Any, headers: dict[str, str], body: bytes, content_type: str, **params: Any) -> Any:
    return await client.post(
        "/v1/knowledge/imports", headers={**headers, "content-type": content_type}, content=body, params=params
    )


async def _titles(client: Any, headers: dict[str, str], q: str, mode: str = "hybrid") -> list[str]:
    r = await client.get("/v1/knowledge/search", headers=headers, params={"q": q, "mode": mode})
    return [h["title"] for h in r.json()["items"]]


async def test_markdown_html_pdf_and_csv_become_searchable(knowledge: Service, event_log: EventLog) -> None:
    client, runtime = knowledge
    headers = await tenant_headers(event_log, runtime)
    md = b"# Loyalty points\n\nEvery euro spent earns one loyalty point.\n"
    assert (await _import(client, headers, md, "text/markdown; charset=utf-8")).status_code == 201
    html = b"<html><head><title>Store hours</title></head><body><nav>Home | Shop</nav><main><h1>Store hours</h1>"
    html += b"<p>Our boutique opens at nine.</p></main><footer>Copyright</footer></body></html>"
    assert (await _import(client, headers, html, "text/html")).status_code == 201
    pdf = minimal_pdf(["Warranty terms", "Every blender carries a warranty of three years."])
    r = await _import(client, headers, pdf, "application/pdf", filename="warranty.pdf")
    assert r.status_code == 201, r.text
    csv = b"question,answer\nCan I pay with PayPal?,Yes we accept PayPal at checkout.\n"
    csv += b'"Do you sell vouchers, too?",Vouchers are sold online.\n'
    r = await _import(client, headers, csv, "text/csv")
    assert r.status_code == 201
    assert len(r.json()["article_ids"]) == 2

    assert (await _titles(client, headers, "loyalty point per euro"))[0] == "Loyalty points"
    assert (await _titles(client, headers, "when does the boutique open"))[0] == "Store hours"
    assert (await _titles(client, headers, "blender warranty"))[0] == "warranty"
    assert (await _titles(client, headers, "paypal"))[0] == "Can I pay with PayPal?"
    # Navigation and footer are not content.
    assert await _titles(client, headers, "copyright", mode="fulltext") == []


async def test_import_limits_and_types(knowledge: Service, event_log: EventLog) -> None:
    client, runtime = knowledge
    headers = await tenant_headers(event_log, runtime)
    too_big = b"# Big\n\n" + b"word " * 20_000  # the test service allows 64 KiB
    r = await _import(client, headers, too_big, "text/markdown")
    assert r.status_code == 413
    assert r.json()["code"] == "too_large"
    r = await _import(client, headers, b"\x89PNG....", "image/png")
    assert r.status_code == 415
    assert "text/markdown" in r.json()["detail"]
    unreadable = [
        (b"not a pdf at all", "application/pdf", "not a readable PDF"),
        (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 9 0 R >>\nendobj\n%%EOF", "application/pdf", "PDF"),
        (b"q,a\nx,y\n", "text/csv", "'question' and 'answer' columns"),
        (b"question,answer\n,\n", "text/csv", "no question/answer rows"),
        (b"\xff\xfe# caf\xe9", "text/markdown", "not UTF-8"),
        (b"# Title\n\nnul \x00 inside", "text/markdown", "NUL"),
        (b"", "text/html", "empty"),
        (b"  \n", "text/markdown", "empty"),
    ]
    for body, content_type, why in unreadable:
        r = await _import(client, headers, body, content_type)
        assert r.status_code == 201, (body, r.text)
        assert r.json()["article_ids"] == []
        assert why in r.json()["problem"], (body, r.json())
    listed = (await client.get("/v1/knowledge/articles", headers=headers)).json()["items"]
    assert listed == []


async def test_a_file_sent_as_octet_stream_is_what_its_name_says(knowledge: Service, event_log: EventLog) -> None:
    client, runtime = knowledge
    headers = await tenant_headers(event_log, runtime)
    csv = b"question,answer\nDo you ship to Iceland?,Yes, in five days.\n"
    r = await _import(client, headers, csv, "application/octet-stream", filename="faq.CSV")
    assert (r.status_code, r.json()["problem"], len(r.json()["article_ids"])) == (201, None, 1), r.text
    r = await _import(client, headers, b"# Gift wrap\n\nFree.", "application/octet-stream", filename="wrap.md")
    assert (r.status_code, r.json()["problem"], len(r.json()["article_ids"])) == (201, None, 1), r.text
    for filename in ("notes.txt", "README", ""):
        r = await _import(client, headers, b"# Gift wrap", "application/octet-stream", filename=filename)
        assert r.status_code == 201, r.text
        assert r.json()["article_ids"] == []
        assert ".md, .markdown, .html, .htm, .pdf, .csv" in r.json()["problem"]
    assert (await _titles(client, headers, "ship to iceland"))[0] == "Do you ship to Iceland?"


async def test_an_import_into_an_unknown_collection_is_a_conflict_whatever_the_file(
    knowledge: Service, event_log: EventLog
) -> None:
    client, runtime = knowledge
    headers = await tenant_headers(event_log, runtime)
    for body in (b"# Fine\n\nA readable file.", b"\xff not text"):
        r = await _import(client, headers, body, "text/markdown", collection_id="col_nope")
        assert r.status_code == 409, r.text
        assert r.json()["code"] == "conflict"
    r = await _import(client, headers, b"# Fine\n\nA readable file.", "text/markdown")
    assert (r.status_code, r.json()["problem"], len(r.json()["article_ids"])) == (201, None, 1)


async def test_imports_can_land_as_drafts(knowledge: Service, event_log: EventLog) -> None:
    client, runtime = knowledge
    headers = await tenant_headers(event_log, runtime)
    r = await _import(
        client, headers, b"# Secret launch\n\nThe new model ships in May.", "text/markdown", status="draft"
    )
    assert r.status_code == 201
    assert await _titles(client, headers, "secret launch") == []
    (article,) = (await client.get("/v1/knowledge/articles", headers=headers)).json()["items"]
    assert (article["title"], article["status"]) == ("Secret launch", "draft")
