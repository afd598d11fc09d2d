"""RentEngine lists answer pre-encoded records (ResponseRows): the same bytes as before, fresh."""

from __future__ import annotations

import json
from typing import Any

import pytest
from connexion.jsonifier import Jsonifier
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_server.apis import rentengine_query
from mock_server.apis.rentengine_query import ResponseRows
from mock_server.app import FastJson
from mock_server.state.store import loads
from tests.conftest import ApiClient, make_app
from tests.test_rentengine_support import mine, records, token

API = "rentengine"
JSONIFIER = Jsonifier(FastJson)  # what create_app hands Connexion


def written(values: list[Any]) -> bytes:
    """The body the response jsonifier writes for these records."""
    return JSONIFIER.dumps(values).encode()


def stored(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))  # the store's own encoding


@pytest.fixture(scope="module")
def app() -> Any:
    return make_app(validate_responses=False)


@pytest.fixture()
def rentengine(app: Any) -> Any:
    with app.test_client() as client:
        yield ApiClient(client, API, token(app, "demo"))


def test_a_page_of_units_is_what_the_jsonifier_writes_for_the_records(
    app: Any, rentengine: Any
) -> None:
    units = records(app, "units", mine(app))
    for page in (0, 1):
        response = rentengine.get("/units", params={"limit": 30, "page_number": page})
        assert response.status_code == 200
        assert response.content == written(units[30 * page : 30 * (page + 1)])


def test_without_orjson_fragments_the_bytes_are_the_same(
    app: Any, rentengine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_fragments = rentengine.get("/units", params={"limit": 40}).content
    monkeypatch.setattr(rentengine_query, "Fragment", None)
    assert rentengine.get("/units", params={"limit": 40}).content == with_fragments


def test_a_record_changed_after_it_was_served_is_served_changed(app: Any, rentengine: Any) -> None:
    first = rentengine.get("/units", params={"limit": 5}).json()
    unit = app.services.store.get(API, "units", first[2]["id"])
    owner = app.services.store.owner_of(API, "units", unit["id"])
    app.services.store.put(API, "units", unit["id"], {**unit, "sqft": 4321}, owner=owner)
    again = rentengine.get("/units", params={"limit": 5}).json()
    assert again[2]["sqft"] == 4321
    assert again[:2] + again[3:] == first[:2] + first[3:]


def test_a_record_orjson_cannot_write_sends_the_page_the_json_way(
    app: Any, rentengine: Any
) -> None:
    first = rentengine.get("/units", params={"limit": 3}).json()
    unit = app.services.store.get(API, "units", first[1]["id"])
    owner = app.services.store.owner_of(API, "units", unit["id"])
    app.services.store.put(API, "units", unit["id"], {**unit, "sqft": 2**70}, owner=owner)
    response = rentengine.get("/units", params={"limit": 3})
    units = records(app, "units", mine(app))[:3]
    assert units[1]["sqft"] == 2**70
    assert response.content == written(units)  # json.dumps' text, integer intact
    assert b'"sqft": 1180591620717411303424' in response.content


def test_the_memo_is_bounded_and_never_serves_a_stale_encoding() -> None:
    rows = ResponseRows(size=3)
    for round_ in range(3):
        batch = [(str(i), stored({"id": i, "round": round_})) for i in range(5)]
        assert written(rows(batch)) == written([loads(text) for _, text in batch])
        assert len(rows._memo) <= 3


# What orjson and json write differently is in here: integers wider than 64 bits, NaN, lone
# surrogates, non-ASCII text, exponents.
strings = st.text() | st.text(
    st.characters(exclude_categories=()) | st.sampled_from("\ud800\udfff")
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=False)
    | strings,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(strings, json_values, max_size=5), max_size=6))
def test_fragments_write_the_bytes_the_records_would(values: list[dict[str, Any]]) -> None:
    batch = [(str(i), stored(v)) for i, v in enumerate(values)]
    assert written(ResponseRows()(batch)) == written([loads(text) for _, text in batch])
