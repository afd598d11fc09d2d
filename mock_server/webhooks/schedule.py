"""Retry schedules: Aptoria exponential backoff with seeded jitter, QStash e^(2.5n), Retry-After."""

from __future__ import annotations

import hashlib
import math
import re
from email.utils import parsedate_to_datetime

# Aptoria documents only "exponential backoff for ~48 hours" and "auto-disabled after 10
# consecutive failures". The mock pins (inferred): 10 attempts; the delay after the n-th
# failed attempt (n = 1..9) is
#     round(APTORIA_BASE * APTORIA_FACTOR ** (n - 1) * (1 + j_n))   seconds,
# with j_n uniform in [-APTORIA_JITTER, +APTORIA_JITTER) drawn from SHA-256(seed:message:n).
# Nominal (jitter-free) delays 68, 170, 425, 1062, 2656, 6641, 16602, 41504, 103760 s put the
# 10th attempt at 172 888 s = 48 h 1 m 28 s after the first: base 68 s is chosen for that.
# ±10 % jitter keeps the delays increasing (2.5 * 0.9 > 1.1).
APTORIA_BASE = 68.0
APTORIA_FACTOR = 2.5
APTORIA_JITTER = 0.1
APTORIA_MAX_ATTEMPTS = 10

QSTASH_CAP = 86400  # QStash: min(86400, e^(2.5 n)); an older API page says e^(2 n): pinned 2.5
QSTASH_DEFAULT_RETRIES = 3  # the free plan's maximum (older docs: free 3, paid 5)


def jitter_fraction(seed: int, message_id: str, n: int) -> float:
    """A deterministic number in [0, 1) for this (seed, message, failure count)."""
    digest = hashlib.sha256(f"{seed}:{message_id}:{n}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def aptoria_delay(
    n: int,
    seed: int,
    message_id: str,
    base: float = APTORIA_BASE,
    factor: float = APTORIA_FACTOR,
    jitter: float = APTORIA_JITTER,
    delays: list[float] | None = None,
) -> int:
    """Seconds to wait after the n-th failed attempt of one message (n >= 1).

    `delays` (a list of nominal delays, the last one repeating) replaces the formula."""
    if n < 1:
        raise ValueError("n counts failed attempts, from 1")
    nominal = delays[min(n, len(delays)) - 1] if delays else base * factor ** (n - 1)
    j = (2 * jitter_fraction(seed, message_id, n) - 1) * jitter
    return max(1, round(nominal * (1 + j)))


def qstash_delay(n: int, cap: int = QSTASH_CAP) -> int:
    """QStash's backoff after the n-th failed attempt (n = retries so far, from 1), whole seconds:
    12, 148, 1808, 22026, 86400, 86400, ..."""
    if n < 1:
        raise ValueError("n counts failed attempts, from 1")
    exponent = 2.5 * n
    return cap if exponent > math.log(cap) else min(cap, int(math.exp(exponent)))


_GO_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_GO_PART = re.compile(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h)")
RETRY_AFTER_HEADERS = (
    "Retry-After",
    "X-RateLimit-Reset",
    "X-RateLimit-Reset-Requests",
    "X-RateLimit-Reset-Tokens",
)


def parse_delay(value: str, now: float) -> float | None:
    """A receiver's requested delay in seconds: integer seconds, an RFC 1123 date, or a Go
    duration (`6m5s`), as QStash accepts them. None when unparseable or beyond one day
    ("values above 1 day are ignored": the normal backoff applies then)."""
    text = value.strip()
    seconds: float | None = None
    if re.fullmatch(r"[0-9]{1,12}", text):
        seconds = float(text)
    elif text and _GO_PART.sub("", text) == "" and _GO_PART.search(text):
        seconds = sum(float(num) * _GO_UNITS[unit] for num, unit in _GO_PART.findall(text))
    else:
        try:
            seconds = parsedate_to_datetime(text).timestamp() - now
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        seconds = max(0.0, seconds)
    if seconds is None or seconds > 86400:
        return None
    return seconds


def receiver_delay(headers: dict[str, str], now: float) -> float | None:
    """The first usable delay among QStash's honoured response headers (case-insensitive)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    for name in RETRY_AFTER_HEADERS:
        raw = lowered.get(name.lower())
        if raw is not None:
            parsed = parse_delay(raw, now)
            if parsed is not None:
                return parsed
    return None
