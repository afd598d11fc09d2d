"""The contract suite's vendor error-shape check, on bodies alone (no target needed)."""

from __future__ import annotations

from contract_tests.shapes import vendor_shape_problems


def test_keynest_conflict_must_carry_the_conflict_code():
    ok = {"error": {"code": "conflict", "message": "Property p_1 still has 1 tenant"}}
    assert vendor_shape_problems("keynest", 409, ok) == []
    wrong = {"error": {"code": "bad_request", "message": "Property p_1 still has 1 tenant"}}
    assert vendor_shape_problems("keynest", 409, wrong) == [
        "KeyNest code 'bad_request' for a 409 (documented: 'conflict')"
    ]
