"""The store, the clock and the id factories."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_server.state.clock import Clock
from mock_server.state.ids import IdFactory
from mock_server.state.store import Store


def test_put_get_list_keeps_insertion_order_and_replace_keeps_position():
    store = Store()
    for i in range(5):
        store.put("a", "units", i, {"id": i, "status": "Available" if i % 2 else "Leased"})
    store.put("a", "units", 2, {"id": 2, "status": "Available"})
    assert [r["id"] for r in store.list("a", "units")] == [0, 1, 2, 3, 4]
    assert [r["id"] for r in store.list("a", "units", where={"status": "Available"})] == [1, 2, 3]
    assert [r["id"] for r in store.list("a", "units", where={"id": [4, 0]})] == [0, 4]
    assert [r["id"] for r in store.list("a", "units", limit=2, offset=2)] == [2, 3]
    assert store.list("a", "units", where={"id": []}) == []
    assert store.delete("a", "units", 3) == {"id": 3, "status": "Available"}
    assert store.get("a", "units", 3) is None
    assert store.count("a", "units") == 4


def test_list_rejects_field_names_that_could_inject_sql():
    with pytest.raises(ValueError):
        Store().list("a", "units", where={"x') OR 1=1 --": 1})


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 200), min_size=0, max_size=80), st.integers(1, 30))
def test_pages_cover_every_record_once(ids, page_size):
    store = Store()
    unique = list(dict.fromkeys(ids))
    for i in unique:
        store.put("a", "k", i, {"id": i})
    seen, page = [], 0
    while True:
        rows = store.list("a", "k", limit=page_size, offset=page * page_size)
        seen += [r["id"] for r in rows]
        if len(rows) < page_size:
            break
        page += 1
    assert seen == unique


def test_transaction_rolls_back_on_error():
    store = Store()
    with pytest.raises(RuntimeError), store.transaction():
        store.put("a", "k", 1, {"id": 1})
        raise RuntimeError("boom")
    assert store.get("a", "k", 1) is None


def test_snapshot_restore_round_trip():
    store = Store()
    store.put("a", "k", 1, {"id": 1})
    store.set_meta("x", "y")
    snap = store.snapshot()
    other = Store()
    other.restore(snap)
    assert other.get("a", "k", 1) == {"id": 1} and other.get_meta("x") == "y"
    with pytest.raises(ValueError):
        other.restore({"not_a_table": []})


def test_clock_freeze_advance_unfreeze():
    store = Store()
    wall = [1000.0]
    clock = Clock(store, wall=lambda: wall[0])
    assert clock.time() == 1000.0
    clock.freeze()
    wall[0] = 2000.0
    assert clock.time() == 1000.0
    clock.advance(90)
    assert clock.time() == 1090.0
    clock.unfreeze()
    assert clock.time() == 1090.0
    wall[0] = 2010.0
    assert clock.time() == 1100.0
    clock.advance(5)
    assert clock.time() == 1105.0
    assert clock.iso() == "1970-01-01T00:18:25.000Z"


def test_clock_is_shared_through_the_store_file(tmp_path):
    path = str(tmp_path / "s.sqlite")
    a, b = Store(path), Store(path)
    Clock(a).freeze(12345.0)
    assert Clock(b).time() == 12345.0


def test_ids_are_deterministic_per_seed_and_never_repeat():
    def make(seed):
        f = IdFactory(Store(), seed, "aptoria")
        return [f.ulid("p", "payments", 1_700_000_000_000) for _ in range(50)] + [f.uuid("x")]

    first, again, other = make(1), make(1), make(2)
    assert first == again
    assert first != other
    assert len(set(first)) == len(first)
    assert all(re.fullmatch(r"p_[0-9A-HJKMNP-TV-Z]{26}", i) for i in first[:-1])
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", first[-1]
    )


def test_ids_survive_a_restart_without_reuse(tmp_path):
    path = str(tmp_path / "s.sqlite")
    before = [IdFactory(Store(path), 1, "keynest").alnum("t", "tenants") for _ in range(3)]
    after = IdFactory(Store(path), 1, "keynest").alnum("t", "tenants")
    assert after not in before
