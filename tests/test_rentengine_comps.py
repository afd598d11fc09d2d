"""RentEngine market comps: distance and zipcode search, every filter, the 200 cap, billing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import make_app
from tests.test_rentengine_support import records, succeeded, theirs, users

OPERATIONS = {"get_market_comps"}


@pytest.fixture(scope="module")
def app() -> Any:
    app = make_app(journal_size=10_000)
    app.services.clock.freeze()  # an exact Retry-After
    return app


def test_market_comps(app: Any, rentengine: Any) -> None:
    comps = records(app, "comps")
    austin = "latitude=30.2672&longitude=-97.7431"
    near = rentengine.get(f"/market-tool/comps?{austin}&radius_miles=25").json()
    assert near and all(c["address"].endswith(tuple(c["zipcode"] for c in near)) for c in near)
    assert {c["zipcode"][:3] for c in near} == {"787"}  # only Austin is within 25 miles
    zipped = rentengine.get(
        f"/market-tool/comps?{austin}&zipcodes=75201,75204&min_beds=2&max_beds=3"
    ).json()
    assert sorted(c["address"] for c in zipped) == sorted(
        c["address"] for c in comps if c["zipcode"] in ("75201", "75204") and 2 <= c["beds"] <= 3
    )
    response = rentengine.get(f"/market-tool/comps?{austin}&account_id={theirs(app)}")
    assert (response.status_code, response.json()) == (
        404,
        {"error": f"Account {theirs(app)} not found"},
    )


@pytest.mark.parametrize(
    ("query", "keep"),
    [
        ("min_baths=2&max_baths=2.5", lambda c: 2 <= c["baths"] <= 2.5),
        ("min_sqft=1200&max_sqft=1600", lambda c: 1200 <= c["sqft"] <= 1600),
        ("min_days_on_market=10&max_days_on_market=30", lambda c: 10 <= c["days_on_market"] <= 30),
        ("start_date=2025-10-01&end_date=2026-01-31",
         lambda c: c["date_rented"] is None or "2025-10-01" <= c["date_rented"] <= "2026-01-31"),
    ],
)  # fmt: skip
def test_comps_filters(app: Any, rentengine: Any, query: str, keep: Any) -> None:
    inside = [c for c in records(app, "comps") if c["zipcode"].startswith("787")]
    found = rentengine.get(
        f"/market-tool/comps?latitude=30.2672&longitude=-97.7431&radius_miles=25&{query}"
    )
    assert found.status_code == 200, found.text
    got = sorted(c["address"] for c in found.json())
    assert got == sorted(c["address"] for c in inside if keep(c)) and got, query


def test_comps_cap_200_and_daily_billing_cap(app: Any, rentengine: Any) -> None:
    comp = records(app, "comps")[0]
    lon, lat = comp["coordinates"]
    app.services.store.put_many(
        "rentengine", "comps", [(f"extra-{n}", comp, None) for n in range(250)]
    )
    assert len(rentengine.get(f"/market-tool/comps?latitude={lat}&longitude={lon}").json()) == 200
    # The 40-a-day cap is a quota: on only where rate limits are, here for one fresh token.
    cred = app.services.auth.issue("rentengine", users(app)["demo"]["id"], {}, "capped")
    app.services.limiter.set_config(
        {
            "credentials": {
                cred["token_id"]: {
                    "enabled": True,
                    "rules": [{"name": "window", "limit": 1000, "window": 60}],
                }
            }
        }
    )
    url = f"/market-tool/comps?latitude={lat}&longitude={lon}&radius_miles=0.01"
    statuses = [rentengine.get(url, token=cred["token"]).status_code for _ in range(41)]
    assert statuses == [200] * 40 + [429]
    response = rentengine.get(url, token=cred["token"])
    assert (
        response.headers["Retry-After"] == "86400" and response.headers["X-Ratelimit-Limit"] == "40"
    )
    assert rentengine.get(url).status_code == 200  # the demo token is not limited here


def test_operations_called(app: Any) -> None:
    assert OPERATIONS <= succeeded(app)
