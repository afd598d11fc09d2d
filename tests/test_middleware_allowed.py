"""VendorMiddleware remembers the methods each path allows: same answers, bounded memory."""

from __future__ import annotations

from typing import Any

import pytest

from mock_server import middleware
from mock_server.middleware import VendorMiddleware
from tests.conftest import make_app


@pytest.fixture(scope="module")
def services() -> Any:
    return make_app(validate_responses=False).services


def test_remembered_methods_are_the_services_answer(services: Any) -> None:
    vendor = VendorMiddleware(None, services)  # type: ignore[arg-type]
    paths = [
        "/rentengine/api/public/v1/units",
        "/rentengine/api/public/v1/units/123",
        "/rentengine/api/public/v1/lockboxes/generate_code",
        "/aptoria/api/ar-aging",
        "/keynest/v1/properties",
        "/nowhere",
    ]
    for _ in range(2):  # computed, then remembered
        for path in paths:
            assert vendor.allowed_methods(path) == services.allowed_methods(path), path
    assert vendor.allowed_methods(paths[0]) == ["GET", "HEAD", "POST"]


def test_the_memo_is_bounded(services: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(middleware, "ALLOWED_MEMO_SIZE", 10)
    vendor = VendorMiddleware(None, services)  # type: ignore[arg-type]
    for i in range(50):
        assert vendor.allowed_methods(f"/rentengine/api/public/v1/units/{i}") == ["GET", "HEAD"]
        assert len(vendor._allowed) <= 10
    long_path = "/rentengine/api/public/v1/units/" + "9" * 1000
    assert vendor.allowed_methods(long_path) == ["GET", "HEAD"]
    assert long_path not in vendor._allowed  # long paths are never kept
