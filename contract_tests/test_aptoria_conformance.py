"""Aptoria conformance: every operation under every Schemathesis check, then stateful runs."""

from __future__ import annotations

from typing import Any

import pytest

from contract_tests.conformance import run_case, run_stateful, schema_for
from contract_tests.target import Target

API = "aptoria"
schema = schema_for(API)


@pytest.mark.contract(check="conformance", api=API)
@schema.parametrize()
def test_aptoria_conformance(case: Any, contract: Target, request: pytest.FixtureRequest) -> None:
    run_case(contract, API, case, request.node)


@pytest.mark.contract(check="stateful", api=API)
@pytest.mark.writes
def test_aptoria_stateful(contract: Target, request: pytest.FixtureRequest) -> None:
    run_stateful(contract, API, request.node)
