"""Scale figures: start-up time and memory by seed size, --workers 2 against one worker, the
contract suite's wall time, and a pyinstrument profile of one workload under load."""

from __future__ import annotations

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
UNITS = {"bench-1k": 1_000, "bench-10k": 10_000, "bench-100k": 100_000}


def _hwm_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _one_start(size: str, state: str | None) -> dict[str, Any]:
    server = servers.propmock("rentengine", size=size, state=state).start(timeout=300)
    try:
        token = issue_token(server, WORKLOADS["rentengine-units"].credential)
        url = server.root + PROPMOCK_BASES["rentengine"] + "/units?limit=50"
        last = url + f"&page_number={UNITS[size] // 50 - 1}"
        headers = {"Authorization": f"Bearer {token}"}
        first = loadgen.run(url, headers, 3)
        deep = loadgen.run(last, headers, 3)
        return {
            "startup_s": server.startup_s,
            "rss_mb": server.rss_kb() / 1024,
            "peak_rss_mb": _hwm_kb(server.proc.pid) / 1024 if server.proc else 0,
            "first_page_rps": first["rps"],
            "last_page_rps": deep["rps"],
            "errors": first["errors"] + deep["errors"],
        }
    finally:
        server.stop()


def startup_table(repeats: int = 3) -> list[dict[str, Any]]:
    """Process start to the first 200 on the control API, and RSS after three short loads."""
    rows = []
    for size in SIZES:
        for mode in ("memory", "state-file"):
            runs = []
            for _ in range(repeats):
                with tempfile.TemporaryDirectory(prefix="propmock-bench-") as tmp:
                    state = str(Path(tmp) / "state.sqlite") if mode == "state-file" else None
                    runs.append(_one_start(size, state))
            row = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            rows.append({"size": size, "units": UNITS[size], "state": mode, **row})
            print(f"  {size} {mode}: {row['startup_s']:.2f} s, {row['rss_mb']:.0f} MB")
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
