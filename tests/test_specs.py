"""The specs: valid OpenAPI 3.0.3, complete against the vendor documents, valid examples."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

SPECS = Path(__file__).resolve().parent.parent / "specs"
APIS = ("rentengine", "aptoria", "keynest")
METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
SOURCES = {"documented", "observed", "inferred"}


def load(api: str) -> dict[str, Any]:
    return yaml.safe_load((SPECS / f"{api}.yaml").read_text())


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method], item


def resolve(spec: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


# Every endpoint the vendors' documents name (seeds first, then the reference facts they
# point to): (method, path). Derived by reading shared/seeds/*.txt and
# shared/reference/rentengine_api_facts.md §5 (documented and observed operations).
SEED_ENDPOINTS = {
    "rentengine": [
        ("get", "/lockboxes"),
        ("post", "/lockboxes"),
        ("post", "/lockboxes/generate_code"),
        ("get", "/lockbox_events"),
        ("post", "/lockbox_events"),
        ("get", "/units"),
        ("post", "/units"),
        ("get", "/showings/availability"),
        ("post", "/showings/create"),
        ("post", "/leasing_events"),
        ("post", "/multifamily_properties"),
        ("post", "/floorplans"),
        ("get", "/prescreening_templates"),
        ("get", "/reporting/leasing-performance/units/{unitId}"),
        ("get", "/prospects"),
        ("get", "/calls"),
        ("get", "/messages"),
        ("get", "/reporting/marketing-sources"),
        ("get", "/reporting/applications"),
        ("get", "/marketing/listings/{accountId}"),
        ("get", "/market-tool/comps"),
    ],
    "aptoria": [
        ("get", "/api/dashboard"),
        ("get", "/api/ar-aging"),
        ("post", "/api/expenses"),
        ("get", "/api/work-orders"),
        ("post", "/api/ai-vendor-summary"),
    ],
    "keynest": [
        ("post", "/auth/session"),
        ("delete", "/auth/session"),
        ("get", "/properties"),
        ("post", "/properties"),
        ("get", "/properties/{id}"),
        ("patch", "/properties/{id}"),
        ("delete", "/properties/{id}"),
        ("get", "/tenants"),
        ("post", "/tenants"),
        ("patch", "/tenants/{id}"),
        ("get", "/payments"),
        ("post", "/payments"),
        ("patch", "/payments/{id}"),
        ("get", "/tickets"),
        ("post", "/tickets"),
        ("patch", "/tickets/{id}"),
        ("post", "/forms/{type}"),
        ("get", "/forms/{id}"),
    ],
}
RENTENGINE_GROUPS = {
    "Lockboxes",
    "Lockbox Events",
    "Lockbox Installations",
    "Units",
    "Prospects",
    "Multifamily Properties",
    "Floorplans",
    "Leasing Events",
    "Subteams",
    "Prescreening Templates",
    "Showings",
    "Reporting",
}
APTORIA_EVENTS = {
    "rent.paid",
    "rent.late",
    "application.submitted",
    "application.approved",
    "application.denied",
    "lease.signed",
    "lease.terminated",
    "work_order.created",
    "work_order.completed",
    "tenant.added",
    "tenant.removed",
    "inspection.completed",
    "payment_plan.proposed",
}
RENTENGINE_TABLES = {"units", "prospects", "leasing_events", "lockbox_events"}


def _normalise(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


@pytest.mark.parametrize("api", APIS)
def test_spec_is_valid_openapi_303(api):
    spec = load(api)
    assert spec["openapi"] == "3.0.3"
    validate(spec)


@pytest.mark.parametrize("api", APIS)
def test_every_seed_endpoint_is_present(api):
    present = {(m, _normalise(p)) for p, m, _, _ in operations(load(api))}
    missing = [(m, p) for m, p in SEED_ENDPOINTS[api] if (m, _normalise(p)) not in present]
    assert missing == []


def test_operation_counts():
    counts = {api: len(list(operations(load(api)))) for api in APIS}
    assert counts["rentengine"] >= 25
    assert counts["aptoria"] >= 20
    documented = [
        op for _, _, op, _ in operations(load("keynest")) if op["x-propmock-source"] == "documented"
    ]
    assert len(documented) == 18


def test_rentengine_covers_all_eleven_groups_and_reporting():
    tags = {t for _, _, op, _ in operations(load("rentengine")) for t in op["tags"]}
    assert RENTENGINE_GROUPS <= tags


@pytest.mark.parametrize("api", APIS)
def test_every_operation_is_complete(api):
    spec = load(api)
    problems = []
    ids = []
    for path, method, op, item in operations(spec):
        where = f"{method.upper()} {path}"
        ids.append(op.get("operationId"))
        if not re.fullmatch(r"[a-z][a-z0-9_]*", op.get("operationId", "")):
            problems.append(f"{where}: operationId not snake_case")
        if len(op.get("tags", [])) != 1:
            problems.append(f"{where}: needs exactly one tag")
        if not op.get("summary") or not op.get("description"):
            problems.append(f"{where}: summary and description")
        if op.get("x-propmock-source") not in SOURCES:
            problems.append(f"{where}: x-propmock-source")
        statuses = set(op["responses"])
        params = [resolve(spec, p) for p in item.get("parameters", []) + op.get("parameters", [])]
        public = op.get("security", spec.get("security")) == []
        needed = {"400"}
        if not public:
            needed.add("401")
        if any(p["in"] == "path" for p in params) and not public:
            needed.add("404")
        if "requestBody" in op:
            needed |= {"413", "415"}
        if api in ("rentengine", "aptoria"):
            needed.add("429")
        if api == "aptoria":
            needed.add("403")
        if not needed <= statuses:
            problems.append(f"{where}: missing responses {sorted(needed - statuses)}")
        if api == "aptoria" and not re.fullmatch(
            r"(read|write|use):[a-z_]+", op.get("x-required-scope", "")
        ):
            problems.append(f"{where}: x-required-scope")
    assert len(ids) == len(set(ids)), "operationIds must be unique"
    assert problems == []


@pytest.mark.parametrize("api", APIS)
def test_error_responses_use_the_vendor_error_schema(api):
    spec = load(api)
    required = {"rentengine": {"error"}, "aptoria": {"error"}, "keynest": {"error"}}[api]
    for path, method, op, _ in operations(spec):
        for status, response in op["responses"].items():
            if not status.startswith("4"):
                continue
            schema = resolve(spec, resolve(spec, response)["content"]["application/json"]["schema"])
            parts = [resolve(spec, s) for s in schema.get("allOf", [])] or [schema]
            found = {name for part in parts for name in part.get("required", [])}
            assert required <= found, f"{method} {path} {status}"


@pytest.mark.parametrize("api", APIS)
def test_creates_link_to_a_read(api):
    spec = load(api)
    op_ids = {op["operationId"] for _, _, op, _ in operations(spec)}
    missing = []
    for path, method, op, _ in operations(spec):
        created = op["responses"].get("201")
        if method != "post" or not created or op["operationId"] in NO_READ:
            continue
        links = resolve(spec, created).get("links", {})
        targets = {resolve(spec, link).get("operationId") for link in links.values()}
        if not targets or not targets <= op_ids:
            missing.append(f"{method.upper()} {path}")
    assert missing == []


# Creates with nothing to read back: a KeyNest session has no read operation in the docs.
NO_READ = {"create_session"}


def _examples(node: Any, trail: str) -> Iterator[tuple[str, Any, Any]]:
    """(where, schema, example) for every example next to a schema."""
    if isinstance(node, dict):
        schema = node.get("schema")
        if schema is not None and "example" in node:
            yield trail, schema, node["example"]
        if schema is not None and isinstance(node.get("examples"), dict):
            for name, ex in node["examples"].items():
                if isinstance(ex, dict) and "value" in ex:
                    yield f"{trail}/examples/{name}", schema, ex["value"]
        if "example" in node and ("type" in node or "properties" in node or "allOf" in node):
            yield trail, node, node["example"]
        for key, value in node.items():
            yield from _examples(value, f"{trail}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _examples(value, f"{trail}/{i}")


@pytest.mark.parametrize("api", APIS)
def test_every_example_validates_against_its_schema(api):
    spec = load(api)
    failures, count = [], 0
    for where, schema, example in _examples(spec, ""):
        count += 1
        validator = OAS30Validator(
            {**schema, "components": spec.get("components", {})},
            format_checker=OAS30Validator.FORMAT_CHECKER,
        )
        errors = [e.message for e in validator.iter_errors(example)]
        if errors:
            failures.append(f"{where}: {errors[0]}")
    assert count > 20
    assert failures == []


def _webhook_body_schema(spec: dict[str, Any], name: str) -> dict[str, Any]:
    hook = spec["x-webhooks"][name]["post"]
    body = resolve(spec, hook["requestBody"])
    return resolve(spec, body["content"]["application/json"]["schema"])


def test_aptoria_has_a_payload_schema_for_all_13_events():
    spec = load("aptoria")
    assert set(spec["x-webhooks"]) == APTORIA_EVENTS
    for name in APTORIA_EVENTS:
        schema = _webhook_body_schema(spec, name)
        assert {"event", "delivered_at", "organization_id", "payload"} <= set(schema["required"])
        assert schema["properties"]["event"]["enum"] == [name]
        payload = resolve(spec, schema["properties"]["payload"])
        assert payload.get("properties"), name


def test_rentengine_webhook_tables_have_payload_schemas():
    spec = load("rentengine")
    tables = set()
    for name in spec["x-webhooks"]:
        schema = _webhook_body_schema(spec, name)
        assert {"type", "table", "record", "old_record"} <= set(schema["properties"])
        assert set(resolve(spec, schema["properties"]["type"])["enum"]) == {
            "INSERT",
            "UPDATE",
            "DELETE",
        }
        tables |= set(resolve(spec, schema["properties"]["table"])["enum"])
    assert RENTENGINE_TABLES <= tables


def test_rentengine_lists_share_one_pagination_definition():
    spec = load("rentengine")
    limit = spec["components"]["parameters"]["Limit"]["schema"]
    page = spec["components"]["parameters"]["PageNumber"]["schema"]
    assert (limit["minimum"], limit["maximum"], limit["default"]) == (1, 100, 50)
    assert (page["minimum"], page["default"]) == (0, 0)
    for path, method, op, _ in operations(spec):
        refs = {p.get("$ref") for p in op.get("parameters", [])}
        body = resolve(spec, op["responses"].get("200", {})).get("content", {})
        schema = resolve(spec, body.get("application/json", {}).get("schema", {}))
        # /market-tool/comps is a capped search (up to 200 rows), not a paginated list (observed).
        if method == "get" and schema.get("type") == "array" and path != "/market-tool/comps":
            assert {
                "#/components/parameters/Limit",
                "#/components/parameters/PageNumber",
            } <= refs, path
