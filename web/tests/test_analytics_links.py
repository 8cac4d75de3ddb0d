"""The analytics charts' links open the period of the point they are drawn for."""

from __future__ import annotations

import re
from datetime import date
from html import unescape
from urllib.parse import parse_qsl, urlsplit

from litestar.testing import RequestFactory

from web.console.analytics import _trend_charts
from web.console.common import period


def test_a_csat_point_links_to_the_ratings_of_its_one_day() -> None:
    day = date(2026, 3, 14)
    csat = {"days": [{"day": "2026-03-13", "average": "4.0"}, {"day": day.isoformat(), "average": "3.5"}]}
    svg = _trend_charts([], csat, date(2026, 3, 1), date(2026, 3, 31))["csat"]
    links = [unescape(h) for h in re.findall(r'href="(/console/ratings\?[^"]*)"', str(svg))]
    assert len(links) == 2
    # Follow the second point's link as the ratings page reads it.
    link = urlsplit(links[1])
    opened = period(RequestFactory().get(link.path, query_params=dict(parse_qsl(link.query))))
    assert opened == (day, date(2026, 3, 15)), links[1]
