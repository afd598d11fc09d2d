"""Rate limits at the boundary: the quota, the 429 body and an exact Retry-After."""

# Rate limits at the boundary: the quota's last request passes, the next is a 429 with the
# vendor's body and a Retry-After that is exact (one second less is still refused, waiting it out
# lets the next request through). On the mock the clock is frozen and advanced; on a real target
# only with --probe-rate-limits, waiting in real time.

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from contract_tests.calls import send
from contract_tests.findings import Findings
from contract_tests.shapes import body_of, error_problems
from contract_tests.specs import Operation, operation, operations
from contract_tests.target import Target

pytestmark = pytest.mark.probes_rate_limits
APTORIA = pytest.mark.contract(check="rate-limits", api="aptoria")
RENTENGINE = pytest.mark.contract(check="rate-limits", api="rentengine")
APTORIA_MESSAGE = re.compile(r"^Rate limit exceeded \u2014 try again in ([0-9]+) seconds?\.$")


@pytest.fixture
def frozen(contract: Target) -> Iterator[None]:
    if contract.control is not None:
        contract.control.freeze()
    try:
        yield
    finally:
        if contract.control is not None:
            contract.control.restore_clock()


def fresh(contract: Target, api: str) -> str:
    """A credential whose quota nothing else has spent (the mock issues one)."""
    if contract.is_mock:
        return str(contract.fresh_token(api)["token"])
    return contract.apis[api].token or ""


def wait(contract: Target, seconds: float) -> None:
    if contract.control is not None:
        contract.control.advance(seconds)
    else:
        time.sleep(seconds)


def retry_after(response: Any) -> int | None:
    try:
        return int(response.headers.get("retry-after", ""))
    except ValueError:
        return None


def check_429(api: str, op: Operation, response: Any, findings: Findings, limit: int) -> int:
    """The 429's body and headers; returns Retry-After (0 when unusable)."""
    where = f"{op.label} #{limit + 1}"
    if not findings.expect(
        response.status_code == 429,
        where,
        f"request {limit + 1} within the window: expected 429, got {response.status_code}",
        response,
    ):
        return 0
    for problem in error_problems(api, response, op):
        findings.add(where, problem, response)
    seconds = retry_after(response)
    findings.expect(
        seconds is not None and seconds >= 1,
        where,
        f"Retry-After must be whole seconds >= 1, got {response.headers.get('retry-after')!r}",
        response,
    )
    body = body_of(response)
    if api == "aptoria" and isinstance(body, dict):
        match = APTORIA_MESSAGE.match(str(body.get("error")))
        findings.expect(
            match is not None and int(match.group(1)) == seconds,
            where,
            f"expected 'Rate limit exceeded \u2014 try again in {seconds} "
            f"seconds.', got {body.get('error')!r}",
            response,
        )
    if api == "rentengine":
        findings.expect(
            response.headers.get("x-ratelimit-limit") == str(limit),
            where,
            f"X-Ratelimit-Limit should say {limit}",
            response,
        )
    return seconds or 0


def boundary(
    contract: Target, api: str, op: Operation, limit: int, findings: Findings, token: str, **kw: Any
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    response = None
    for i in range(limit + 1):
        response = send(contract, op, headers, retry_429=False, **kw)
        if response.status_code == 429:
            # A real key may have spent some quota already; the mock's fresh one has not.
            findings.expect(
                i == limit or not contract.is_mock,
                f"{op.label} #{i + 1}",
                f"429 after only {i} requests (quota {limit})",
                response,
            )
            break
    seconds = check_429(api, op, response, findings, limit)
    if seconds > contract.options.max_retry_wait and not contract.is_mock:
        pytest.skip(f"Retry-After {seconds} s is over --max-retry-wait")
    if seconds > 1 and contract.is_mock:
        wait(contract, seconds - 1)
        early = send(contract, op, headers, retry_429=False, **kw)
        findings.expect(
            early.status_code == 429,
            f"{op.label} after {seconds - 1} s",
            f"accepted a second before Retry-After ({early.status_code})",
            early,
        )
        seconds = 1
    if seconds:
        wait(contract, seconds)
        after = send(contract, op, headers, retry_429=False, **kw)
        findings.expect(
            after.status_code != 429,
            f"{op.label} after Retry-After",
            f"still refused after waiting Retry-After ({after.status_code})",
            after,
        )
    findings.done()


def cheap_read(api: str) -> Operation:
    """A protected list with no required parameters (asked for one item: the quota counts
    requests, and a small answer keeps a thousand of them fast)."""
    return next(
        op
        for op in operations(api)
        if op.method == "GET"
        and op.protected
        and "{" not in op.path
        and "limit" in {p["name"] for p in op.parameters()}
        and not any(p.get("required") for p in op.parameters())
    )


ONE = {"limit": "1"}


@APTORIA
def test_aptoria_minute_quota(contract: Target, frozen: None, findings: Findings) -> None:
    token = fresh(contract, "aptoria")
    boundary(contract, "aptoria", cheap_read("aptoria"), 60, findings, token, query=ONE)


@RENTENGINE
def test_rentengine_window_quota(contract: Target, frozen: None, findings: Findings) -> None:
    boundary(
        contract,
        "rentengine",
        cheap_read("rentengine"),
        30,
        findings,
        fresh(contract, "rentengine"),
        query=ONE,
    )


@APTORIA
@pytest.mark.needs_control
def test_aptoria_hourly_quota(contract: Target, frozen: None, findings: Findings) -> None:
    """1000 an hour: 16 minutes of 60 and one of 40, then the 1001st is refused."""
    op, token = cheap_read("aptoria"), fresh(contract, "aptoria")
    headers = {"Authorization": f"Bearer {token}"}
    for minute in range(17):
        for i in range(60 if minute < 16 else 40):
            response = send(contract, op, headers, retry_429=False, query=ONE)
            if not findings.expect(
                response.status_code != 429,
                f"{op.label} m{minute} #{i}",
                "refused under the hourly quota",
                response,
            ):
                findings.done()
        wait(contract, 60)
    last = send(contract, op, headers, retry_429=False, query=ONE)
    check_429("aptoria", op, last, findings, 1000)
    findings.done()


@APTORIA
@pytest.mark.needs_control
def test_aptoria_ai_quota(contract: Target, frozen: None, findings: Findings) -> None:
    """The delinquency prioritizer's documented 10 an hour, on top of the key's quota."""
    op = operation("aptoria", "ai_delinquency_prioritizer")
    boundary(contract, "aptoria", op, 10, findings, fresh(contract, "aptoria"))
