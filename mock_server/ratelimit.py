"""Request quotas per API, per credential and per operation, on the one clock.

A sliding log: a request is accepted when, for every rule, fewer than `limit` requests were
accepted in the `window` seconds before it (the half-open interval (now - window, now]).
So no window of that length ever holds more than `limit` accepted requests, and
`Retry-After` is exact: the earliest whole second at which every rule has room again.

Why not the `limits` package: its moving window needs memory, Redis, Memcached or MongoDB
storage; none of them lets several worker processes share one quota through the SQLite file
the mock already has, and that is the whole point here. The part needed is small.
"""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass
from typing import Any

from mock_server.state.clock import Clock
from mock_server.state.store import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS ratelimit_hits (bucket TEXT NOT NULL, ts_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS ratelimit_hits_by_bucket ON ratelimit_hits (bucket, ts_ms);
"""
CONFIG_KEY = "rate_limits"

# Aptoria: documented (60/min and 1000/h per key; the delinquency prioritizer 10/h). The AI
# vendor summary's quota is not documented: 30/h is our choice, marked inferred.
# RentEngine: observed (`X-Ratelimit-Limit: 30`; the window is reported as a minute or 5 s).
# KeyNest: nothing documented, so off by default.
DEFAULTS: dict[str, Any] = {
    "rentengine": {
        "enabled": True,
        "source": "observed",
        "rules": [{"name": "window", "limit": 30, "window": 60}],
        "operations": {},
    },
    "aptoria": {
        "enabled": True,
        "source": "documented",
        "rules": [
            {"name": "minute", "limit": 60, "window": 60},
            {"name": "hour", "limit": 1000, "window": 3600},
        ],
        "operations": {
            "ai_delinquency_prioritizer": [
                {"name": "ai", "limit": 10, "window": 3600, "source": "documented"}
            ],
            "ai_vendor_summary": [
                {"name": "ai", "limit": 30, "window": 3600, "source": "inferred"}
            ],
        },
    },
    "keynest": {
        "enabled": False,
        "source": "inferred",
        "rules": [{"name": "minute", "limit": 60, "window": 60}],
        "operations": {},
    },
    "credentials": {},
}


@dataclass(frozen=True)
class Rule:
    name: str
    limit: int
    window: float  # seconds


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int  # whole seconds; 0 when allowed
    limit: int  # the first rule's limit (for X-Ratelimit-Limit)


class Limiter:
    def __init__(self, store: Store, clock: Clock, base: dict[str, Any] | None = None) -> None:
        self.store = store
        self.clock = clock
        # The defaults with --rate-limits applied; run-time changes (control API) go to the
        # store on top of it, and a state reset returns here.
        self.base = merge_config(DEFAULTS, base or {})
        # The last run-time config read from the store, parsed: every request reads the
        # config, and parsing (or deep-copying the defaults) each time cost ~0.2 ms a request.
        self._parsed: tuple[str | None, dict[str, Any]] = (None, self.base)
        for statement in SCHEMA.strip().split(";"):
            if statement.strip():
                store.execute(statement)

    def hit(self, key: str, rules: list[Rule], now: float | None = None) -> Decision:
        """Count one request for `key` if every rule has room; else say how long to wait."""
        now_ms = round((self.clock.time() if now is None else now) * 1000)
        first = rules[0].limit if rules else 0
        with self.store.transaction():  # BEGIN IMMEDIATE: workers take turns
            earliest = now_ms
            for rule in rules:
                bucket, window_ms = f"{key}|{rule.name}", round(rule.window * 1000)
                count = self.store.execute(
                    "SELECT COUNT(*) FROM ratelimit_hits WHERE bucket=? AND ts_ms>?",
                    (bucket, now_ms - window_ms),
                )[0][0]
                if count >= rule.limit:
                    # Room returns when the (count - limit + 1)-th oldest hit leaves the window.
                    oldest = self.store.execute(
                        "SELECT ts_ms FROM ratelimit_hits WHERE bucket=? AND ts_ms>? "
                        "ORDER BY ts_ms LIMIT 1 OFFSET ?",
                        (bucket, now_ms - window_ms, count - rule.limit),
                    )[0][0]
                    earliest = max(earliest, oldest + window_ms)
            if earliest > now_ms:
                return Decision(False, math.ceil((earliest - now_ms) / 1000), first)
            for rule in rules:
                bucket, window_ms = f"{key}|{rule.name}", round(rule.window * 1000)
                self.store.execute(
                    "DELETE FROM ratelimit_hits WHERE bucket=? AND ts_ms<=?",
                    (bucket, now_ms - window_ms),
                )
                self.store.execute("INSERT INTO ratelimit_hits VALUES (?, ?)", (bucket, now_ms))
        return Decision(True, 0, first)

    def reset(self, config: bool = False) -> None:
        """Forget every counted request; with `config`, also return to the start-up limits."""
        self.store.execute("DELETE FROM ratelimit_hits")
        if config:
            self.store.execute("DELETE FROM meta WHERE key=?", (CONFIG_KEY,))

    # -- configuration, kept in the store so every worker sees run-time changes ----------
    def config(self) -> dict[str, Any]:
        raw = self.store.get_meta(CONFIG_KEY)
        return json.loads(raw) if raw else copy.deepcopy(self.base)

    def set_config(self, config: dict[str, Any]) -> dict[str, Any]:
        merged = merge_config(self.config(), config)
        self.store.set_meta(CONFIG_KEY, json.dumps(merged))
        return merged

    def _current(self) -> dict[str, Any]:
        """The config in force, read-only (shared between calls: never mutate it). Still read
        from the store on every call, so a change made through another worker applies at once."""
        raw = self.store.get_meta(CONFIG_KEY)
        if not raw:  # as config(): no run-time change
            return self.base
        if raw != self._parsed[0]:
            self._parsed = (raw, json.loads(raw))
        return self._parsed[1]

    def rules_for(self, api: str, token_id: str, operation_id: str) -> list[Rule] | None:
        """The rules that apply to this request, or None when limits are off for it."""
        config = self._current()
        section = config.get(api, {})
        override = config.get("credentials", {}).get(token_id, {})
        if not override.get("enabled", section.get("enabled", False)):
            return None
        base = override.get("rules", section.get("rules", []))
        per_op = {**section.get("operations", {}), **override.get("operations", {})}
        rules = [Rule(r["name"], int(r["limit"]), float(r["window"])) for r in base]
        rules += [
            Rule(f"{operation_id}:{r['name']}", int(r["limit"]), float(r["window"]))
            for r in per_op.get(operation_id, [])
        ]
        return rules


def merge_config(current: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    """Apply a partial change: per API section keys replace, credentials merge by token id."""
    merged = copy.deepcopy(current)
    for key, value in change.items():
        if key == "credentials":
            merged.setdefault("credentials", {}).update(value)
        elif isinstance(value, dict):
            merged.setdefault(key, {}).update(value)
        else:
            merged[key] = value
    return merged


def all_off() -> dict[str, Any]:
    return {api: {"enabled": False} for api in ("rentengine", "aptoria", "keynest")}
