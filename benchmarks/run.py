"""propmock benchmarks: `python -m benchmarks.run STEP` (compare, scale, workers, soak, ...).

Each step writes benchmarks/results/<step>.json; every step but `profile` and `soak64` then
rewrites the generated part of benchmarks/RESULTS.md from all the results present. `soak64`
(the reliability soak, results/soak-<clients>.json) exits non-zero when an acceptance point
fails. Only loopback traffic; every load loop is bounded in time.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import compare, loadgen, profiling, report, scale, soak, soak_clients
from benchmarks.machine import describe
from benchmarks.workloads import TARGETS, WORKLOADS

RESULTS = Path(__file__).resolve().parent / "results"


def save(step: str, data: Any) -> None:
    RESULTS.mkdir(exist_ok=True)
    payload = {"step": step, "at": time.strftime("%Y-%m-%d %H:%M:%S"), "argv": sys.argv[1:]}
    payload |= {"machine": describe(), "data": data}
    (RESULTS / f"{step}.json").write_text(json.dumps(payload, indent=1) + "\n")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    p.add_argument(
        "step",
        choices=["compare", "scale", "workers", "soak", "soak64", "contract", "profile", "report"],
    )
    p.add_argument("--workloads", default=",".join(WORKLOADS))
    p.add_argument("--targets", default=",".join(TARGETS))
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--warmup", type=float, default=3)
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--size", default="bench-1k", help="propmock seed profile (compare, soak64)")
    p.add_argument("--repeats", type=int, default=3, help="starts per size for scale")
    p.add_argument("--no-events", action="store_true", help="soak without the unit update")
    p.add_argument("--minutes", type=float, default=10, help="soak length (soak, soak64)")
    p.add_argument("--clients", type=int, default=64, help="concurrent clients for soak64")
    p.add_argument(
        "--create-rate",
        type=float,
        default=soak_clients.CREATE_RATE,
        help="soak64: creates a second, all clients together",
    )
    p.add_argument("--before", type=Path, help="checkout for the propmock-before target")
    p.add_argument("--profiler", choices=["pyinstrument", "cprofile"], default="pyinstrument")
    p.add_argument("--tag", default="", help="suffix for the result file (e.g. -before)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    # A SIGTERM (e.g. from `timeout`) unwinds like Ctrl-C, so every started server is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.step == "soak64":  # Python clients: no wrk needed
        result = soak_clients.run(
            args.minutes, args.clients, size=args.size, create_rate=args.create_rate
        )
        save(f"soak-{args.clients}{args.tag}", result)
        print("\n".join(soak_clients.report_lines(result)))
        return 0 if result["passed"] else 1
    if args.step != "report" and not loadgen.have_wrk():
        print(loadgen.WRK_HINT, file=sys.stderr)
    step = args.step + args.tag
    if args.step == "compare":
        save(
            step,
            compare.run_all(
                args.workloads.split(","),
                targets=tuple(args.targets.split(",")),
                rounds=args.rounds,
                seconds=args.seconds,
                warmup=args.warmup,
                connections=args.connections,
                size=args.size,
                before=args.before,
            ),
        )
    elif args.step == "scale":
        save(step, scale.startup_table(args.repeats))
    elif args.step == "workers":
        save(step, scale.workers(args.rounds, args.seconds, args.warmup, args.connections))
    elif args.step == "soak":
        save(step, soak.run(args.minutes, args.connections, not args.no_events))
    elif args.step == "contract":
        save(step, scale.contract_suite())
    elif args.step == "profile":
        workload = args.workloads.split(",")[0]
        print(profiling.profile(args.seconds, args.connections, workload, args.profiler))
        return 0
    report.write(RESULTS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
