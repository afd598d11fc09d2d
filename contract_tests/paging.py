"""Walking RentEngine's `limit` + `page_number` (0-indexed) lists, in both envelopes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from contract_tests.calls import send
from contract_tests.shapes import body_of
from contract_tests.specs import Operation, operations
from contract_tests.target import Target

API = "rentengine"
MAX_PAGES = 40  # per walk, so a big real list costs a bounded number of requests


def paged_operations() -> list[Operation]:
    return [
        op
        for op in operations(API)
        if op.method == "GET" and {"limit", "page_number"} <= {p["name"] for p in op.parameters()}
    ]


def key(item: Any) -> str:
    if isinstance(item, dict) and "id" in item:
        return str(item["id"])
    return json.dumps(item, sort_keys=True)


@dataclass
class Page:
    number: int
    keys: list[str]
    response: Any
    has_more: bool | None = None  # the envelope's, None for a bare array
    next_page: int | None = None


@dataclass
class Walk:
    limit: int
    pages: list[Page] = field(default_factory=list)
    ended: bool = False  # stopped at a short page (not at the page cap)
    error: str | None = None

    @property
    def keys(self) -> list[str]:
        return [k for page in self.pages for k in page.keys]


class Pager:
    """Fetches pages of one list operation with the query it needs to return anything."""

    def __init__(self, target: Target, op: Operation, query: dict[str, str]) -> None:
        self.target, self.op, self.query = target, op, query

    def page(self, number: int | None, limit: int | None) -> tuple[Any, Any]:
        query = dict(self.query)
        if number is not None:
            query["page_number"] = str(number)
        if limit is not None:
            query["limit"] = str(limit)
        response = send(self.target, self.op, self.target.auth(API), query=query)
        return response, body_of(response)

    def fetch(self, number: int | None, limit: int | None) -> Page | str:
        response, body = self.page(number, limit)
        if response.status_code != 200:
            return f"page {number} (limit {limit}) answered {response.status_code}"
        if isinstance(body, list):
            return Page(number or 0, [key(i) for i in body], response)
        if isinstance(body, dict) and isinstance(body.get("data"), list):
            info = body.get("page") or {}
            return Page(
                number or 0,
                [key(i) for i in body["data"]],
                response,
                info.get("has_more"),
                info.get("next_page_number"),
            )
        return f"page {number} is neither an array nor {{data, page}}"

    def walk(self, limit: int, max_items: int | None = None) -> Walk:
        walk = Walk(limit)
        for number in range(MAX_PAGES):
            page = self.fetch(number, limit)
            if isinstance(page, str):
                walk.error = page
                return walk
            walk.pages.append(page)
            if len(page.keys) < limit:
                walk.ended = True
                return walk
            if max_items is not None and len(walk.keys) >= max_items:
                return walk
        return walk


def discover(target: Target) -> dict[str, str]:
    """Values the seeded data makes meaningful for required parameters (account ids, a
    prospect with calls), read from the target's own lists; the spec's examples otherwise."""
    found: dict[str, str] = {}
    units = next(op for op in operations(API) if op.operation_id == "list_units")
    response = send(target, units, target.auth(API), query={"limit": "100"})
    body = body_of(response)
    accounts = (
        sorted(
            {
                str(u["account_id"])
                for u in body or []
                if isinstance(u, dict) and u.get("account_id")
            }
        )
        if isinstance(body, list)
        else []
    )
    if accounts:
        found.update(account_ids=",".join(accounts), accountId=accounts[0])
    return found


def query_for(op: Operation, found: dict[str, str]) -> dict[str, str]:
    """Required query parameters, from the discovered values where the names match."""
    return {
        p["name"]: found[p["name"]]
        for p in op.parameters()
        if p["in"] == "query" and p.get("required") and p["name"] in found
    }
