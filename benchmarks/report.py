"""Writes the generated part of benchmarks/RESULTS.md from benchmarks/results/*.json.

Only the text between the two markers is replaced; the hand-written analysis around it stays.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

START, END = "<!-- generated:start -->", "<!-- generated:end -->"
OUT = Path(__file__).resolve().parent / "RESULTS.md"


def _load(results: Path, step: str) -> dict[str, Any] | None:
    path = results / f"{step}.json"
    return json.loads(path.read_text()) if path.exists() else None


def _cmd(cmd: list[str]) -> str:
    # Drop the interpreter's absolute path and free port, which differ per run.
    shown = ["python" if c.endswith(("python", "python3")) else c for c in cmd]
    shown = [c.split("benchmarks/")[-1] if "node_modules" in c else c for c in shown]
    shown = ["specs/" + c.split("/specs/")[-1] if "/specs/" in c else c for c in shown]
    return shlex.join(shown)


def machine(doc: dict[str, Any]) -> list[str]:
    m = doc["machine"]
    pk = ", ".join(f"{k} {v}" for k, v in m["packages"].items())
    return [
        f"- Machine: {m['nproc']} cores, {m['cpu']}, Linux {m['kernel']}; loopback only.",
        f"- Python {m['python']} ({pk}); node {m['node']}; Prism {m['prism']}; {m['wrk']}.",
        f"- Tree: {m['git']}; measured {doc['at']}; `python -m benchmarks.run "
        f"{' '.join(doc['argv'])}`.",
    ]


def load_line(doc: dict[str, Any]) -> str:
    """The wrk command each round ran, from the options the step was run with."""
    from benchmarks.run import parser  # here: run imports this module

    a = parser().parse_args(doc["argv"])
    return (
        f"- Load: `wrk -t1 -c{a.connections} -d{a.seconds:g}s --timeout 5s -H 'Authorization: "
        f"Bearer <token from POST /_propmock/credentials>' -s <lua/get.lua or "
        f"lua/create_read.lua, + lua/report.lua> URL`; {a.warmup:g} s warm-up per target, then "
        f"{a.rounds} rounds alternating between targets (order rotated each round); medians."
    )


def compare(doc: dict[str, Any], title: str) -> list[str]:
    lines = [f"### {title}", "", *machine(doc), load_line(doc), ""]
    for wl in doc["data"]:
        t = wl["targets"]
        lines += [f"#### {wl['workload']}: {wl['note']}", ""]
        lines += [
            "| target | req/s | p50 ms | p90 ms | p99 ms | peak RSS MB | errors "
            "| bytes/resp | CPU ms/req | server cores | other cores (max) | req/s per round |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for name, r in t.items():
            lines.append(
                f"| {name} | {r['rps']:.0f} | {r['p50_ms']:.2f} | {r['p90_ms']:.2f} "
                f"| {r['p99_ms']:.2f} | {r['peak_rss_mb']:.0f} | {r['errors']}/{r['requests']} "
                f"| {r['bytes_per_response']:.0f} | {r['cpu_ms_per_req']:.2f} "
                f"| {r['cores_server']:.2f} "
                f"| {r['cores_other_max']:.2f} | {', '.join(map(str, r['rounds_rps']))} |"
            )
        pm = t.get("propmock")
        for other in ("prism-static", "prism-dynamic", "propmock-before"):
            if pm and other in t:
                o = t[other]
                lines.append(
                    f"\npropmock / {other}: throughput **{pm['rps'] / o['rps']:.2f}x**, "
                    f"p99 {pm['p99_ms'] / o['p99_ms']:.2f}x ({pm['p99_ms']:.2f} vs "
                    f"{o['p99_ms']:.2f} ms)."
                )
        lines += ["", "Commands:", ""]
        lines += [f"- `{_cmd(r['command'])}`" for r in t.values()]
        lines.append("")
    return lines


def scale(doc: dict[str, Any]) -> list[str]:
    lines = ["### Start-up and memory by seed size (RentEngine units)", "", *machine(doc), ""]
    lines += [
        "| units | state | start-up s (to first 200) | RSS MB | peak RSS MB "
        "| page 0 req/s | last page req/s |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in doc["data"]:
        lines.append(
            f"| {r['units']:,} | {r['state']} | {r['startup_s']:.2f} | {r['rss_mb']:.0f} "
            f"| {r['peak_rss_mb']:.0f} | {r['first_page_rps']:.0f} | {r['last_page_rps']:.0f} |"
        )
    return [
        *lines,
        "",
        f"Medians of {_repeats(doc)} starts each; `python -m mock_server.cli serve --api "
        "rentengine --size bench-<N> --seed 1 --rate-limits off --workers 1 [--state FILE]`. "
        "Page req/s: one 3-second `wrk -t1 -c16` run each on `/units?limit=50` and on its "
        "last page (`page_number` = units / 50 - 1), with the server just started.",
        "",
    ]


def _repeats(doc: dict[str, Any]) -> int:
    from benchmarks.run import parser  # here: run imports this module

    return int(parser().parse_args(doc["argv"]).repeats)


def workers(doc: dict[str, Any]) -> list[str]:
    d = doc["data"]
    lines = [
        "### --workers 2 against one worker (RentEngine list, --state file)",
        "",
        *machine(doc),
        load_line(doc),
        "",
        "| workers | req/s | p50 ms | p99 ms | peak RSS MB | errors "
        "| CPU ms/req | server cores | other cores (max) | req/s per round |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n in (1, 2):
        r = d[f"workers_{n}"]
        lines.append(
            f"| {n} | {r['rps']:.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} "
            f"| {r['peak_rss_mb']:.0f} | {r['errors']} | {r['cpu_ms_per_req']:.2f} "
            f"| {r['cores_server']:.2f} "
            f"| {r['cores_other_max']:.2f} | {', '.join(map(str, r['rounds_rps']))} |"
        )
    lines += ["", f"Ratio: **{d['ratio']:.2f}x**.", ""]
    return lines + [f"- `{_cmd(d[f'workers_{n}']['command'])}`" for n in (1, 2)] + [""]


def soak(doc: dict[str, Any]) -> list[str]:
    d = doc["data"]
    lines = [
        f"### Soak: {d['minutes']:g} minutes of mixed load (state in memory"
        + ("" if d.get("events", True) else "; without the event-emitting unit update")
        + ")",
        "",
        *machine(doc),
        "",
        f"- Load: `wrk -t1 -c{d['connections']} -d30s --timeout 5s -s <lua/mixed.lua + "
        "lua/report.lua> URL` (tokens and a unit id in its environment), once per 30-second "
        "segment; RSS of the server after each.",
        "",
        f"About {d['requests']:,} requests. RSS after 1 min {d['rss_after_1min_mb']:.1f} MB, "
        f"at the end {d['rss_end_mb']:.1f} MB, max {d['rss_max_mb']:.1f} MB: growth "
        f"**{d['growth_pct']:+.1f} %** (max {d['max_growth_pct']:+.1f} %).",
        "",
        "| t s | RSS MB | req/s | p99 ms | errors | journal entries |",
        "|---|---|---|---|---|---|",
    ]
    for s in d["samples"]:
        lines.append(
            f"| {s['t_s']} | {s['rss_mb']} | {s['rps']} | {s['p99_ms']:.1f} "
            f"| {s['errors']} | {s['journal']} |"
        )
    lines += ["", "Rows per table, before and after:", ""]
    lines += ["| table | before | after |", "|---|---|---|"]
    for table, after in d["rows_after"].items():
        lines.append(f"| {table} | {d['rows_before'].get(table, 0)} | {after} |")
    return [*lines, "", f"- `{_cmd(d['command'])}`", ""]


def _before_bound(doc: dict[str, Any]) -> list[str]:
    """The wrk soak recorded before the webhook events log was bounded (the +49 % run)."""
    lines = soak(doc)
    return [lines[0] + ", before the webhook events log was bounded", *lines[1:]]


def soak64(doc: dict[str, Any]) -> list[str]:
    d = doc["data"]
    load, ver, mem = d["load"], d["verification"], d["memory"]
    lat = load["latency_ms"]
    lines = [
        f"### Reliability soak: {d['clients']} clients, {d['minutes']:g} minutes "
        "(every create read back)",
        "",
        *machine(doc),
        "",
        f"- `python -m benchmarks.run soak64 --minutes {d['minutes']:g} --clients "
        f"{d['clients']}`: asyncio/httpx clients over all three APIs, reads and updates, "
        f"{d['create_rate']:g} creates a second in all; every acknowledged create read back "
        "at the end.",
        f"- {load['requests']:,} requests ({load['throughput_rps']:.0f}/s), by class "
        f"{load['by_class']}; 5xx {load['5xx']}, 4xx {load['4xx']}, connection errors "
        f"{load['conn_errors']}, timeouts {load['timeouts']}; p50 {lat['p50']} ms, "
        f"p99 {lat['p99']} ms.",
        f"- Creates: {ver['recorded']:,} acknowledged, {ver['verified']:,} read back as sent, "
        f"{ver['lost']} lost, {ver['changed']} changed.",
        f"- RSS {mem['rss_base_mb']} MB at {mem['rss_base_t_s']:.0f} s, {mem['rss_end_mb']} MB "
        f"at the end: growth **{mem['growth_pct']:+.1f} %** (max {mem['max_growth_pct']:+.1f} %).",
        f"- Verdict: {'passed' if d['passed'] else 'FAILED: ' + '; '.join(d['failures'])}.",
        f"- `{_cmd(d['command'])}`",
        "",
    ]
    return lines


def contract(doc: dict[str, Any]) -> list[str]:
    d = doc["data"]
    if not d["present"]:
        return ["### Contract suite", "", f"Not measured: {d['note']}.", ""]
    return [
        "### Contract suite",
        "",
        f"`{d['command']}`: **{d['wall_s']:.1f} s** wall, exit {d['exit']} ({d['summary']}).",
        "",
    ]


def write(results: Path) -> None:
    body: list[str] = []
    for step, fn, title in (
        ("compare", compare, "Side by side with Prism (after the speed changes)"),
        ("compare-before", compare, "Before and after the speed changes, side by side"),
        ("scale", scale, None),
        ("workers", workers, None),
        ("soak-64", soak64, None),
        ("soak", _before_bound, None),
        ("soak-noevents", soak, None),
        ("contract", contract, None),
    ):
        doc = _load(results, step)
        if doc:
            body += fn(doc, title) if title else fn(doc)  # type: ignore[operator]
    old = OUT.read_text() if OUT.exists() else f"# Benchmark results\n\n{START}\n{END}\n"
    head, _, rest = old.partition(START)
    _, _, tail = rest.partition(END)
    OUT.write_text(head + START + "\n" + "\n".join(body) + "\n" + END + tail)
