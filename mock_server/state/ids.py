"""Seeded, restart-safe id generators in each vendor's own style.

Ids derive from (seed, api, kind, counter) through SHA-256, and the counters live in the store,
so the same seed gives the same ids and a restarted server with `--state` never reuses one.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mock_server.state.store import Store

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _digest(*parts: object) -> bytes:
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()


def _encode(number: int, alphabet: str, length: int) -> str:
    base = len(alphabet)
    chars = []
    for _ in range(length):
        number, rem = divmod(number, base)
        chars.append(alphabet[rem])
    return "".join(reversed(chars))


class IdFactory:
    """Ids for one API. `kind` namespaces the counters (units, prospects, ...)."""

    def __init__(self, store: Store, seed: int, api: str) -> None:
        self._store = store
        self._seed = seed
        self._api = api

    def counter(self, kind: str, start: int = 1) -> int:
        """The next integer in this kind's sequence (RentEngine's integer ids)."""
        return self._store.next_counter(f"{self._api}:{kind}", start)

    def counters(self, kind: str, count: int, start: int = 1) -> range:
        """The next `count` integers of this kind's sequence at once: what `count` calls of
        `counter` return, in one statement instead of `count` (100,000 seeded units)."""
        if count <= 0:
            return range(0)
        name = f"{self._api}:{kind}"
        with self._store.transaction():
            rows = self._store.execute("SELECT value FROM counters WHERE name=?", (name,))
            first = int(rows[0][0]) + 1 if rows else start
            self._store.execute(
                "INSERT INTO counters (name, value) VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                (name, first + count - 1),
            )
        return range(first, first + count)

    def _bytes(self, kind: str) -> bytes:
        n = self._store.next_counter(f"{self._api}:{kind}:rand", 1)
        return _digest(self._seed, self._api, kind, n)

    def uuid(self, kind: str) -> str:
        return str(uuid.UUID(bytes=self._bytes(kind)[:16], version=4))

    def ulid(self, prefix: str, kind: str, millis: int) -> str:
        """`<prefix>_` + a 26-character ULID: 48-bit time, 80 seeded random bits."""
        rand = int.from_bytes(self._bytes(kind)[:10], "big")
        value = ((millis & (2**48 - 1)) << 80) | rand
        return f"{prefix}_{_encode(value, CROCKFORD, 26)}"

    def hex(self, kind: str, length: int = 24) -> str:
        return self._bytes(kind).hex()[:length]

    def alnum(self, prefix: str, kind: str, length: int = 16) -> str:
        """`<prefix>_` + base62 characters (KeyNest's style)."""
        value = int.from_bytes(self._bytes(kind), "big")
        return f"{prefix}_{_encode(value, ALNUM, length)}"

    def secret(self, kind: str, length: int = 32) -> str:
        value = int.from_bytes(self._bytes(kind) + _digest(self._seed, kind, "2"), "big")
        return _encode(value, ALNUM, length)
