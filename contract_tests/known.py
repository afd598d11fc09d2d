"""Ids the target really has, read from its own lists, offered to generated request bodies."""

# Random ids in a create's body (`property_id`, `tenantId`, ...) are almost always unknown, so
# the create is a 404 and the stateful runs never get past their first step. Hypothesis may now
# draw a real id instead, for positive cases only: a real id still matches its schema, and
# negative cases stay exactly as generated.

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from hypothesis import strategies as st

from contract_tests.specs import operations

KNOWN: dict[str, dict[str, list[Any]]] = defaultdict(dict)
PER_LIST = 20  # values kept per field


def _records(body: Any) -> list[dict[str, Any]]:
    if isinstance(body, dict):
        body = body.get("rows", body.get("data"))
    return [r for r in body or [] if isinstance(r, dict)] if isinstance(body, list) else []


def _names(resource: str) -> list[str]:
    """`/api/work-orders` -> work_order_id, workOrderId (and the plural's singular)."""
    word = resource.rstrip("/").split("/")[-1].replace("-", "_")
    single = re.sub(r"ies$", "y", word) if word.endswith("ies") else word.removesuffix("s")
    camel = re.sub(r"_(\w)", lambda m: m.group(1).upper(), single)
    return [f"{single}_id", f"{camel}Id"]


def discover(target: Any, api: str) -> None:
    """One page of every parameterless list: record ids by the field names that refer to them."""
    from contract_tests.calls import send

    found: dict[str, list[Any]] = defaultdict(list)
    for op in operations(api):
        if op.method != "GET" or "{" in op.path or any(p.get("required") for p in op.parameters()):
            continue
        names = {p["name"] for p in op.parameters()}
        query = {"limit": "100"} if "limit" in names else {}
        response = send(target, op, target.auth(api), query=query)
        if response.status_code != 200:
            continue
        for record in _records(response.json()):
            if "id" in record:
                for name in _names(op.path):
                    found[name].append(record["id"])
            for key, value in record.items():
                if (key.endswith("_id") or key.endswith("Id")) and isinstance(value, str | int):
                    found[key].append(value)
    KNOWN[api] = {k: list(dict.fromkeys(v))[:PER_LIST] for k, v in found.items() if v}


def install(schema: Any, api: str) -> None:
    """Register the hook on `api`'s schema (once, at import)."""

    @schema.hook
    def flatmap_case(context: Any, case: Any) -> Any:
        known = KNOWN.get(api) or {}
        mode = getattr(getattr(getattr(case, "meta", None), "generation", None), "mode", None)
        body = case.body
        if (
            not known
            or str(getattr(mode, "value", mode)) != "positive"
            or not isinstance(body, dict)
        ):
            return st.just(case)
        fields = [k for k, v in body.items() if k in known and isinstance(v, type(known[k][0]))]
        if not fields:
            return st.just(case)

        def swap(values: list[Any]) -> Any:
            # In place: each draw builds its own case (Case has slots and no copy support).
            case.body = {**body, **dict(zip(fields, values, strict=True))}
            return case

        real = st.tuples(*(st.sampled_from(known[k]) for k in fields)).map(list).map(swap)
        return st.one_of(st.just(case), real)
