"""Server-rendered pages: one Jinja environment (every value escaped unless a template says otherwise, and no
template here does), the layout's shared context, and the response that carries a page."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
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
    """Dollar amounts as people read them: cents from a dollar up (``1234.5`` → ``$1,234.50``), and below a dollar
    at least cents and up to four significant digits, as model calls cost fractions of a cent
    (``0.0012000000`` → ``$0.0012``, ``0.35`` → ``$0.35``, ``0`` → ``$0.00``)."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not amount.is_finite():
        return str(value)
    sign, amount = ("-" if amount < 0 else ""), abs(amount)
    if amount >= 1 or amount == 0:
        return f"{sign}${amount.quantize(Decimal('0.01'), ROUND_HALF_UP):,}"
    places = max(2, 3 - amount.adjusted())  # four significant digits
    text = format(amount.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP), "f").rstrip("0")
    whole, _, cents = text.partition(".")
    return f"{sign}${whole}.{cents.ljust(2, '0')}"


environment.filters["usd"] = usd


def page(template: str, status_code: int = 200, **context: Any) -> Response[str]:
    """``template`` rendered with ``context``; never cached (pages show live state and a CSRF token)."""
    html = environment.get_template(template).render(**context)
    return Response(html, status_code=status_code, media_type=MediaType.HTML, headers={"Cache-Control": "no-store"})
