"""The one clock: token stamps, rate-limit windows, webhook schedules and created_at all read it."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mock_server.state.store import Store

_META_KEY = "clock"


class Clock:
    """Wall time plus an offset, or a frozen instant.

    The setting lives in the store's meta table, so several worker processes sharing one
    state file agree on the time (a frozen clock freezes every worker).
    """

    def __init__(self, store: Store, wall: object = time.time) -> None:
        self._store = store
        self._wall = wall

    def _setting(self) -> dict[str, float | None]:
        raw = self._store.get_meta(_META_KEY)
        return json.loads(raw) if raw else {"frozen_at": None, "offset": 0.0}

    def time(self) -> float:
        """Seconds since the epoch, as the mock sees them."""
        setting = self._setting()
        frozen = setting.get("frozen_at")
        if frozen is not None:
            return float(frozen)
        return float(self._wall()) + float(setting.get("offset") or 0.0)  # type: ignore[operator]

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), tz=UTC)

    def iso(self) -> str:
        """ISO 8601 with milliseconds and a Z, the form the vendors use for stamps."""
        return self.now().isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def state(self) -> dict[str, object]:
        setting = self._setting()
        return {
            "now": self.iso(),
            "epoch": self.time(),
            "frozen": setting.get("frozen_at") is not None,
        }

    def freeze(self, at: float | None = None) -> None:
        self._save({"frozen_at": self.time() if at is None else float(at), "offset": 0.0})

    def unfreeze(self) -> None:
        offset = self.time() - float(self._wall())  # type: ignore[operator]
        self._save({"frozen_at": None, "offset": offset})

    def advance(self, seconds: float) -> None:
        setting = self._setting()
        if setting.get("frozen_at") is not None:
            setting["frozen_at"] = float(setting["frozen_at"] or 0) + seconds
        else:
            setting["offset"] = float(setting.get("offset") or 0.0) + seconds
        self._save(setting)

    def _save(self, setting: dict[str, float | None]) -> None:
        self._store.set_meta(_META_KEY, json.dumps(setting))
