"""Runs the contract suite in a subprocess and reads each test's outcome from its JUnit XML."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# A lighter conformance for runs that only need every check to run once: the coverage phase
# (hundreds of boundary cases per operation) is what `pytest contract_tests` adds.
LIGHT = ("--phases", "examples,fuzzing", "--examples", "4", "--stateful-examples", "3")


@dataclass
class Run:
    code: int
    outcomes: dict[str, str]  # "module::test[id]" -> passed | failed | error | skipped
    output: str
    seconds: float
    properties: dict[str, dict[str, str]]  # JUnit <property> values per test (e.g. "curl")

    def with_outcome(self, *outcomes: str) -> set[str]:
        return {test for test, outcome in self.outcomes.items() if outcome in outcomes}


def read_junit(junit: Path) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Outcome and properties of each test case in a JUnit XML file."""
    outcomes, properties = {}, {}
    for case in ET.parse(junit).iter("testcase"):
        test = f"{case.get('classname', '').rsplit('.', 1)[-1]}::{case.get('name')}"
        outcome = "passed"
        for tag in ("failure", "error", "skipped"):
            if case.find(tag) is not None:
                outcome = {"failure": "failed"}.get(tag, tag)
                break
        outcomes[test] = outcome
        properties[test] = {p.get("name", ""): p.get("value", "") for p in case.iter("property")}
    return outcomes, properties


def run_suite(report_dir: Path, *args: str, timeout: float = 900) -> Run:
    """`pytest contract_tests ARGS`; its JUnit XML and summary go to `report_dir`."""
    junit = report_dir / "junit.xml"
    command = [
        sys.executable,
        "-m",
        "pytest",
        "contract_tests",
        "-p",
        "no:cacheprovider",
        "-q",
        "--assert=plain",
        "--junitxml",
        str(junit),
        "--contract-report",
        str(report_dir),
        *args,
    ]
    started = time.monotonic()
    done = subprocess.run(
        command,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    outcomes, properties = read_junit(junit) if junit.exists() else ({}, {})
    output = done.stdout + done.stderr
    return Run(done.returncode, outcomes, output, time.monotonic() - started, properties)
