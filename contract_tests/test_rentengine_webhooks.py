"""RentEngine webhooks on the mock: QStash JWTs and API keys, checked as a receiver would."""

# RentEngine webhooks on the mock: database-change events delivered through QStash, each with a
# signed `Upstash-Signature` JWT and the endpoint's API key, checked as a correct receiver would.

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from contract_tests.calls import send
from contract_tests.findings import Findings
from contract_tests.paging import discover
from contract_tests.receiver import Delivery, Receiver
from contract_tests.shapes import body_of, schema_problems
from contract_tests.specs import operation, spec
from contract_tests.target import Target
from contract_tests.verifier import QStashReceiver

API = "rentengine"
TYPES = ("INSERT", "UPDATE", "DELETE")
LIFETIME = 300  # QStash: "Our JWTs have a lifetime of 5 minutes by default"
pytestmark = [pytest.mark.contract(check="webhooks", api=API), pytest.mark.needs_control]


def table_of(name: str) -> str:
    """`UnitsEvents` -> `units`, `LeasingEventsEvents` -> `leasing_events`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name.removesuffix("Events")).lower()


WEBHOOKS = {table_of(name): name for name in spec(API).get("x-webhooks", {})}


@dataclass
class Hooks:
    endpoint: dict[str, Any]
    keys: list[str]
    deliveries: list[Delivery]
    offset: float
    api_problems: list[tuple[str, Any]] = field(default_factory=list)

    def receiver(self) -> QStashReceiver:
        return QStashReceiver(
            self.keys,
            self.endpoint["url"],
            self.endpoint["api_key"],
            self.endpoint.get("api_key_header") or "X-API-Key",
        )


def cause_events(contract: Target) -> list[tuple[str, Any]]:
    """units.INSERT and units.UPDATE through the API (an insert, then an update of it)."""
    upsert = operation(API, "upsert_unit")
    account = discover(contract).get("accountId")
    body = {**upsert.body_example(), **({"account_id": account} if account else {})}
    made = send(contract, upsert, contract.auth(API), body=body)
    unit = (body_of(made) or {}).get("id")
    changed = (
        send(contract, upsert, contract.auth(API), body={"id": unit, "target_rental_rate": 1999})
        if unit
        else made
    )
    return [
        (f"upsert_unit answered {r.status_code}", r)
        for r, want in ((made, 201), (changed, 200))
        if r.status_code != want
    ]


@pytest.fixture(scope="module")
def hooks(contract: Target) -> Iterator[Hooks]:
    assert contract.control is not None
    control, receiver = contract.control, Receiver()
    endpoint = control.create_endpoint(API, receiver.url("/rentengine"))
    try:
        config = control.webhook_config()
        keys = [config["qstash_current_signing_key"], config["qstash_next_signing_key"]]
        offset = control.clock() - time.time()
        problems = cause_events(contract)
        for table in WEBHOOKS:
            for kind in TYPES:
                control.trigger(API, f"{table}.{kind}")
        control.deliver_due()
        got = receiver.wait_for("/rentengine", len(WEBHOOKS) * len(TYPES) + 2)
        yield Hooks(endpoint, keys, got, offset, problems)
    finally:
        control.delete_endpoint(endpoint["id"])
        receiver.close()


def name_of(delivery: Delivery) -> str:
    body = body_of(delivery) or {}
    return f"{body.get('table')}.{body.get('type')}"


def test_rentengine_events_arrive(hooks: Hooks, findings: Findings) -> None:
    for message, response in hooks.api_problems:
        findings.add("causing events", message, response)
    arrived = {name_of(d) for d in hooks.deliveries}
    for table in WEBHOOKS:
        for kind in TYPES:
            findings.expect(f"{table}.{kind}" in arrived, f"{table}.{kind}", "never arrived")
    findings.done()


def test_rentengine_webhook_signatures(hooks: Hooks, findings: Findings) -> None:
    """Every delivery: the API key, and a JWT for this URL and these exact bytes."""
    checker = hooks.receiver()
    for delivery in hooks.deliveries:
        reason = checker.reject_reason(delivery.body, delivery.headers, None)
        findings.expect(
            reason is None,
            name_of(delivery),
            f"signature: {reason}",
            curl=delivery.curl(hooks.endpoint["url"]),
        )
        findings.expect(
            bool(delivery.header("upstash-message-id")),
            name_of(delivery),
            "no Upstash-Message-Id (receivers deduplicate on it)",
        )
    findings.done()


def test_rentengine_webhook_timestamps(hooks: Hooks, findings: Findings) -> None:
    """Tokens are issued at sending time and live the documented 5 minutes."""
    checker = hooks.receiver()
    for delivery in hooks.deliveries:
        claims = checker.claims(delivery.header("upstash-signature"))
        if isinstance(claims, str):
            continue  # the signature check reports it
        now = delivery.arrived + hooks.offset
        findings.expect(
            claims["nbf"] <= now + 5 and now - claims["iat"] <= LIFETIME,
            name_of(delivery),
            f"iat {claims['iat']} is not the sending time ({now:.0f})",
            curl=delivery.curl(hooks.endpoint["url"]),
        )
        findings.expect(
            claims["exp"] - claims["iat"] == LIFETIME,
            name_of(delivery),
            f"lifetime {claims['exp'] - claims['iat']} s, not {LIFETIME}",
        )
    findings.done()


def test_rentengine_webhook_payloads(hooks: Hooks, findings: Findings) -> None:
    for delivery in hooks.deliveries:
        body = body_of(delivery) or {}
        name = WEBHOOKS.get(str(body.get("table")))
        if name is None:
            findings.add(name_of(delivery), "not a documented table")
            continue
        content = spec(API)["x-webhooks"][name]["post"]["requestBody"]["content"]
        for problem in schema_problems(API, {"content": content}, body):
            findings.add(name_of(delivery), problem)
    findings.done()


def test_rentengine_bad_deliveries_are_rejected(hooks: Hooks, findings: Findings) -> None:
    """A correct receiver accepts a genuine delivery once and rejects it tampered, expired,
    sent to another URL, under other keys, without the API key, or replayed."""
    good = [
        d
        for d in hooks.deliveries
        if hooks.receiver().reject_reason(d.body, d.headers, None) is None
    ]
    if not good:
        pytest.skip("no delivery verified (the signature check reports why)")
    delivery = good[0]
    claims = hooks.receiver().claims(delivery.header("upstash-signature"))
    assert isinstance(claims, dict)
    now = float(claims["iat"])
    receiver = hooks.receiver()
    findings.expect(
        receiver.reject_reason(delivery.body, delivery.headers, now) is None,
        "original",
        "a correct receiver refused the genuine delivery",
    )
    other_url = QStashReceiver(hooks.keys, hooks.endpoint["url"] + "x", None)
    wrong_keys = QStashReceiver(["sig_" + "0" * 40], hooks.endpoint["url"], None)
    no_key = {
        k: v
        for k, v in delivery.headers.items()
        if k != (hooks.endpoint.get("api_key_header") or "X-API-Key").lower()
    }
    cases = {
        "replayed": (receiver, delivery.body, delivery.headers, now),
        "tampered body": (hooks.receiver(), delivery.body + b" ", delivery.headers, now),
        "expired": (hooks.receiver(), delivery.body, delivery.headers, claims["exp"] + 1),
        "other URL": (other_url, delivery.body, delivery.headers, now),
        "other keys": (wrong_keys, delivery.body, delivery.headers, now),
        "no API key": (hooks.receiver(), delivery.body, no_key, now),
    }
    for name, (checker, body, headers, when) in cases.items():
        findings.expect(
            checker.reject_reason(body, headers, when) is not None,
            name,
            "a correct receiver would accept it",
        )
    findings.done()
