"""Property tests of Aptoria signing and verification, and the RentEngine API-key check."""

from __future__ import annotations

import hmac
import json
import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mock_server.webhooks import verify as verify_module
from mock_server.webhooks.signing import active_secrets, aptoria_header, aptoria_signature
from mock_server.webhooks.verify import (
    SignatureVerificationError,
    parse_aptoria_header,
    verify_aptoria,
    verify_rentengine_api_key,
)

TOL = 300
bodies = st.binary(max_size=300)
secrets = st.text(min_size=1, max_size=40).filter(lambda s: s.strip() != "")
stamps = st.integers(min_value=0, max_value=2**40)
CANONICAL = re.compile(r"t=[0-9]+(,v1=[0-9a-f]{64})+")
fast = settings(max_examples=150, deadline=None)


def rejects(body: bytes, header: object, secret: object, now: float, **kw: object) -> bool:
    try:
        verify_aptoria(body, header, secret, now=now, **kw)  # type: ignore[arg-type]
    except SignatureVerificationError:
        return True
    return False


@fast
@given(bodies, secrets, stamps, st.integers(-TOL, TOL))
def test_round_trip_within_the_window(body: bytes, secret: str, t: int, skew: int) -> None:
    header = aptoria_header(body, t, [secret])
    assert CANONICAL.fullmatch(header)
    assert verify_aptoria(body, header, secret, now=t + skew) == t
    assert verify_aptoria(body.decode("latin-1").encode("latin-1"), header, [secret], now=t) == t


@fast
@given(bodies, secrets, stamps)
def test_str_and_bytes_bodies_agree(body: bytes, secret: str, t: int) -> None:
    text = body.decode("utf-8", "replace")
    assert aptoria_header(text, t, [secret]) == aptoria_header(text.encode(), t, [secret])


@fast
@given(bodies.filter(bool), secrets, stamps, st.data())
def test_any_changed_body_byte_is_rejected(
    body: bytes, secret: str, t: int, data: st.DataObject
) -> None:
    header = aptoria_header(body, t, [secret])
    i = data.draw(st.integers(0, len(body) - 1))
    mask = data.draw(st.integers(1, 255))
    flipped = body[:i] + bytes([body[i] ^ mask]) + body[i + 1 :]
    assert rejects(flipped, header, secret, t)
    assert rejects(body[:i] + body[i + 1 :], header, secret, t)  # a deleted byte
    assert rejects(body + b" ", header, secret, t)  # an appended byte


@fast
@given(bodies, secrets, stamps, st.data())
def test_any_changed_signature_or_timestamp_is_rejected(
    body: bytes, secret: str, t: int, data: st.DataObject
) -> None:
    sig = aptoria_signature(secret, t, body)
    i = data.draw(st.integers(0, 63))
    other = data.draw(st.sampled_from("0123456789abcdefABCDEF").filter(lambda c: c != sig[i]))
    tampered = sig[:i] + other + sig[i + 1 :]
    assert rejects(body, f"t={t},v1={tampered}", secret, t)
    t2 = data.draw(stamps.filter(lambda x: x != t))
    # The timestamp is inside the MAC: moving it without re-signing fails even "in window".
    assert rejects(body, f"t={t2},v1={sig}", secret, t2)


@fast
@given(bodies, secrets, secrets, stamps)
def test_wrong_secret_is_rejected(body: bytes, secret: str, other: str, t: int) -> None:
    assume(secret != other)
    assert rejects(body, aptoria_header(body, t, [secret]), other, t)


@pytest.mark.parametrize("tolerance", [1, 5, 300, 3600])
def test_tolerance_edges_are_inclusive_and_two_sided(tolerance: int) -> None:
    body, secret, t = b'{"event":"rent.paid"}', "whsec_edge", 1_780_000_000
    header = aptoria_header(body, t, [secret])
    assert verify_aptoria(body, header, secret, tolerance, now=t + tolerance) == t  # age == tol
    assert rejects(body, header, secret, t + tolerance + 1, tolerance=tolerance)  # tol + 1 old
    assert verify_aptoria(body, header, secret, tolerance, now=t - tolerance) == t  # tol ahead
    assert rejects(body, header, secret, t - tolerance - 1, tolerance=tolerance)  # tol+1 ahead
    assert rejects(body, header, secret, t + tolerance + 0.001, tolerance=tolerance)


def test_tolerance_zero_means_exactly_now_and_none_disables() -> None:
    body, secret, t = b"{}", "whsec_zero", 1_700_000_000
    header = aptoria_header(body, t, [secret])
    assert verify_aptoria(body, header, secret, tolerance=0, now=t) == t
    assert rejects(body, header, secret, t + 1, tolerance=0)  # 0 is not "disabled" (Stripe's)
    assert verify_aptoria(body, header, secret, tolerance=None, now=t + 10**9) == t


@fast
@given(bodies, st.lists(secrets, min_size=1, max_size=4, unique=True), stamps, st.randoms())
def test_several_v1_values_in_any_order(body: bytes, keys: list[str], t: int, rnd: object) -> None:
    header = aptoria_header(body, t, keys)
    assert header.count(",v1=") == len(keys)
    parts = header.split(",")[1:]
    rnd.shuffle(parts)  # type: ignore[attr-defined]
    shuffled = ",".join([*parts[: len(parts) // 2], f"t={t}", *parts[len(parts) // 2 :]])
    for key in keys:  # each secret alone verifies, wherever its v1 sits
        assert verify_aptoria(body, shuffled, key, now=t) == t
    junk = ",".join(f"v1={'0' * 63}{i}" for i in range(3))
    assert rejects(body, f"t={t},{junk}", keys, t)  # every v1 invalid


@fast
@given(
    bodies,
    secrets,
    stamps,
    st.lists(
        st.sampled_from(
            ["v0=" + "a" * 64, "v2=" + "b" * 64, "foo=bar", "v1a=zz", "V1=" + "c" * 64, "x"]
        ),
        min_size=1,
        max_size=4,
    ),
    st.data(),
)
def test_unknown_schemes_are_ignored_and_never_downgrade(
    body: bytes, secret: str, t: int, extra: list[str], data: st.DataObject
) -> None:
    header = aptoria_header(body, t, [secret])
    parts = header.split(",")
    at = data.draw(st.integers(0, len(parts)))
    assert verify_aptoria(body, ",".join(parts[:at] + extra + parts[at:]), secret, now=t) == t
    # A valid HMAC offered only under another scheme name is not accepted.
    sig = aptoria_signature(secret, t, body)
    assert rejects(body, f"t={t},v0={sig}", secret, t)
    assert rejects(body, f"t={t},V1={sig}", secret, t)
    assert rejects(body, f"t={t},v2={sig}," + ",".join(extra), secret, t)


MALFORMED = [
    None,
    "",
    ",",
    "=",
    "t=",
    "t=,v1=",
    "v1=" + "a" * 64,
    "t=1700000000",
    "t=abc,v1=" + "a" * 64,
    "t=-5,v1=" + "a" * 64,
    "t=+17,v1=" + "a" * 64,
    "t=1_700,v1=" + "a" * 64,
    "t=1.5,v1=" + "a" * 64,
    "t=١٢٣,v1=" + "a" * 64,
    "t=1, v1=" + "a" * 64,
    " t=1,v1=" + "a" * 64,
    "t=1,t=1,v1=" + "a" * 64,
    "t=" + "9" * 5000 + ",v1=" + "a" * 64,
    "t=1,v1=é" * 3,
    "t=1,v1=" + "A" * 64,
    b"\xff\xfe",
    b"t=1,v1=",
    12345,
    ["t=1"],
    "t=1,v1=\x00",
]


@pytest.mark.parametrize("header", MALFORMED, ids=lambda h: repr(h)[:30])
def test_malformed_headers_raise_only_the_verification_error(header: object) -> None:
    with pytest.raises(SignatureVerificationError):
        verify_aptoria(b"{}", header, "whsec_x", now=1)  # type: ignore[arg-type]


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(st.text(max_size=200), st.binary(max_size=200), st.none(), st.integers()),
    st.one_of(st.binary(max_size=50), st.text(max_size=50), st.none()),
    st.one_of(
        secrets,
        st.lists(secrets, max_size=3),
        st.text(max_size=3),
        st.none(),
        st.binary(max_size=5),
    ),
)
def test_arbitrary_input_never_raises_anything_else(
    header: object, body: object, secret: object
) -> None:
    try:
        verify_aptoria(body, header, secret, now=0)  # type: ignore[arg-type]
    except SignatureVerificationError:
        pass


@fast
@given(
    st.dictionaries(
        st.text(max_size=5),
        st.one_of(st.integers(), st.floats(allow_nan=False), st.text(max_size=5)),
        min_size=1,
    ),
    secrets,
    stamps,
)
def test_verifying_re_serialised_json_fails(obj: dict[str, object], secret: str, t: int) -> None:
    raw = json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()
    header = aptoria_header(raw, t, [secret])
    again = json.dumps(json.loads(raw), indent=1).encode()  # what a careless receiver does
    assume(again != raw)
    assert rejects(again, header, secret, t)


def test_parse_keeps_every_v1_and_the_single_t() -> None:
    assert parse_aptoria_header("t=12,v0=x,v1=aa,v1=bb") == (12, ["aa", "bb"])


def test_comparison_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Structural: every candidate goes through hmac.compare_digest on bytes, none via ==."""
    calls: list[tuple[object, object]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(verify_module.hmac, "compare_digest", spy)
    body, t = b"{}", 1_700_000_000
    header = aptoria_header(body, t, ["k1", "k2"])
    verify_aptoria(body, header, ["k2", "k3"], now=t)
    assert len(calls) == 4  # 2 expected x 2 candidates, no early exit
    assert all(isinstance(a, bytes) and isinstance(b, bytes) for a, b in calls)
    calls.clear()
    verify_rentengine_api_key({"X-API-Key": "k"}, "k")
    assert len(calls) == 1


def test_rotation_overlap_expires_on_the_clock() -> None:
    assert active_secrets("new", [("old", 100.0)], now=99.9) == ["new", "old"]
    assert active_secrets("new", [("old", 100.0)], now=100.0) == ["new"]


def test_rentengine_api_key() -> None:
    verify_rentengine_api_key({"x-api-key": "secret"}, "secret")  # any header case
    verify_rentengine_api_key({"Authorization": "Bearer k"}, "Bearer k", "authorization")
    for headers in (
        {},
        {"X-API-Key": "wrong"},
        {"X-API-Key": ""},
        {"X-Other": "secret"},
        {"X-API-Key": "secret", "x-api-key": "secret"},
        {"X-API-Key": "sécret"},
    ):
        with pytest.raises(SignatureVerificationError):
            verify_rentengine_api_key(headers, "secret")
    with pytest.raises(SignatureVerificationError):
        verify_rentengine_api_key({"X-API-Key": ""}, "")
