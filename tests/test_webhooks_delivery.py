"""Delivery on the test-driven clock: both vendors' whole schedules, success rules, failures."""

from __future__ import annotations

import json
import time
from itertools import accumulate

import httpx
import pytest

from mock_server.webhooks.schedule import aptoria_delay
from mock_server.webhooks.signing import QSTASH_DEV_CURRENT_KEY, QSTASH_DEV_NEXT_KEY
from mock_server.webhooks.verify import verify_aptoria, verify_qstash
from mock_server.webhooks.wire import iso
from tests.webhook_receiver import Receiver, Reply, free_port
from tests.webhook_world import T0, World, rent_paid, unit_change

# Aptoria, seed 1, the first event at T0: the seeded jitter fixes these offsets (seconds).
APTORIA_OFFSETS = [0, 70, 232, 627, 1661, 4126, 11136, 27236, 65732, 159413]
# QStash: 0, then + min(86400, e^(2.5 n)) for n = 1, 2, 3 (3 retries, the default).
QSTASH_OFFSETS = [0, 12, 160, 1968]


def test_aptoria_schedule_runs_to_auto_disable_in_under_a_second() -> None:
    world = World.make()
    with Receiver(Reply(500, body=b"nope")) as rx:
        ep = world.endpoint("aptoria", rx.url(), secret="whsec_schedule")
        world.emitter.emit("aptoria", "rent.paid", rent_paid())
        started = time.perf_counter()
        attempts = world.drive()
        elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"the 48 h schedule took {elapsed:.3f} s of real time"
    offsets = [a["at"] - T0 for a in attempts]
    assert offsets == APTORIA_OFFSETS
    [delivery] = world.deliveries()
    formula = [0, *accumulate(aptoria_delay(n, 1, delivery["message_id"]) for n in range(1, 10))]
    assert offsets == formula
    assert 40 * 3600 < offsets[-1] < 56 * 3600  # "~48 hours"
    # Every attempt was signed afresh at its own clock time and carried its own delivered_at.
    assert len(rx.requests) == 10
    seen_signatures = set()
    for attempt, request in zip(attempts, rx.requests, strict=True):
        header = request.header("X-PMAI-Signature") or ""
        assert verify_aptoria(request.body, header, "whsec_schedule", now=attempt["at"]) == int(
            attempt["at"]
        )
        assert json.loads(request.body)["delivered_at"] == iso(attempt["at"])
        seen_signatures.add(header)
    assert len(seen_signatures) == 10
    # The log: headers, body, status, latency, error and the next attempt of every attempt.
    log = world.emitter.outbox.attempts(delivery["id"])
    assert [a["status"] for a in log] == [500] * 10
    assert all(a["error"] == "HTTP 500" and a["latency_ms"] >= 0 for a in log)
    assert [a["next_attempt_at"] for a in log] == [T0 + o for o in APTORIA_OFFSETS[1:]] + [None]
    assert [a["outcome"] for a in log] == ["retry"] * 9 + ["dead"]
    assert log[0]["request_headers"]["X-PMAI-Signature"].startswith(f"t={int(T0)},v1=")
    assert log[3]["response_body"] == "nope"
    final = world.emitter.outbox.get(delivery["id"])
    assert final["status"] == "dead" and final["attempts"] == 10
    endpoint = world.emitter.endpoints.get(ep["id"])
    assert endpoint["enabled"] is False and endpoint["consecutive_failures"] == 10
    assert endpoint["disabled_reason"] == "auto-disabled after 10 consecutive failures"
    world.emitter.emit("aptoria", "rent.paid", rent_paid())  # nothing queued while disabled
    assert len(world.deliveries()) == 1


@pytest.mark.parametrize(
    ("retries", "offsets"),
    [(None, QSTASH_OFFSETS), (0, [0]), (5, [0, 12, 160, 1968, 23994, 110394])],
)
def test_qstash_schedule_runs_to_dead_letters(retries: int | None, offsets: list[int]) -> None:
    world = World.make()
    with Receiver(Reply(503)) as rx:
        world.endpoint("rentengine", rx.url("/re"), api_key="k_live_1", retries=retries)
        world.emitter.emit("rentengine", "units.INSERT", unit_change())
        started = time.perf_counter()
        attempts = world.drive()
        assert time.perf_counter() - started < 1.0
    assert [a["at"] - T0 for a in attempts] == offsets
    [delivery] = world.deliveries()
    assert delivery["status"] == "dead"
    assert delivery["reason"] == f"exhausted {3 if retries is None else retries} retries"
    ids = {r.header("Upstash-Message-Id") for r in rx.requests}
    assert ids == {delivery["message_id"]} and delivery["message_id"].startswith("msg_")
    assert [r.header("Upstash-Retried") for r in rx.requests] == [
        str(i) for i in range(len(offsets))
    ]
    for attempt, request in zip(attempts, rx.requests, strict=True):
        assert request.header("User-Agent") == "Upstash-QStash"
        assert request.header("X-API-Key") == "k_live_1"
        assert request.body == rx.requests[0].body  # "passed as is"
        claims = verify_qstash(
            request.header("Upstash-Signature"),
            request.body,
            QSTASH_DEV_CURRENT_KEY,
            QSTASH_DEV_NEXT_KEY,
            url=rx.url("/re"),
            now=attempt["at"],
        )
        assert claims["iat"] == claims["nbf"] == int(attempt["at"])
        assert claims["exp"] == claims["iat"] + 300
    assert len({json.dumps(r.header("Upstash-Signature")) for r in rx.requests}) == len(offsets)


def scripted(statuses: list[int], headers: dict[str, str] | None = None) -> httpx.MockTransport:
    queue = list(statuses)

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(queue.pop(0) if queue else 200, headers=headers or {})

    return httpx.MockTransport(answer)


def test_any_success_resets_the_consecutive_failure_count() -> None:
    world = World.make(transport=scripted([500] * 9 + [200] + [500] * 10))
    ep = world.endpoint("aptoria", "http://127.0.0.1:9/hook")
    for i in range(10):  # ten events, each fails once ... the tenth succeeds
        world.emitter.emit("aptoria", "rent.paid", rent_paid(amount=i))
        world.deliver_due()
    assert world.emitter.endpoints.get(ep["id"])["consecutive_failures"] == 0
    for i in range(10):  # counted across deliveries: ten more first-attempt failures disable
        world.emitter.emit("aptoria", "rent.paid", rent_paid(amount=100 + i))
        world.deliver_due()
        assert world.emitter.endpoints.get(ep["id"])["enabled"] is (i < 9)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (200, "delivered"),
        (201, "delivered"),
        (204, "delivered"),
        (299, "delivered"),
        (300, "pending"),
        (304, "pending"),
        (400, "pending"),
        (410, "pending"),
        (500, "pending"),
    ],
)
def test_only_2xx_is_success(status: int, expected: str) -> None:
    world = World.make(transport=scripted([status]))
    world.endpoint("rentengine", "http://127.0.0.1:9/x")
    world.emitter.emit("rentengine", "units.UPDATE", unit_change("UPDATE"))
    world.deliver_due()
    assert world.deliveries()[0]["status"] == expected


def test_489_with_non_retryable_header_goes_straight_to_dead_letters() -> None:
    world = World.make(transport=scripted([489], {"Upstash-NonRetryable-Error": "true"}))
    world.endpoint("rentengine", "http://127.0.0.1:9/x", retries=5)
    world.emitter.emit("rentengine", "units.DELETE", unit_change("DELETE"))
    assert len(world.drive()) == 1
    [d] = world.deliveries()
    assert d["status"] == "dead" and d["reason"].startswith("non-retryable")
    plain = World.make(transport=scripted([489]))  # without the header: an ordinary failure
    plain.endpoint("rentengine", "http://127.0.0.1:9/x")
    plain.emitter.emit("rentengine", "units.DELETE", unit_change("DELETE"))
    plain.deliver_due()
    assert plain.deliveries()[0]["next_attempt_at"] == T0 + 12


@pytest.mark.parametrize(
    ("value", "delay"), [("30", 30), ("0", 0), ("2m", 120), ("100000", 12), ("garbage", 12)]
)
def test_retry_after_from_the_receiver_is_honoured(value: str, delay: int) -> None:
    world = World.make(transport=scripted([429], {"Retry-After": value}))
    world.endpoint("rentengine", "http://127.0.0.1:9/x")
    world.emitter.emit("rentengine", "units.INSERT", unit_change())
    world.deliver_due()
    assert world.deliveries()[0]["next_attempt_at"] == T0 + delay


def test_redirects_are_failures_and_never_followed() -> None:
    world = World.make()
    with Receiver(Reply(302, headers={"Location": "/elsewhere"})) as rx:
        world.endpoint("aptoria", rx.url("/hook"))
        world.emitter.emit("aptoria", "rent.paid", rent_paid())
        [attempt] = world.deliver_due()
    assert [r.path for r in rx.requests] == ["/hook"]
    assert attempt["status"] == 302 and attempt["error"] == "HTTP 302"
    assert attempt["outcome"] == "retry"


def test_a_slow_receiver_times_out_and_is_retried() -> None:
    world = World.make()
    world.configure(timeout_seconds=0.2)
    with Receiver(Reply(200, delay=1.0)) as rx:
        world.endpoint("aptoria", rx.url())
        world.emitter.emit("aptoria", "rent.paid", rent_paid())
        [attempt] = world.deliver_due()
    assert attempt["error"] == "timeout after 0.2 s" and attempt["status"] is None
    assert world.deliveries()[0]["next_attempt_at"] == T0 + APTORIA_OFFSETS[1]


def test_connection_refused_is_a_failure() -> None:
    world = World.make()
    world.endpoint("rentengine", f"http://127.0.0.1:{free_port()}/x")
    world.emitter.emit("rentengine", "units.INSERT", unit_change())
    [attempt] = world.deliver_due()
    assert attempt["error"].startswith("ConnectError") and attempt["outcome"] == "retry"


def test_rotated_secret_signs_alongside_the_new_one_during_the_overlap() -> None:
    world = World.make()
    with Receiver() as rx:
        ep = world.endpoint("aptoria", rx.url(), secret="whsec_old")
        world.emitter.endpoints.rotate(ep["id"], overlap=3600, new_secret="whsec_new")
        world.emitter.emit("aptoria", "rent.paid", rent_paid())
        world.deliver_due()
        world.clock.advance(3600)  # the overlap ends exactly here
        world.emitter.emit("aptoria", "rent.paid", rent_paid())
        world.deliver_due()
    first, second = (r.header("X-PMAI-Signature") or "" for r in rx.requests)
    assert first.count("v1=") == 2 and second.count("v1=") == 1
    for secret in ("whsec_old", "whsec_new"):
        verify_aptoria(rx.requests[0].body, first, secret, now=T0)
    verify_aptoria(rx.requests[1].body, second, "whsec_new", now=T0 + 3600)
    with pytest.raises(Exception, match="No signatures found matching"):
        verify_aptoria(rx.requests[1].body, second, "whsec_old", now=T0 + 3600)
