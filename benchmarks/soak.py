"""The soak: one propmock serving all three APIs, state in memory (the default), under the mixed
load (lua/mixed.lua) for N minutes in 30-second wrk segments; RSS and the journal's length are
sampled between segments, and the rows of every table counted before and after."""

from __future__ import annotations

import json
import math
import urllib.request
from typing import Any

from benchmarks import loadgen, servers
from benchmarks.workloads import WORKLOADS, issue_token

SEGMENT_S = 30


def _get(server: servers.Server, path: str, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    req = urllib.request.Request(server.root + path, headers=headers)
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.loads(resp.read())


def _journal_len(server: servers.Server) -> int:
    try:
        return len(_get(server, "/_propmock/journal?limit=100000"))
    except (OSError, ValueError):
        return -1


def _table_rows(server: servers.Server) -> dict[str, int]:
    """Rows per table, from the control API's snapshot (every row of every table)."""
    return {table: len(rows) for table, rows in _get(server, "/_propmock/snapshot").items()}


def run(minutes: float, connections: int, events: bool = True) -> dict[str, Any]:
    """`events=False` leaves out the one write that emits a webhook event (the unit update)."""
    segments = max(1, math.ceil(minutes * 60 / SEGMENT_S))
    server = servers.propmock(None, size="bench-1k").start()
    try:
        env = {
            "RE_TOKEN": issue_token(server, WORKLOADS["rentengine-units"].credential),
            "AP_TOKEN": issue_token(server, WORKLOADS["aptoria-ar-aging"].credential),
            "KN_TOKEN": issue_token(server, WORKLOADS["keynest-create-read"].credential),
        }
        unit = _get(server, "/rentengine/api/public/v1/units?limit=1", env["RE_TOKEN"])
        env["UNIT_ID"] = str(unit[0]["id"]) if events else ""
        rows_before = _table_rows(server)
        samples = []
        for i in range(segments):
            res = loadgen.run(server.root + "/", {}, SEGMENT_S, connections, mix="mixed", env=env)
            samples.append(
                {
                    "t_s": (i + 1) * SEGMENT_S,
                    "rss_mb": round(server.rss_kb() / 1024, 1),
                    "rps": round(res["rps"]),
                    "p99_ms": res["p99_ms"],
                    "errors": res["errors"],
                    "journal": _journal_len(server),
                }
            )
            last = samples[-1]
            print(f"  soak {last['t_s']} s: {last['rss_mb']} MB, {last['rps']}/s")
        rows_after = _table_rows(server)
    finally:
        server.stop()
    # Growth is measured from the end of the first minute (allocator and caches warmed up).
    base = samples[min(1, len(samples) - 1)]["rss_mb"]
    rss = [s["rss_mb"] for s in samples]
    return {
        "minutes": minutes,
        "events": events,
        "connections": connections,
        "command": server.cmd,
        "samples": samples,
        "rows_before": rows_before,
        "rows_after": rows_after,
        "requests": sum(s["rps"] * SEGMENT_S for s in samples),
        "rss_after_1min_mb": base,
        "rss_end_mb": rss[-1],
        "rss_max_mb": max(rss),
        "growth_pct": (rss[-1] - base) / base * 100,
        "max_growth_pct": (max(rss[1:] or rss) - base) / base * 100,
    }
