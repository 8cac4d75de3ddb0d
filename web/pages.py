"""Server-rendered pages: one Jinja environment (every value escaped unless a template says otherwise, and no
template here does), the layout's shared context, and the response that carries a page."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import MediaType, Response

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def usd(value: object) -> str:
    """Exact dollar amounts as people read them: ``0.0012000000`` → ``$0.0012``, ``3.5`` → ``$3.50``."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if amount == 0:
        return "$0"
    text = format(amount.normalize(), "f")
    whole, _, cents = text.partition(".")
    return f"${whole}.{cents.ljust(2, '0')}"


environment.filters["usd"] = usd


def page(template: str, status_code: int = 200, **context: Any) -> Response[str]:
    """``template`` rendered with ``context``; never cached (pages show live state and a CSRF token)."""
    html = environment.get_template(template).render(**context)
    return Response(html, status_code=status_code, media_type=MediaType.HTML, headers={"Cache-Control": "no-store"})
