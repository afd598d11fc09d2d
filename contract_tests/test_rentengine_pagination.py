"""RentEngine pagination: complete, disjoint, stable pages; limits; refused out-of-range values."""

# RentEngine pagination: pages visit every item once in a stable order, the short last page
# ends the walk, `limit` defaults to 50 and stops at 100, and out-of-range values are a 400.

from __future__ import annotations

from collections import Counter

import pytest

from contract_tests.calls import send
from contract_tests.findings import Findings
from contract_tests.paging import API, Pager, Walk, discover, paged_operations, query_for
from contract_tests.shapes import error_problems
from contract_tests.specs import operation
from contract_tests.target import Target

pytestmark = pytest.mark.contract(check="pagination", api=API)
REFERENCE_LIMIT = 100
MIN_ITEMS = 2  # fewer items than this cannot be paged


@pytest.fixture(scope="module")
def pagers(contract: Target) -> list[tuple[Pager, Walk]]:
    """Each list that returns at least MIN_ITEMS, with its reference walk (limit 100)."""
    found = discover(contract)
    out = []
    for op in paged_operations():
        pager = Pager(contract, op, query_for(op, found))
        reference = pager.walk(REFERENCE_LIMIT, max_items=300)
        if reference.error is None and len(reference.keys) >= MIN_ITEMS:
            out.append((pager, reference))
    if not out:
        pytest.skip("no RentEngine list holds enough items to page")
    return out


def small_limit(count: int) -> int:
    return 7 if count >= 15 else max(1, count // 3)


def test_walk_visits_every_item_in_stable_order(
    pagers: list[tuple[Pager, Walk]], findings: Findings
) -> None:
    for pager, reference in pagers:
        # To the end when the reference got there, else as far as the reference went.
        cap = None if reference.ended else len(reference.keys)
        walk = pager.walk(small_limit(len(reference.keys)), max_items=cap)
        seen = list(dict.fromkeys(walk.keys))
        want = reference.keys[: len(seen)] if not reference.ended else reference.keys
        if seen != want:
            missing = [k for k in want if k not in set(seen)]
            last = walk.pages[-1].response if walk.pages else None
            findings.add(
                pager.op.label,
                f"limit {walk.limit} pages do not give the limit-100 order: "
                f"{len(missing)} item(s) never visited (first {missing[:3]})",
                last,
            )
    findings.done()


def test_pages_do_not_overlap(pagers: list[tuple[Pager, Walk]], findings: Findings) -> None:
    for pager, reference in pagers:
        walk = pager.walk(small_limit(len(reference.keys)), max_items=len(reference.keys))
        twice = [k for k, n in Counter(walk.keys).items() if n > 1]
        if twice:
            page = next(p for p in walk.pages if twice[0] in p.keys and p.number > 0)
            findings.add(
                pager.op.label,
                f"{len(twice)} item(s) on two pages (first "
                f"{twice[0]!r}, again on page {page.number})",
                page.response,
            )
    findings.done()


def test_short_last_page_ends_the_walk(
    pagers: list[tuple[Pager, Walk]], findings: Findings
) -> None:
    for pager, reference in pagers:
        if not reference.ended:
            continue  # a list too long to walk to its end here
        walk = pager.walk(small_limit(len(reference.keys)))
        if not walk.ended:
            findings.add(pager.op.label, f"no short page within {len(walk.pages)} pages")
            continue
        last = walk.pages[-1]
        after = pager.fetch(last.number + 1, walk.limit)
        if isinstance(after, str) or after.keys:
            findings.add(
                pager.op.label,
                f"the page after the short page {last.number} is not empty",
                getattr(after, "response", None),
            )
        for i, page in enumerate(walk.pages):
            if page.has_more is None:
                continue
            more = any(p.keys for p in walk.pages[i + 1 :])
            if page.has_more != more or page.next_page != (page.number + 1 if more else None):
                findings.add(
                    pager.op.label,
                    f"page {page.number}: has_more={page.has_more}, "
                    f"next_page_number={page.next_page}",
                    page.response,
                )
    findings.done()


@pytest.fixture(scope="module")
def long_units(contract: Target) -> Pager:
    """/units holding over 100 items: on the mock, topped up with inserted units."""
    pager = Pager(contract, operation(API, "list_units"), {})
    count = len(pager.walk(REFERENCE_LIMIT, max_items=REFERENCE_LIMIT + 1).keys)
    if count <= REFERENCE_LIMIT and not contract.is_mock:
        pytest.skip(
            "needs a list of over 100 items (the mock is topped up; real targets are only read)"
        )
    upsert = operation(API, "upsert_unit")
    account = discover(contract).get("accountId")
    body = {**upsert.body_example(), **({"account_id": account} if account else {})}
    for _ in range(REFERENCE_LIMIT + 1 - count):
        created = send(contract, upsert, contract.auth(API), body=body)
        assert created.status_code == 201, f"topping up /units: {created.status_code}"
    return pager


def test_default_and_max_limit(long_units: Pager, findings: Findings) -> None:
    reference = long_units.walk(REFERENCE_LIMIT, max_items=2 * REFERENCE_LIMIT)
    for limit, want in ((None, 50), (REFERENCE_LIMIT, REFERENCE_LIMIT)):
        page = long_units.fetch(None if limit is None else 0, limit)
        if isinstance(page, str):
            findings.add("GET /units", page)
            continue
        label = "no limit" if limit is None else f"limit={limit}"
        if page.keys != reference.keys[:want]:
            findings.add(
                "GET /units",
                f"{label}: {len(page.keys)} items, expected the first {want}",
                page.response,
            )
    findings.done()


OUT_OF_RANGE = [
    {"limit": "0"},
    {"limit": "101"},
    {"limit": "-1"},
    {"limit": "ten"},
    {"page_number": "-1"},
    {"page_number": "first"},
]


def test_out_of_range_values_are_refused(findings: Findings, contract: Target) -> None:
    found = discover(contract)
    for op in paged_operations():
        for query in OUT_OF_RANGE:
            response = send(
                contract, op, contract.auth(API), query={**query_for(op, found), **query}
            )
            where = f"{op.label}?{'&'.join(f'{k}={v}' for k, v in query.items())}"
            if findings.expect(
                response.status_code == 400,
                where,
                f"expected 400, got {response.status_code}",
                response,
            ):
                for problem in error_problems(API, response, op):
                    findings.add(where, problem, response)
    findings.done()
