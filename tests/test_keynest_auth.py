"""KeyNest auth: sessions, vendor-shaped 401s, the role matrix, workspace and own-record scoping."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from mock_server.settings import data_dir

NOBODY = {"p": "p_0000000000000000", "t": "t_0000000000000000", "pay": "pay_0000000000000000",
          "tk": "tk_0000000000000000", "f": "f_0000000000000000"}  # fmt: skip


def login(keynest: Any, email: str, role: str, **extra: Any) -> Any:
    body = {"email": email, "password": "propmock", "role": role, **extra}
    return keynest.post("/auth/session", json=body, token=None)


def token_for(keynest: Any, email: str, role: str) -> str:
    r = login(keynest, email, role)
    assert r.status_code == 201, r.text
    return str(r.json()["token"])


def unauthorized(r: Any) -> bool:
    body = r.json()
    return (
        r.status_code == 401 and set(body) == {"error"} and body["error"]["code"] == "unauthorized"
    )


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer ", "Bearer kn_live_0000000000000000000000000000000",
     "Basic bGFuZGxvcmQxOnByb3Btb2Nr", "Bearer apt_abc_def", "kn_live_notbearer",
     "Bearer " + "k" * 5000],
)  # fmt: skip
def test_missing_malformed_or_wrong_tokens_are_401_in_the_vendor_body(keynest, header):
    headers = {} if header is None else {"Authorization": header}
    r = keynest.get("/properties", token=None, headers=headers)
    assert unauthorized(r), (r.status_code, r.text)


def test_sign_in_for_each_role_and_revoke(keynest):
    for email, role in [("landlord1@example.com", "landlord"), ("manager1@example.com",
                        "property_manager"), ("CONTRACTOR1@example.com", "contractor"),
                        ("tenant1@example.com", "tenant")]:  # fmt: skip
        r = login(keynest, email, role)
        assert r.status_code == 201
        session = r.json()
        assert session["token"].startswith("kn_live_") and session["user"]["role"] == role
        assert session["user"]["email"] == email.lower()
        assert keynest.delete("/auth/session", token=session["token"]).json() == {"ok": True}
        assert unauthorized(keynest.get("/tickets", token=session["token"]))
        assert unauthorized(keynest.delete("/auth/session", token=session["token"]))
    assert keynest.get("/properties").status_code == 200  # the demo token is untouched


@pytest.mark.parametrize(
    ("email", "password", "role", "extra", "status"),
    [
        ("landlord1@example.com", "wrong", "landlord", {}, 401),
        ("nobody@example.com", "propmock", "landlord", {}, 401),
        ("landlord1@example.com", "propmock", "tenant", {}, 403),
        ("tenant1@example.com", "propmock", "landlord", {}, 403),
        (
            "landlord1@example.com",
            "propmock",
            "landlord",
            {"workspaceId": "ws_0000000000000000"},
            404,
        ),
        ("landlord1@example.com", "propmock", "owner", {}, 400),
        ("landlord1", "propmock", "landlord", {}, 400),
    ],
)
def test_sign_in_refusals(keynest, email, password, role, extra, status):
    body = {"email": email, "password": password, "role": role, **extra}
    r = keynest.post("/auth/session", json=body, token=None)
    assert r.status_code == status and set(r.json()["error"]) == {"code", "message"}
    if status == 401:  # one message for both: no account enumeration
        assert r.json()["error"]["message"] == "Invalid email or password"


def test_sign_in_to_another_workspace_scopes_every_list_to_it(keynest):
    ws1 = login(keynest, "manager1@example.com", "property_manager").json()["user"]["workspaceId"]
    landlord2 = login(keynest, "landlord2@example.com", "landlord").json()
    ws2, other = landlord2["user"]["workspaceId"], landlord2["token"]
    assert ws1 != ws2
    r = login(keynest, "manager1@example.com", "property_manager", workspaceId=ws2)
    assert r.status_code == 201 and r.json()["user"]["workspaceId"] == ws2
    for path in ("/properties", "/tenants", "/payments", "/tickets"):
        mine, theirs = keynest.get(path).json(), keynest.get(path, token=other).json()
        assert mine and theirs and not {x["id"] for x in mine} & {x["id"] for x in theirs}
        assert keynest.get(path, token=r.json()["token"]).json() == theirs
    prop = keynest.get("/properties").json()[0]["id"]
    tenant = keynest.get("/tenants").json()[0]
    payment, ticket = keynest.get("/payments").json()[0], keynest.get("/tickets").json()[0]
    for method, path, body in [
        ("GET", f"/properties/{prop}", None),
        ("PATCH", f"/properties/{prop}", {"name": "Mine now"}),
        ("DELETE", f"/properties/{prop}", None),
        ("PATCH", f"/tenants/{tenant['id']}", {"status": "Former"}),
        ("PATCH", f"/payments/{payment['id']}", {"status": "Overdue"}),
        ("PATCH", f"/tickets/{ticket['id']}", {"status": "Cancelled"}),
        ("POST", "/payments", {"tenantId": tenant["id"], "amount": 1, "period": "2026-05"}),
        ("POST", "/tickets", {"title": "x", "propertyId": prop}),
        ("POST", "/forms/N4", {"tenantId": tenant["id"]}),
    ]:
        r = keynest.request(method, path, json=body, token=other)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", (method, path)
    assert keynest.get("/tenants", params={"propertyId": prop}, token=other).json() == []
    assert keynest.get(f"/properties/{prop}").status_code == 200  # untouched


def _spec_operations() -> list[tuple[str, str, str, list[str]]]:
    spec = yaml.safe_load((data_dir("specs") / "keynest.yaml").read_text())
    return [
        (op["operationId"], method.upper(), path, op.get("x-allowed-roles", []))
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if isinstance(op, dict) and "operationId" in op and op.get("security") != []
    ]


# A request per operation that touches nothing real (ids that do not exist), so allowed roles
# get a 404 or a harmless 200 and the others a 403.
REQUESTS = {
    "revoke_session": None,  # covered by test_sign_in_for_each_role_and_revoke
    "list_properties": ("/properties", None),
    "create_property": ("/properties", {"name": "Role probe"}),
    "get_property": (f"/properties/{NOBODY['p']}", None),
    "update_property": (f"/properties/{NOBODY['p']}", {"name": "x"}),
    "delete_property": (f"/properties/{NOBODY['p']}", None),
    "list_tenants": ("/tenants", None),
    "create_tenant": ("/tenants", {"name": "x", "propertyId": NOBODY["p"],
                                   "unitId": "unit_0000000000000000"}),
    "update_tenant": (f"/tenants/{NOBODY['t']}", {"status": "Former"}),
    "list_payments": ("/payments", None),
    "create_payment": ("/payments", {"tenantId": NOBODY["t"], "amount": 1, "period": "2026-05"}),
    "update_payment": (f"/payments/{NOBODY['pay']}", {"status": "Paid"}),
    "list_tickets": ("/tickets", None),
    "create_ticket": ("/tickets", {"title": "x", "propertyId": NOBODY["p"]}),
    "update_ticket": (f"/tickets/{NOBODY['tk']}", {"status": "Open"}),
    "create_form": ("/forms/N4", {"tenantId": NOBODY["t"]}),
    "get_form": (f"/forms/{NOBODY['f']}", None),
}  # fmt: skip


@pytest.mark.parametrize("role", ["landlord", "property_manager", "contractor", "tenant"])
def test_every_operation_enforces_its_allowed_roles(keynest, role):
    token = token_for(keynest, f"{'manager' if role == 'property_manager' else role}1@example.com",
                      role)  # fmt: skip
    operations = _spec_operations()
    assert {op for op, *_ in operations} == set(REQUESTS)
    for op, method, _, allowed in operations:
        if REQUESTS[op] is None:
            continue
        path, body = REQUESTS[op]
        r = keynest.request(method, path, json=body, token=token)
        if role in allowed:
            assert r.status_code in (200, 201, 404), (role, op, r.status_code)
        else:
            assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden", (role, op)


def test_tenant_sees_only_own_forms_and_reports_only_own_unit(keynest):
    session = login(keynest, "tenant1@example.com", "tenant").json()
    token = session["token"]
    me = next(t for t in keynest.get("/tenants").json() if t["email"] == "tenant1@example.com")
    others = [t for t in keynest.get("/tenants").json() if t["propertyId"] != me["propertyId"]]
    mine = keynest.post("/forms/entry", json={"tenantId": me["id"]}).json()
    theirs = keynest.post("/forms/entry", json={"tenantId": others[0]["id"]}).json()
    assert keynest.get(f"/forms/{mine['id']}", token=token).json()["tenantId"] == me["id"]
    assert keynest.get(f"/forms/{theirs['id']}", token=token).status_code == 404
    prop = keynest.get(f"/properties/{me['propertyId']}").json()
    other_unit = next(u["id"] for u in prop["units"] if u["id"] != me["unitId"])
    for body, status in [
        ({"title": "Leak", "propertyId": me["propertyId"], "unitId": me["unitId"]}, 201),
        ({"title": "Hall light out", "propertyId": me["propertyId"]}, 201),
        ({"title": "Leak", "propertyId": me["propertyId"], "unitId": other_unit}, 403),
        ({"title": "Leak", "propertyId": others[0]["propertyId"]}, 403),
    ]:
        assert keynest.post("/tickets", json=body, token=token).status_code == status, body


def test_contractor_sees_only_assigned_tickets_and_their_sites(keynest):
    session = login(keynest, "contractor1@example.com", "contractor").json()
    token = session["token"]
    company = keynest.get("/tickets", token=token).json()[0]["contractor"]
    everyone = keynest.get("/tickets").json()
    assigned = [t for t in everyone if t.get("contractor") == company]
    assert keynest.get("/tickets", token=token).json() == assigned
    sites = {t["propertyId"] for t in assigned}
    for prop in keynest.get("/properties").json():
        expected = 200 if prop["id"] in sites else 404
        assert keynest.get(f"/properties/{prop['id']}", token=token).status_code == expected
    r = keynest.patch(f"/tickets/{assigned[0]['id']}", json={"status": "In Progress"}, token=token)
    assert r.status_code == 200 and r.json()["status"] == "In Progress"
    other = next(t for t in everyone if t.get("contractor") != company)
    assert (
        keynest.patch(f"/tickets/{other['id']}", json={"cost": 1}, token=token).status_code == 404
    )
    r = keynest.patch(f"/tickets/{assigned[0]['id']}", json={"contractor": "Else"}, token=token)
    assert r.status_code == 403
