"""Problems a check collects across operations, raised once with the first one as a curl line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from contract_tests.http import CURL_KEY, Http

SHOWN = 12  # problems listed in the failure message (the count covers them all)


@dataclass
class Problem:
    where: str
    message: str
    curl: str | None


class Findings:
    def __init__(self, http: Http, node: pytest.Item) -> None:
        self.http = http
        self.node = node
        self.problems: list[Problem] = []

    def add(self, where: str, message: str, response: Any = None, curl: str | None = None) -> None:
        """`response` (an httpx one) or `curl` says how to reproduce the problem."""
        if curl is None and response is not None:
            curl = self.http.curl(response.request)
        self.problems.append(Problem(where, message, curl))

    def expect(
        self, ok: bool, where: str, message: str, response: Any = None, curl: str | None = None
    ) -> bool:
        if not ok:
            self.add(where, message, response, curl)
        return ok

    def done(self) -> None:
        if not self.problems:
            return
        first = next((p.curl for p in self.problems if p.curl), None)
        if first:
            self.node.stash[CURL_KEY] = first
        lines = [f"{len(self.problems)} problem(s):"]
        lines += [f"  {p.where}: {p.message}" for p in self.problems[:SHOWN]]
        if len(self.problems) > SHOWN:
            lines.append(f"  ... and {len(self.problems) - SHOWN} more")
        if first:
            lines.append(f"first failing request:\n  {first}")
        raise AssertionError("\n".join(lines))
