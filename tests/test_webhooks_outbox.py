"""The outbox: atomic fan-out, filters, fault knobs, replay, dead letters, ticks, workers."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest

from mock_server.webhooks.deliverer import Deliverer
from tests.webhook_receiver import Receiver, Reply
from tests.webhook_world import T0, World, rent_paid, unit_change


def test_emission_is_atomic_with_the_handlers_transaction() -> None:
    world = World.make()
    world.endpoint("aptoria", "http://127.0.0.1:9/x")
    with pytest.raises(RuntimeError), world.store.transaction():
        world.emitter.emit("aptoria", "rent.paid", rent_paid())
        raise RuntimeError("the handler failed after emitting")
    assert world.deliveries() == [] and world.emitter.events() == []
    with world.store.transaction():
        world.emitter.emit("aptoria", "rent.paid", rent_paid())
    assert len(world.deliveries()) == 1 and len(world.emitter.events()) == 1


def test_endpoint_filters_choose_who_gets_what() -> None:
    world = World.make()
    everything = world.endpoint("aptoria", "http://127.0.0.1:9/a")
    only_late = world.endpoint("aptoria", "http://127.0.0.1:9/b", events=["rent.late"])
    other_org = world.endpoint(
        "aptoria", "http://127.0.0.1:9/c", organization_id="org_01HM9S346Q3D25VT4F5V37E3S4"
    )
    units_deletes = world.endpoint(
        "rentengine", "http://127.0.0.1:9/d", tables=["units"], types=["DELETE"]
    )
    all_tables = world.endpoint("rentengine", "http://127.0.0.1:9/e")
    world.emitter.emit("aptoria", "rent.paid", rent_paid())
    world.emitter.emit("rentengine", "units.INSERT", unit_change("INSERT"))
    world.emitter.emit("rentengine", "units.DELETE", unit_change("DELETE"))
    got = {(d["endpoint_id"], d["event"]) for d in world.deliveries()}
    assert got == {
        (everything["id"], "rent.paid"),
        (units_deletes["id"], "units.DELETE"),
        (all_tables["id"], "units.INSERT"),
        (all_tables["id"], "units.DELETE"),
    }
    assert only_late["id"] not in {e for e, _ in got} and other_org["id"] not in {e for e, _ in got}
    # Aptoria shares the event id across endpoints; QStash makes a message per destination.
    ids = {d["endpoint_id"]: d["message_id"] for d in world.deliveries()}
    assert ids[everything["id"]].startswith("evt_")
    assert len({d["message_id"] for d in world.deliveries() if d["api"] == "rentengine"}) == 3


def test_duplicate_knob_sends_copies_with_the_same_message_id() -> None:
    world = World.make()
    with Receiver() as rx:
        world.endpoint("rentengine", rx.url(), faults={"duplicate": 2})
        world.emitter.emit("rentengine", "units.INSERT", unit_change())
        world.drive()
    ids = [r.header("Upstash-Message-Id") for r in rx.requests]
    assert len(ids) == 3 and len(set(ids)) == 1
    assert len({r.header("Upstash-Signature") for r in rx.requests}) == 3  # jti differs


@pytest.mark.parametrize("reorder", [False, True])
def test_reorder_knob_sends_a_due_batch_newest_first(reorder: bool) -> None:
    world = World.make()
    with Receiver() as rx:
        world.endpoint("rentengine", rx.url(), faults={"reorder": reorder, "delay_seconds": 5})
        for unit_id in (1, 2, 3):
            world.emitter.emit("rentengine", "units.INSERT", unit_change(unit_id=unit_id))
            world.clock.advance(1)
        assert world.deliver_due() == []  # held by the delay
        world.clock.advance(10)
        world.deliver_due()
    import json

    order = [json.loads(r.body)["record"]["id"] for r in rx.requests]
    assert order == ([3, 2, 1] if reorder else [1, 2, 3])


def test_delay_knob_holds_the_first_attempt_on_the_clock() -> None:
    world = World.make()
    with Receiver() as rx:
        world.endpoint("aptoria", rx.url(), faults={"delay_seconds": 90})
        world.emitter.emit("aptoria", "rent.paid", rent_paid())
        world.clock.advance(89.999)
        assert world.deliver_due() == []
        world.clock.advance(0.001)
        [attempt] = world.deliver_due()
    assert attempt["at"] == T0 + 90 and attempt["error"] is None and len(rx.requests) == 1


def test_replay_keeps_the_message_id_and_signs_afresh() -> None:
    world = World.make()
    with Receiver() as rx:
        world.endpoint("rentengine", rx.url())
        world.emitter.emit("rentengine", "units.UPDATE", unit_change("UPDATE"))
        world.deliver_due()
        [original] = world.deliveries()
        ep = world.emitter.endpoints.get(original["endpoint_id"])
        world.clock.advance(3600)
        [copy_id] = world.emitter.enqueue(
            ep,
            original["event_seq"],
            original["event"],
            original["body"],
            message_id=original["message_id"],
            replay_of=original["id"],
            faults=False,
        )
        world.deliver_due()
    first, again = rx.requests
    assert first.header("Upstash-Message-Id") == again.header("Upstash-Message-Id")
    assert first.header("Upstash-Signature") != again.header("Upstash-Signature")
    assert again.header("Upstash-Retried") == "0" and first.body == again.body
    replay = world.emitter.outbox.get(copy_id)
    assert replay["replay_of"] == original["id"] and replay["status"] == "delivered"


def test_dead_letters_redrive_with_a_fresh_retry_budget() -> None:
    world = World.make()
    with Receiver(Reply(500)) as rx:
        world.endpoint("rentengine", rx.url(), retries=1)
        world.emitter.emit("rentengine", "units.INSERT", unit_change())
        world.drive()
        [dead] = world.deliveries(status="dead")
        rx.default = Reply(200)
        world.clock.advance(86400 * 3)
        world.emitter.outbox.set_status(
            dead["id"], "pending", world.clock.time(), due=world.clock.time(), reset_retries=True
        )
        world.drive()
    assert [r.header("Upstash-Retried") for r in rx.requests] == ["0", "1", "0"]
    assert {r.header("Upstash-Message-Id") for r in rx.requests} == {dead["message_id"]}
    assert world.emitter.outbox.get(dead["id"])["status"] == "delivered"


def test_disabled_endpoint_holds_its_pending_deliveries_until_enabled() -> None:
    world = World.make()
    with Receiver() as rx:
        ep = world.endpoint("aptoria", rx.url())
        world.emitter.emit("aptoria", "rent.paid", rent_paid(amount=1))
        world.emitter.endpoints.set_enabled(ep["id"], False)
        world.emitter.emit("aptoria", "rent.paid", rent_paid(amount=2))  # not queued
        assert world.deliver_due() == [] and len(world.deliveries()) == 1
        world.emitter.endpoints.set_enabled(ep["id"], True)
        world.deliver_due()
    assert len(rx.requests) == 1 and world.deliveries()[0]["status"] == "delivered"


def test_deleting_an_endpoint_cancels_its_pending_deliveries() -> None:
    world = World.make()
    ep = world.endpoint("aptoria", "http://127.0.0.1:9/x")
    world.emitter.emit("aptoria", "rent.paid", rent_paid())
    assert world.emitter.outbox.cancel_endpoint(ep["id"], T0) == 1
    world.emitter.endpoints.delete(ep["id"])
    assert world.deliver_due() == [] and world.deliveries()[0]["status"] == "cancelled"


def test_registered_ticks_run_before_each_pass_and_may_emit() -> None:
    world = World.make()
    seen: list[object] = []

    def rent_late_scan(services: object) -> None:
        seen.append(services)
        if len(seen) == 2:  # the clock passed a due date: emit once
            world.emitter.emit("aptoria", "rent.paid", rent_paid())

    world.emitter.register_tick(rent_late_scan)
    world.deliverer.services = "the services"
    with Receiver() as rx:
        world.endpoint("aptoria", rx.url())
        world.deliver_due()
        [attempt] = world.deliver_due()  # emitted by the tick, delivered in the same pass
    assert seen == ["the services", "the services"] and attempt["error"] is None
    assert len(rx.requests) == 1


def test_several_workers_on_one_state_file_deliver_each_message_once(tmp_path: object) -> None:
    path = str(tmp_path) + "/state.sqlite"  # type: ignore[operator]
    first = World.make(path)
    with Receiver() as rx:
        first.endpoint("rentengine", rx.url())
        for unit_id in range(1, 31):
            first.emitter.emit("rentengine", "units.INSERT", unit_change(unit_id=unit_id))
        workers = [first.deliverer, *(Deliverer(World.make(path).emitter) for _ in range(3))]
        barrier = threading.Barrier(len(workers))

        def work(deliverer: Deliverer) -> None:
            barrier.wait()
            for _ in range(5):
                asyncio.run(deliverer.deliver_due())

        threads = [threading.Thread(target=work, args=(w,)) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    ids = [r.header("Upstash-Message-Id") for r in rx.requests]
    assert len(ids) == 30 and len(set(ids)) == 30
    assert all(d["attempts"] == 1 and d["status"] == "delivered" for d in first.deliveries())


def test_background_loop_delivers_by_itself_and_can_be_paused() -> None:
    world = World.make()

    async def run_loop_until(condition: Callable[[], object], seconds: float) -> bool:
        stop = asyncio.Event()
        task = asyncio.create_task(world.deliverer.run(stop, interval=0.01))
        deadline = asyncio.get_running_loop().time() + seconds
        while not condition() and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.01)
        stop.set()
        await task
        return bool(condition())

    with Receiver() as rx:
        world.endpoint("aptoria", rx.url())
        world.configure(paused=True)
        world.emitter.emit("aptoria", "rent.paid", rent_paid())
        assert not asyncio.run(run_loop_until(lambda: rx.requests, 0.2))
        world.configure(paused=False)
        assert asyncio.run(run_loop_until(lambda: rx.requests, 5.0))
    assert world.deliveries()[0]["status"] == "delivered"
