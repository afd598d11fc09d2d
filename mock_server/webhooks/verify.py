"""Verification helpers for integrators' tests: Aptoria signatures, RentEngine keys, QStash JWTs."""

from __future__ import annotations

import hmac
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any

import jwt

from mock_server.webhooks.signing import aptoria_signature, body_hash

DEFAULT_TOLERANCE = 300  # Aptoria: "more than 5 minutes old" is rejected
_T = re.compile(r"[0-9]{1,15}")  # plain ASCII decimal: no sign, `_`, spaces or other digits
_V1 = re.compile(r"[0-9a-f]{64}")


class SignatureVerificationError(Exception):
    """The one exception every verifier here raises, for any malformed, tampered or stale input."""


def parse_aptoria_header(header: object) -> tuple[int, list[str]]:
    """`t` and the `v1` values of an `X-PMAI-Signature` header.

    Parsed the way Stripe documents (split on `,`, then on the first `=`), but stricter than
    stripe-python: exactly one `t`, plain decimal digits only (Python's int() would take `+1`,
    `1_0` and non-ASCII digits), and no whitespace stripping (`t=1, v1=...` fails closed).
    Every scheme but `v1` (Stripe's test-mode `v0`, anything unknown) is ignored: no downgrade.
    """
    if isinstance(header, bytes | bytearray):
        try:
            header = bytes(header).decode("ascii")
        except UnicodeDecodeError:
            raise SignatureVerificationError("Signature header is not ASCII") from None
    if not isinstance(header, str) or not header:
        raise SignatureVerificationError("No signature header")
    stamps: list[str] = []
    signatures: list[str] = []
    for element in header.split(","):
        key, sep, value = element.partition("=")
        if not sep:
            continue  # "Discard all other elements"
        if key == "t":
            stamps.append(value)
        elif key == "v1":
            signatures.append(value)
    if len(stamps) != 1 or not _T.fullmatch(stamps[0]):
        raise SignatureVerificationError("Unable to extract a single timestamp from the header")
    if not signatures:
        raise SignatureVerificationError("No signatures found with expected scheme v1")
    return int(stamps[0]), signatures


def _secret_list(secrets: object) -> list[bytes]:
    items = [secrets] if isinstance(secrets, str | bytes) else secrets
    if not isinstance(items, Sequence) or isinstance(items, str | bytes):
        raise SignatureVerificationError("No webhook secret")
    keys: list[bytes] = []
    for item in items:
        if isinstance(item, str):
            item = item.encode("utf-8")
        if not isinstance(item, bytes) or not item.strip():
            raise SignatureVerificationError("Empty or invalid webhook secret")
        keys.append(item)
    if not keys:
        raise SignatureVerificationError("No webhook secret")
    return keys


def verify_aptoria(
    body: bytes | str,
    header: str | bytes | None,
    secrets: Sequence[str] | str,
    tolerance: int | None = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> int:
    """Check an `X-PMAI-Signature`: the signed timestamp, or SignatureVerificationError.

    The window is symmetric and inclusive: |now - t| <= tolerance is accepted, so a timestamp
    exactly `tolerance` seconds old (or ahead) passes and one second more fails. Aptoria's own
    sample code rejects `abs(now - t) > 300`, so future stamps beyond the tolerance are rejected
    too (stripe-python only rejects old ones). `tolerance=None` skips the recency check
    explicitly; `0` means "exactly now", never "disabled" (Stripe's footgun).
    """
    if isinstance(body, str):
        body = body.encode("utf-8")
    if not isinstance(body, bytes | bytearray):
        raise SignatureVerificationError("Body must be the raw bytes received")
    keys = _secret_list(secrets)
    timestamp, signatures = parse_aptoria_header(header)
    candidates = [s.encode("ascii") for s in signatures if _V1.fullmatch(s)]
    expected = [aptoria_signature(key, timestamp, bytes(body)).encode("ascii") for key in keys]
    # Compare every pair in constant time (no early exit on the first match).
    matched = False
    for want in expected:
        for got in candidates:
            matched |= hmac.compare_digest(want, got)
    if not matched:
        raise SignatureVerificationError("No signatures found matching the expected signature")
    if tolerance is not None:
        current = time.time() if now is None else float(now)
        if abs(current - timestamp) > tolerance:
            raise SignatureVerificationError(f"Timestamp outside the tolerance zone ({timestamp})")
    return timestamp


def verify_rentengine_api_key(
    headers: Mapping[str, str], expected: str, header_name: str = "X-API-Key"
) -> None:
    """Check the API key RentEngine forwards (header name configurable; looked up without case)."""
    wanted = header_name.lower()
    values = [v for k, v in headers.items() if isinstance(k, str) and k.lower() == wanted]
    if len(values) != 1 or not isinstance(values[0], str) or not expected:
        raise SignatureVerificationError(f"Missing or repeated {header_name} header")
    if not hmac.compare_digest(values[0].encode("utf-8"), expected.encode("utf-8")):
        raise SignatureVerificationError(f"Wrong {header_name}")


def verify_qstash(
    token: str | None,
    body: bytes | str,
    current_key: str,
    next_key: str,
    url: str | None = None,
    now: float | None = None,
    clock_tolerance: int = 0,
) -> dict[str, Any]:
    """Verify an `Upstash-Signature` JWT as qstash-py's Receiver does; returns the claims.

    Tries the current signing key, then the next one (rotation: current = next). Requires
    iss == "Upstash", exp/nbf within `clock_tolerance`, the body hash, and `sub == url` if given.
    """
    if not isinstance(token, str) or not token:
        raise SignatureVerificationError("No Upstash-Signature header")
    if isinstance(body, str):
        body = body.encode("utf-8")
    if not isinstance(body, bytes | bytearray):
        raise SignatureVerificationError("Body must be the raw bytes received")
    claims: dict[str, Any] | None = None
    for key in (current_key, next_key):
        try:
            claims = _decode(token, key, now, clock_tolerance)
            break
        except jwt.InvalidSignatureError:
            continue
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise SignatureVerificationError(f"Invalid token: {exc}") from None
    if claims is None:
        raise SignatureVerificationError("Signature matches neither signing key")
    if claims.get("iss") != "Upstash":
        raise SignatureVerificationError("Wrong issuer")
    if url is not None and claims.get("sub") != url:
        raise SignatureVerificationError("Wrong subject (destination URL)")
    got = claims.get("body")
    if not isinstance(got, str) or not hmac.compare_digest(
        got.rstrip("=").encode("ascii", "replace"),
        body_hash(bytes(body)).rstrip("=").encode("ascii"),
    ):
        raise SignatureVerificationError("Body hash mismatch")
    return claims


def _decode(token: str, key: str, now: float | None, leeway: int) -> dict[str, Any]:
    # Like qstash-py: exp and nbf are checked, iat is not.
    options: Any = {"require": ["iss", "sub", "exp", "nbf"], "verify_iat": False}
    if now is None:
        return jwt.decode(token, key, algorithms=["HS256"], options=options, leeway=leeway)
    wall_free: Any = {**options, "verify_exp": False, "verify_nbf": False}
    claims = jwt.decode(token, key, algorithms=["HS256"], options=wall_free)
    # An injected `now` (the mock's clock) replaces PyJWT's wall-clock checks.
    exp, nbf = claims.get("exp"), claims.get("nbf")
    if not isinstance(exp, int | float) or not isinstance(nbf, int | float):
        raise SignatureVerificationError("exp and nbf must be numbers")
    if now > exp + leeway:
        raise SignatureVerificationError("Token expired")
    if now < nbf - leeway:
        raise SignatureVerificationError("Token not yet valid")
    return claims
