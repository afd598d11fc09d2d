"""The reliability soak's harness (benchmarks/soak_clients.py): its accounting on a short run
against a real server, and that the verifier reports creates that are gone or changed."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from benchmarks import run as bench_run
from benchmarks import servers
from benchmarks import soak_clients as soak


# The tests that use it take about 10 s together (a server start and a 6 s load; about 25 s on
# a machine busy with other runs), so they are in the default run; the subcommand test, a second
# server, is `slow`.
@pytest.fixture(scope="module")
def server() -> Iterator[servers.Server]:
    srv = servers.propmock(None, size="small").start()
    try:
        yield srv
    finally:
        srv.stop()


async def _short_soak(server: servers.Server) -> dict[str, Any]:
    """8 clients for 6 s, then the verifier; then one create deleted through the API (an
    Aptoria tenant, created by one more client after the load), one changed behind the
    harness's back and two that never existed, and the verifier again."""
    async with httpx.AsyncClient(timeout=30) as http:
        world = await soak.discover(http, server)
        lines: list[str] = []
        stats, created, samples = await soak.load(
            world, 6, 8, server.proc.pid, sample_s=2, create_rate=4, log=lines.append
        )
        loaded, requests = list(created), stats.requests
        clean = await soak.verify(world.root, world.tokens, loaded)

        extra = soak.Client(99, http, world, stats, created, seed=1, create_every_s=1.0)
        await extra.ap_tenant_create("ap_tenant_create")
        gone = created[-1]
        assert gone.kind == "ap_tenant" and len(created) == len(loaded) + 1
        auth = {"Authorization": f"Bearer {world.tokens['aptoria']}"}
        resp = await http.delete(f"{world.root}{soak.AP}/api/tenants/{gone.id}", headers=auth)
        assert resp.status_code == 200
        renamed = next(c for c in created if c.kind == "kn_property")
        auth = {"Authorization": f"Bearer {world.tokens['keynest']}"}
        resp = await http.patch(
            f"{world.root}{soak.KN}/properties/{renamed.id}",
            headers=auth,
            json={"name": "Renamed behind the harness's back"},
        )
        assert resp.status_code == 200
        fakes = [
            soak.Created("ap_work_order", "wo_" + "0" * 26, {"title": "never"}, client=99),
            soak.Created("kn_ticket", "tk_NeverCreated0000", {}, client=99, parent=renamed.id),
        ]
        tampered = await soak.verify(world.root, world.tokens, created + fakes)
    return {
        "stats": stats,
        "created": loaded,
        "requests": requests,
        "samples": samples,
        "lines": lines,
        "clean": clean,
        "tampered": tampered,
        "gone": gone,
        "renamed": renamed,
        "fakes": fakes,
    }


@pytest.fixture(scope="module")
def short_soak(server: servers.Server) -> dict[str, Any]:
    return asyncio.run(_short_soak(server))


def test_short_run_accounting(short_soak: dict[str, Any]) -> None:
    stats, created, clean = short_soak["stats"], short_soak["created"], short_soak["clean"]
    assert stats.requests > 50
    assert stats.errors() == 0, dict(stats.samples)
    assert set(stats.by_class) == {"2xx"}
    # Each client's first KeyNest property at least; + 1: the tenant created after the load.
    assert stats.creates == len(created) + 1 and len(created) >= 8
    assert len(stats.latencies) == stats.requests
    assert {c.kind for c in created} >= {"kn_property"}
    # Every create recorded is read back as sent.
    assert clean["recorded"] == clean["verified"] == len(created)
    assert clean["lost"] == clean["changed"] == clean["unverified"] == 0
    assert sum(k["created"] for k in clean["by_kind"].values()) == len(created)


def test_short_run_samples_and_progress(short_soak: dict[str, Any]) -> None:
    samples = short_soak["samples"]
    assert samples[0]["t_s"] < 1 and samples[0]["requests"] == 0
    assert samples[-1]["t_s"] >= 6 and samples[-1]["requests"] == short_soak["requests"]
    assert len(samples) >= 3 and all(s["rss_mb"] > 10 for s in samples)
    assert len(short_soak["lines"]) == len(samples)
    assert all("RSS" in line and "5xx" in line for line in short_soak["lines"])


def test_verifier_reports_lost_and_changed_creates(short_soak: dict[str, Any]) -> None:
    report, gone, renamed = short_soak["tampered"], short_soak["gone"], short_soak["renamed"]
    expected = {gone.id, *(f.id for f in short_soak["fakes"])}
    assert report["lost"] == len(expected)
    assert {s["id"] for s in report["lost_samples"]} == expected
    assert report["changed"] == 1
    (diff,) = report["changed_samples"]
    assert diff["id"] == renamed.id
    assert diff["fields"]["name"]["read"] == "Renamed behind the harness's back"
    assert report["unverified"] == 0
    assert report["verified"] == report["recorded"] - len(expected) - 1
    result = {
        "load": soak.summary(short_soak["stats"]),
        "verification": report,
        "memory": soak.growth(short_soak["samples"]),
    }
    failures = soak.acceptance(result)
    assert any("creates lost" in f for f in failures)
    assert any("other fields than sent" in f for f in failures)


def _result(**changes: Any) -> dict[str, Any]:
    load = {"5xx": 0, "4xx": 0, "conn_errors": 0, "timeouts": 0, "bad_bodies": 0}
    verification = {"recorded": 10, "lost": 0, "changed": 0, "unverified": 0}
    memory = {"growth_pct": 1.0, "rss_base_mb": 80.0, "rss_end_mb": 80.8}
    for key, value in changes.items():
        for part in (load, verification, memory):
            if key in part:
                part[key] = value
    return {"load": load, "verification": verification, "memory": memory}


@pytest.mark.parametrize(
    "change, words",
    [
        ({"5xx": 2}, "5xx"),
        ({"conn_errors": 1}, "connection errors"),
        ({"timeouts": 1}, "timeouts"),
        ({"4xx": 3}, "unexpected 4xx"),
        ({"lost": 1}, "1 of 10 acknowledged creates lost"),
        ({"growth_pct": 10.0}, "RSS growth 10.0 %"),
    ],
)
def test_acceptance_names_what_failed(change: dict[str, Any], words: str) -> None:
    assert soak.acceptance(_result()) == []
    (failure,) = soak.acceptance(_result(**change))
    assert words in failure


def test_growth_is_measured_from_the_end_of_the_first_minute() -> None:
    samples = [
        {"t_s": t, "rss_mb": mb} for t, mb in ((0, 70.0), (30, 78.0), (60, 80.0), (90, 90.0))
    ]
    samples.append({"t_s": 120.4, "rss_mb": 84.0})
    mem = soak.growth(samples)
    assert (mem["rss_base_mb"], mem["rss_base_t_s"]) == (80.0, 60)
    assert mem["growth_pct"] == 5.0 and mem["max_growth_pct"] == 12.5
    # A run shorter than a minute: from the first sample.
    assert soak.growth(samples[:2] + samples[-1:])["rss_base_mb"] == 70.0


@pytest.mark.slow
def test_soak64_subcommand(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """`python -m benchmarks.run soak64` writes its record (no machine paths) and exits 0."""
    monkeypatch.setattr(bench_run, "RESULTS", tmp_path)
    argv = ["soak64", "--minutes", "0.1", "--clients", "4", "--size", "small"]
    assert bench_run.main(argv) == 0
    text = (tmp_path / "soak-4.json").read_text()
    doc = json.loads(text)
    assert doc["data"]["passed"] is True and doc["data"]["clients"] == 4
    assert sys.prefix not in text and str(servers.REPO) not in text
    assert doc["data"]["command"][0] == "python" and "<port>" in doc["data"]["command"]
