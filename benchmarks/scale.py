"""Scale figures: start-up time and memory by seed size, --workers 2 against one worker, the
contract suite's wall time, and a pyinstrument profile of one workload under load."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import loadgen, quiet, servers
from benchmarks.workloads import PROPMOCK_BASES, WORKLOADS, issue_token

SIZES = ("bench-1k", "bench-10k", "bench-100k")
CACHE_MODES = ("off", "cold", "warm")  # the seed cache (mock_server/state/seed_cache.py)
UNITS = {"bench-1k": 1_000, "bench-10k": 10_000, "bench-100k": 100_000}


def _hwm_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _one_start(size: str, state: str | None, cache: Path, seed_cache: str) -> dict[str, Any]:
    extra = ["--no-seed-cache"] if seed_cache == "off" else []
    server = servers.propmock("rentengine", size=size, state=state, extra=extra)
    server.env = {**os.environ, "PROPMOCK_CACHE_DIR": str(cache)}
    quiet.wait_quiet(max_wait=10)
    busy = quiet.busy_s()
    server.start(timeout=300)
    try:
        pid = server.proc.pid if server.proc else 0
        cpu = quiet.tree_cpu_s(pid)  # the server's CPU from exec to its first 200
        other = max(0.0, quiet.busy_s() - busy - cpu) / server.startup_s
        token = issue_token(server, WORKLOADS["rentengine-units"].credential)
        url = server.root + PROPMOCK_BASES["rentengine"] + "/units?limit=50"
        last = url + f"&page_number={UNITS[size] // 50 - 1}"
        headers = {"Authorization": f"Bearer {token}"}
        first = loadgen.run(url, headers, 3)
        deep = loadgen.run(last, headers, 3)
        return {
            "startup_s": server.startup_s,
            "startup_cpu_s": cpu,
            "cores_other": other,
            "rss_mb": server.rss_kb() / 1024,
            "peak_rss_mb": _hwm_kb(pid) / 1024,
            "first_page_rps": first["rps"],
            "last_page_rps": deep["rps"],
            "errors": first["errors"] + deep["errors"],
        }
    finally:
        server.stop()


def startup_table(repeats: int = 3) -> list[dict[str, Any]]:
    """Process start to the first 200 on the control API, and RSS after three short loads, with
    the seed cache off (--no-seed-cache), cold (an empty cache folder: seeds and writes the
    entry) and warm (the entry there). Each repeat runs the three in turn in a new folder."""
    rows = []
    for size in SIZES:
        for mode in ("memory", "state-file"):
            runs: dict[str, list[dict[str, Any]]] = {c: [] for c in CACHE_MODES}
            entry_mb = 0.0
            for _ in range(repeats):
                with tempfile.TemporaryDirectory(prefix="propmock-bench-") as tmp:
                    cache = Path(tmp) / "cache"
                    for seed_cache in CACHE_MODES:
                        file = str(Path(tmp) / f"{seed_cache}.sqlite")
                        state = file if mode == "state-file" else None
                        runs[seed_cache].append(_one_start(size, state, cache, seed_cache))
                    entry_mb = sum(p.stat().st_size for p in cache.glob("*.sqlite")) / 2**20
            for seed_cache, done in runs.items():
                row = {k: statistics.median(r[k] for r in done) for k in done[0]}
                rows.append(
                    {
                        "size": size,
                        "units": UNITS[size],
                        "state": f"{mode}, seed cache {seed_cache}",
                        "store": mode,
                        "seed_cache": seed_cache,
                        "cache_entry_mb": entry_mb,
                        "startup_runs_s": [round(r["startup_s"], 2) for r in done],
                        **row,
                    }
                )
                print(
                    f"  {size} {mode} cache {seed_cache}: {row['startup_s']:.2f} s "
                    f"({row['startup_cpu_s']:.2f} s CPU), {row['rss_mb']:.0f} MB, "
                    f"peak {row['peak_rss_mb']:.0f} MB"
                )
    return rows


def workers(rounds: int, seconds: float, warmup: float, connections: int) -> dict[str, Any]:
    """RentEngine list, --workers 1 and 2, both on a --state file; alternating rounds."""
    wl = WORKLOADS["rentengine-units"]
    started: dict[int, servers.Server] = {}
    runs: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory(prefix="propmock-bench-") as tmp:
        try:
            for n in (1, 2):
                state = str(Path(tmp) / f"state-{n}.sqlite")
                started[n] = servers.propmock("rentengine", workers=n, state=state).start()
            token = issue_token(started[1], wl.credential)
            tokens = {1: token, 2: issue_token(started[2], wl.credential)}

            def drive(n: int, secs: float) -> dict[str, Any]:
                url = started[n].root + PROPMOCK_BASES["rentengine"] + wl.path
                return loadgen.run(url, {"Authorization": f"Bearer {tokens[n]}"}, secs, connections)

            for n in (1, 2):
                drive(n, warmup)
            for i in range(rounds):
                for n in (1, 2) if i % 2 == 0 else (2, 1):
                    pid = started[n].proc.pid if started[n].proc else 0
                    runs[n].append(quiet.measured(lambda: drive(n, seconds), pid))  # noqa: B023
                    print(f"  workers={n} round {i + 1}: {runs[n][-1]['rps']:.0f}/s")
        finally:
            for server in started.values():
                server.stop()
    out: dict[str, Any] = {"connections": connections}
    for n in (1, 2):
        out[f"workers_{n}"] = {
            **{m: statistics.median(r[m] for r in runs[n]) for m in ("rps", "p50_ms", "p99_ms")},
            "errors": sum(r["errors"] for r in runs[n]),
            "rounds_rps": [round(r["rps"]) for r in runs[n]],
            "cores_server": statistics.median(r["cores_server"] for r in runs[n]),
            "cpu_ms_per_req": statistics.median(r["cpu_ms_per_req"] for r in runs[n]),
            "cores_other_max": max(r["cores_other"] for r in runs[n]),
            "peak_rss_mb": started[n].peak_rss_kb / 1024,
            "command": started[n].cmd,
        }
    out["ratio"] = out["workers_2"]["rps"] / out["workers_1"]["rps"]
    return out


def contract_suite() -> dict[str, Any]:
    """Wall time of `pytest contract_tests` against the mock, if the suite exists."""
    folder = servers.REPO / "contract_tests"
    if not any(folder.glob("test_*.py")):
        return {"present": False, "note": "contract_tests/ has no test modules yet"}
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "contract_tests"]
    began = time.perf_counter()
    done = subprocess.run(cmd, cwd=servers.REPO, capture_output=True, text=True, timeout=3600)
    tail = done.stdout.strip().splitlines()[-1:] or [""]
    return {
        "present": True,
        "wall_s": time.perf_counter() - began,
        "exit": done.returncode,
        "summary": tail[0],
        "command": " ".join(["python", *cmd[1:]]),
    }
