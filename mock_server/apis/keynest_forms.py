"""KeyNest Ontario forms: generate a form record plus a real PDF, read it, download the PDF."""

from __future__ import annotations

import base64
from typing import Any

from mock_server.apis.keynest_common import (
    FORM_PDFS,
    FORMS,
    PROPERTIES,
    TENANTS,
    WORKSPACES,
    KeyNestBase,
    check_dates,
    json_body,
)
from mock_server.apis.keynest_pdf import form_fields, render_form_pdf
from mock_server.errors import ApiError

DATE_FIELDS = ("terminationDate", "entryDate", "startDate", "endDate")


def form_record(
    form_id: str,
    kind: str,
    tenant: dict[str, Any],
    fields: dict[str, Any],
    created: str,
    serve: bool,
) -> dict[str, Any]:
    """The stored record (shared with the seeder); `pdfUrl` is added per request, because it
    depends on the host the client used."""
    record: dict[str, Any] = {
        "id": form_id,
        "type": kind,
        "status": "Served" if serve else "Generated",
        "tenantId": tenant["id"],
        "propertyId": tenant["propertyId"],
        "unitId": tenant["unitId"],
        "fields": fields,
        "createdAt": created,
    }
    if serve:
        record["servedAt"] = created
    return record


def pdf_record(form_id: str, pdf: bytes) -> dict[str, Any]:
    return {"id": form_id, "pdf": base64.b64encode(pdf).decode("ascii")}


class FormsMixin(KeyNestBase):
    def form_out(self, form: dict[str, Any]) -> dict[str, Any]:
        """The record with `pdfUrl` where the spec's examples show it (after `fields`)."""
        out = {k: v for k, v in form.items() if k not in ("createdAt", "servedAt")}
        out["pdfUrl"] = self.pdf_url(form["id"])
        out["createdAt"] = form["createdAt"]
        if "servedAt" in form:
            out["servedAt"] = form["servedAt"]
        return out

    async def create_form(self, id_: str, body: Any) -> tuple[dict[str, Any], int]:
        body = json_body(body)
        kind = id_  # the path segment is the form type here (see the spec's description)
        given = body.get("fields") or {}
        check_dates(given, DATE_FIELDS, "fields.")
        tenant = self.find(TENANTS, body["tenantId"], "Tenant")
        prop = self.store.get(self.api, PROPERTIES, tenant["propertyId"]) or {}
        workspace = self.store.get(self.api, WORKSPACES, self.workspace()) or {}
        form = form_record(
            self.ids.alnum("f", FORMS, 16),
            kind,
            tenant,
            form_fields(kind, given, tenant, self.today()),
            self.stamp(),
            bool(body.get("serve", False)),
        )
        pdf = render_form_pdf(form, tenant, prop, str(workspace.get("name", "")))
        with self.store.transaction():
            self.save(FORMS, form)
            self.save(FORM_PDFS, pdf_record(form["id"], pdf))
        return self.form_out(form), 201

    async def get_form(self, id_: str) -> dict[str, Any]:
        form = self.find(FORMS, id_, "Form")
        if self.role() == "tenant" and form["tenantId"] != self.caller().get("tenant_id"):
            # Inferred narrowing: a tenant reads only the forms served on them.
            raise ApiError(404, f"Form {id_} not found")
        return self.form_out(form)

    async def get_form_pdf(self, id_: str) -> tuple[bytes, int, dict[str, str]]:
        # Public, like a file-host link: the unguessable form id is the capability (inferred).
        # The id is a store key matched by the spec's pattern; nothing here touches the disk.
        stored = self.store.get(self.api, FORM_PDFS, id_)
        if stored is None:
            raise ApiError(404, f"Form {id_} not found")
        headers = {
            "Content-Type": "application/pdf",
            "Content-Disposition": f'inline; filename="{id_}.pdf"',
        }
        return base64.b64decode(stored["pdf"]), 200, headers
