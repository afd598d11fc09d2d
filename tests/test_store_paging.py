"""Deep pages: the records index holds the owner, so OFFSET skips rows in the index alone.

Paging semantics stay the store's: insertion order (`seq`), owner-filtered, `LIMIT n OFFSET k`.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from mock_server.apis.rentengine_query import Query
from mock_server.state.store import Store

OWNERS = ["acct-a", "acct-b", "acct-c"]


def filled(owners: list[str]) -> Store:
    store = Store()
    store.put_many("rentengine", "units", [(i, {"id": i}, owner) for i, owner in enumerate(owners)])
    return store


def plan(store: Store, owners: list[str], newest_first: bool = False) -> str:
    query = Query("rentengine", "units").owned_by(owners)
    sql = " ".join(query.sql) + (" ORDER BY seq DESC" if newest_first else " ORDER BY seq")
    rows = store.execute("EXPLAIN QUERY PLAN " + sql + " LIMIT 50 OFFSET 1000", query.params)
    return " ".join(str(r[-1]) for r in rows)


def test_owner_filtered_pages_skip_in_the_owner_index() -> None:
    store = filled([OWNERS[i % 2] for i in range(200)])
    for owners in (OWNERS[:1], OWNERS[:2]):
        for newest_first in (False, True):
            found = plan(store, owners, newest_first)
            assert "records_by_seq_owner" in found, found
            assert "TEMP B-TREE" not in found, found  # no sort: the index gives the order


def test_an_old_state_file_loses_the_index_sqlite_would_prefer(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:  # the layout before records_by_seq_owner
        db.execute(
            "CREATE TABLE records (api TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL,"
            " seq INTEGER NOT NULL, owner TEXT, data TEXT NOT NULL, PRIMARY KEY (api, kind, id))"
        )
        db.execute("CREATE INDEX records_by_seq ON records (api, kind, seq)")
    store = Store(str(path))
    names = {r[0] for r in store.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert "records_by_seq_owner" in names and "records_by_seq" not in names
    assert "records_by_seq_owner" in plan(store, OWNERS[:1])
    store.close()


@settings(max_examples=60, deadline=None)
@given(
    owners=st.lists(st.sampled_from(OWNERS), max_size=120),
    moved=st.lists(st.tuples(st.integers(0, 119), st.sampled_from(OWNERS)), max_size=10),
    visible=st.lists(st.sampled_from(OWNERS), min_size=1, max_size=3, unique=True),
    limit=st.integers(1, 30),
    newest_first=st.booleans(),
)
def test_every_page_is_the_slice_of_the_records_in_order(
    owners: list[str],
    moved: list[tuple[int, str]],
    visible: list[str],
    limit: int,
    newest_first: bool,
) -> None:
    """Pages equal slicing the owner-filtered records in seq order, also after upserts that
    move records between owners (they keep their place)."""
    store = filled(owners)
    current = list(owners)
    for index, owner in moved:
        if index < len(current):
            store.put("rentengine", "units", index, {"id": index, "moved": True}, owner=owner)
            current[index] = owner
    expected = [i for i, owner in enumerate(current) if owner in visible]
    if newest_first:
        expected.reverse()
    query = Query("rentengine", "units").owned_by(visible)
    for page in range(len(expected) // limit + 2):
        rows = query.fetch(store, limit, page * limit, newest_first)
        assert [r["id"] for r in rows] == expected[page * limit : (page + 1) * limit]
