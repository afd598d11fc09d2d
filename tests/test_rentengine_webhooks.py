"""RentEngine webhook payloads: every table and change type validates against x-webhooks."""

# The REST operations only insert and update; DELETE payloads come from the same builder
# (RentEngineBase.changed), so they are checked here directly.

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pytest
from faker import Faker

from mock_server.apis.rentengine import RentEngineHandlers
from mock_server.apis.rentengine_common import UNIT_ROW_FIELDS, unit_row
from mock_server.app import build_services
from mock_server.settings import Settings
from mock_server.state.ids import IdFactory
from mock_server.state.seed import SeedContext
from mock_server.state.seed_rentengine import seed
from tests.test_rentengine_support import check_payload, events, last_seq, spec

TABLES = ("units", "prospects", "leasing_events", "lockbox_events", "lockboxes")


@pytest.fixture(scope="module")
def app() -> Any:
    """No HTTP here: services with the emitter's spec validation on, and a RentEngine seed."""
    settings = Settings(validate_responses=True)
    services = build_services(settings)
    profile = settings.profile()
    fake = Faker("en_US")
    fake.seed_instance(1000)
    epoch = datetime.fromisoformat(profile["epoch"])
    ctx = SeedContext(
        services,
        "rentengine",
        IdFactory(services.store, 1, "rentengine"),
        fake,
        profile["rentengine"],
        epoch,
    )
    with services.store.transaction():
        seed(ctx)
    return SimpleNamespace(services=services)


@pytest.mark.parametrize("kind", ["INSERT", "UPDATE", "DELETE"])
@pytest.mark.parametrize("table", TABLES)
def test_change_events_match_their_x_webhooks_schema(app: Any, table: str, kind: str) -> None:
    handlers = RentEngineHandlers(app.services)
    old, new = app.services.store.list("rentengine", table, limit=2)
    record = None if kind == "DELETE" else new
    before = None if kind == "INSERT" else old
    seq = last_seq(app)
    handlers.changed(table, kind, record, before)
    [event] = events(app, seq)
    assert event["name"] == f"{table}.{kind}"
    payload = event["payload"]
    assert set(payload) == {"type", "table", "schema", "record", "old_record"}
    assert (payload["type"], payload["table"], payload["schema"]) == (kind, table, "public")
    assert (payload["record"] is None) == (kind == "DELETE")
    assert (payload["old_record"] is None) == (kind == "INSERT")
    check_payload(event["name"], payload)
    if table != "units":
        assert payload["record"] in (None, new) and payload["old_record"] in (None, old)


def test_unit_rows_are_the_documented_columns_with_string_numbers(app: Any) -> None:
    documented = set(spec()["components"]["schemas"]["UnitRecord"]["properties"])
    assert set(UNIT_ROW_FIELDS) == documented
    for unit in app.services.store.list("rentengine", "units"):
        row = unit_row(unit)
        assert row is not None and set(row) <= documented
        assert row["address"] == unit["address"]["id"]
        for field in ("bedrooms", "bathrooms", "sqft", "num_parking_spots", "target_rental_rate"):
            value = unit[field]
            assert row[field] == (None if value is None else str(value).removesuffix(".0")), field
        check_payload("units.UPDATE", {"type": "UPDATE", "table": "units", "schema": "public",
                                       "record": row, "old_record": row})  # fmt: skip


def test_a_malformed_change_fails_loudly_at_the_handler(app: Any) -> None:
    """With validation on (tests), the emitter refuses a payload that breaks the schema."""
    handlers = RentEngineHandlers(app.services)
    with pytest.raises(ValueError):
        handlers.changed("lockboxes", "INSERT", {"id": "not-a-uuid"}, None)
