"""Pure signing functions: Aptoria's Stripe-style `X-PMAI-Signature` and QStash's JWT."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence

APTORIA_HEADER = "X-PMAI-Signature"
QSTASH_SIGNATURE_HEADER = "Upstash-Signature"
QSTASH_TOKEN_LIFETIME = 300  # "Our JWTs have a lifetime of 5 minutes by default" (QStash docs)

# The deterministic keys `npx @upstash/qstash-cli dev` prints: stable fixture keys for local runs.
QSTASH_DEV_CURRENT_KEY = "sig_7RvLjqfZBvP5KEUimQCE1pvpLuou"
QSTASH_DEV_NEXT_KEY = "sig_7W3ZNbfKWk5NWwEs3U4ixuQ7fxwE"


def _key(secret: str | bytes) -> bytes:
    # Stripe (and so Aptoria) keys the HMAC with the UTF-8 bytes of the whole secret,
    # `whsec_` prefix included; nothing is base64-decoded (unlike Standard Webhooks).
    return secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)


def _body(body: str | bytes) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)


def aptoria_signature(secret: str | bytes, timestamp: int, body: str | bytes) -> str:
    """Lowercase hex HMAC-SHA256 of `"<t>." + body` (the exact bytes sent)."""
    signed = str(int(timestamp)).encode("ascii") + b"." + _body(body)
    return hmac.new(_key(secret), signed, hashlib.sha256).hexdigest()


def aptoria_header(body: str | bytes, timestamp: int, secrets: Sequence[str | bytes]) -> str:
    """`t=<unix>,v1=<hex>[,v1=<hex>...]`: one v1 per secret (current first, then any secret
    still inside its rotation overlap), the canonical form `^t=[0-9]+(,v1=[0-9a-f]{64})+$`."""
    if not secrets:
        raise ValueError("at least one secret is needed to sign")
    t = int(timestamp)
    if t < 0:
        raise ValueError("timestamp must not be negative")
    return ",".join([f"t={t}", *(f"v1={aptoria_signature(s, t, body)}" for s in secrets)])


def b64url(data: bytes, padded: bool = False) -> str:
    text = base64.urlsafe_b64encode(data).decode("ascii")
    return text if padded else text.rstrip("=")


def body_hash(body: str | bytes) -> str:
    """QStash's `body` claim: base64url (RFC 4648 section 5) of SHA-256 of the raw body.

    QStash's documented example keeps the `=` padding (`...ZvY4=`), so the mock sends it padded
    too; verifiers (qstash-py, ours) strip `=` on both sides before comparing.
    """
    return b64url(hashlib.sha256(_body(body)).digest(), padded=True)


def _segment(obj: dict[str, object]) -> str:
    return b64url(json.dumps(obj, separators=(",", ":")).encode("utf-8"))


def qstash_claims(
    url: str, body: str | bytes, now: int, jti: str, lifetime: int = QSTASH_TOKEN_LIFETIME
) -> dict[str, object]:
    """Claims in the order of QStash's documented example: iss, sub, exp, nbf, iat, jti, body."""
    now = int(now)
    return {
        "iss": "Upstash",
        "sub": url,
        "exp": now + lifetime,
        "nbf": now,
        "iat": now,
        "jti": jti,
        "body": body_hash(body),
    }


def qstash_token(
    key: str | bytes,
    url: str,
    body: str | bytes,
    now: int,
    jti: str,
    lifetime: int = QSTASH_TOKEN_LIFETIME,
) -> str:
    """An HS256 JWT as QStash signs it with the sender's current signing key.

    Hand-rolled (not PyJWT) on purpose: the tests decode every token with PyJWT, which is then
    an independent implementation.
    """
    signing_input = (
        _segment({"alg": "HS256", "typ": "JWT"})
        + "."
        + _segment(qstash_claims(url, body, now, jti, lifetime))
    )
    mac = hmac.new(_key(key), signing_input.encode("ascii"), hashlib.sha256).digest()
    return signing_input + "." + b64url(mac)


def active_secrets(current: str, previous: Iterable[tuple[str, float]], now: float) -> list[str]:
    """The current secret plus every rotated-out secret whose overlap has not yet expired."""
    return [current, *(secret for secret, expires_at in previous if expires_at > now)]
