"""The readable summary per check, with each first failure as a curl line."""

# The readable summary: per check, what passed, failed and was skipped, and each first failure
# as a curl line; printed at the end of the run and written next to the JUnit XML.

from __future__ import annotations

from collections import defaultdict
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from contract_tests.http import CURL_KEY

CHECKS = (
    "conformance",
    "stateful",
    "pagination",
    "auth",
    "rate-limits",
    "webhooks",
    "error-shapes",
)


def item_check(item: pytest.Item) -> tuple[str, str | None]:
    marker = item.get_closest_marker("contract")
    check = str(marker.kwargs.get("check") if marker else "other")
    api = marker.kwargs.get("api") if marker else None
    callspec = getattr(item, "callspec", None)
    if api is None and callspec is not None:
        api = callspec.params.get("api")
    return check, api


@dataclass
class Row:
    passed: int = 0
    failed: list[tuple[str, str, str | None]] = field(default_factory=list)  # id, line, curl
    skipped: dict[str, int] = field(default_factory=lambda: defaultdict(int))


class Summary:
    def __init__(self, target_description: str, report_dir: str, http: Any = None) -> None:
        self.description = target_description
        self.http = http  # for the request count
        self.report_dir = report_dir
        self.rows: dict[str, Row] = defaultdict(Row)
        self.created = 0  # records a real run made (--allow-writes) ...
        self.left_behind: list[str] = []  # ... and those it could not delete

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: Any) -> Generator[None, Any, None]:
        outcome = yield
        report = outcome.get_result()
        check, api = item_check(item)
        report.contract_check = f"{check}:{api}" if api else check
        if report.when == "call" and report.failed and CURL_KEY in item.stash:
            # The item's properties reach the JUnit XML (with the teardown report).
            item.user_properties.append(("curl", item.stash[CURL_KEY]))
            report.user_properties.append(("curl", item.stash[CURL_KEY]))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        check = getattr(report, "contract_check", None)
        if check is None:
            return
        row = self.rows[check]
        if report.failed:
            curl = next((str(v) for k, v in report.user_properties if k == "curl"), None)
            row.failed.append((report.nodeid, _first_line(report), curl))
        elif report.skipped:
            reason = str(report.longrepr[2] if isinstance(report.longrepr, tuple) else "")
            row.skipped[reason.removeprefix("Skipped: ")] += 1
        elif report.when == "call":
            row.passed += 1

    def render(self) -> str:
        sent = f" ({self.http.used} requests sent)" if self.http is not None else ""
        lines = [
            f"propmock contract summary: {self.description}{sent}",
            f"{'check':<26}{'passed':>7}{'failed':>7}{'skipped':>8}",
        ]
        order = {c: i for i, c in enumerate(CHECKS)}
        for name in sorted(self.rows, key=lambda n: (order.get(n.split(":")[0], 99), n)):
            row = self.rows[name]
            skipped = sum(row.skipped.values())
            lines.append(f"{name:<26}{row.passed:>7}{len(row.failed):>7}{skipped:>8}")
        for name, row in self.rows.items():
            if row.failed:
                nodeid, line, curl = row.failed[0]
                lines += ["", f"FAILED {name}: {nodeid}", f"  {line}"]
                if curl:
                    lines.append(f"  {curl}")
                if len(row.failed) > 1:
                    lines.append(f"  (+{len(row.failed) - 1} more failing test(s) in this check)")
        reasons: dict[str, int] = defaultdict(int)
        for row in self.rows.values():
            for reason, count in row.skipped.items():
                reasons[reason] += count
        if self.created:
            lines += [
                "",
                f"cleanup: created {self.created} record(s), {len(self.left_behind)} left behind",
            ]
            lines += [f"  {item}" for item in self.left_behind[:20]]
        if reasons:
            lines += ["", "skipped:"]
            lines += [f"  {count:>4} x {reason}" for reason, count in sorted(reasons.items())]
        return "\n".join(lines)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.rows:
            return
        text = self.render()
        terminalreporter.write_sep("=", "propmock contract summary")
        terminalreporter.write_line(text)
        path = Path(self.report_dir) / "contract-summary.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n")
        terminalreporter.write_line(f"summary written to {path}")


def _first_line(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    for line in text.splitlines():
        if line.strip() and "problem(s)" not in line:
            return line.strip()[:300]
    return text[:300]
