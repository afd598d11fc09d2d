"""A correct webhook receiver, from the vendors' docs and independent of the mock's code."""

# A correct webhook receiver, written from the vendors' docs and independent of the mock's code:
# Aptoria's `X-PMAI-Signature` HMAC and RentEngine's QStash JWT (plus its forwarded API key).

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Any

import jwt

TOLERANCE = 300  # Aptoria: deliveries "more than 5 minutes old" are rejected
HEADER = re.compile(r"^t=([0-9]{1,15})((?:,v1=[0-9a-f]{64})+)$")  # the canonical form


def aptoria_signature(secret: str, t: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()


class AptoriaReceiver:
    def __init__(self, secrets: list[str], tolerance: int = TOLERANCE) -> None:
        self.secrets = secrets
        self.tolerance = tolerance
        self.seen: set[tuple[str, str]] = set()

    def reject_reason(self, body: bytes, header: str | None, now: float | None) -> str | None:
        """Why a correct receiver refuses this delivery at `now` (None: it accepts it).
        `now=None` checks the signature alone."""
        match = HEADER.match(header or "")
        if not match:
            return f"header {header!r} is not t=<unix>,v1=<64 hex>"
        t = int(match.group(1))
        given = match.group(2).split(",v1=")[1:]
        wanted = [aptoria_signature(s, t, body) for s in self.secrets]
        if not any(hmac.compare_digest(g, w) for g in given for w in wanted):
            return "no v1 matches HMAC-SHA256(secret, t + '.' + body)"
        if now is None:
            return None
        if abs(now - t) > self.tolerance:
            return f"t={t} is {now - t:+.0f} s from now (tolerance {self.tolerance} s)"
        if (match.group(1), match.group(2)) in self.seen:
            return "replayed: this exact signature was accepted before"
        self.seen.add((match.group(1), match.group(2)))
        return None


def body_hash(body: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(body).digest()).decode().rstrip("=")


class QStashReceiver:
    """QStash's documented check: HS256 with the current or the next signing key, iss Upstash,
    sub = this URL, nbf <= now <= exp, body = base64url(sha256(body)); jti never seen twice."""

    def __init__(
        self, keys: list[str], url: str, api_key: str | None, api_key_header: str = "X-API-Key"
    ) -> None:
        self.keys, self.url = keys, url
        self.api_key, self.api_key_header = api_key, api_key_header.lower()
        self.seen: set[str] = set()

    def claims(self, token: str | None) -> dict[str, Any] | str:
        for key in self.keys:
            try:
                return jwt.decode(
                    token or "",
                    key,
                    algorithms=["HS256"],
                    options={
                        "require": ["iss", "sub", "exp", "nbf", "iat", "jti", "body"],
                        "verify_exp": False,
                        "verify_nbf": False,
                        "verify_iat": False,
                    },
                )
            except jwt.InvalidSignatureError:
                continue
            except jwt.PyJWTError as exc:
                return f"not a valid token: {exc}"
        return "signed with neither the current nor the next signing key"

    def reject_reason(
        self, body: bytes, headers: Mapping[str, str], now: float | None
    ) -> str | None:
        if self.api_key is not None and not hmac.compare_digest(
            headers.get(self.api_key_header, "").encode(), self.api_key.encode()
        ):
            return f"missing or wrong {self.api_key_header}"
        claims = self.claims(headers.get("upstash-signature"))
        if isinstance(claims, str):
            return claims
        if claims["iss"] != "Upstash" or claims["sub"] != self.url:
            return f"iss/sub are {claims['iss']!r}/{claims['sub']!r}"
        if not hmac.compare_digest(str(claims["body"]).rstrip("="), body_hash(body)):
            return "body hash does not match the body"
        if now is None:
            return None
        if not claims["nbf"] <= now <= claims["exp"]:
            return f"outside nbf..exp ({claims['nbf']}..{claims['exp']}) at {now:.0f}"
        if claims["jti"] in self.seen:
            return "replayed: this token's jti was accepted before"
        self.seen.add(str(claims["jti"]))
        return None
