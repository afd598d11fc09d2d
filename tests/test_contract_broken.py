"""The contract suite against broken mocks: each fault fails exactly the test meant for it."""

# The contract suite against deliberately broken mocks: each fault is caught by the test meant
# for it, and only there (the exact set of failing tests is asserted; the rest must pass).

from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.broken_targets import broken_mock
from tests.contract_run import LIGHT, Run, run_suite

PAGES = "test_rentengine_pagination::"
QUOTA = "test_rate_limits::"
HOOKS = "test_aptoria_webhooks::"
# fault -> (the API it breaks, the tests that must fail)
CAUGHT_BY = {
    "page-starts-late": ("rentengine", {PAGES + "test_walk_visits_every_item_in_stable_order"}),
    "page-repeats-item": ("rentengine", {PAGES + "test_pages_do_not_overlap"}),
    "default-limit-25": ("rentengine", {PAGES + "test_default_and_max_limit"}),
    "no-retry-after": (
        "aptoria",
        {
            QUOTA + "test_aptoria_minute_quota",
            QUOTA + "test_aptoria_hourly_quota",
            QUOTA + "test_aptoria_ai_quota",
        },
    ),
    "quota-off-by-one": ("aptoria", {QUOTA + "test_aptoria_minute_quota"}),
    "wrong-hmac": ("aptoria", {HOOKS + "test_aptoria_webhook_signatures"}),
    "stale-signature": ("aptoria", {HOOKS + "test_aptoria_webhook_timestamps"}),
    "revoked-key-works": ("aptoria", {"test_auth::test_auth[aptoria-revoked]"}),
    "scopes-ignored": ("aptoria", {"test_auth::test_auth[aptoria-under-scoped]"}),
    "any-auth-scheme": ("keynest", {"test_auth::test_auth[keynest-wrong-scheme]"}),
    "flat-error-body": ("keynest", {"test_error_shapes::test_error_shape[keynest-404]"}),
    "dashboard-drift": (
        "aptoria",
        {"test_aptoria_conformance::test_aptoria_conformance[GET /api/dashboard]"},
    ),
}
WORKERS = 2  # runs at once: each is a suite process plus a mock process


def run_against(fault: str, report_dir: Path) -> Run:
    with broken_mock(fault) as root:
        return run_suite(report_dir, "--mock-url", root, "--api", CAUGHT_BY[fault][0], *LIGHT)


@pytest.fixture(scope="module")
def runs() -> dict[str, tuple[Run, Path]]:
    """Every broken target's run, two at a time (they are independent processes)."""
    base = Path(tempfile.mkdtemp(prefix="propmock-broken-"))
    dirs = {fault: base / fault for fault in CAUGHT_BY}
    for folder in dirs.values():
        folder.mkdir()
    with ThreadPoolExecutor(WORKERS) as pool:
        futures = {fault: pool.submit(run_against, fault, dirs[fault]) for fault in CAUGHT_BY}
        return {fault: (future.result(), dirs[fault]) for fault, future in futures.items()}


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("fault", sorted(CAUGHT_BY))
def test_fault_is_caught_by_its_test_only(fault: str, runs: dict[str, tuple[Run, Path]]) -> None:
    run, folder = runs[fault]
    expected = CAUGHT_BY[fault][1]
    failed = run.with_outcome("failed", "error")
    assert failed == expected, (
        f"{fault}: expected exactly {sorted(expected)} to fail, got {sorted(failed)}\n"
        + run.output[-3000:]
    )
    assert run.code == 1
    assert len(run.with_outcome("passed")) > 20, "the rest of the suite must run and pass"
    summary = (folder / "contract-summary.txt").read_text()
    assert "FAILED" in summary and "curl " in summary, summary
    for test in expected:  # the JUnit XML carries each failure's request as a curl line
        assert run.properties[test].get("curl", "").startswith("curl "), test
