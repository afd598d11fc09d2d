"""A real `propmock serve --state FILE` SIGKILLed loses no pending delivery; the CLI trigger."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_server import cli
from mock_server.state.store import Store
from mock_server.webhooks.verify import verify_aptoria
from tests.webhook_receiver import Receiver, Reply, free_port

W = "/_propmock/webhooks"


def serve(state: Path, log: Path) -> tuple[subprocess.Popen[bytes], httpx.Client]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mock_server.cli",
            "serve",
            "--port",
            str(port),
            "--state",
            str(state),
            # One vendor API is enough (webhooks and their control API do not depend on which
            # are served) and halves the start-up, which is mostly Connexion checking specs.
            "--api",
            "keynest",
        ],
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        cwd=Path(__file__).parent.parent,
    )
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", trust_env=False, timeout=10)
    wait_for(lambda: _up(client, proc), 60, f"server did not start: {log.read_text()[-2000:]}")
    return proc, client


def _up(client: httpx.Client, proc: subprocess.Popen[bytes]) -> bool:
    if proc.poll() is not None:
        raise AssertionError(f"server exited with {proc.returncode}")
    try:
        return client.get("/_propmock/clock").status_code == 200
    except httpx.TransportError:
        return False


def wait_for(check: Callable[[], Any], seconds: float, message: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(message)


def test_pending_deliveries_survive_sigkill(tmp_path: Path) -> None:
    state, log = tmp_path / "state.sqlite", tmp_path / "serve.log"
    # Marked as seeded: vendor data is not needed here, and seeding is most of the start-up.
    Store(str(state)).set_meta("seeded", json.dumps({"seed": 1, "size": "small"}))
    with Receiver(Reply(503)) as rx:
        proc, api = serve(state, log)
        try:
            assert (
                api.post("/_propmock/clock/freeze", json={"at": "2026-05-28T20:26:40Z"}).status_code
                == 200
            )
            endpoints = {
                "re": {"api": "rentengine", "url": rx.url("/re"), "api_key": "k_dur"},
                "later": {
                    "api": "rentengine",
                    "url": rx.url("/later"),
                    "faults": {"delay_seconds": 300},
                },
                "ap": {"api": "aptoria", "url": rx.url("/ap"), "secret": "whsec_dur"},
            }
            ids = {
                name: api.post(f"{W}/endpoints", json=fields).json()["id"]
                for name, fields in endpoints.items()
            }
            for unit_id in (1, 2, 3):
                assert (
                    api.post(
                        f"{W}/trigger",
                        json={
                            "api": "rentengine",
                            "event": "units.INSERT",
                            "overrides": {"record": {"id": unit_id}},
                        },
                    ).status_code
                    == 201
                )
            for amount in (10, 20):
                assert (
                    api.post(
                        f"{W}/trigger",
                        json={
                            "api": "aptoria",
                            "event": "rent.paid",
                            "overrides": {"payload": {"amount_usd": amount}},
                        },
                    ).status_code
                    == 201
                )
            # The background loop makes the first attempts (503), the delayed ones wait.
            wait_for(lambda: len(rx.requests) == 5, 10, "first attempts did not happen")
            before = wait_for(lambda: _settled(api), 10, "attempts were not recorded")
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
        assert len(before) == 8 and all(d["status"] == "pending" for d in before)
        assert sorted(d["attempt_count"] for d in before) == [0, 0, 0, 1, 1, 1, 1, 1]

        rx.default = Reply(200)
        first_wave = len(rx.requests)
        proc, api = serve(state, log)
        try:
            assert api.get("/_propmock/clock").json()["frozen"] is True  # the clock survived
            api.post("/_propmock/clock/advance", json={"seconds": 300})
            after = wait_for(lambda: _all_delivered(api, len(before)), 15, "not all delivered")
        finally:
            proc.terminate()
            proc.wait(10)
    assert {(d["id"], d["message_id"]) for d in after} == {
        (d["id"], d["message_id"]) for d in before
    }
    arrived = rx.requests[first_wave:]
    assert len(arrived) == 8  # each pending delivery exactly once after the restart
    for name, retried in (("re", "1"), ("later", "0")):
        sent = {
            r.header("Upstash-Message-Id"): r.header("Upstash-Retried")
            for r in arrived
            if r.path == f"/{name}"
        }
        original = {d["message_id"] for d in before if d["endpoint_id"] == ids[name]}
        assert set(sent) == original and len(sent) == 3  # the original QStash message ids
        assert set(sent.values()) == {retried}  # the retry count carried over the restart
    ap = [r for r in arrived if r.path == "/ap"]
    assert sorted(json.loads(r.body)["payload"]["amount_usd"] for r in ap) == [10, 20]
    for r in ap:
        verify_aptoria(r.body, r.header("X-PMAI-Signature"), "whsec_dur", tolerance=None)


def _settled(api: httpx.Client) -> list[dict[str, Any]] | None:
    rows = api.get(f"{W}/deliveries").json()
    return rows if sum(d["attempt_count"] for d in rows) == 5 else None


def _all_delivered(api: httpx.Client, count: int) -> list[dict[str, Any]] | None:
    rows = api.get(f"{W}/deliveries").json()
    done = [d for d in rows if d["status"] == "delivered"]
    return rows if len(done) == count else None


def test_cli_trigger_sends_one_signed_delivery(capsys: pytest.CaptureFixture[str]) -> None:
    with Receiver() as rx:
        rc = cli.main(
            [
                "trigger",
                "aptoria",
                "rent.paid",
                "--to",
                rx.url("/cli"),
                "--secret",
                "whsec_cli",
                "--override",
                "payload.amount_usd=42",
                "--override",
                '{"organization_id": "org_01HM9S346Q3D25VT4F5V37E3S4"}',
            ]
        )
    assert rc == 0
    [request] = rx.requests
    verify_aptoria(request.body, request.header("X-PMAI-Signature"), "whsec_cli")  # real now
    sent = json.loads(request.body)
    assert sent["payload"]["amount_usd"] == 42
    assert sent["organization_id"] == "org_01HM9S346Q3D25VT4F5V37E3S4"
    printed = json.loads(capsys.readouterr().out)
    assert printed["status"] == 200 and printed["error"] is None


def test_cli_trigger_rentengine_reports_a_failure() -> None:
    with Receiver(Reply(500)) as rx:
        rc = cli.main(
            [
                "trigger",
                "rentengine",
                "lockbox_events.INSERT",
                "--to",
                rx.url(),
                "--secret",
                "k_cli",
                "--api-key-header",
                "X-Webhook-Secret",
            ]
        )
    assert rc == 1
    [request] = rx.requests
    assert request.header("X-Webhook-Secret") == "k_cli"
    assert request.header("Upstash-Retried") == "0"
    assert json.loads(request.body)["table"] == "lockbox_events"
    with pytest.raises(SystemExit, match="unknown Aptoria event"):
        cli.main(["trigger", "aptoria", "rent.bounced", "--to", rx.url()])
