"""CPU accounting per round: this machine may be shared, so each round records how much CPU the
server, the load generator and everything else used, and a round waits (bounded) for quiet."""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

TICK = os.sysconf("SC_CLK_TCK")


def busy_s() -> float:
    """CPU seconds spent busy on all cores since boot (not idle, not iowait)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / TICK


def tree_cpu_s(pid: int) -> float:
    """CPU seconds of a process and its live descendants (their own, not reaped children's)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            rest = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(rest[1])
        times[int(entry)] = (int(rest[11]) + int(rest[12])) / TICK
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += times.get(current, 0.0)
        todo += [p for p, parent in parents.items() if parent == current]
    return total


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wait_quiet(threshold: float = 0.3, max_wait: float = 20.0) -> float:
    """Wait until the whole machine is below `threshold` busy cores over one second (at most
    `max_wait` seconds); returns the busy cores last seen."""
    deadline = time.monotonic() + max_wait
    while True:
        before = busy_s()
        time.sleep(1.0)
        cores = busy_s() - before
        if cores < threshold or time.monotonic() > deadline:
            return cores


def measured(fn: Callable[[], dict[str, Any]], server_pid: int) -> dict[str, Any]:
    """Run one round and add the cores used by the server, the generator and the rest."""
    idle_before = wait_quiet()
    b0, s0, g0, t0 = busy_s(), tree_cpu_s(server_pid), children_cpu_s(), time.monotonic()
    result = fn()
    secs = time.monotonic() - t0
    busy = busy_s() - b0
    server = tree_cpu_s(server_pid) - s0
    gen = children_cpu_s() - g0
    return {
        **result,
        "cores_server": round(server / secs, 2),
        # CPU per request: the figure least moved by other load on a shared machine.
        "cpu_ms_per_req": server / max(result["requests"], 1) * 1000,
        "cores_generator": round(gen / secs, 2),
        "cores_other": round(max(0.0, busy - server - gen) / secs, 2),
        "cores_busy_before": round(idle_before, 2),
    }
