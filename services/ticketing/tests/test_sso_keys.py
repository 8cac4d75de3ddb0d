"""Single sign-on's pure parts: the client secret sealed per tenant and readable across a master key rotation, the
values derived from a state, and the role a claim maps to."""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime

import pytest

from libs.events.subject_keys import MasterKeys
from services.ticketing.oidc import SsoRefused
from services.ticketing.repository import SsoConfigRow
from services.ticketing.sso import TenantKeys, map_role


def master(*versions: str) -> MasterKeys:
    return MasterKeys.parse(",".join(f"{v}:{base64.b64encode(os.urandom(32)).decode()}" for v in versions))


def test_the_secret_is_sealed_for_its_tenant_and_opens_after_a_rotation() -> None:
    old = master("v1")
    sealed = TenantKeys(lambda: old).seal("ten_a", "s3cret")
    assert "s3cret" not in sealed
    assert sealed.startswith("v1:")
    rotated = MasterKeys({"v2": os.urandom(32), **old.keys})
    assert TenantKeys(lambda: rotated).open("ten_a", sealed) == "s3cret"
    with pytest.raises(SsoRefused, match="does not open"):
        TenantKeys(lambda: old).open("ten_b", sealed)  # bound to its tenant
    with pytest.raises(SsoRefused, match="v1 is not configured"):
        TenantKeys(lambda: master("v3")).open("ten_a", sealed)


def test_nonce_and_verifier_come_from_the_state_and_the_tenant_key_only() -> None:
    one = master("v1")
    keys = TenantKeys(lambda: one)
    nonce = keys.derive("ten_a", "nonce", "state-1")
    assert nonce == keys.derive("ten_a", "nonce", "state-1")
    assert len(keys.derive("ten_a", "pkce", "state-1")) == 43  # RFC 7636: 43 to 128 characters
    assert nonce not in {
        keys.derive("ten_a", "pkce", "state-1"),
        keys.derive("ten_b", "nonce", "state-1"),
        keys.derive("ten_a", "nonce", "state-2"),
    }


def config(default_role: str | None = None) -> SsoConfigRow:
    return SsoConfigRow(
        "ten_a",
        "https://idp",
        "c",
        "v1:x",
        "groups",
        {"ops": "agent", "leads": "admin"},
        default_role,
        datetime.now(UTC),
        None,
    )


@pytest.mark.parametrize(
    ("claims", "role"),
    [
        ({"groups": "ops"}, "agent"),
        ({"groups": ["ops", "leads", "other"]}, "admin"),  # the highest mapped role
        ({"groups": ["leads", 7, None]}, "admin"),  # values that are not strings are ignored
    ],
)
def test_the_role_claim_maps_to_the_highest_role(claims: dict[str, object], role: str) -> None:
    assert map_role(config(), claims) == role


def test_no_mapped_value_gives_the_default_role_or_no_sign_in() -> None:
    assert map_role(config("agent"), {"groups": ["sales"]}) == "agent"
    with pytest.raises(SsoRefused, match="no 'groups' value") as refused:
        map_role(config(), {"email": "x@example.com"})
    assert refused.value.status == 403
