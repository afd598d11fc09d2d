"""The control API: APIs and credentials, reset, journal, clock, snapshots, rate limits, access."""

from __future__ import annotations

import logging

import pytest
from starlette.testclient import TestClient

from tests.conftest import make_app

ADMIN = "/_propmock"


def test_list_apis_gives_base_urls_docs_and_demo_credentials(client):
    apis = client.get(f"{ADMIN}/apis").json()
    assert [a["name"] for a in apis] == ["rentengine", "aptoria", "keynest"]
    by_name = {a["name"]: a for a in apis}
    assert by_name["aptoria"]["base_url"] == "http://testserver/aptoria"
    assert by_name["rentengine"]["openapi_url"].endswith("/rentengine/api/public/v1/openapi.json")
    assert by_name["keynest"]["docs_url"] == "http://testserver/keynest/v1/ui/"
    for api in apis:
        assert api["credentials"] and all(c["token"] for c in api["credentials"])


def test_swagger_ui_and_openapi_are_served_for_every_api(client):
    for base in ("/rentengine/api/public/v1", "/aptoria", "/keynest/v1", ADMIN):
        assert client.get(f"{base}/openapi.json").status_code == 200
        assert client.get(f"{base}/ui/").status_code == 200


def test_issue_and_revoke_a_credential(client, keynest):
    issued = client.post(f"{ADMIN}/credentials", json={"api": "keynest", "role": "landlord"})
    assert issued.status_code == 201
    token = issued.json()["token"]
    assert keynest.get("/properties", token=token).status_code == 200
    listed = client.get(f"{ADMIN}/credentials", params={"api": "keynest"}).json()
    assert issued.json()["token_id"] in [c["token_id"] for c in listed]
    assert all("token" not in c for c in listed)  # secrets are shown once, never listed
    assert client.delete(f"{ADMIN}/credentials/{issued.json()['token_id']}").status_code == 204
    refused = keynest.get("/properties", token=token)
    assert refused.status_code == 401
    assert set(refused.json()["error"]) == {"code", "message"}
    assert client.delete(f"{ADMIN}/credentials/nope").status_code == 404


def test_journal_records_filters_and_clears(client, keynest):
    client.delete(f"{ADMIN}/journal")
    keynest.get("/properties")
    keynest.get("/nope")
    entries = client.get(f"{ADMIN}/journal", params={"api": "keynest"}).json()
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("GET", "/keynest/v1/properties", 200),
        ("GET", "/keynest/v1/nope", 404),
    ]
    only_404 = client.get(f"{ADMIN}/journal", params={"status": 404}).json()
    assert [e["path"] for e in only_404] == ["/keynest/v1/nope"]
    assert client.delete(f"{ADMIN}/journal").json() == {"cleared": 2}
    assert client.get(f"{ADMIN}/journal").json() == []


def test_journal_is_bounded():
    app = make_app(journal_size=5)
    with app.test_client() as c:
        for _ in range(12):
            c.get("/keynest/v1/properties")
        assert len(c.get(f"{ADMIN}/journal").json()) == 5


def test_clock_freeze_advance_unfreeze(client):
    frozen = client.post(f"{ADMIN}/clock/freeze", json={"at": "2026-06-01T00:00:00Z"}).json()
    assert frozen == {"now": "2026-06-01T00:00:00.000Z", "epoch": 1780272000.0, "frozen": True}
    advanced = client.post(f"{ADMIN}/clock/advance", json={"seconds": 90}).json()
    assert advanced["now"] == "2026-06-01T00:01:30.000Z"
    assert client.post(f"{ADMIN}/clock/advance", json={"seconds": -1}).status_code == 400
    running = client.post(f"{ADMIN}/clock/unfreeze").json()
    assert running["frozen"] is False


def test_reset_with_another_seed_changes_data_and_back(client, keynest):
    # Frozen, so clock-driven changes (late rent noticed by the delivery loop) are identical.
    client.post(f"{ADMIN}/clock/freeze", json={"at": "2026-06-01T00:00:00Z"})
    client.post(f"{ADMIN}/reset", json={"seed": 1})
    first = client.get(f"{ADMIN}/snapshot").json()["records"]
    assert client.post(f"{ADMIN}/reset", json={"seed": 7}).json() == {"seed": 7, "size": "small"}
    assert client.get(f"{ADMIN}/snapshot").json()["records"] != first
    client.post(f"{ADMIN}/reset", json={"seed": 1})
    assert client.get(f"{ADMIN}/clock").json()["frozen"] is True
    assert client.get(f"{ADMIN}/snapshot").json()["records"] == first
    client.post(f"{ADMIN}/clock/unfreeze")
    bad = client.post(f"{ADMIN}/reset", json={"size": "enormous"})
    assert bad.status_code == 400 and "unknown size" in bad.json()["error"]


def test_snapshot_export_import_round_trip(client):
    snapshot = client.get(f"{ADMIN}/snapshot").json()
    client.post(f"{ADMIN}/reset", json={"seed": 3})
    imported = client.put(f"{ADMIN}/snapshot", json=snapshot)
    assert imported.status_code == 200
    assert client.get(f"{ADMIN}/snapshot").json()["records"] == snapshot["records"]
    assert client.put(f"{ADMIN}/snapshot", json={"bogus": [[1]]}).status_code == 400
    assert client.put(f"{ADMIN}/snapshot", json={"meta": [[1, 2, 3, 4]]}).status_code == 400


def test_rate_limit_config_round_trip(client):
    config = client.patch(f"{ADMIN}/rate-limits", json={"keynest": {"enabled": True}}).json()
    assert config["keynest"]["enabled"] is True
    assert client.get(f"{ADMIN}/rate-limits").json()["keynest"]["enabled"] is True
    reset = client.post(f"{ADMIN}/rate-limits/reset", json={"config": True}).json()
    assert reset["keynest"]["enabled"] is False
    bad = client.patch(f"{ADMIN}/rate-limits", json={"keynest": {"rules": [{"name": "x"}]}})
    assert bad.status_code == 400


def test_control_api_refuses_non_loopback_clients_without_a_token():
    app = make_app()
    with TestClient(app, client=("203.0.113.9", 4000)) as remote:
        refused = remote.get(f"{ADMIN}/apis")
        assert refused.status_code == 403 and "loopback" in refused.json()["error"]
        assert remote.get("/keynest/v1/properties").status_code == 401  # the APIs still answer


def test_admin_token_is_required_when_set():
    app = make_app(admin_token="s3cret-admin")
    with TestClient(app, client=("203.0.113.9", 4000)) as remote:
        assert remote.get(f"{ADMIN}/apis").status_code == 401
        wrong = remote.get(f"{ADMIN}/apis", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        ok = remote.get(f"{ADMIN}/apis", headers={"Authorization": "Bearer s3cret-admin"})
        assert ok.status_code == 200


def test_tokens_never_reach_the_logs(caplog):
    app = make_app()
    caplog.set_level(logging.DEBUG)
    with app.test_client() as c:
        tokens = [
            cred["token"] for api in c.get(f"{ADMIN}/apis").json() for cred in api["credentials"]
        ]
        for api, token in zip(("rentengine", "aptoria", "keynest"), tokens, strict=False):
            base = {
                "rentengine": "/rentengine/api/public/v1",
                "aptoria": "/aptoria/api",
                "keynest": "/keynest/v1",
            }[api]
            c.get(f"{base}/nope", headers={"Authorization": f"Bearer {token}x"})
            c.get(f"{base}/nope", headers={"Authorization": f"Bearer {token}"})
    assert tokens
    assert not any(token[:20] in caplog.text for token in tokens)


@pytest.mark.parametrize("body", [{"seconds": "soon"}, {}, {"seconds": 1, "extra": 1}])
def test_bad_control_requests_are_400(client, body):
    response = client.post(f"{ADMIN}/clock/advance", json=body)
    assert response.status_code == 400 and "error" in response.json()
