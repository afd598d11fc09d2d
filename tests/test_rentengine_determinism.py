"""RentEngine determinism (same seed, same bytes) and referential integrity of every list."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from faker import Faker

from mock_server.app import build_services
from mock_server.settings import Settings
from mock_server.state.ids import IdFactory
from mock_server.state.seed import SeedContext
from mock_server.state.seed_rentengine import seed as seed_rentengine
from tests.conftest import ApiClient, make_app
from tests.test_rentengine_support import mine, records, theirs, token

API = "rentengine"


def list_paths(app: Any) -> list[str]:
    """Every list operation, with the parameters the ones that need them require."""
    accounts = ",".join(mine(app))
    prospect = records(app, "prospects", mine(app))[0]["id"]
    period = "start=2026-04-01T00:00:00Z&end=2026-05-01T00:00:00Z"
    return [
        "/units?limit=100",
        "/lockboxes?limit=100",
        "/lockbox_events?limit=100",
        "/lockbox_installations?limit=100",
        "/prospects?limit=100",
        "/leasing_events?limit=100",
        "/multifamily_properties",
        "/floorplans",
        "/subteams",
        "/prescreening_templates",
        f"/calls?account_ids={accounts}&prospect_id={prospect}",
        f"/messages?account_ids={accounts}&prospect_id={prospect}",
        f"/marketing/listings/{mine(app)[0]}?limit=100",
        f"/reporting/marketing-sources?account_ids={accounts}&{period}",
        "/reporting/applications?limit=100",
        "/market-tool/comps?latitude=30.2672&longitude=-97.7431&radius_miles=25",
    ]


def responses(app: Any, label: str = "demo") -> Iterator[tuple[str, bytes]]:
    with app.test_client() as client:
        api = ApiClient(client, API, token(app, label))
        for path in list_paths(app):
            response = api.get(path)
            assert response.status_code == 200, (path, response.text)
            yield path, response.content


@pytest.fixture(scope="module")
def twin() -> Any:
    return make_app()


def test_same_seed_same_bytes_on_every_list(app: Any, twin: Any) -> None:
    first, second = dict(responses(app)), dict(responses(twin))
    assert first.keys() == second.keys()
    for path in first:
        assert first[path] == second[path], path
        assert len(first[path]) > 2, path  # not trivially equal: every list has data


def test_another_seed_gives_other_data(app: Any) -> None:
    other = make_app(seed=2)
    ours, theirs_ = dict(responses(app)), dict(responses(other))
    for path in ("/units?limit=100", "/prospects?limit=100", "/lockboxes?limit=100"):
        assert ours[path] != theirs_[path], path


# -- referential integrity ------------------------------------------------------------------------
# kind -> [(field path, referenced kind)]; `*` walks a list, numbers-as-strings are unit ids.
REFERENCES = {
    "units": [
        ("account_id", "accounts"),
        ("prescreen_template_id", "prescreening_templates"),
        ("multifamily_property_id", "multifamily_properties"),
        ("floorplan_id", "floorplans"),
    ],
    "prospects": [("unit_of_interest", "units")],
    "leasing_events": [
        ("prospect", "prospects"),
        ("created_by", "users"),
        ("context.assignedToUserIds.*", "users"),
        ("context.unitId", "units"),
    ],
    "lockboxes": [("account_id", "accounts")],
    "lockbox_events": [
        ("lockbox_id", "lockboxes"),
        ("unit_id", "units"),
        ("account_id", "accounts"),
        ("metadata.installer_id", "users"),
    ],
    "lockbox_installations": [
        ("lockbox_id", "lockboxes"),
        ("unit_id", "units"),
        ("install_event_id", "lockbox_events"),
        ("uninstall_event_id", "lockbox_events"),
        ("account_id", "accounts"),
    ],
    "multifamily_properties": [("account_id", "accounts")],
    "floorplans": [("multifamily_property_id", "multifamily_properties")],
    "subteams": [("account_id", "accounts"), ("user_ids.*", "users"), ("unit_ids.*", "units")],
    "prescreening_templates": [("accountId", "accounts")],
    "calls": [("prospect_id", "prospects"), ("account_id", "accounts")],
    "messages": [("prospect_id", "prospects"), ("account_id", "accounts")],
    "rental_application_groups": [("unit_id", "units"), ("prospect_id", "prospects")],
}
SAME_ACCOUNT = {
    "accounts",
    "units",
    "prospects",
    "lockboxes",
    "lockbox_events",
    "multifamily_properties",
    "floorplans",
    "prescreening_templates",
}


def values(record: Any, path: str) -> list[Any]:
    current = [record]
    for part in path.split("."):
        nxt = []
        for item in current:
            if part == "*" and isinstance(item, list):
                nxt += item
            elif isinstance(item, dict) and item.get(part) is not None:
                nxt.append(item[part])
        current = nxt
    return current


def owners(store: Any) -> dict[str, dict[str, str | None]]:
    """kind -> {id: owner} for every record: one query, so 10,000 units check in milliseconds."""
    index: dict[str, dict[str, str | None]] = {}
    for kind, id_, owner in store.execute(
        "SELECT kind, id, owner FROM records WHERE api=?", (API,)
    ):
        index.setdefault(kind, {})[id_] = owner
    return index


def broken_references(store: Any, kind: str, rows: list[dict[str, Any]]) -> list[str]:
    index = owners(store)
    problems = []
    for row in rows:
        owner = index.get(kind, {}).get(str(row.get("id")))
        for field, target in REFERENCES[kind]:
            for value in values(row, field):
                known = index.get(target, {})
                if str(value) not in known:
                    problems.append(f"{kind} {row.get('id')}: {field}={value!r} names no {target}")
                elif target in SAME_ACCOUNT and owner and known[str(value)] != owner:
                    problems.append(
                        f"{kind} {row.get('id')}: {field}={value!r} is in another account"
                    )
    return problems


@pytest.mark.parametrize("label", ["demo", "demo-other-user"])
def test_every_list_resolves_its_references(app: Any, label: str) -> None:
    kinds = {
        "/units": "units",
        "/prospects": "prospects",
        "/leasing_events": "leasing_events",
        "/lockboxes": "lockboxes",
        "/lockbox_events": "lockbox_events",
        "/lockbox_installations": "lockbox_installations",
        "/multifamily_properties": "multifamily_properties",
        "/floorplans": "floorplans",
        "/subteams": "subteams",
        "/prescreening_templates": "prescreening_templates",
    }
    accounts = mine(app) if label == "demo" else [theirs(app)]
    with app.test_client() as client:
        api = ApiClient(client, API, token(app, label))
        for path, kind in kinds.items():
            rows = api.get(f"{path}?limit=100").json()
            assert broken_references(app.services.store, kind, rows) == [], path
        for kind in ("calls", "messages"):
            rows = api.get(f"/{kind}?account_ids={','.join(accounts)}&phone=0000000000").json()[
                "data"
            ]
            assert broken_references(app.services.store, kind, rows) == []
    for kind in REFERENCES:  # and every stored record, listed or not
        assert broken_references(app.services.store, kind, records(app, kind)) == [], kind


def test_large_profile_seeds_fast_and_consistent() -> None:
    """The large profile's RentEngine part (10,000 units) alone, into a fresh store."""
    settings = Settings(size="large")
    services = build_services(settings)
    profile = settings.profile()
    fake = Faker(profile.get("locale", "en_US"))
    fake.seed_instance(1000)
    ctx = SeedContext(
        services,
        API,
        IdFactory(services.store, 1, API),
        fake,
        profile[API],
        datetime.fromisoformat(profile["epoch"]),
    )
    started = time.perf_counter()
    with services.store.transaction():
        creds = seed_rentengine(ctx)
    elapsed = time.perf_counter() - started
    print(f"large RentEngine seed: {elapsed:.2f} s")
    assert elapsed < 20, elapsed  # about 1-2 s here; a loose bound for a busy CI machine
    assert [c["label"] for c in creds] == ["demo", "demo-other-user"]
    store = services.store
    assert store.count(API, "units") == profile[API]["units"] == 10_000
    for kind in REFERENCES:
        assert broken_references(store, kind, store.list(API, kind)) == [], kind
