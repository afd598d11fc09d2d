"""`python -m benchmarks.cprofile_serve OUT.prof serve ARGS...`: propmock under cProfile, timed in
CPU seconds (time.process_time), so a busy shared machine does not skew the attribution.
The stats are written when the server stops (SIGINT/SIGTERM: uvicorn shuts down gracefully)."""

from __future__ import annotations

import cProfile
import sys
import time

from mock_server.cli import main


def run(out: str, argv: list[str]) -> int:
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    try:
        return main(argv)
    finally:
        profiler.disable()
        profiler.dump_stats(out)


if __name__ == "__main__":
    sys.exit(run(sys.argv[1], sys.argv[2:]))
