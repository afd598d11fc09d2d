"""The request journal: a bounded, in-memory record of the requests each API received."""

from __future__ import annotations

import itertools
import time
from collections import deque
from typing import Any


class Journal:
    def __init__(self, size: int = 1000) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=size)
        self._ids = itertools.count(1)

    def record(
        self, scope: Any, api: str | None, status: int, started: float, request_id: str
    ) -> None:
        if api in (None, "admin"):
            return
        self._entries.append(
            {
                "seq": next(self._ids),
                "request_id": request_id,
                "api": api,
                "method": scope["method"],
                "path": scope["path"],
                "query": scope.get("query_string", b"").decode("latin-1"),
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 3),
            }
        )

    def entries(
        self,
        api: str | None = None,
        method: str | None = None,
        status: int | None = None,
        path_contains: str | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        found = [
            e
            for e in self._entries
            if (api is None or e["api"] == api)
            and (method is None or e["method"] == method.upper())
            and (status is None or e["status"] == status)
            and (path_contains is None or path_contains in e["path"])
        ]
        return found[-limit:]

    def clear(self) -> int:
        n = len(self._entries)
        self._entries.clear()
        return n

    def __len__(self) -> int:
        return len(self._entries)
