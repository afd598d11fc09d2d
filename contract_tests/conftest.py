"""Loads the contract plugin (options, target, reports) for this directory's tests."""

from __future__ import annotations

from contract_tests.plugin import (  # noqa: F401  (pytest finds hooks and fixtures by name)
    contract,
    findings,
    pytest_addoption,
    pytest_collection_modifyitems,
    pytest_configure,
    pytest_ignore_collect,
    pytest_sessionfinish,
    pytest_sessionstart,
    pytest_unconfigure,
)
