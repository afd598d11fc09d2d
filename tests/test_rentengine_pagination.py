"""RentEngine pagination walks: every unit exactly once, in order, for any count and limit."""

# As the docs say: `limit` (default 50, max 100), 0-indexed `page_number`, and a page shorter
# than `limit` ends the walk. Counts 0, 1, 49, 50, 51, 100 and 10,000, then Hypothesis.

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import make_app
from tests.test_rentengine_support import mine, records, set_units


def walk(
    rentengine: Any, limit: int | None = None, path: str = "/units"
) -> tuple[list[Any], list[int]]:
    """Page 0, 1, 2, ... until a page is shorter than the limit, as the docs say to.
    Returns the ids in order and the size of every page fetched."""
    size = limit or 50
    ids: list[Any] = []
    sizes: list[int] = []
    page = 0
    while True:
        params = {"page_number": page} | ({"limit": limit} if limit else {})
        response = rentengine.get(path, params=params)
        assert response.status_code == 200, response.text
        items = response.json()
        assert len(items) <= size
        sizes.append(len(items))
        ids += [item["id"] for item in items]
        if len(items) < size:
            return ids, sizes
        page += 1
        assert page <= 10_001, "the walk never ended"


def expected_ids(app: Any) -> list[int]:
    return [u["id"] for u in records(app, "units", owners=mine(app))]


@pytest.fixture(scope="module")
def app() -> Any:
    """Response validation off in this module only: it costs ~0.3 s per page of 100 units, and
    these pages' shape is validated by every other RentEngine test module."""
    return make_app(validate_responses=False)


@pytest.fixture(scope="module")
def counts_app(app: Any) -> Iterator[Any]:
    yield app
    set_units(app, 40)  # leave the module's app with a normal unit count


@pytest.mark.parametrize("count", [0, 1, 49, 50, 51, 100])
@pytest.mark.parametrize("limit", [None, 50, 100, 7])
def test_walk_returns_every_unit_once(
    counts_app: Any, rentengine: Any, count: int, limit: int | None
) -> None:
    set_units(counts_app, count)
    ids, sizes = walk(rentengine, limit)
    assert ids == expected_ids(counts_app)
    assert len(ids) == len(set(ids)) == count
    size = limit or 50
    # Full pages, then one short page; an exact multiple ends with an empty page.
    assert sizes == [size] * (count // size) + [count % size]
    if count and count % size == 0:
        assert sizes[-1] == 0


def test_default_limit_is_50_and_max_is_100(counts_app: Any, rentengine: Any) -> None:
    set_units(counts_app, 120)
    assert len(rentengine.get("/units").json()) == 50
    assert len(rentengine.get("/units?limit=100").json()) == 100
    assert rentengine.get("/units?limit=101").status_code == 400
    # page_number is 0-indexed: sending 1 first skips page 0 (observed).
    page0 = [u["id"] for u in rentengine.get("/units?limit=10").json()]
    page1 = [u["id"] for u in rentengine.get("/units?limit=10&page_number=1").json()]
    assert page0 == expected_ids(counts_app)[:10] and page1 == expected_ids(counts_app)[10:20]
    assert rentengine.get("/units?page_number=2147483647&limit=100").json() == []


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(count=st.integers(0, 120), limit=st.integers(1, 100))
def test_pages_concatenate_to_the_full_ordered_list(
    counts_app: Any, rentengine: Any, count: int, limit: int
) -> None:
    set_units(counts_app, count)
    ids, sizes = walk(rentengine, limit)
    assert ids == expected_ids(counts_app)
    assert len(sizes) == count // limit + 1


def test_walk_10000_units(counts_app: Any, rentengine: Any) -> None:
    set_units(counts_app, 10_000)
    every = expected_ids(counts_app)
    ids, sizes = walk(rentengine, 100)
    assert ids == every
    assert len(set(ids)) == 10_000 and sizes == [100] * 100 + [0]
    # The default limit: spot checks across the 201 pages (the full walk is the one above).
    for page in (0, 1, 137, 199):
        got = [u["id"] for u in rentengine.get(f"/units?page_number={page}").json()]
        assert got == every[page * 50 : page * 50 + 50]
    assert rentengine.get("/units?page_number=200").json() == []


@pytest.mark.parametrize(
    "path",
    ["/lockboxes", "/lockbox_events", "/prospects", "/leasing_events", "/prescreening_templates"],
)
def test_other_bare_lists_walk_the_same_way(app: Any, rentengine: Any, path: str) -> None:
    full = [r["id"] for r in rentengine.get(f"{path}?limit=100").json()]
    ids, _ = walk(rentengine, 3, path)
    assert ids == full and len(set(ids)) == len(ids)
