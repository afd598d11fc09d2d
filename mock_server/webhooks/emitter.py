"""The emitter: handlers hand it events; it records them durably in the store's event log.

Delivery (signing, retries, endpoints) reads this log; the emitter never reads records.
"""

from __future__ import annotations

import json
from typing import Any

from mock_server.state.clock import Clock
from mock_server.state.store import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, api TEXT NOT NULL, name TEXT NOT NULL,
    payload TEXT NOT NULL, created_at TEXT NOT NULL
);
"""


class Emitter:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        store.execute(SCHEMA)

    def emit(self, api: str, name: str, payload: dict[str, Any]) -> int:
        """Record an event (`name` is e.g. `rent.paid`, or `units.INSERT` for RentEngine)."""
        with self.store.transaction():
            self.store.execute(
                "INSERT INTO events (api, name, payload, created_at) VALUES (?,?,?,?)",
                (api, name, json.dumps(payload, separators=(",", ":")), self.clock.iso()),
            )
            return int(self.store.execute("SELECT last_insert_rowid()")[0][0])

    def events(self, api: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        rows = self.store.execute(
            "SELECT seq, api, name, payload, created_at FROM events"
            + (" WHERE api=?" if api else "") + " ORDER BY seq DESC LIMIT ?",
            ((api, limit) if api else (limit,)),
        )
        return [{"seq": r[0], "api": r[1], "name": r[2], "payload": json.loads(r[3]),
                 "created_at": r[4]} for r in reversed(rows)]
