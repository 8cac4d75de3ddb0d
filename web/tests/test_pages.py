"""Dollar amounts as the pages show them."""

from __future__ import annotations

import pytest

from web.pages import usd


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        ("0", "$0.00"),
        ("0E-10", "$0.00"),
        ("3.5", "$3.50"),
        ("1234.5678", "$1,234.57"),
        ("0.35", "$0.35"),
        ("0.0012000000", "$0.0012"),
        ("0.000123456", "$0.0001235"),
        ("0.123456", "$0.1235"),
        ("0.999999", "$1.00"),
        ("-2.5", "-$2.50"),
        ("n/a", "n/a"),
    ],
)
def test_amounts_read_as_dollars_and_cents_or_four_significant_digits(amount: str, shown: str) -> None:
    assert usd(amount) == shown
