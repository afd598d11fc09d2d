"""Aptoria webhooks on the mock, checked as a correct receiver would check them."""

# Aptoria webhooks on the mock: subscribe a loopback receiver, cause events through the API
# (and trigger every other kind), then check what arrived as a correct receiver would.

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from contract_tests.calls import send
from contract_tests.findings import Findings
from contract_tests.receiver import Delivery, Receiver
from contract_tests.shapes import body_of, schema_problems
from contract_tests.specs import operation, spec
from contract_tests.target import Target
from contract_tests.verifier import TOLERANCE, AptoriaReceiver

API = "aptoria"
HEADER = "x-pmai-signature"
KINDS = sorted(spec(API).get("x-webhooks", {}))
CAUSED = ["tenant.added", "tenant.removed", "work_order.created"]  # through the API
pytestmark = [pytest.mark.contract(check="webhooks", api=API), pytest.mark.needs_control]


@dataclass
class Hooks:
    secret: str
    endpoint_id: str
    receiver: Receiver
    deliveries: list[Delivery]
    offset: float  # the mock's clock minus wall time
    url: str  # where the receiver listens
    api_problems: list[tuple[str, Any]] = field(default_factory=list)

    def mock_now(self, delivery: Delivery) -> float:
        return delivery.arrived + self.offset


def cause_events(contract: Target) -> list[tuple[str, Any]]:
    """tenant.added, tenant.removed and work_order.created, caused through the API."""
    auth, problems = contract.auth(API), []
    properties = body_of(send(contract, operation(API, "list_properties"), auth)) or {}
    prop = (properties.get("rows") or [{}])[0].get("id")
    made = send(
        contract,
        operation(API, "create_tenant"),
        auth,
        body={"first_name": "Propmock", "last_name": "Contract", "email": "contract@example.com"},
    )
    tenant = (body_of(made) or {}).get("id")
    removed = (
        send(contract, operation(API, "remove_tenant"), auth, path_values={"tenant_id": tenant})
        if tenant
        else made
    )
    order = send(
        contract,
        operation(API, "create_work_order"),
        auth,
        body={"property_id": prop, "title": "propmock contract check"},
    )
    for what, response, want in (
        ("create_tenant", made, 201),
        ("remove_tenant", removed, 200),
        ("create_work_order", order, 201),
    ):
        if response.status_code != want:
            problems.append((f"{what} answered {response.status_code}", response))
    return problems


@pytest.fixture(scope="module")
def hooks(contract: Target) -> Iterator[Hooks]:
    assert contract.control is not None
    control, receiver = contract.control, Receiver()
    endpoint = control.create_endpoint(API, receiver.url("/aptoria"), events=["*"])
    try:
        offset = control.clock() - time.time()
        problems = cause_events(contract)
        for kind in KINDS:
            control.trigger(API, kind)
        control.deliver_due()
        got = receiver.wait_for("/aptoria", len(KINDS) + len(CAUSED))
        yield Hooks(
            endpoint["secret"], endpoint["id"], receiver, got, offset, endpoint["url"], problems
        )
    finally:
        control.delete_endpoint(endpoint["id"])
        receiver.close()


def event_of(delivery: Delivery) -> str:
    return str((body_of(delivery) or {}).get("event"))


def test_aptoria_events_arrive(hooks: Hooks, findings: Findings) -> None:
    for message, response in hooks.api_problems:
        findings.add("causing events", message, response)
    arrived = {event_of(d) for d in hooks.deliveries}
    for kind in sorted({*KINDS, *CAUSED} - arrived):
        findings.add(kind, "no delivery arrived")
    findings.done()


def test_aptoria_webhook_signatures(hooks: Hooks, findings: Findings) -> None:
    """Every delivery carries a canonical header whose v1 is the HMAC of t and the raw body."""
    import stripe

    checker = AptoriaReceiver([hooks.secret])
    for delivery in hooks.deliveries:
        header = delivery.header(HEADER)
        reason = checker.reject_reason(delivery.body, header, None)
        findings.expect(
            reason is None,
            event_of(delivery),
            f"signature: {reason}",
            curl=delivery.curl(hooks.url),
        )
        try:  # Stripe's verifier (the scheme Aptoria copies) as a second, independent opinion
            stripe.WebhookSignature.verify_header(delivery.body, header, hooks.secret, None)
        except stripe.SignatureVerificationError as exc:
            findings.add(
                event_of(delivery),
                f"stripe-python rejects it: {exc}",
                curl=delivery.curl(hooks.url),
            )
    findings.done()


def test_aptoria_webhook_timestamps(hooks: Hooks, contract: Target, findings: Findings) -> None:
    """Each `t` is the sending time (within the 5-minute tolerance of the mock's clock), and a
    replayed delivery is signed afresh: a later `t`, a new signature."""
    assert contract.control is not None
    for delivery in hooks.deliveries:
        t = stamp(delivery.header(HEADER))
        age = hooks.mock_now(delivery) - t
        findings.expect(
            -5 <= age <= TOLERANCE,
            event_of(delivery),
            f"t={t} is {age:.0f} s old on arrival (tolerance {TOLERANCE} s)",
            curl=delivery.curl(hooks.url),
        )
    replayed = replay_one(hooks, contract)
    if replayed is None:
        findings.add("replay", "the replayed delivery never arrived")
    else:
        (old, new) = replayed
        findings.expect(
            stamp(new) > stamp(old) and signature(new) != signature(old),
            "replay",
            f"not signed afresh: {old!r} then {new!r}",
        )
    findings.done()


def stamp(header: str | None) -> int:
    value = (header or "t=").split(",")[0].removeprefix("t=")
    return int(value) if value.isdigit() else 0


def signature(header: str | None) -> str:
    return (header or "").partition(",")[2]


def replay_one(hooks: Hooks, contract: Target) -> tuple[str | None, str | None] | None:
    """Replay one delivery 5 s (mock time) later: (original header, replayed header)."""
    assert contract.control is not None
    listed = contract.control.deliveries(
        endpoint_id=hooks.endpoint_id, status="delivered", include_attempts="true", limit=1
    )
    if not listed or not listed[0].get("attempts"):
        return None
    sent = {k.lower(): v for k, v in listed[0]["attempts"][0]["request_headers"].items()}
    count = len(hooks.receiver.at("/aptoria"))
    contract.control.advance(5)
    try:
        contract.control.replay(listed[0]["id"])
        contract.control.deliver_due()
        got = hooks.receiver.wait_for("/aptoria", count + 1)
    finally:
        contract.control.restore_clock()
    if len(got) <= count:
        return None
    return sent.get(HEADER), got[-1].header(HEADER)


def test_aptoria_webhook_payloads(hooks: Hooks, findings: Findings) -> None:
    """Each body is the documented envelope, its payload as the spec's x-webhooks schema says."""
    for delivery in hooks.deliveries:
        body = body_of(delivery)
        event = event_of(delivery)
        if event not in KINDS:
            findings.add(event, f"not a documented event kind: {json.dumps(body)[:120]}")
            continue
        response_like = {
            "content": spec(API)["x-webhooks"][event]["post"]["requestBody"]["content"]
        }
        for problem in schema_problems(API, response_like, body):
            findings.add(event, problem)
    findings.done()


def test_aptoria_bad_deliveries_are_rejected(hooks: Hooks, findings: Findings) -> None:
    """On a delivery that verifies: a correct receiver accepts it once, and rejects it tampered,
    re-stamped, under another secret, stale, from the future, or replayed."""
    good = [
        d
        for d in hooks.deliveries
        if AptoriaReceiver([hooks.secret]).reject_reason(d.body, d.header(HEADER), None) is None
    ]
    if not good:
        pytest.skip("no delivery verified (the signature check reports why)")
    delivery = good[0]
    header = delivery.header(HEADER) or ""
    t = int(header.split(",")[0][2:])
    receiver = AptoriaReceiver([hooks.secret])
    findings.expect(
        receiver.reject_reason(delivery.body, header, t) is None,
        "original",
        "a correct receiver refused the genuine delivery",
    )
    flipped = bytes([delivery.body[0] ^ 1]) + delivery.body[1:]
    cases = {
        "replayed": (receiver, delivery.body, header, t),
        "tampered body": (AptoriaReceiver([hooks.secret]), flipped, header, t),
        "re-stamped t": (
            AptoriaReceiver([hooks.secret]),
            delivery.body,
            header.replace(f"t={t}", f"t={t + 1}", 1),
            t + 1,
        ),
        "other secret": (AptoriaReceiver([hooks.secret + "x"]), delivery.body, header, t),
        "stale": (AptoriaReceiver([hooks.secret]), delivery.body, header, t + TOLERANCE + 1),
        "future": (AptoriaReceiver([hooks.secret]), delivery.body, header, t - TOLERANCE - 1),
    }
    for name, (checker, body, head, now) in cases.items():
        findings.expect(
            checker.reject_reason(body, head, now) is not None,
            name,
            "a correct receiver would accept it: the signature does not protect it",
        )
    findings.done()
