"""The webhooks control API (/_propmock/webhooks) end to end, with response validation on."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from mock_server.app import build_services, create_app
from mock_server.settings import Settings
from mock_server.webhooks.verify import verify_aptoria
from tests.webhook_receiver import Receiver, Reply
from tests.webhook_world import T0

W = "/_propmock/webhooks"


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    # Seeding is skipped (these tests need no vendor data, and it is the slow part). No
    # `with`: the lifespan (the background loop) stays off, so the test drives delivery.
    settings = Settings(validate_responses=True)
    services = build_services(settings)
    services.store.set_meta("seeded", "{}")
    app = create_app(settings, services)
    client = TestClient(app)
    assert (
        client.post("/_propmock/clock/freeze", json={"at": "2026-05-28T20:26:40Z"}).status_code
        == 200
    )
    yield client


@pytest.fixture(autouse=True)
def no_leftover_endpoints(client: TestClient) -> Iterator[None]:
    """Each test sees only its own endpoints (the app is shared by the module)."""
    yield
    for ep in client.get(f"{W}/endpoints").json():
        client.delete(f"{W}/endpoints/{ep['id']}")


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def test_endpoint_crud(client: TestClient) -> None:
    ep = ok(
        client.post(
            f"{W}/endpoints",
            json={"api": "aptoria", "url": "https://r.test/hook", "events": ["rent.paid"]},
        ),
        201,
    )
    assert ep["secret"].startswith("whsec_") and ep["enabled"] and ep["events"] == ["rent.paid"]
    assert ok(client.get(f"{W}/endpoints/{ep['id']}")) == ep
    assert ep["id"] in [
        e["id"] for e in ok(client.get(f"{W}/endpoints", params={"api": "aptoria"}))
    ]
    assert ep["id"] not in [
        e["id"] for e in ok(client.get(f"{W}/endpoints", params={"api": "rentengine"}))
    ]
    changed = ok(
        client.patch(
            f"{W}/endpoints/{ep['id']}",
            json={"url": "https://r.test/v2", "faults": {"duplicate": 1}},
        )
    )
    assert changed["url"] == "https://r.test/v2" and changed["faults"]["duplicate"] == 1
    wrong = client.patch(f"{W}/endpoints/{ep['id']}", json={"tables": ["units"]})
    assert wrong.status_code == 400 and "do not apply to aptoria" in wrong.json()["error"]
    assert (
        client.post(f"{W}/endpoints", json={"api": "keynest", "url": "https://x"}).status_code
        == 400
    )
    assert (
        client.post(f"{W}/endpoints", json={"api": "aptoria", "url": "ftp://x"}).status_code == 400
    )
    ok(client.delete(f"{W}/endpoints/{ep['id']}"), 204)
    missing = client.get(f"{W}/endpoints/{ep['id']}")
    assert missing.status_code == 404 and missing.json() == {
        "error": f"Endpoint {ep['id']} not found"
    }
    assert client.get(f"{W}/endpoints/we_nope").status_code == 400


def test_disable_enable_and_rotate(client: TestClient) -> None:
    ep = ok(
        client.post(
            f"{W}/endpoints",
            json={"api": "aptoria", "url": "https://r.test/a", "secret": "whsec_one"},
        ),
        201,
    )
    off = ok(client.post(f"{W}/endpoints/{ep['id']}/disable"))
    assert off["enabled"] is False and off["disabled_reason"] == "disabled by the control API"
    on = ok(client.post(f"{W}/endpoints/{ep['id']}/enable"))
    assert on["enabled"] is True and on["disabled_reason"] is None
    rolled = ok(
        client.post(f"{W}/endpoints/{ep['id']}/rotate-secret", json={"secret": "whsec_two"})
    )
    now = ok(client.get("/_propmock/clock"))["epoch"]
    assert rolled["secret"] == "whsec_two"
    assert rolled["previous_secrets"] == [{"secret": "whsec_one", "expires_at": now + 86400}]
    re = ok(
        client.post(f"{W}/endpoints", json={"api": "rentengine", "url": "https://r.test/b"}), 201
    )
    assert re["api_key_header"] == "X-API-Key" and re["api_key"]
    assert ok(client.post(f"{W}/endpoints/{re['id']}/rotate-secret"))["api_key"] != re["api_key"]


def test_trigger_deliver_log_dead_letters_redrive_and_replay(client: TestClient) -> None:
    with Receiver(Reply(500)) as rx:
        ep = ok(
            client.post(
                f"{W}/endpoints",
                json={
                    "api": "rentengine",
                    "url": rx.url("/re"),
                    "tables": ["prospects"],
                    "retries": 1,
                    "api_key": "k_admin",
                },
            ),
            201,
        )
        fired = ok(
            client.post(
                f"{W}/trigger",
                json={
                    "api": "rentengine",
                    "event": "prospects.UPDATE",
                    "overrides": {"record": {"name": "Zoë Ørsted"}},
                },
            ),
            201,
        )
        assert fired["body"]["record"]["name"] == "Zoë Ørsted" and len(fired["deliveries"]) == 1
        [delivery_id] = fired["deliveries"]
        step = ok(client.post(f"{W}/deliver-due"))
        mine = [a for a in step["attempts"] if a["delivery_id"] == delivery_id]
        assert [a["outcome"] for a in mine] == ["retry"]
        assert mine[0]["next_attempt_epoch"] == mine[0]["at_epoch"] + 12
        ok(client.post("/_propmock/clock/advance", json={"seconds": 12}))
        ok(client.post(f"{W}/deliver-due"))
        detail = ok(client.get(f"{W}/deliveries/{delivery_id}"))
        assert detail["status"] == "dead" and detail["attempt_count"] == 2
        assert [a["request_headers"]["Upstash-Retried"] for a in detail["attempts"]] == ["0", "1"]
        assert all(
            a["status"] == 500 and a["latency_ms"] >= 0 and a["error"] == "HTTP 500"
            for a in detail["attempts"]
        )
        assert detail["attempts"][1]["next_attempt_at"] is None
        dead = ok(client.get(f"{W}/dead-letters", params={"endpoint_id": ep["id"]}))
        assert [d["id"] for d in dead] == [delivery_id]
        rx.default = Reply(200)
        redriven = ok(client.post(f"{W}/dead-letters/{delivery_id}/redrive"))
        assert redriven["status"] == "pending" and redriven["retried"] == 0
        ok(client.post(f"{W}/deliver-due"))
        assert ok(client.get(f"{W}/deliveries/{delivery_id}"))["status"] == "delivered"
        replay = ok(client.post(f"{W}/deliveries/{delivery_id}/replay"), 201)
        assert replay["message_id"] == detail["message_id"] and replay["replay_of"] == delivery_id
        ok(client.post(f"{W}/deliver-due"))
    ids = {r.header("Upstash-Message-Id") for r in rx.requests}
    assert ids == {detail["message_id"]} and len(rx.requests) == 4
    assert [r.header("Upstash-Retried") for r in rx.requests] == ["0", "1", "0", "0"]
    assert all(r.header("X-API-Key") == "k_admin" for r in rx.requests)
    assert len({r.header("Upstash-Signature") for r in rx.requests}) == 4
    listed = ok(
        client.get(
            f"{W}/deliveries", params={"message_id": detail["message_id"], "include_attempts": True}
        )
    )
    assert [d["id"] for d in listed] == [delivery_id, replay["id"]]
    assert sum(len(d["attempts"]) for d in listed) == 4


def test_aptoria_trigger_is_signed_with_the_endpoint_secret(client: TestClient) -> None:
    with Receiver() as rx:
        ok(
            client.post(
                f"{W}/endpoints",
                json={
                    "api": "aptoria",
                    "url": rx.url(),
                    "events": ["work_order.completed"],
                    "secret": "whsec_admin",
                },
            ),
            201,
        )
        ok(
            client.post(
                f"{W}/trigger",
                json={
                    "api": "aptoria",
                    "event": "work_order.completed",
                    "overrides": {"payload": {"cost_usd": 99.5}},
                },
            ),
            201,
        )
        ok(client.post(f"{W}/deliver-due"))
    [request] = rx.requests
    verify_aptoria(request.body, request.header("X-PMAI-Signature"), "whsec_admin", now=T0)
    assert b'"cost_usd":99.5' in request.body


def test_discarding_a_dead_letter(client: TestClient) -> None:
    ep = ok(
        client.post(
            f"{W}/endpoints",
            json={
                "api": "rentengine",
                "url": "http://127.0.0.1:9/x",
                "tables": ["lockboxes"],
                "retries": 0,
            },
        ),
        201,
    )
    [dlv] = ok(
        client.post(f"{W}/trigger", json={"api": "rentengine", "event": "lockboxes.DELETE"}), 201
    )["deliveries"]
    ok(client.post(f"{W}/deliver-due"))
    assert [
        d["id"] for d in ok(client.get(f"{W}/dead-letters", params={"endpoint_id": ep["id"]}))
    ] == [dlv]
    ok(client.delete(f"{W}/dead-letters/{dlv}"), 204)
    assert ok(client.get(f"{W}/deliveries/{dlv}"))["status"] == "discarded"
    assert client.delete(f"{W}/dead-letters/{dlv}").status_code == 404
    assert ok(client.post(f"{W}/dead-letters/redrive", json={"endpoint_id": ep["id"]})) == {
        "redriven": []
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"api": "aptoria", "event": "rent.refunded"}, "unknown Aptoria event"),
        ({"api": "rentengine", "event": "units.UPSERT"}, "RentEngine events are"),
        ({"api": "rentengine", "event": "showings.INSERT"}, "no x-webhooks entry"),
        (
            {
                "api": "aptoria",
                "event": "rent.paid",
                "overrides": {"payload": {"amount_usd": "lots"}},
            },
            "does not match the spec at payload/amount_usd",
        ),
    ],
)
def test_trigger_rejects_what_the_spec_does_not_allow(
    client: TestClient, body: dict[str, Any], message: str
) -> None:
    response = client.post(f"{W}/trigger", json=body)
    assert response.status_code == 400 and message in response.json()["error"]


def test_config_and_qstash_key_rotation(client: TestClient) -> None:
    config = ok(client.get(f"{W}/config"))
    assert config["timeout_seconds"] == 10 and config["qstash_retries"] == 3
    assert ok(client.patch(f"{W}/config", json={"qstash_retries": 4}))["qstash_retries"] == 4
    ok(client.patch(f"{W}/config", json={"qstash_retries": 3}))
    assert client.patch(f"{W}/config", json={"bogus": 1}).status_code == 400
    keys = ok(client.post(f"{W}/qstash-keys/rotate"))
    assert keys["current_signing_key"] == config["qstash_next_signing_key"]
    assert keys["next_signing_key"].startswith("sig_")
    assert keys["next_signing_key"] != config["qstash_current_signing_key"]


def test_event_log(client: TestClient) -> None:
    ok(client.post(f"{W}/trigger", json={"api": "aptoria", "event": "tenant.removed"}), 201)
    [last] = ok(client.get(f"{W}/events", params={"api": "aptoria", "limit": 1}))
    assert last["name"] == "tenant.removed" and last["event_id"].startswith("evt_")
