"""Retention: the event log and finished outbox keep their newest rows; pending is never pruned."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from mock_server.app import build_services, create_app
from mock_server.settings import Settings
from mock_server.webhooks.retention import FINISHED, Retention
from tests.webhook_receiver import Receiver
from tests.webhook_world import World

W = "/_propmock/webhooks"
# Each RentEngine table goes to one endpoint (see `world`): units are delivered, prospects
# fail (dead at once: no retries), lockboxes are held pending (a delay never reached), and
# leasing_events match no endpoint (the event is still logged).
TABLE_OF = {"ok": "units", "fail": "prospects", "held": "lockboxes", "none": "leasing_events"}


def change(table: str, n: int = 1) -> dict[str, Any]:
    row = {"id": n, "note": "x"}
    return {"type": "UPDATE", "table": table, "schema": "public", "record": row, "old_record": row}


def reply(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200 if request.url.path == "/ok" else 500)


def world(retention: Retention) -> World:
    w = World.make(transport=httpx.MockTransport(reply), validate=False)
    w.emitter.retention = retention
    w.configure(qstash_retries=0)
    w.endpoint("rentengine", "http://hooks.test/ok", tables=["units"])
    w.endpoint("rentengine", "http://hooks.test/fail", tables=["prospects"])
    w.endpoint(
        "rentengine",
        "http://hooks.test/held",
        tables=["lockboxes"],
        faults={"delay_seconds": 10**9},
    )
    return w


def emit(w: World, kind: str, n: int = 1) -> int:
    table = TABLE_OF[kind]
    return w.emitter.emit("rentengine", f"{table}.UPDATE", change(table, n))


def deliver_all(w: World) -> None:
    """Every due delivery (a pass claims at most 200); the held ones are never due."""
    while w.deliver_due():
        pass


def event_seqs(w: World) -> list[int]:
    return [r[0] for r in w.store.execute("SELECT seq FROM events ORDER BY seq")]


def deliveries(w: World) -> dict[str, tuple[int, str, int | None]]:
    rows = w.store.execute("SELECT id, seq, status, event_seq FROM webhook_deliveries")
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def attempts(w: World) -> dict[int, str]:
    return {r[0]: r[1] for r in w.store.execute("SELECT id, delivery_id FROM webhook_attempts")}


def by_status(w: World, *statuses: str) -> list[int]:
    return sorted(seq for seq, status, _ in deliveries(w).values() if status in statuses)


# -- the event log ----------------------------------------------------------------------


def test_events_without_endpoints_are_logged_and_trimmed_to_the_newest_every_k() -> None:
    w = world(Retention(events=50, finished=50, dead=50, every=10))
    for n in range(500):
        emit(w, "none", n)
    assert deliveries(w) == {}
    assert event_seqs(w) == list(range(451, 501))  # pruned at seq 500: exactly the newest 50
    for n in range(9):
        emit(w, "none", n)
    assert event_seqs(w) == list(range(451, 510))  # the next prune is at seq 510
    emit(w, "none")
    assert event_seqs(w) == list(range(461, 511))
    listed = w.emitter.events(limit=100)
    assert [e["seq"] for e in listed] == list(range(461, 511))
    assert [e["seq"] for e in w.emitter.events(limit=3)] == [508, 509, 510]


def test_every_zero_prunes_only_when_asked() -> None:
    w = world(Retention(events=5, every=0))
    for n in range(30):
        emit(w, "none", n)
    assert len(event_seqs(w)) == 30
    assert w.emitter.prune() == {"events": 25, "finished": 0, "dead": 0}
    assert event_seqs(w) == [26, 27, 28, 29, 30]
    assert w.emitter.prune() == {"events": 0, "finished": 0, "dead": 0}


def test_retention_refuses_negative_bounds() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        Retention(events=-1)


# -- the outbox -------------------------------------------------------------------------


def test_pending_and_dead_deliveries_keep_their_events_and_finished_ones_are_trimmed() -> None:
    w = world(Retention(events=50, finished=50, dead=50, every=0))
    held_seq = emit(w, "held")
    dead_seq = emit(w, "fail")
    deliver_all(w)
    for n in range(300):
        emit(w, "ok", n)
    deliver_all(w)
    assert len(by_status(w, "delivered")) == 300 and len(attempts(w)) == 301
    assert w.emitter.prune() == {"events": 250, "finished": 250, "dead": 0}
    assert event_seqs(w) == [held_seq, dead_seq, *range(253, 303)]
    assert by_status(w, "pending") == [1] and by_status(w, "dead") == [2]
    assert by_status(w, "delivered") == list(range(253, 303))  # the newest 50, by seq
    kept = deliveries(w)
    assert sorted(attempts(w).values()) == sorted(
        d for d, (_, status, _) in kept.items() if status != "pending"
    )
    [held] = w.deliveries(status="pending")
    assert held["event_seq"] == held_seq and held["attempts"] == 0

    # 80 more dead letters: the newest 50 stay (and pin their events); the 31 older go,
    # the first one among them, and so does its event.
    for n in range(80):
        emit(w, "fail", n)
    deliver_all(w)
    assert w.emitter.prune() == {"events": 81, "finished": 0, "dead": 31}
    assert by_status(w, "dead") == list(range(333, 383))
    assert event_seqs(w) == [held_seq, *range(333, 383)]
    assert len(attempts(w)) == 100
    assert [d["id"] for d in w.deliveries(status="pending")] == [held["id"]]


def test_discarded_and_cancelled_count_as_finished() -> None:
    w = world(Retention(events=100, finished=3, dead=100, every=0))
    for n in range(4):
        emit(w, "fail", n)
        emit(w, "held", n)
    deliver_all(w)
    for d in w.deliveries(status="dead")[:3]:
        w.emitter.outbox.set_status(d["id"], "discarded", w.clock.time())
    held_ep = w.deliveries(status="pending")[0]["endpoint_id"]
    assert w.emitter.outbox.cancel_endpoint(held_ep, w.clock.time()) == 4
    assert w.emitter.prune() == {"events": 0, "finished": 4, "dead": 0}
    # Seqs 1..8 alternate fail (odd) and held (even): 1, 3, 5 discarded, 7 dead, the even ones
    # cancelled. The newest three finished ones are 5, 6 and 8; the dead letter is apart.
    statuses = {seq: status for seq, status, _ in deliveries(w).values()}
    assert statuses == {5: "discarded", 6: "cancelled", 7: "dead", 8: "cancelled"}
    with_attempts = {deliveries(w)[d][0] for d in attempts(w).values()}
    assert with_attempts == {5, 7} and len(attempts(w)) == 2


def test_a_file_store_keeps_pending_deliveries_across_pruning_and_reopening(tmp_path: Path) -> None:
    path = str(tmp_path / "state.db")
    w = World.make(path, transport=httpx.MockTransport(reply), validate=False)
    w.emitter.retention = Retention(events=5, finished=5, dead=5, every=5)
    w.configure(qstash_retries=0)
    w.endpoint("rentengine", "http://hooks.test/ok", tables=["units"])
    w.endpoint(
        "rentengine",
        "http://hooks.test/held",
        tables=["lockboxes"],
        faults={"delay_seconds": 10**9},
    )
    emit(w, "held")
    for n in range(49):
        emit(w, "ok", n)
        deliver_all(w)
    w.store.close()
    again = World.make(path, validate=False)
    assert [d["event_seq"] for d in again.deliveries(status="pending")] == [1]
    assert by_status(again, "delivered") == list(range(45, 51))
    assert event_seqs(again) == [1, *range(46, 51)]


# -- the control API --------------------------------------------------------------------


@pytest.fixture
def client() -> Iterator[TestClient]:
    settings = Settings(validate_responses=True)
    services = build_services(settings)
    services.store.set_meta("seeded", "{}")  # no vendor data needed
    services.emitter.retention = Retention(events=50, finished=50, dead=50, every=10)
    client = TestClient(create_app(settings, services))  # no lifespan: the test delivers
    assert client.post("/_propmock/clock/freeze", json={"at": "2026-05-28T20:26:40Z"}).is_success
    yield client


def test_control_api_lists_the_newest_after_pruning(client: TestClient) -> None:
    with Receiver() as rx:
        made = client.post(
            f"{W}/endpoints",
            json={"api": "rentengine", "url": rx.url("/hook"), "tables": ["units"]},
        )
        assert made.status_code == 201
        fired = []
        for n in range(120):
            r = client.post(
                f"{W}/trigger",
                json={
                    "api": "rentengine",
                    "event": "units.UPDATE",
                    "overrides": {"record": {"id": 1000 + n}},
                },
            )
            assert r.status_code == 201, r.text
            fired.append(r.json())
            assert client.post(f"{W}/deliver-due").status_code == 200
    assert len(rx.requests) == 120
    events = client.get(f"{W}/events", params={"limit": 10000}).json()
    assert [e["seq"] for e in events] == list(range(71, 121))  # pruned at seq 120
    assert events[-1]["payload"]["record"]["id"] == 1119
    listed = client.get(f"{W}/deliveries", params={"limit": 10000, "include_attempts": True})
    newest = [f["deliveries"][0] for f in fired]
    # The prune at seq 120 ran before the 120th delivery was made and delivered: 50 + 1 kept.
    assert [d["id"] for d in listed.json()] == newest[69:]
    assert all(d["status"] == "delivered" and len(d["attempts"]) == 1 for d in listed.json())
    assert client.get(f"{W}/deliveries/{newest[0]}").status_code == 404
    assert client.get(f"{W}/deliveries/{newest[-1]}").json()["attempt_count"] == 1


# -- the invariant ----------------------------------------------------------------------

OPS = ("ok", "fail", "held", "none", "deliver", "discard", "cancel", "redrive", "prune")


def checked_prune(w: World, real: Callable[[], dict[str, int]]) -> Callable[[], dict[str, int]]:
    """Wrap `emitter.prune` (automatic and explicit) with an exact model of what it keeps."""

    def prune() -> dict[str, int]:
        r = w.emitter.retention
        before, events_before, attempts_before = deliveries(w), event_seqs(w), attempts(w)
        got = real()
        after = deliveries(w)

        def newest(statuses: tuple[str, ...], keep: int) -> set[str]:
            rows = sorted((v[0], k) for k, v in before.items() if v[1] in statuses)
            return {k for _, k in rows[max(0, len(rows) - keep) :]} if keep else set()

        pending = {k for k, v in before.items() if v[1] == "pending"}
        kept = pending | newest(FINISHED, r.finished) | newest(("dead",), r.dead)
        assert set(after) == kept and all(after[k] == before[k] for k in kept)
        pinned = {before[k][2] for k in kept if before[k][1] in ("pending", "dead")}
        expected_events = set(
            events_before[max(0, len(events_before) - r.events) :] if r.events else []
        )
        expected_events |= pinned & set(events_before)
        assert set(event_seqs(w)) == expected_events
        assert len(expected_events) <= r.events + len(pinned)
        assert attempts(w) == {a: d for a, d in attempts_before.items() if d in kept}
        finished = sum(1 for v in before.values() if v[1] in FINISHED)
        dead = sum(1 for v in before.values() if v[1] == "dead")
        assert got == {
            "events": len(events_before) - len(expected_events),
            "finished": max(0, finished - r.finished),
            "dead": max(0, dead - r.dead),
        }
        return got

    return prune


@settings(max_examples=60, deadline=None)
@given(
    bounds=st.tuples(*(st.integers(0, 5) for _ in range(3)), st.integers(0, 4)),
    ops=st.lists(st.sampled_from(OPS), max_size=40),
)
def test_pruning_never_loses_a_pending_delivery(
    bounds: tuple[int, int, int, int], ops: list[str]
) -> None:
    w = world(Retention(*bounds))
    w.emitter.prune = checked_prune(w, w.emitter.prune)  # type: ignore[method-assign]
    outbox = w.emitter.outbox
    for op in ops:
        pending_before = {k for k, v in deliveries(w).items() if v[1] == "pending"}
        if op in TABLE_OF:
            emit(w, op)
        elif op == "deliver":
            deliver_all(w)
        elif op in ("discard", "redrive") and w.deliveries(status="dead"):
            oldest = w.deliveries(status="dead")[0]["id"]
            now = w.clock.time()
            if op == "discard":
                outbox.set_status(oldest, "discarded", now)
            else:
                outbox.set_status(oldest, "pending", now, due=now, reset_retries=True)
        elif op == "cancel" and w.deliveries(status="pending"):
            outbox.set_status(w.deliveries(status="pending")[0]["id"], "cancelled", w.clock.time())
        elif op == "prune":
            w.emitter.prune()
        assert pending_before <= set(deliveries(w)), "a pending delivery was pruned"
        live = {v[2] for v in deliveries(w).values() if v[1] in ("pending", "dead")}
        assert live <= set(event_seqs(w)), "a pending or dead delivery lost its event"
    w.emitter.prune()
    r = w.emitter.retention
    counts = {s: len(by_status(w, s)) for s in ("pending", "dead", *FINISHED)}
    assert sum(counts[s] for s in FINISHED) <= r.finished and counts["dead"] <= r.dead
    pinned = {v[2] for v in deliveries(w).values() if v[1] in ("pending", "dead")}
    assert len(event_seqs(w)) <= r.events + len(pinned)


def test_the_server_bounds_each_kind_at_its_webhook_history_setting():
    assert build_services(Settings()).emitter.retention == Retention(1000, 1000, 1000, every=100)
    bounded = build_services(Settings(webhook_history=25)).emitter.retention
    assert (bounded.events, bounded.finished, bounded.dead) == (25, 25, 25)
