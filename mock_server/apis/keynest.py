"""KeyNest API handlers: one method per operationId of specs/keynest.yaml, by resource module.

Behaviour the vendor's one-page docs leave open is inferred, and the spec says so per operation:
records are scoped to the session's workspace (another workspace's id is a 404), roles are
checked by the core from each operation's `x-allowed-roles` (403), and tenant and contractor
sessions are narrowed further to their own forms, tickets and job sites. Sessions live here;
each resource has its own mixin module.
"""

from __future__ import annotations

from typing import Any

from mock_server.apis.keynest_common import USERS, WORKSPACES, json_body, password_ok
from mock_server.apis.keynest_forms import FormsMixin
from mock_server.apis.keynest_properties import PropertiesMixin
from mock_server.apis.keynest_tenants import TenantsMixin
from mock_server.apis.keynest_tickets import TicketsMixin
from mock_server.errors import ApiError


def session_claims(membership: dict[str, Any], email: str) -> dict[str, Any]:
    """What a token carries: the role and workspace, plus what narrows a tenant's or a
    contractor's view (their tenant record, their company name). Shared with the seeder."""
    claims: dict[str, Any] = {
        "role": membership["role"],
        "workspace_id": membership["workspaceId"],
        "email": email,
    }
    for field, claim in (("tenantId", "tenant_id"), ("contractor", "contractor")):
        if membership.get(field):
            claims[claim] = membership[field]
    return claims


class KeyNestHandlers(PropertiesMixin, TenantsMixin, TicketsMixin, FormsMixin):
    """The handler object create_app binds the KeyNest spec to (see HANDLER_CLASSES)."""

    api = "keynest"

    # -- sessions (POST/DELETE /auth/session) ----------------------------------------------
    async def create_session(self, body: Any) -> tuple[dict[str, Any], int]:
        body = json_body(body)
        email = str(body["email"]).strip().lower()
        users = self.store.list(self.api, USERS, where={"email": email}, limit=1)
        # One message for an unknown email and a wrong password: no account enumeration.
        if not users or not password_ok(users[0], str(body["password"])):
            raise ApiError(401, "Invalid email or password")
        user = users[0]
        memberships: list[dict[str, Any]] = user.get("memberships", [])
        workspace_id = body.get("workspaceId")
        if workspace_id is not None and self.store.get(self.api, WORKSPACES, workspace_id) is None:
            raise ApiError(404, f"Workspace {workspace_id} not found")
        # Inferred: without workspaceId, the user's only or first workspace (as the spec says).
        workspace_id = workspace_id or (memberships[0]["workspaceId"] if memberships else None)
        role = body["role"]
        membership = next(
            (m for m in memberships if m["workspaceId"] == workspace_id and m["role"] == role),
            None,
        )
        if membership is None:
            raise ApiError(
                403, f"This user does not hold the {role} role in workspace {workspace_id}"
            )
        issued = self.services.auth.issue(
            self.api, user["id"], session_claims(membership, user["email"]), "session"
        )
        return {
            "token": issued["token"],
            "user": {
                "id": user["id"],
                "role": role,
                "email": user["email"],
                "workspaceId": workspace_id,
            },
        }, 201

    async def revoke_session(self) -> dict[str, Any]:
        # The core's checker already refused a missing, unknown or revoked token with a 401.
        self.services.auth.revoke(str(self.caller()["token_id"]))
        return {"ok": True}
