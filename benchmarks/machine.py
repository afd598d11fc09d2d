"""The machine and the versions a result was measured with."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib.metadata import version
from pathlib import Path
from typing import Any

from benchmarks import loadgen, servers


def _run(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "absent"
    return (out.stdout or out.stderr).strip().splitlines()[0] if out.stdout or out.stderr else ""


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _git() -> str:
    """The commit measured, `-dirty` with uncommitted changes; BENCH_TREE_NOTE overrides it
    (e.g. when the tree measured is a copy of a checkout)."""
    if os.environ.get("BENCH_TREE_NOTE"):
        return os.environ["BENCH_TREE_NOTE"]
    out = _run(["git", "-C", str(servers.REPO), "describe", "--always", "--dirty"])
    return out if out and not out.startswith("fatal") else "not a git checkout"


def describe() -> dict[str, Any]:
    prism = str(servers.PRISM_BIN)
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "packages": {
            name: version(name)
            for name in ("connexion", "starlette", "uvicorn", "uvloop", "httptools")
        },
        "node": _run(["node", "--version"]),
        "prism": _run([prism, "--version"]) if servers.PRISM_BIN.exists() else "not installed",
        "wrk": loadgen.wrk_version(),
        "git": _git(),
    }
