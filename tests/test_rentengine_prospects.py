"""RentEngine prospects, their calls and messages, and leasing events."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import make_app
from tests.test_rentengine_support import (
    check_payload,
    events,
    last_seq,
    mine,
    records,
    succeeded,
    theirs,
    users,
)

OPERATIONS = {
    "list_prospects",
    "get_prospect",
    "list_calls",
    "list_messages",
    "list_leasing_events",
    "create_leasing_events",
    "get_leasing_event",
}


@pytest.fixture(scope="module")
def app() -> Any:
    return make_app(journal_size=100_000)


def ids(response: Any) -> list[Any]:
    assert response.status_code == 200, response.text
    body = response.json()
    return [r["id"] for r in (body["data"] if isinstance(body, dict) else body)]


def test_prospects_and_created_bounds(app: Any, rentengine: Any) -> None:
    people = records(app, "prospects", owners=mine(app))
    assert ids(rentengine.get("/prospects?limit=100")) == [p["id"] for p in people]
    stamp = people[len(people) // 2]["created_at"]
    after = ids(rentengine.get("/prospects", params={"limit": 100, "created_after": stamp}))
    assert after == [p["id"] for p in people if p["created_at"] >= stamp]  # inclusive
    before = ids(rentengine.get("/prospects", params={"limit": 100, "created_before": stamp}))
    assert before == [p["id"] for p in people if p["created_at"] < stamp]  # exclusive
    assert rentengine.get(f"/prospects/{people[0]['id']}").json() == people[0]
    hidden = records(app, "prospects", owners=[theirs(app)])[0]["id"]
    response = rentengine.get(f"/prospects/{hidden}")
    assert (response.status_code, response.json()) == (
        404,
        {"error": f"Prospect {hidden} not found"},
    )


@pytest.mark.parametrize("kind", ["calls", "messages"])
def test_conversations(app: Any, rentengine: Any, kind: str) -> None:
    rows = records(app, kind, owners=mine(app))
    probe = rows[0]
    prospect = app.services.store.get("rentengine", "prospects", probe["prospect_id"])
    accounts = ",".join(mine(app))
    by_id = rentengine.get(f"/{kind}?account_ids={accounts}&prospect_id={prospect['id']}")
    expected = [r["id"] for r in rows if r["prospect_id"] == prospect["id"]]
    assert ids(by_id) == expected
    assert by_id.json()["page"] == {
        "limit": 50,
        "page_number": 0,
        "has_more": False,
        "next_page_number": None,
    }
    by_phone = rentengine.get(f"/{kind}?account_ids={accounts}&phone={prospect['phone']}")
    phones = {
        p["id"]
        for p in records(app, "prospects", owners=mine(app))
        if p["phone"] == prospect["phone"]
    }
    assert ids(by_phone) == [r["id"] for r in rows if r["prospect_id"] in phones]
    # Paging inside the envelope, and an account the token can't see narrows to nothing.
    people = {r["prospect_id"] for r in rows}
    busiest = max(people, key=lambda p: sum(r["prospect_id"] == p for r in rows))
    theirs_too = f"{accounts},{theirs(app)}"
    first = rentengine.get(f"/{kind}?account_ids={theirs_too}&prospect_id={busiest}&limit=1").json()
    assert first["page"]["has_more"] is True and first["page"]["next_page_number"] == 1
    assert ids(rentengine.get(f"/{kind}?account_ids={theirs(app)}&prospect_id={busiest}")) == []
    response = rentengine.get(f"/{kind}?account_ids={accounts}")
    assert response.status_code == 400
    assert response.json()["error"] == "Invalid query parameters"
    assert response.json()["details"][0]["keyword"] == "anyOf"


def test_leasing_events_newest_first_with_filters(app: Any, rentengine: Any) -> None:
    evs = list(reversed(records(app, "leasing_events", owners=mine(app))))
    assert ids(rentengine.get("/leasing_events?limit=100")) == [e["id"] for e in evs]
    probe = evs[len(evs) // 2]
    cases = {
        f"prospect_ids={probe['prospect']}": lambda e: e["prospect"] == probe["prospect"],
        f"event_types={probe['event_type']},Lease Signed": lambda e: (
            e["event_type"] in (probe["event_type"], "Lease Signed")
        ),
        f"created_after={probe['created_at']}": lambda e: e["created_at"] >= probe["created_at"],
        f"created_before={probe['created_at']}": lambda e: e["created_at"] < probe["created_at"],
    }
    for query, keep in cases.items():
        expected = [e["id"] for e in evs if keep(e)]
        assert expected, query
        assert ids(rentengine.get(f"/leasing_events?limit=100&{query}")) == expected, query
    assert rentengine.get(f"/leasing_events/{probe['id']}").json() == probe


def test_assign_to_user(app: Any, rentengine: Any) -> None:
    prospect = records(app, "prospects", owners=[mine(app)[0]])[0]
    demo = users(app)["demo"]["id"]
    seq = last_seq(app)
    item = {
        "prospect_id": prospect["id"],
        "event_type": "Assign to User",
        "source": "Phone Call",
        "notes": "Assigning",
        "context": {"assignedToUserIds": [demo], "applyActionInBulk": False},
    }
    response = rentengine.post("/leasing_events", json={"events": [item]})
    assert response.status_code == 201, response.text
    event = response.json()
    assert (event["prospect"], event["created_by"], event["context"]) == (
        prospect["id"],
        demo,
        item["context"],
    )
    assert rentengine.get(f"/leasing_events/{event['id']}").json() == event
    assert ids(rentengine.get(f"/leasing_events?limit=1&prospect_ids={prospect['id']}")) == [
        event["id"]
    ]
    [emitted] = events(app, seq)
    assert emitted["name"] == "leasing_events.INSERT" and emitted["payload"]["record"] == event
    check_payload(emitted["name"], emitted["payload"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"prospect_id": 999999}, "Prospect 999999 not found"),
        ({"prospect_id": "hidden"}, "Prospect {hidden} not found"),
        ({"context": {"assignedToUserIds": ["other"]}}, "User {other} not found"),
        (
            {"context": {"assignedToUserIds": ["00000000-0000-4000-8000-000000000000"]}},
            "User 00000000-0000-4000-8000-000000000000 not found",
        ),
    ],
)
def test_leasing_event_404s(
    app: Any, rentengine: Any, change: dict[str, Any], message: str
) -> None:
    names = {
        "hidden": records(app, "prospects", owners=[theirs(app)])[0]["id"],
        "other": users(app)["demo-other-user"]["id"],
    }
    item = {
        "prospect_id": records(app, "prospects", owners=mine(app))[0]["id"],
        "event_type": "Assign to User",
    }
    for key, value in change.items():
        if key == "context":
            value = {"assignedToUserIds": [names.get(v, v) for v in value["assignedToUserIds"]]}
        item[key] = names.get(value, value) if isinstance(value, str) else value
    response = rentengine.post("/leasing_events", json={"events": [item]})
    assert (response.status_code, response.json()) == (404, {"error": message.format(**names)})


def test_only_one_event_per_call_and_only_assign_to_user(app: Any, rentengine: Any) -> None:
    item = {
        "prospect_id": records(app, "prospects", owners=mine(app))[0]["id"],
        "event_type": "Assign to User",
    }
    assert rentengine.post("/leasing_events", json={"events": [item, item]}).status_code == 400
    assert (
        rentengine.post(
            "/leasing_events", json={"events": [{**item, "event_type": "New"}]}
        ).status_code
        == 400
    )


def test_operations_called(app: Any) -> None:
    assert OPERATIONS <= succeeded(app)
