"""Side by side: each workload against propmock, Prism static and Prism --dynamic, in alternating
rounds (the order rotates each round), after a warm-up; medians over the rounds."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from benchmarks import loadgen, quiet
from benchmarks.workloads import TARGETS, WORKLOADS, Workload, base_of, issue_token, start_target

METRICS = ("rps", "p50_ms", "p90_ms", "p99_ms")


def run_workload(
    wl: Workload,
    targets: tuple[str, ...] = TARGETS,
    rounds: int = 5,
    seconds: float = 10,
    warmup: float = 3,
    connections: int = 16,
    size: str = "bench-1k",
    before: Path | None = None,
) -> dict[str, Any]:
    started = {}
    try:
        started["propmock"] = start_target("propmock", wl, None, size)
        token = issue_token(started["propmock"], wl.credential)
        headers = {"Authorization": f"Bearer {token}"}
        per_target = {}
        for target in targets:
            if target != "propmock":
                started[target] = start_target(target, wl, token, size, before)
            if target.startswith("propmock-"):  # another propmock: its own credential
                own = issue_token(started[target], wl.credential)
                per_target[target] = {"Authorization": f"Bearer {own}"}
        order = list(targets)

        def drive(target: str, secs: float) -> dict[str, Any]:
            base = base_of(target, wl)
            url = started[target].root + base + wl.path
            sent = per_target.get(target, headers)
            return loadgen.run(url, sent, secs, connections, mix=wl.mix, base=base)

        for target in order:
            drive(target, warmup)
        pids = {t: s.proc.pid for t, s in started.items() if s.proc}
        per_round: dict[str, list[dict[str, Any]]] = {t: [] for t in order}
        for i in range(rounds):
            for target in order[i % len(order) :] + order[: i % len(order)]:
                one = quiet.measured(lambda: drive(target, seconds), pids[target])  # noqa: B023
                per_round[target].append(one)
                print(
                    f"  {wl.name} round {i + 1} {target}: {one['rps']:.0f}/s, "
                    f"{one['errors']} errors, {one['cpu_ms_per_req']:.2f} CPU ms/req"
                )
        result: dict[str, Any] = {"workload": wl.name, "note": wl.note, "targets": {}}
        for target in order:
            runs = per_round[target]
            result["targets"][target] = {
                **{m: statistics.median(r[m] for r in runs) for m in METRICS},
                "errors": sum(r["errors"] for r in runs),
                "requests": sum(r["requests"] for r in runs),
                "bytes_per_response": statistics.median(r["bytes_per_response"] for r in runs),
                "peak_rss_mb": started[target].peak_rss_kb / 1024,
                "startup_s": started[target].startup_s,
                "rounds_rps": [round(r["rps"]) for r in runs],
                "cores_server": statistics.median(r["cores_server"] for r in runs),
                "cpu_ms_per_req": statistics.median(r["cpu_ms_per_req"] for r in runs),
                "cores_generator": statistics.median(r["cores_generator"] for r in runs),
                "cores_other_max": max(r["cores_other"] for r in runs),
                "command": started[target].cmd,
                "generator": runs[0]["generator"],
            }
        return result
    finally:
        for server in started.values():
            server.stop()


def run_all(names: list[str], **kw: Any) -> list[dict[str, Any]]:
    return [run_workload(WORKLOADS[name], **kw) for name in names]
