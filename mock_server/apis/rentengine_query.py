"""Filtered, paginated reads over the store's records table, with the paging done in SQL."""

# `Store.list` filters on top-level equality only; RentEngine's lists also filter on nested
# fields (`address.city`), on date ranges and on JSON booleans. Field paths come from the code,
# never from a request, and every value is a bound parameter, so no request text reaches SQL.

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from mock_server.state.store import loads

if TYPE_CHECKING:
    from mock_server.state.store import Store

try:  # the response jsonifier (app.FastJson) writes with orjson when it is installed
    from orjson import Fragment
    from orjson import dumps as orjson_dumps
except ImportError:  # pragma: no cover - depends on the environment (Fragment: orjson >= 3.9)
    Fragment = None  # type: ignore[misc, assignment]
    orjson_dumps = None  # type: ignore[assignment]

_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def _json_path(field: str) -> str:
    if not _PATH.match(field):
        raise ValueError(f"bad field path {field!r}")
    return "$." + ".".join(f'"{part}"' for part in field.split("."))


def _sql_value(value: Any) -> Any:
    # json_extract gives JSON true/false as 1/0.
    return int(value) if isinstance(value, bool) else value


class Query:
    """A read of one (api, kind) in insertion order; each method narrows it."""

    def __init__(self, api: str, kind: str) -> None:
        self.kind = kind
        self.sql = ["SELECT data FROM records WHERE api=? AND kind=?"]
        self.params: list[Any] = [api, kind]
        self.empty = False

    def owned_by(self, owners: Iterable[str]) -> Query:
        owners = list(owners)
        if not owners:
            self.empty = True
            return self
        self.sql.append(f"AND owner IN ({','.join('?' * len(owners))})")
        self.params.extend(owners)
        return self

    def where_in(self, field: str, values: Iterable[Any] | None) -> Query:
        """`field` equals one of `values`; None means no filter, an empty list matches nothing."""
        if values is None:
            return self
        values = [_sql_value(v) for v in values]
        if not values:
            self.empty = True
            return self
        expr = f"json_extract(data, '{_json_path(field)}')"
        self.sql.append(f"AND {expr} IN ({','.join('?' * len(values))})")
        self.params.extend(values)
        return self

    def where(self, field: str, value: Any) -> Query:
        return self if value is None else self.where_in(field, [value])

    def compare(self, field: str, op: str, value: Any) -> Query:
        """`field <op> value` (stamps compare as strings: they share one exact format)."""
        if value is None:
            return self
        if op not in ("<", "<=", ">", ">="):
            raise ValueError(f"bad operator {op!r}")
        self.sql.append(f"AND json_extract(data, '{_json_path(field)}') {op} ?")
        self.params.append(_sql_value(value))
        return self

    def fetch(
        self, store: Store, limit: int | None = None, offset: int = 0, newest_first: bool = False
    ) -> list[dict[str, Any]]:
        return [loads(data) for _, data in self.fetch_stored(store, limit, offset, newest_first)]

    def fetch_stored(
        self, store: Store, limit: int | None = None, offset: int = 0, newest_first: bool = False
    ) -> list[tuple[str, str]]:
        """(id, stored JSON text) of each record, undecoded."""
        if self.empty:
            return []
        sql = [self.sql[0].replace("SELECT data", "SELECT id, data", 1), *self.sql[1:]]
        sql.append("ORDER BY seq DESC" if newest_first else "ORDER BY seq")
        params = list(self.params)
        if limit is not None:
            sql.append("LIMIT ? OFFSET ?")
            params.extend([limit, offset])
        return [(row[0], row[1]) for row in store.execute(" ".join(sql), params)]

    def count(self, store: Store) -> int:
        if self.empty:
            return 0
        sql = " ".join(self.sql).replace("SELECT data", "SELECT COUNT(*)", 1)
        return int(store.execute(sql, self.params)[0][0])


class ResponseRows:
    """Stored records as items of a response body, each encoded once and remembered.

    A list handler that returns records exactly as stored would decode each one (about 15 us
    for a 2 KB unit) only for the response jsonifier (app.FastJson, orjson) to encode it again.
    Instead it returns orjson fragments: orjson writes a list of fragments as it writes the
    list of the records themselves, byte for byte (each fragment is orjson's own encoding of
    the decoded record). The encoding is remembered per record against its stored text, which
    is compared on every use, so a change made by any worker is served at once. Without
    orjson, or when a record is one orjson does not write (an integer wider than 64 bits, a
    lone surrogate), the page is returned decoded and goes the jsonifier's usual way."""

    def __init__(self, size: int = 2048) -> None:
        self.size = size  # bounded: about 4 KB an entry for a unit
        self._memo: dict[str, tuple[str, Any]] = {}

    def __call__(self, rows: list[tuple[str, str]]) -> list[Any]:
        if Fragment is None:
            return [loads(data) for _, data in rows]
        memo, items = self._memo, []
        for id_, data in rows:
            known = memo.get(id_)
            if known is None or known[0] != data:
                try:
                    known = (data, Fragment(orjson_dumps(loads(data))))
                except TypeError:  # orjson's JSONEncodeError: json writes this page
                    return [loads(d) for _, d in rows]
                if len(memo) >= self.size:
                    memo.clear()
                memo[id_] = known
            items.append(known[1])
        return items
