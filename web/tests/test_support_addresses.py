"""The console's support-address pages put an address in a URL as one path segment."""

from __future__ import annotations

from web.console.support_addresses import _removal, removal_path


def test_an_address_is_one_escaped_path_segment() -> None:
    assert removal_path("a/b?c#d@x.example") == "/console/email/a%2Fb%3Fc%23d%40x.example/remove"
    assert _removal("a/b@x.example", None).action == removal_path("a/b@x.example")
