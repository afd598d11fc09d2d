"""The whole contract suite against the mock it starts: every check passes, in time."""

# The whole contract suite, as `pytest contract_tests` runs it (it starts its own mock): every
# check of all three APIs passes, within the time budget, and writes its JUnit XML and summary.

from __future__ import annotations

from pathlib import Path

import pytest

from contract_tests.options import APIS
from contract_tests.specs import operations
from tests.contract_run import run_suite

CHECKS = (
    "conformance",
    "stateful",
    "pagination",
    "auth",
    "rate-limits",
    "webhooks",
    "error-shapes",
)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_suite_passes_against_the_mock(tmp_path: Path) -> None:
    run = run_suite(tmp_path)
    failed = run.with_outcome("failed", "error")
    assert run.code == 0 and not failed, f"{sorted(failed)}\n{run.output[-4000:]}"
    # One conformance test per operation of every spec, each passed.
    conformance = {t for t in run.outcomes if "_conformance[" in t}
    assert len(conformance) == sum(len(operations(api)) for api in APIS)
    # The only skip on the mock: RentEngine has no scopes to under-scope.
    assert run.with_outcome("skipped") == {"test_auth::test_auth[rentengine-under-scoped]"}
    summary = (tmp_path / "contract-summary.txt").read_text()
    for check in CHECKS:
        assert check in summary, summary
    assert run.seconds < 300, f"the suite took {run.seconds:.0f} s (budget 300 s)"
