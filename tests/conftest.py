"""Shared fixtures: an in-process app with response validation on, and its demo credentials."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
# Every app the suite builds (and every server it starts) seeds from scratch, so determinism
# tests compare real seeds, and nothing is written to the user's cache. Tests that turn the
# seed cache on (test_seed_cache.py) get this process's private folder, removed at exit.
os.environ["PROPMOCK_SEED_CACHE"] = "off"
os.environ["PROPMOCK_CACHE_DIR"] = tempfile.mkdtemp(prefix="propmock-test-cache-")
atexit.register(shutil.rmtree, os.environ["PROPMOCK_CACHE_DIR"], True)

from mock_server.app import create_app  # noqa: E402
from mock_server.settings import SHARED_BASES, Settings  # noqa: E402
from mock_server.state.seed import demo_credentials  # noqa: E402


def make_app(**overrides: Any) -> Any:
    """An app with response validation on: a handler returning a body its spec does not
    allow fails the test with a 500 instead of passing silently."""
    overrides.setdefault("validate_responses", True)
    overrides.setdefault(
        "rate_limits", {"rentengine": {"enabled": False}, "aptoria": {"enabled": False}}
    )
    return create_app(Settings(**overrides))


class ApiClient:
    """A test client bound to one API's base path and demo credential."""

    def __init__(self, client: Any, api: str, token: str) -> None:
        self.client, self.api, self.token = client, api, token
        self.base = SHARED_BASES[api]

    def request(self, method: str, path: str, *, token: str | None = "demo", **kw: Any) -> Any:
        headers = dict(kw.pop("headers", {}) or {})
        if token is not None:
            headers.setdefault(
                "Authorization", f"Bearer {self.token if token == 'demo' else token}"
            )
        return self.client.request(method, self.base + path, headers=headers, **kw)

    def get(self, path: str, **kw: Any) -> Any:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Any:
        return self.request("POST", path, **kw)

    def patch(self, path: str, **kw: Any) -> Any:
        return self.request("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.request("DELETE", path, **kw)


@pytest.fixture(scope="module")
def app() -> Any:
    return make_app()


@pytest.fixture(scope="module")
def client(app: Any) -> Iterator[Any]:
    with app.test_client() as c:
        yield c


def demo_token(app: Any, api: str) -> str:
    return next(c["token"] for c in demo_credentials(app.services) if c["api"] == api)


@pytest.fixture(scope="module")
def rentengine(app: Any, client: Any) -> ApiClient:
    return ApiClient(client, "rentengine", demo_token(app, "rentengine"))


@pytest.fixture(scope="module")
def aptoria(app: Any, client: Any) -> ApiClient:
    return ApiClient(client, "aptoria", demo_token(app, "aptoria"))


@pytest.fixture(scope="module")
def keynest(app: Any, client: Any) -> ApiClient:
    return ApiClient(client, "keynest", demo_token(app, "keynest"))
