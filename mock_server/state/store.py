"""The SQLite store: every record, credential, counter and outbox row of the mock."""

from __future__ import annotations

import builtins
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

try:  # optional accelerator: reads records about 2x faster, same values (see loads)
    import orjson
except ImportError:  # pragma: no cover - depends on the environment
    orjson = None  # type: ignore[assignment]

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    api TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL,
    seq INTEGER NOT NULL, owner TEXT, data TEXT NOT NULL,
    PRIMARY KEY (api, kind, id)
);
-- Lists filter on the owner and page in seq order: with the owner in the index, an OFFSET
-- skips rows in the index alone, never reading them (100,000 units, a request for the last
-- page: 2.2-2.5x less CPU in memory, 6.6x with a state file).
-- It replaces records_by_seq (api, kind, seq), its prefix, which SQLite would still choose.
DROP INDEX IF EXISTS records_by_seq;
CREATE INDEX IF NOT EXISTS records_by_seq_owner ON records (api, kind, seq, owner);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS credentials (
    token_id TEXT PRIMARY KEY, api TEXT NOT NULL, secret_hash TEXT NOT NULL,
    subject TEXT NOT NULL, claims TEXT NOT NULL, label TEXT NOT NULL,
    created_at TEXT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0
);
"""

Record = dict[str, Any]
LARGE_PAGE = 16384
CORE_TABLES = ("records", "meta", "counters", "credentials")
# One encoder for every record: json.dumps(..., separators=...) builds a new JSONEncoder per
# call (~3 us of a 5 us small record; 100,000 units seed per start at the largest profile).
_dumps = json.JSONEncoder(separators=(",", ":")).encode


_DIGITS = bytes.maketrans(b"0123456789", b"9999999999")
_LONG_RUN = b"9" * 19  # 19 digits in a row: maybe an integer wider than 64 bits


def loads(text: str | bytes) -> Any:
    """A stored record (or any JSON text) back to Python values: orjson when installed, else
    the json module, with the same result. orjson refuses some text json accepts (NaN, a lone
    surrogate escape) and reads an integer wider than 64 bits as a float: such text goes to
    json (a 19-digit run anywhere is enough to send it there; the check costs ~5 us a record)."""
    if orjson is not None:
        raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
        if _LONG_RUN not in raw.translate(_DIGITS):
            try:
                return orjson.loads(raw)
            except orjson.JSONDecodeError:
                pass
    return json.loads(text)


class Store:
    """Records are plain JSON dicts keyed by (api, kind, id), ordered by insertion (`seq`).

    One connection per Store, guarded by a lock: handlers run on the event loop, but
    Connexion may call sync code from its threadpool. With a file path the database is in WAL
    mode so several worker processes can share it.
    """

    def __init__(self, path: str | None = None, *, scratch: bool = False) -> None:
        """`scratch`: a private file, published whole (seed cache): no journal, no fsync."""
        self.path = path
        self._lock = threading.RLock()
        self._db = sqlite3.connect(
            path or ":memory:", check_same_thread=False, isolation_level=None, timeout=30
        )
        if scratch or not path:
            # A seeded unit is ~2 KB of JSON: a 4 KiB page holds one and wastes the rest (335 MB
            # in memory at 100,000 units, 236 MB in 16 KiB pages). WAL files keep the default.
            self._db.execute(f"PRAGMA page_size={LARGE_PAGE}")
        if scratch:
            self._db.execute("PRAGMA journal_mode=OFF")
            self._db.execute("PRAGMA synchronous=OFF")
            self._db.execute("PRAGMA cache_size=-65536")  # 64 MiB: seeding stays in memory speed
        elif path:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA busy_timeout=30000")
        self._db.executescript(SCHEMA)
        self._depth = 0

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- transactions -------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Nestable; the outermost level commits (IMMEDIATE, so workers serialise writes)."""
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._db.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outer:
                    self._db.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self._db.execute("COMMIT")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self._lock:
            self._db.executemany(sql, rows)

    # -- records ------------------------------------------------------------------------
    def put(
        self, api: str, kind: str, id: str | int, record: Record, owner: str | None = None
    ) -> Record:
        """Insert, or replace keeping the original position in list order."""
        key = str(id)
        data = _dumps(record)
        with self.transaction():
            row = self._db.execute(
                "SELECT seq FROM records WHERE api=? AND kind=? AND id=?", (api, kind, key)
            ).fetchone()
            if row:
                self._db.execute(
                    "UPDATE records SET data=?, owner=? WHERE api=? AND kind=? AND id=?",
                    (data, owner, api, kind, key),
                )
            else:
                seq = self._db.execute(
                    "SELECT COALESCE(MAX(seq), 0) + 1 FROM records WHERE api=? AND kind=?",
                    (api, kind),
                ).fetchone()[0]
                self._db.execute(
                    "INSERT INTO records (api, kind, id, seq, owner, data) VALUES (?,?,?,?,?,?)",
                    (api, kind, key, seq, owner, data),
                )
        return record

    def put_many(
        self, api: str, kind: str, items: Iterable[tuple[str | int, Record, str | None]]
    ) -> int:
        """Bulk insert of new records (seeding); returns how many. Rows are encoded as SQLite
        takes them, not listed first (100,000 units: 200 MB less at the seeding peak)."""
        with self.transaction():
            start = self._db.execute(
                "SELECT COALESCE(MAX(seq), 0) FROM records WHERE api=? AND kind=?", (api, kind)
            ).fetchone()[0]
            rows = (
                (api, kind, str(id), seq, owner, _dumps(rec))
                for seq, (id, rec, owner) in enumerate(items, start + 1)
            )
            cursor = self._db.executemany(
                "INSERT INTO records (api, kind, id, seq, owner, data) VALUES (?,?,?,?,?,?)", rows
            )
        return int(cursor.rowcount)  # executemany sums the rows it inserted

    def get(self, api: str, kind: str, id: str | int) -> Record | None:
        rows = self.execute(
            "SELECT data FROM records WHERE api=? AND kind=? AND id=?", (api, kind, str(id))
        )
        return loads(rows[0][0]) if rows else None

    def owner_of(self, api: str, kind: str, id: str | int) -> str | None:
        rows = self.execute(
            "SELECT owner FROM records WHERE api=? AND kind=? AND id=?", (api, kind, str(id))
        )
        return rows[0][0] if rows else None

    def delete(self, api: str, kind: str, id: str | int) -> Record | None:
        with self.transaction():
            old = self.get(api, kind, id)
            self._db.execute(
                "DELETE FROM records WHERE api=? AND kind=? AND id=?", (api, kind, str(id))
            )
        return old

    def list(
        self,
        api: str,
        kind: str,
        where: dict[str, Any] | None = None,
        owners: Sequence[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Record]:
        """Records in insertion order. `where` maps a top-level field to a value or a list of
        accepted values (compared as JSON values); `owners` restricts to those owners."""
        sql = ["SELECT data FROM records WHERE api=? AND kind=?"]
        params: list[Any] = [api, kind]
        for field, wanted in (where or {}).items():
            values = list(wanted) if isinstance(wanted, (list, tuple, set)) else [wanted]
            if not values:
                return []
            expr = f"json_extract(data, '$.\"{_safe_field(field)}\"')"
            sql.append(f"AND {expr} IN ({','.join('?' * len(values))})")
            params.extend(int(v) if isinstance(v, bool) else v for v in values)
        if owners is not None:
            if not owners:
                return []
            sql.append(f"AND owner IN ({','.join('?' * len(owners))})")
            params.extend(owners)
        sql.append("ORDER BY seq")
        if limit is not None:
            sql.append("LIMIT ? OFFSET ?")
            params.extend([limit, offset])
        return [loads(r[0]) for r in self.execute(" ".join(sql), params)]

    def count(self, api: str, kind: str) -> int:
        return int(
            self.execute("SELECT COUNT(*) FROM records WHERE api=? AND kind=?", (api, kind))[0][0]
        )

    # -- meta and counters --------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        rows = self.execute("SELECT value FROM meta WHERE key=?", (key,))
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        self.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def next_counter(self, name: str, start: int = 1) -> int:
        with self.transaction():
            self._db.execute(
                "INSERT INTO counters (name, value) VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET value = value + 1",
                (name, start),
            )
            return int(
                self._db.execute("SELECT value FROM counters WHERE name=?", (name,)).fetchone()[0]
            )

    # -- whole-state operations ---------------------------------------------------------
    @contextmanager
    def attached(self, path: str, alias: str = "other") -> Iterator[None]:
        """Another SQLite file as `alias.<table>`; not inside a transaction (SQLite refuses)."""
        if not alias.isidentifier():
            raise ValueError(f"bad alias {alias!r}")
        with self._lock:
            self._db.execute(f"ATTACH DATABASE ? AS {alias}", (path,))
            try:
                yield
            finally:
                self._db.execute(f"DETACH DATABASE {alias}")

    def copy_table(self, alias: str, table: str) -> int:
        """Append every row of `alias.table` (same schema) to this store's `table`, in order;
        returns how many. Into an empty table SQLite copies b-tree cells without decoding rows
        (its transfer optimisation): 100,000 seeded units in about 0.4 s."""
        if table not in CORE_TABLES or not alias.isidentifier():
            raise ValueError(f"cannot copy table {alias}.{table}")
        with self._lock:
            cursor = self._db.execute(f"INSERT INTO main.{table} SELECT * FROM {alias}.{table}")
            return int(cursor.rowcount)

    def wipe(self) -> None:
        with self.transaction():
            for table in ("records", "meta", "counters", "credentials"):
                self._db.execute(f"DELETE FROM {table}")
            for table in self.extra_tables():
                self._db.execute(f"DELETE FROM {table}")

    def extra_tables(self) -> builtins.list[str]:
        rows = self.execute("SELECT name FROM sqlite_master WHERE type='table'")
        core = {"records", "meta", "counters", "credentials"}
        return sorted(r[0] for r in rows if r[0] not in core and not r[0].startswith("sqlite_"))

    def snapshot(self) -> dict[str, builtins.list[builtins.list[Any]]]:
        """Every row of every table, for export; `restore` takes it back."""
        tables = ["records", "meta", "counters", "credentials", *self.extra_tables()]
        with self._lock:
            return {t: [list(r) for r in self._db.execute(f"SELECT * FROM {t}")] for t in tables}

    def restore(self, snapshot: dict[str, builtins.list[builtins.list[Any]]]) -> None:
        known = {"records", "meta", "counters", "credentials", *self.extra_tables()}
        unknown = set(snapshot) - known
        if unknown:
            raise ValueError(f"unknown tables in snapshot: {sorted(unknown)}")
        with self.transaction():
            for table in known:
                self._db.execute(f"DELETE FROM {table}")
            for table, rows in snapshot.items():
                for row in rows:
                    marks = ",".join("?" * len(row))
                    self._db.execute(f"INSERT INTO {table} VALUES ({marks})", row)


def _safe_field(field: str) -> str:
    if not field.replace("_", "").isalnum():
        raise ValueError(f"bad field name {field!r}")
    return field
