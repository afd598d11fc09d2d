"""Load generators: wrk (preferred) and a bounded asyncio/httpx fallback; one result shape for both.

Result keys: requests, rps, p50_ms, p90_ms, p99_ms, errors (non-2xx/3xx plus socket errors),
bytes_per_response, generator.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

LUA = Path(__file__).resolve().parent / "lua"
WRK_HINT = "wrk not found: `apt-get install -y wrk` (Debian); using the slower Python generator"


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def wrk_version() -> str:
    if not have_wrk():
        return "absent"
    out = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    return (out.stdout + out.stderr).strip().splitlines()[0]


def run(
    url: str,
    headers: dict[str, str],
    seconds: float,
    connections: int = 16,
    threads: int = 1,
    mix: str | None = None,
    base: str = "",
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Drive `url` (or the `mix` script under `base`) for `seconds` with `connections`.
    `env` reaches the wrk script (the soak's tokens); the soak's mix needs wrk."""
    if have_wrk():
        return _wrk(
            url, headers, seconds, connections, threads, mix, {"BENCH_BASE": base, **(env or {})}
        )
    if mix not in (None, "create_read"):
        raise SystemExit(f"the {mix} mix needs wrk: apt-get install -y wrk")
    return asyncio.run(_python(url, headers, seconds, connections, mix, base))


def _wrk(
    url: str,
    headers: dict[str, str],
    seconds: float,
    connections: int,
    threads: int,
    mix: str | None,
    env: dict[str, str],
) -> dict[str, Any]:
    script = (LUA / f"{mix or 'get'}.lua").read_text() + (LUA / "report.lua").read_text()
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(script)
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "5s"]
    for key, value in headers.items():
        cmd += ["-H", f"{key}: {value}"]
    cmd += ["-s", fh.name, url]
    try:
        # wrk stops by itself after -d; the timeout is a backstop.
        out = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 30,
            env={**os.environ, **env},
        )
    finally:
        os.unlink(fh.name)
    match = re.search(r"^WRKJSON (\{.*\})$", out.stdout, re.M)
    if not match:
        raise RuntimeError(f"wrk printed no result:\n{out.stdout}\n{out.stderr}")
    raw = json.loads(match.group(1))
    n = max(raw["requests"], 1)
    errors = raw["errors_status"] + sum(
        raw[k] for k in ("errors_connect", "errors_read", "errors_write", "errors_timeout")
    )
    return {
        "generator": "wrk",
        "requests": raw["requests"],
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "errors": errors,
        "bytes_per_response": raw["bytes"] / n,
    }


async def _python(
    url: str, headers: dict[str, str], seconds: float, connections: int, mix: str | None, base: str
) -> dict[str, Any]:
    """Fallback: `connections` keep-alive clients looping until the deadline (and a count cap)."""
    import httpx

    root = re.match(r"https?://[^/]+", url).group(0)  # type: ignore[union-attr]
    cap = 2_000_000  # bound on the total count, whatever the speed
    latencies: list[float] = []
    errors = 0
    size = 0
    deadline = time.perf_counter() + seconds

    async def one(client: httpx.AsyncClient, method: str, target: str, body: Any) -> Any:
        nonlocal errors, size
        began = time.perf_counter()
        try:
            resp = await client.request(method, target, json=body)
        except httpx.HTTPError:
            errors += 1
            return None
        latencies.append(time.perf_counter() - began)
        size += len(resp.content)
        if resp.status_code >= 400:
            errors += 1
        return resp

    async def worker() -> None:
        limits = httpx.Limits(max_connections=1)
        async with httpx.AsyncClient(headers=headers, limits=limits, timeout=5) as client:
            while time.perf_counter() < deadline and len(latencies) < cap:
                if mix != "create_read":
                    await one(client, "GET", url, None)
                    continue
                resp = await one(client, "POST", f"{root}{base}/properties", PROPERTY_BODY)
                if resp is not None and resp.status_code == 201:
                    await one(client, "GET", f"{root}{base}/properties/{resp.json()['id']}", None)

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.perf_counter() - began
    latencies.sort()
    n = max(len(latencies), 1)

    def pct(p: float) -> float:
        return latencies[min(n - 1, int(p / 100 * n))] * 1000 if latencies else 0.0

    return {
        "generator": "python-httpx",
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": pct(50),
        "p90_ms": pct(90),
        "p99_ms": pct(99),
        "errors": errors,
        "bytes_per_response": size / n,
    }


PROPERTY_BODY = {
    "name": "Bench Court",
    "units": 2,
    "address": {
        "street": "1 Bench St",
        "city": "Hamilton",
        "province": "ON",
        "postalCode": "L8P 4R5",
    },
}
