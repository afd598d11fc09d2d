"""The durable outbox: one row per delivery (message x endpoint), its attempts and claims."""

from __future__ import annotations

import json
from typing import Any

from mock_server.state.store import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, api TEXT NOT NULL,
    endpoint_id TEXT NOT NULL, event_seq INTEGER, event TEXT NOT NULL, message_id TEXT NOT NULL,
    body TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    retried INTEGER NOT NULL DEFAULT 0, next_attempt_at REAL, created_at REAL NOT NULL,
    updated_at REAL NOT NULL, claimed_by TEXT, lease_until REAL, last_status INTEGER,
    last_error TEXT, reason TEXT, replay_of TEXT
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE TABLE IF NOT EXISTS webhook_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT, delivery_id TEXT NOT NULL, number INTEGER NOT NULL,
    retried INTEGER NOT NULL, at REAL NOT NULL, url TEXT NOT NULL, request_headers TEXT NOT NULL,
    request_body TEXT NOT NULL, status INTEGER, response_headers TEXT, response_body TEXT,
    latency_ms REAL, error TEXT, outcome TEXT NOT NULL, next_attempt_at REAL
);
CREATE INDEX IF NOT EXISTS webhook_attempts_by_delivery ON webhook_attempts (delivery_id, id);
"""

# pending: waiting for next_attempt_at; delivered: a 2xx came back; dead: retries exhausted or
# non-retryable (the dead-letter list); discarded: deleted from the dead letters;
# cancelled: its endpoint was deleted.
STATUSES = ("pending", "delivered", "dead", "discarded", "cancelled")
_COLUMNS = (
    "seq",
    "id",
    "api",
    "endpoint_id",
    "event_seq",
    "event",
    "message_id",
    "body",
    "status",
    "attempts",
    "retried",
    "next_attempt_at",
    "created_at",
    "updated_at",
    "claimed_by",
    "lease_until",
    "last_status",
    "last_error",
    "reason",
    "replay_of",
)
_ATTEMPT_COLUMNS = (
    "id",
    "delivery_id",
    "number",
    "retried",
    "at",
    "url",
    "request_headers",
    "request_body",
    "status",
    "response_headers",
    "response_body",
    "latency_ms",
    "error",
    "outcome",
    "next_attempt_at",
)


def _row(values: tuple[Any, ...]) -> dict[str, Any]:
    return dict(zip(_COLUMNS, values, strict=True))


class Outbox:
    def __init__(self, store: Store) -> None:
        self.store = store
        create_tables(store, SCHEMA)

    def add(
        self,
        delivery_id: str,
        api: str,
        endpoint_id: str,
        event_seq: int | None,
        event: str,
        message_id: str,
        body: str,
        due: float,
        now: float,
        replay_of: str | None = None,
    ) -> None:
        self.store.execute(
            "INSERT INTO webhook_deliveries (id, api, endpoint_id, event_seq, event, message_id,"
            " body, status, next_attempt_at, created_at, updated_at, replay_of)"
            " VALUES (?,?,?,?,?,?,?,'pending',?,?,?,?)",
            (
                delivery_id,
                api,
                endpoint_id,
                event_seq,
                event,
                message_id,
                body,
                due,
                now,
                now,
                replay_of,
            ),
        )

    def get(self, delivery_id: str) -> dict[str, Any] | None:
        cols = ",".join(_COLUMNS)
        rows = self.store.execute(
            f"SELECT {cols} FROM webhook_deliveries WHERE id=?", (delivery_id,)
        )
        return _row(rows[0]) if rows else None

    def find(self, filters: dict[str, Any], limit: int = 100) -> list[dict[str, Any]]:
        """Newest last; `filters` maps column names to wanted values (None: no filter)."""
        sql = [f"SELECT {','.join(_COLUMNS)} FROM webhook_deliveries WHERE 1=1"]
        params: list[Any] = []
        for column, value in filters.items():
            if value is not None and column in _COLUMNS:
                sql.append(f"AND {column}=?")
                params.append(value)
        sql.append("ORDER BY seq DESC LIMIT ?")
        params.append(limit)
        return [_row(r) for r in reversed(self.store.execute(" ".join(sql), params))]

    def next_due_at(self) -> float | None:
        rows = self.store.execute(
            "SELECT MIN(d.next_attempt_at) FROM webhook_deliveries d JOIN webhook_endpoints e"
            " ON e.id = d.endpoint_id WHERE d.status='pending' AND e.enabled=1"
        )
        return rows[0][0] if rows and rows[0][0] is not None else None

    def claim_due(
        self, now: float, worker: str, wall: float, lease: float, limit: int = 200
    ) -> list[dict[str, Any]]:
        """Claim due deliveries of enabled endpoints for `worker` until wall time `wall + lease`.

        Leases run on real time, not the mock's clock: a frozen clock must not keep a dead
        worker's claims alive. The claim is one IMMEDIATE transaction, so of several worker
        processes sharing the file exactly one gets each row.
        """
        cols = ",".join(f"d.{c}" for c in _COLUMNS)
        with self.store.transaction():
            rows = self.store.execute(
                f"SELECT {cols} FROM webhook_deliveries d JOIN webhook_endpoints e"
                " ON e.id = d.endpoint_id WHERE d.status='pending' AND e.enabled=1"
                " AND d.next_attempt_at <= ? AND (d.lease_until IS NULL OR d.lease_until < ?)"
                " ORDER BY d.next_attempt_at, d.seq LIMIT ?",
                (now, wall, limit),
            )
            claimed = [_row(r) for r in rows]
            for d in claimed:
                self.store.execute(
                    "UPDATE webhook_deliveries SET claimed_by=?, lease_until=? WHERE seq=?",
                    (worker, wall + lease, d["seq"]),
                )
        return claimed

    def still_claimed(self, delivery_id: str, worker: str) -> bool:
        rows = self.store.execute(
            "SELECT 1 FROM webhook_deliveries WHERE id=? AND claimed_by=? AND status='pending'",
            (delivery_id, worker),
        )
        return bool(rows)

    def finish_attempt(
        self,
        delivery_id: str,
        attempt: dict[str, Any],
        status: str,
        next_attempt_at: float | None,
        reason: str | None,
        now: float,
    ) -> None:
        """Log the attempt and move the delivery on; call inside the caller's transaction."""
        self.store.execute(
            f"INSERT INTO webhook_attempts ({','.join(_ATTEMPT_COLUMNS[1:])})"
            f" VALUES ({','.join('?' * (len(_ATTEMPT_COLUMNS) - 1))})",
            [_encode(attempt.get(c)) for c in _ATTEMPT_COLUMNS[1:]],
        )
        self.store.execute(
            "UPDATE webhook_deliveries SET status=?, attempts=attempts+1, retried=retried+1,"
            " next_attempt_at=?, updated_at=?, claimed_by=NULL, lease_until=NULL,"
            " last_status=?, last_error=?, reason=? WHERE id=?",
            (
                status,
                next_attempt_at,
                now,
                attempt.get("status"),
                attempt.get("error"),
                reason,
                delivery_id,
            ),
        )

    def release(self, delivery_id: str) -> None:
        self.store.execute(
            "UPDATE webhook_deliveries SET claimed_by=NULL, lease_until=NULL WHERE id=?",
            (delivery_id,),
        )

    def set_status(
        self,
        delivery_id: str,
        status: str,
        now: float,
        due: float | None = None,
        reset_retries: bool = False,
        reason: str | None = None,
    ) -> None:
        self.store.execute(
            "UPDATE webhook_deliveries SET status=?, next_attempt_at=?, updated_at=?, reason=?,"
            " claimed_by=NULL, lease_until=NULL"
            + (", retried=0" if reset_retries else "")
            + " WHERE id=?",
            (status, due, now, reason, delivery_id),
        )

    def cancel_endpoint(self, endpoint_id: str, now: float) -> int:
        rows = self.store.execute(
            "UPDATE webhook_deliveries SET status='cancelled', reason='endpoint deleted',"
            " updated_at=?, next_attempt_at=NULL WHERE endpoint_id=? AND status='pending'"
            " RETURNING id",
            (now, endpoint_id),
        )
        return len(rows)

    def attempts(self, delivery_id: str) -> list[dict[str, Any]]:
        rows = self.store.execute(
            f"SELECT {','.join(_ATTEMPT_COLUMNS)} FROM webhook_attempts WHERE delivery_id=?"
            " ORDER BY id",
            (delivery_id,),
        )
        out = []
        for r in rows:
            item = dict(zip(_ATTEMPT_COLUMNS, r, strict=True))
            for key in ("request_headers", "response_headers"):
                item[key] = json.loads(item[key]) if item[key] else None
            out.append(item)
        return out


def create_tables(store: Store, schema: str) -> None:
    # Store.execute runs one statement (sqlite3 refuses several), and executescript would
    # commit a caller's open transaction: so one statement at a time.
    for statement in schema.split(";"):
        if statement.strip():
            store.execute(statement)


def _encode(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, dict | list) else value
