"""Fuzzing in CI: Schemathesis, every phase and check, positive and negative data, over each
whole spec on a real `propmock serve`: at least 1,000 cases per API and no failure."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from mock_server.settings import SHARED_BASES
from mock_server.testing import server_process

ROOT = Path(__file__).resolve().parent.parent
ST = str(Path(sys.executable).with_name("st"))
# Per-API settings: RentEngine and KeyNest have a config (peers for object-level
# authorization, sign-in for KeyNest since its own DELETE /auth/session revokes a fixed
# token); Aptoria sends the demo key. Example counts reach >= 1,000 cases per API. There is no
# `--max-time`: with one, Schemathesis keeps cycling its phases until the budget is spent (each
# run would last the whole budget); the bound is the subprocess timeout below.
RUNS = {
    "rentengine": (["--config-file", "fixtures/rentengine/schemathesis.toml"], 2),
    "aptoria": ([], 2),
    "keynest": (["--config-file", "fixtures/keynest/schemathesis.toml"], 2),
}


@pytest.mark.parametrize("api", list(RUNS))
def test_schemathesis_finds_no_failure(api, tmp_path):
    config, examples = RUNS[api]
    with server_process("--rate-limits", "off", timeout=60) as (server, _):
        headers: list[str] = []
        if api == "aptoria":
            apis = httpx.get(f"{server.root}/_propmock/apis").json()
            key = next(a for a in apis if a["name"] == "aptoria")["credentials"][0]["token"]
            headers = ["-H", f"Authorization: Bearer {key}"]
        cmd = [
            ST,
            *config,
            "run",
            f"{server.root}{SHARED_BASES[api]}/openapi.json",
            "--checks",
            "all",
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--mode",
            "all",
            "--max-examples",
            str(examples),
            "--seed",
            "1",
            "--generation-deterministic",
            "--no-color",
            "--report",
            "junit",
            "--report-junit-path",
            str(tmp_path / "junit.xml"),
            *headers,
        ]
        result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=280)
    summary = "\n".join(result.stdout.splitlines()[-12:])
    assert result.returncode == 0, result.stdout[-6000:]
    counts = re.search(r"(\d+) generated, (\d+) passed", result.stdout)
    assert counts, summary
    generated, passed = int(counts.group(1)), int(counts.group(2))
    assert generated >= 1000, summary
    assert passed == generated, summary
    assert "failed" not in summary.lower(), summary
