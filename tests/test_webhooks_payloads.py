"""Every webhook the mock sends validates against its spec: bodies and headers, both vendors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator, oas30_format_checker

from mock_server.state.clock import Clock
from mock_server.state.store import Store
from mock_server.webhooks.config import WebhookConfig
from mock_server.webhooks.emitter import Emitter
from mock_server.webhooks.payloads import (
    deep_merge,
    default_body,
    rentengine_webhook_for,
    request_schema,
    spec_for,
    webhooks,
)
from mock_server.webhooks.wire import build_request
from tests.webhook_world import T0, unit_change

APTORIA = spec_for("aptoria")
RENTENGINE = spec_for("rentengine")
APTORIA_EVENTS = list(webhooks(APTORIA))
RENTENGINE_TABLES = [
    RENTENGINE["x-webhooks"][name]["post"]["requestBody"]["content"]["application/json"]["example"][
        "table"
    ]
    for name in webhooks(RENTENGINE)
]
RENTENGINE_EVENTS = [
    f"{t}.{op}" for t in RENTENGINE_TABLES for op in ("INSERT", "UPDATE", "DELETE")
]


def errors(spec: dict[str, Any], webhook: str, body: Any) -> list[str]:
    """openapi-schema-validator (OpenAPI 3.0 semantics, formats on): independent of the
    Connexion validator the emitter uses."""
    root = {"components": spec["components"], **request_schema(spec, webhook)}
    validator = OAS30Validator(root, format_checker=oas30_format_checker)
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)
    ]


def resolve(spec: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    ref = item.get("$ref", "")
    return spec["components"]["parameters"][ref.rsplit("/", 1)[1]] if ref else item


def header_errors(spec: dict[str, Any], webhook: str, headers: dict[str, str]) -> list[str]:
    """Each header parameter the spec documents for this webhook: present if required, and
    its value valid against its schema (integers compared as integers)."""
    found = []
    lowered = {k.lower(): v for k, v in headers.items()}
    for item in spec["x-webhooks"][webhook]["post"].get("parameters", []):
        param = resolve(spec, item)
        value: Any = lowered.get(param["name"].lower())
        if value is None:
            if param.get("required"):
                found.append(f"missing {param['name']}")
            continue
        if param["schema"].get("type") == "integer":
            value = int(value)
        v = OAS30Validator(param["schema"], format_checker=oas30_format_checker)
        found += [f"{param['name']}: {e.message}" for e in v.iter_errors(value)]
    return found


def test_the_specs_have_the_expected_webhooks() -> None:
    assert len(APTORIA_EVENTS) == 13 and "rent.late" in APTORIA_EVENTS
    assert {"units", "prospects", "leasing_events", "lockbox_events"} <= set(RENTENGINE_TABLES)


@pytest.mark.parametrize("event", APTORIA_EVENTS)
def test_aptoria_trigger_payloads_and_headers_validate(event: str) -> None:
    emitter = _emitter()
    ep = emitter.endpoints.create(
        {"api": "aptoria", "url": "https://r.test/h", "secret": "whsec_a"}
    )
    emitter.endpoints.rotate(ep["id"], 3600, "whsec_b")  # two v1 values must validate too
    ep = emitter.endpoints.get(ep["id"])
    body = default_body(APTORIA, "aptoria", event, T0)
    emitter.emit("aptoria", event, body)  # the emitter's own check passes
    [delivery] = emitter.outbox.find({}, 10)
    headers, raw = build_request(
        ep,
        delivery,
        T0 + 0.25,
        emitter.endpoints.signing_secrets(ep, T0),
        WebhookConfig(),
        emitter.ids,
    )
    sent = json.loads(raw)
    assert list(sent)[:4] == ["event", "delivered_at", "organization_id", "payload"]
    assert errors(APTORIA, event, sent) == []
    assert header_errors(APTORIA, event, headers) == []
    assert headers["X-PMAI-Signature"].count(",v1=") == 2


@pytest.mark.parametrize("event", RENTENGINE_EVENTS)
def test_rentengine_trigger_payloads_and_headers_validate(event: str) -> None:
    table, _, op = event.rpartition(".")
    body = default_body(RENTENGINE, "rentengine", event, T0)
    assert (body["record"] is None) == (op == "DELETE")
    assert (body["old_record"] is None) == (op == "INSERT")
    webhook = rentengine_webhook_for(RENTENGINE, table)
    assert webhook is not None and errors(RENTENGINE, webhook, body) == []
    emitter = _emitter()
    ep = emitter.endpoints.create({"api": "rentengine", "url": "https://r.test/h"})
    emitter.emit("rentengine", event, body)
    [delivery] = emitter.outbox.find({}, 10)
    headers, raw = build_request(ep, delivery, T0, [], WebhookConfig(), emitter.ids)
    assert json.loads(raw) == body
    assert header_errors(RENTENGINE, webhook, headers) == []


def test_overrides_merge_deeply_and_the_result_is_still_checked() -> None:
    body = default_body(APTORIA, "aptoria", "rent.paid", T0)
    merged = deep_merge(
        body, {"payload": {"amount_usd": 10}, "organization_id": "org_01HM9S346Q3D25VT4F5V37E3S4"}
    )
    assert merged["payload"]["amount_usd"] == 10
    assert merged["payload"]["payment_id"] == body["payload"]["payment_id"]
    assert deep_merge({"a": [1, 2], "b": {"c": 1}}, {"a": [3], "b": None}) == {"a": [3], "b": None}
    emitter = _emitter()
    with pytest.raises(ValueError, match="payload/amount_usd"):
        emitter.emit("aptoria", "rent.paid", deep_merge(body, {"payload": {"amount_usd": -1}}))
    with pytest.raises(ValueError, match="record is null exactly on DELETE"):
        emitter.emit("rentengine", "units.INSERT", {**unit_change(), "old_record": {"id": 1}})
    with pytest.raises(ValueError, match="no webhook"):
        emitter.emit("rentengine", "showings.INSERT", {**unit_change(), "table": "showings"})


def test_the_independent_validator_is_not_vacuous() -> None:
    body = default_body(APTORIA, "aptoria", "lease.signed", T0)
    body["delivered_at"] = "2026-05-25T15:42:15.090Z"
    assert errors(APTORIA, "lease.signed", body) == []
    broken = deep_merge(body, {"payload": {"tenant_ids": [], "signed_at": "yesterday"}})
    assert len(errors(APTORIA, "lease.signed", broken)) == 2
    assert errors(APTORIA, "lease.signed", {k: v for k, v in body.items() if k != "event"})


def _emitter() -> Emitter:
    """An emitter with validation on, as in the tests' apps, on a clock frozen at T0."""
    store = Store()
    clock = Clock(store)
    clock.freeze(T0)
    return Emitter(store, clock, validate=True)
