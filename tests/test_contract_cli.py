"""`propmock contract` and real-target mode: clear failures; read-only, budgeted, polite runs."""

# `propmock contract` and the suite's real-target mode: fast, clear failures for unusable
# targets; read-only, budgeted and 429-honouring runs against a base URL.

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_server.settings import Settings
from mock_server.testing import RunningServer, server_in_thread
from tests.contract_run import LIGHT, REPO, run_suite

# Outside the default run for now (see pyproject's addopts): with the rest of the contract
# tests it would take the suite past its time budget; `pytest -m slow` runs them.
pytestmark = pytest.mark.slow

READS = {"GET", "HEAD", "OPTIONS", "TRACE"}


def propmock(
    *args: str, cwd: Path = REPO, env: dict[str, str] | None = None, timeout: float = 600
) -> tuple[int, str, float]:
    """`propmock contract ARGS` (as `python -m mock_server.cli`: the package need not be
    installed); `env` replaces the environment (the checkout stays importable)."""
    env = {**(os.environ if env is None else env), "PYTHONPATH": str(REPO)}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "mock_server.cli", "contract", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    return done.returncode, done.stdout + done.stderr, time.monotonic() - started


@pytest.fixture(scope="module")
def mock() -> Iterator[RunningServer]:
    limits = {
        "rentengine": {"enabled": True, "rules": [{"name": "w", "limit": 8, "window": 2}]},
        "aptoria": {"enabled": False},
    }
    with server_in_thread(Settings(rate_limits=limits)) as server:
        yield server


def demo_token(server: RunningServer, api: str) -> str:
    apis = httpx.get(server.root + "/_propmock/apis").json()
    return str(next(c for a in apis if a["name"] == api for c in a["credentials"])["token"])


def journal(server: RunningServer, api: str) -> list[dict[str, Any]]:
    entries = httpx.get(server.root + "/_propmock/journal", params={"api": api, "limit": 10000})
    return list(entries.json())


def test_an_unreachable_target_fails_fast_and_clearly() -> None:
    code, output, seconds = propmock("--api", "aptoria", "--base-url", "http://127.0.0.1:9/")
    assert code != 0
    assert seconds < 10, f"took {seconds:.1f} s"
    assert "cannot reach aptoria at http://127.0.0.1:9" in output
    assert "Traceback" not in output


def test_a_wrong_base_url_and_a_missing_token_are_named(mock: RunningServer) -> None:
    code, output, _ = propmock(
        "--api", "aptoria", "--base-url", mock.root + "/nowhere", env={"PATH": "/usr/bin:/bin"}
    )
    assert code == 4 and "does not look like the aptoria API" in output, output
    code, output, _ = propmock(
        "--api", "aptoria", "--base-url", mock.url("aptoria"), env={"PATH": "/usr/bin:/bin"}
    )
    assert code == 4 and "no credential for aptoria: set APTORIA_API_KEY" in output, output


def test_propmock_contract_passes_options_to_pytest(mock: RunningServer, tmp_path: Path) -> None:
    code, output, _ = propmock(
        "--mock-url",
        mock.root,
        "--api",
        "keynest",
        "--phases",
        "examples",
        "-k",
        "auth",
        cwd=tmp_path,
    )
    assert code == 0, output
    assert (tmp_path / "reports" / "contract-junit.xml").is_file()
    assert "auth:keynest" in (tmp_path / "reports" / "contract-summary.txt").read_text()
    code, output, _ = propmock(
        "--mock-url",
        mock.root,
        "--api",
        "keynest",
        "--phases",
        "examples",
        "-k",
        "nothing",
        cwd=tmp_path,
    )
    assert code == 5, output  # pytest's "nothing ran": a failure for CI too


def run_as_real_target(
    mock: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, api: str, *args: str
) -> Any:
    """The suite against `api` on the mock given as a --base-url (a real target, read-only),
    with the demo token in the environment and the journal cleared first."""
    monkeypatch.setenv(f"{api.upper()}_TOKEN", demo_token(mock, api))
    httpx.delete(mock.root + "/_propmock/journal")
    return run_suite(tmp_path, "--api", api, "--base-url", mock.url(api), *args, *LIGHT)


def test_a_real_target_is_only_read(
    mock: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = run_as_real_target(mock, tmp_path, monkeypatch, "keynest")
    assert run.code == 0, run.output[-3000:]
    assert (
        "test_keynest_conformance::test_keynest_conformance[GET /properties]"
        in run.with_outcome("passed")
    )
    skipped = run.with_outcome("skipped")
    assert "test_keynest_conformance::test_keynest_conformance[POST /properties]" in skipped
    assert "test_keynest_conformance::test_keynest_stateful" in skipped
    methods = {entry["method"] for entry in journal(mock, "keynest")}
    assert methods <= READS, f"a read-only run sent {methods - READS}"


def test_a_request_budget_stops_the_run(
    mock: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = run_as_real_target(mock, tmp_path, monkeypatch, "keynest", "--max-requests", "40")
    assert run.code == 0, run.output[-3000:]
    assert "request budget exhausted (--max-requests 40)" in run.output
    assert len(journal(mock, "keynest")) <= 40


def test_429s_are_waited_out(
    mock: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RentEngine here allows 8 requests per 2 s: the run meets 429s and still passes."""
    run = run_as_real_target(
        mock, tmp_path, monkeypatch, "rentengine", "-k", "conformance and (units or prospects)"
    )
    assert run.code == 0, run.output[-3000:]
    assert any(e["status"] == 429 for e in journal(mock, "rentengine"))
