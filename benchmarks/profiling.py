"""Profile one workload: propmock under pyinstrument (wall-clock samples, a readable call tree)
or cProfile (CPU seconds, exact call counts) while wrk loads it; the output goes to results/."""

from __future__ import annotations

import io
import pstats
import signal
import sys
import tempfile
from pathlib import Path

from benchmarks import loadgen, servers
from benchmarks.workloads import PROPMOCK_BASES, WORKLOADS, issue_token


def profile(seconds: float, connections: int, workload: str, tool: str = "pyinstrument") -> str:
    wl = WORKLOADS[workload]
    results = servers.REPO / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    out = results / f"profile-{workload}-{tool}.txt"
    raw = Path(tempfile.gettempdir()) / f"propmock-profile-{workload}.prof"  # binary: not kept
    server = servers.propmock(wl.api)
    serve_args = server.cmd[3:]  # after `python -m mock_server.cli`
    if tool == "pyinstrument":
        runner = ["-m", "pyinstrument", "-r", "text", "--show", "*/connexion/*", "-o", str(out)]
        server.cmd = [sys.executable, *runner, "-m", "mock_server.cli", *serve_args]
    else:
        server.cmd = [sys.executable, "-m", "benchmarks.cprofile_serve", str(raw), *serve_args]
    server.start(timeout=300)
    try:
        token = issue_token(server, wl.credential)
        base = PROPMOCK_BASES[wl.api]
        headers = {"Authorization": f"Bearer {token}"}
        url = server.root + base + wl.path
        res = loadgen.run(url, headers, seconds, connections, mix=wl.mix, base=base)
    finally:
        # SIGINT, and time to write the report: both profilers write it at exit.
        server.stop(signal.SIGINT, grace=180)
    if tool == "cprofile":
        text = io.StringIO()
        stats = pstats.Stats(str(raw), stream=text)
        stats.sort_stats("tottime").print_stats(40)
        stats.sort_stats("cumulative").print_stats(60)
        out.write_text(text.getvalue())
    return f"{res['rps']:.0f} req/s under {tool}; profile in {out}"
