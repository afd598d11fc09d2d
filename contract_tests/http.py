"""Every request the suite sends: counted against the budget, 429s honoured, curl on demand."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from contract_tests.curl import curl_line

# The failing request of a test, as a curl line, for the report (set where the failure is seen).
CURL_KEY = pytest.StashKey[str]()


class Http:
    """One per run. `budget` caps requests (None: no cap); on real targets a 429 is waited
    out (its Retry-After, up to `max_wait`) and retried, so the suite never hammers a target."""

    def __init__(
        self,
        *,
        budget: int | None,
        honour_429: bool,
        max_wait: float,
        timeout: float,
        secrets: dict[str, str],
    ) -> None:
        self.budget = budget
        self.used = 0
        self.honour_429 = honour_429
        self.max_wait = max_wait
        self.timeout = timeout
        self.secrets = secrets  # token -> the environment variable a curl line shows instead
        self.client = httpx.Client(timeout=timeout, trust_env=False, follow_redirects=False)

    def close(self) -> None:
        self.client.close()

    def spend(self) -> None:
        if self.budget is not None and self.used >= self.budget:
            pytest.skip(f"request budget exhausted (--max-requests {self.budget})")
        self.used += 1

    def request(
        self, method: str, url: str, *, retry_429: bool = True, **kw: Any
    ) -> httpx.Response:
        while True:
            self.spend()
            response = self.client.request(method, url, **kw)
            if not (retry_429 and self._wait_out(response.status_code, response.headers)):
                return response

    def call_case(self, case: Any, **kw: Any) -> Any:
        """`case.call(**kw)` (a Schemathesis case) under the same budget and 429 rules."""
        kw.setdefault("timeout", self.timeout)
        while True:
            self.spend()
            response = case.call(**kw)
            if not self._wait_out(response.status_code, response.headers):
                return response

    def _wait_out(self, status: int, headers: Any) -> bool:
        if status != 429 or not self.honour_429:
            return False
        raw = headers.get("retry-after")
        if isinstance(raw, list):
            raw = raw[0] if raw else None
        try:
            wait = float(raw) if raw is not None else 1.0
        except ValueError:
            wait = 1.0
        if wait > self.max_wait:
            return False
        time.sleep(max(wait, 0.0))
        return True

    def curl(self, request: Any) -> str:
        """A curl line for an httpx or requests request (a response's `.request`)."""
        body = getattr(request, "content", None)
        if body is None:
            body = getattr(request, "body", None)
        return curl_line(
            request.method, str(request.url), dict(request.headers), body, self.secrets
        )
