"""Vendor error bodies: each API answers errors in its own documented (or inferred) shape."""

from __future__ import annotations

from typing import Any

# KeyNest documents no error body; this code-per-status shape is inferred.
KEYNEST_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable_entity",
    429: "rate_limited",
}


class ApiError(Exception):
    """Raised by handlers; the error middleware renders it in the vendor's shape."""

    def __init__(
        self,
        status: int,
        message: str,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details
        self.headers = headers or {}


def error_body(api: str | None, status: int, message: str, details: list[Any] | None = None) -> Any:
    """The body `api` sends for an error with this status and message."""
    if api == "rentengine":
        body: dict[str, Any] = {"error": message}
        if details:
            body["details"] = details
        return body
    if api == "keynest":
        return {"error": {"code": KEYNEST_CODES.get(status, "error"), "message": message}}
    # Aptoria documents {"error": "..."}; the control API and unknown paths use it too.
    return {"error": message}


def not_found(what: str, id: object) -> ApiError:
    return ApiError(404, f"{what} {id} not found")
