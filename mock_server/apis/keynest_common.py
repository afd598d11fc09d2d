"""What every KeyNest handler mixin shares: the caller's workspace and role, scoped reads, dates."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date
from typing import Any

from mock_server.apis.base import ApiHandlers
from mock_server.errors import ApiError

# Store kinds. Users and workspaces are internal (no operation lists them); form PDFs live apart
# from the form records so that reading or listing forms never loads the PDF bytes.
PROPERTIES, TENANTS, PAYMENTS, TICKETS, FORMS = (
    "properties",
    "tenants",
    "payments",
    "tickets",
    "forms",
)
USERS, WORKSPACES, FORM_PDFS = "users", "workspaces", "form_pdfs"

DEMO_PASSWORD = "propmock"  # every seeded user's password; documented in the spec description


def password_hash(user_id: str, password: str) -> str:
    """Salted SHA-256 (salt = user id): enough for a mock whose passwords are public anyway."""
    return hashlib.sha256(f"keynest:{user_id}:{password}".encode()).hexdigest()


def password_ok(user: dict[str, Any], password: str) -> bool:
    return hmac.compare_digest(
        str(user.get("passwordHash", "")), password_hash(user["id"], password)
    )


def parse_date(value: str, field: str) -> date:
    """A calendar date the schema's pattern let through but the calendar may not (2026-02-30)."""
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ApiError(400, f"'{value}' is not a valid date - '{field}'") from None


def json_body(body: Any) -> dict[str, Any]:
    """The validated JSON object, or 415. Connexion validates a body only when the request names
    a content type: with no Content-Type header at all the raw bytes reach the handler unchecked."""
    if not isinstance(body, dict):
        raise ApiError(415, "Invalid Content-type (), expected ['application/json']")
    return body


def check_dates(body: dict[str, Any], fields: tuple[str, ...], where: str = "") -> None:
    """400 for an impossible date in any of `fields` (Connexion's draft-4 checker skips `date`)."""
    for field in fields:
        if isinstance(body.get(field), str):
            parse_date(body[field], where + field)


class KeyNestBase(ApiHandlers):
    """Every record is stored with owner = its workspace id; reads outside it are 404s."""

    api = "keynest"

    # -- the session -----------------------------------------------------------------------
    def workspace(self) -> str:
        return str(self.caller().get("workspace_id") or "")

    def role(self) -> str:
        return str(self.caller().get("role") or "")

    def today(self) -> date:
        return self.clock.now().date()

    def stamp(self) -> str:
        """KeyNest stamps are calendar dates (the docs' only example: "createdAt": "2026-05-26")."""
        return self.today().isoformat()

    # -- records in the caller's workspace -------------------------------------------------
    def find(self, kind: str, id: str, what: str) -> dict[str, Any]:
        """The record, or 404 when it does not exist or belongs to another workspace."""
        record = self.store.get(self.api, kind, id)
        if record is None or self.store.owner_of(self.api, kind, id) != self.workspace():
            raise ApiError(404, f"{what} {id} not found")
        return record

    def save(self, kind: str, record: dict[str, Any]) -> dict[str, Any]:
        return self.store.put(self.api, kind, record["id"], record, owner=self.workspace())

    def scoped(self, kind: str, **where: Any) -> list[dict[str, Any]]:
        """Records of the caller's workspace, oldest first; None-valued filters are not applied."""
        wanted = {k: v for k, v in where.items() if v is not None}
        return self.store.list(self.api, kind, where=wanted, owners=[self.workspace()])

    def pdf_url(self, form_id: str) -> str:
        """Absolute, on this mock (the real API links to https://files.keynest.app/...)."""
        return f"{self.base_url()}{self.services.base_path(self.api)}/forms/{form_id}/pdf"
