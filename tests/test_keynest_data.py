"""KeyNest data: seed counts, same seed same bytes, referential integrity, and the form PDFs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_server.apis.keynest_pdf import FORM_TYPES, render_form_pdf
from mock_server.settings import data_dir
from mock_server.state.seed import demo_credentials
from tests.conftest import demo_token, make_app

LISTS = ("/properties", "/tenants", "/payments", "/tickets")


class Session:
    """A test client on a KeyNest-only app (mounted at /v1), signed in as one landlord."""

    def __init__(self, client: Any, base: str, token: str) -> None:
        self.client, self.base, self.auth = client, base, {"Authorization": f"Bearer {token}"}

    def get(self, path: str) -> Any:
        r = self.client.get(self.base + path, headers=self.auth)
        assert r.status_code == 200, (path, r.text)
        return r

    @classmethod
    def landlord(cls, client: Any, base: str, n: int) -> Session:
        body = {"email": f"landlord{n}@example.com", "password": "propmock", "role": "landlord"}
        r = client.post(base + "/auth/session", json=body)
        return cls(client, base, r.json()["token"])


@pytest.fixture(scope="module")
def apps() -> dict[str, Any]:
    return {
        name: make_app(api="keynest", seed=seed) for name, seed in (("a", 1), ("b", 1), ("c", 2))
    }


@pytest.fixture(scope="module")
def clients(apps: dict[str, Any]) -> Iterator[dict[str, Any]]:
    with apps["a"].test_client() as a, apps["b"].test_client() as b, apps["c"].test_client() as c:
        yield {"a": a, "b": b, "c": c}


def dump(app: Any, client: Any) -> dict[str, bytes]:
    """Every list, every property and form, and every PDF, in both seeded workspaces."""
    out: dict[str, bytes] = {}
    for n in (1, 2):
        me = Session.landlord(client, "/v1", n)
        for path in LISTS:
            out[f"{n}{path}"] = me.get(path).content
        for prop in me.get("/properties").json():
            out[f"{n}/properties/{prop['id']}"] = me.get(f"/properties/{prop['id']}").content
    for form in app.services.store.list("keynest", "forms"):
        owner = app.services.store.owner_of("keynest", "forms", form["id"])
        me = Session(client, "/v1", demo_token(app, "keynest"))
        if owner == demo_workspace(app):
            out[f"/forms/{form['id']}"] = me.get(f"/forms/{form['id']}").content
        out[f"/forms/{form['id']}/pdf"] = client.get(f"/v1/forms/{form['id']}/pdf").content
    return out


def demo_workspace(app: Any) -> str:
    demo = demo_credentials(app.services)
    return next(c["workspace_id"] for c in demo if c["api"] == "keynest" and c["label"] == "demo")


def test_same_seed_gives_the_same_bytes_and_another_seed_other_data(apps, clients):
    first, second = dump(apps["a"], clients["a"]), dump(apps["b"], clients["b"])
    assert len(first) > 2 * len(LISTS) and first == second
    other = dump(apps["c"], clients["c"])
    for n in (1, 2):
        for path in LISTS:
            assert other[f"{n}{path}"] != first[f"{n}{path}"]


def test_seed_counts_follow_the_profile(apps):
    profile = yaml.safe_load((data_dir("fixtures") / "profiles" / "small.yaml").read_text())
    wanted = profile["keynest"]
    store = apps["a"].services.store
    for kind in ("workspaces", "properties", "tenants", "payments", "tickets", "forms"):
        assert store.count("keynest", kind) == wanted[kind], kind
    units = sum(len(p["units"]) for p in store.list("keynest", "properties"))
    assert units == wanted["properties"] * wanted["units_per_property"]
    roles = [m["role"] for u in store.list("keynest", "users") for m in u["memberships"]]
    for role in ("landlord", "contractor", "tenant"):
        assert roles.count(role) == wanted["workspaces"]
    assert roles.count("property_manager") == wanted["workspaces"] + 1  # manager1 has two


def check_integrity(app: Any, client: Any) -> int:
    """Every id that names another record resolves, in every workspace; returns links checked."""
    checked = 0
    for n in (1, 2):
        me = Session.landlord(client, "/v1", n)
        props = {
            p["id"]: me.get(f"/properties/{p['id']}").json() for p in me.get("/properties").json()
        }
        units = {u["id"]: pid for pid, p in props.items() for u in p["units"]}
        tenants = {t["id"]: t for t in me.get("/tenants").json()}
        for t in tenants.values():
            assert units[t["unitId"]] == t["propertyId"] in props
        for pay in me.get("/payments").json():
            assert pay["tenantId"] in tenants
        for tk in me.get("/tickets").json():
            assert tk["propertyId"] in props
            assert "unitId" not in tk or units[tk["unitId"]] == tk["propertyId"]
        for p in props.values():
            for u in p["units"]:
                if "tenantId" in u:
                    assert tenants[u["tenantId"]]["unitId"] == u["id"]
                    assert tenants[u["tenantId"]]["status"] == "Active"
        checked += len(tenants) + len(units)
    store = app.services.store
    for form in store.list("keynest", "forms"):
        tenant = store.get("keynest", "tenants", form["tenantId"])
        assert tenant and (tenant["propertyId"], tenant["unitId"]) == (
            form["propertyId"],
            form["unitId"],
        )
        assert store.get("keynest", "form_pdfs", form["id"])
    for user in store.list("keynest", "users"):
        for m in user["memberships"]:
            assert store.get("keynest", "workspaces", m["workspaceId"])
            assert "tenantId" not in m or store.get("keynest", "tenants", m["tenantId"])
    return checked


def test_referential_integrity_holds_seeded_and_after_deletes(apps, clients):
    app, client = apps["a"], clients["a"]
    assert check_integrity(app, client) > 48
    me = Session.landlord(client, "/v1", 1)
    post = lambda path, body: client.post("/v1" + path, json=body, headers=me.auth).json()  # noqa: E731
    prop = post("/properties", {"name": "Short-lived", "units": 2})
    unit = prop["units"][1]["id"]
    tenant = post("/tenants", {"name": "Cy", "propertyId": prop["id"], "unitId": unit})
    post("/payments", {"tenantId": tenant["id"], "amount": 10, "period": "2026-05"})
    post("/tickets", {"title": "Door", "propertyId": prop["id"], "unitId": unit})
    post("/forms/entry", {"tenantId": tenant["id"]})
    check_integrity(app, client)
    # Refused while referred to; a property with none goes without leaving anything behind.
    assert client.delete(f"/v1/properties/{prop['id']}", headers=me.auth).status_code == 409
    spare = post("/properties", {"name": "Spare", "units": 1})
    assert client.delete(f"/v1/properties/{spare['id']}", headers=me.auth).status_code == 200
    check_integrity(app, client)


def test_form_pdf_is_a_real_pdf_with_the_forms_fields(apps, clients):
    client = clients["a"]
    me = Session.landlord(client, "/v1", 1)
    tenant = next(t for t in me.get("/tenants").json() if t["status"] == "Active")
    prop = me.get(f"/properties/{tenant['propertyId']}").json()
    body = {
        "tenantId": tenant["id"],
        "fields": {"amountOwing": 2400, "terminationDate": "2026-07-15"},
    }
    form = client.post("/v1/forms/N4", json=body, headers=me.auth).json()
    assert form["pdfUrl"] == f"http://testserver/v1/forms/{form['id']}/pdf"
    r = client.get(form["pdfUrl"])  # no token: the link is the capability
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    pdf = r.content
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    for text in (tenant["name"], prop["name"], "N4", "$2,400.00", "2026-07-15", form["id"]):
        assert text.encode("latin-1") in pdf, text
    assert client.get(form["pdfUrl"]).content == pdf


def test_seeded_form_pdfs_name_their_tenant(apps, clients):
    store = apps["a"].services.store
    for form in store.list("keynest", "forms"):
        pdf = clients["a"].get(f"/v1/forms/{form['id']}/pdf").content
        name = store.get("keynest", "tenants", form["tenantId"])["name"]
        assert pdf.startswith(b"%PDF-") and name.encode("latin-1") in pdf


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    kind=st.sampled_from(sorted(FORM_TYPES)),
    name=st.text(min_size=1, max_size=120),
    reason=st.text(min_size=1, max_size=2000),
)
def test_any_text_renders_to_a_pdf(kind, name, reason):
    """Core PDF fonts are Latin-1: whatever a client sends must still render, never a 500."""
    form = {"id": "f_" + "a" * 16, "type": kind, "status": "Served", "unitId": "unit_x",
            "fields": {"reason": reason, "terminationDate": "2026-07-01", "rent": 1e6},
            "createdAt": "2026-06-02", "servedAt": "2026-06-02"}  # fmt: skip
    prop = {"name": reason[:50], "units": [{"id": "unit_x", "name": name}], "address": {}}
    pdf = render_form_pdf(form, {"name": name}, prop, landlord=name)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
