"""Aptoria leases (draft, sign, terminate) and rental applications (submit, approve, deny)."""

from __future__ import annotations

from typing import Any

from mock_server.apis.aptoria_base import (
    AptoriaBase,
    Record,
    optional_body,
    parse_date,
    parse_stamp,
    to_datetime,
)
from mock_server.apis.aptoria_ledger import (
    first_period,
    money,
    refresh_unit_status,
    schedule_billing,
)
from mock_server.errors import ApiError


class LeasingHandlers(AptoriaBase):
    # -- leases ---------------------------------------------------------------------------
    async def list_leases(
        self,
        limit: int = 50,
        offset: int = 0,
        property_id: str | None = None,
        unit_id: str | None = None,
        tenant_id: str | None = None,
        status: str | None = None,
    ) -> Record:
        self.sync()  # leases past their end date are `expired`
        found = [
            lease
            for lease in self.rows(
                "leases", property_id=property_id, unit_id=unit_id, status=status
            )
            if tenant_id is None or tenant_id in lease["tenant_ids"]
        ]
        return self.page(found, limit, offset, key=lambda r: r["created_at"], reverse=True)

    async def get_lease(self, lease_id: str) -> Record:
        self.sync()
        return self.find("leases", lease_id)

    async def create_lease(self, body: dict[str, Any]) -> tuple[Record, int]:
        start = parse_date(body["start_date"], "start_date")
        end = parse_date(body["end_date"], "end_date") if body.get("end_date") else None
        if end is not None and end <= start:  # 409: a rule the schema cannot express
            raise ApiError(409, "'end_date' must be after 'start_date'.")
        unit = self.find("units", body["unit_id"])
        for tenant_id in body["tenant_ids"]:
            self.find("tenants", tenant_id, status="active")  # removed tenants are 404s too
        lease = {
            "id": self.new_id("l", "leases"),
            "property_id": unit["property_id"],
            "unit_id": unit["id"],
            "tenant_ids": list(body["tenant_ids"]),
            "status": "draft",
            "start_date": start.isoformat(),
            "end_date": end.isoformat() if end else None,
            "monthly_rent_usd": money(body["monthly_rent_usd"]),
            "security_deposit_usd": money(body.get("security_deposit_usd", 0)),
            "rent_due_day": body.get("rent_due_day", 1),
            "signed_at": None,
            "terminated_at": None,
            "termination_date": None,
            "termination_reason": None,
            "created_at": self.now(),
        }
        return self.save("leases", lease), 201

    async def sign_lease(self, lease_id: str, body: object = None) -> Record:
        raw = optional_body(body).get("signed_at")
        signed_at = parse_stamp(raw, "signed_at") if raw is not None else self.now()
        lease = self.find("leases", lease_id)
        if lease["status"] != "draft":
            raise ApiError(
                409, f"Lease {lease_id} is {lease['status']}; only a draft lease can be signed."
            )
        signed = {**lease, "status": "active", "signed_at": signed_at}
        self.save("leases", signed)
        refresh_unit_status(self.store, self.org(), lease["unit_id"])
        # The tenants now live in the unit (inferred).
        for tenant_id in lease["tenant_ids"]:
            tenant = self.store.get(self.api, "tenants", tenant_id)
            if tenant is not None and tenant["status"] == "active":
                self.save(
                    "tenants",
                    {**tenant, "property_id": signed["property_id"], "unit_id": signed["unit_id"]},
                )
        # Inferred: rent is billed from the lease's start, but not for months before it was
        # signed (the mock does not backfill history).
        moment = to_datetime(signed_at)
        start = parse_date(lease["start_date"], "start_date")
        since = max(start, moment.date()) if moment else start
        schedule_billing(self.store, self.org(), signed, first_period(since, lease["rent_due_day"]))
        self.publish(
            "lease.signed",
            {
                "lease_id": lease_id,
                **{k: signed[k] for k in ("property_id", "unit_id", "tenant_ids", "start_date")},
                "end_date": signed["end_date"],
                "monthly_rent_usd": signed["monthly_rent_usd"],
                "signed_at": signed_at,
            },
        )
        return signed

    async def terminate_lease(self, lease_id: str, body: dict[str, Any]) -> Record:
        ends = parse_date(body["termination_date"], "termination_date")
        self.sync()  # a lease past its end date is expired, no longer active
        lease = self.find("leases", lease_id)
        if lease["status"] != "active":
            raise ApiError(
                409, f"Lease {lease_id} is {lease['status']}; only an active lease can end early."
            )
        if ends.isoformat() < lease["start_date"]:
            raise ApiError(409, "'termination_date' is before the lease's start_date.")
        ended = {
            **lease,
            "status": "terminated",
            "terminated_at": self.now(),
            "termination_date": ends.isoformat(),
            "termination_reason": body["reason"],
        }
        # The optional `note` is accepted but not part of the Lease schema, so not echoed.
        self.save("leases", ended)
        # Inferred: rent due after the lease ends is not owed, so open payments billed for
        # later periods are withdrawn (unless a payment plan already counts on them).
        planned = {
            p for plan in self.rows("payment_plans", lease_id=lease_id) for p in plan["payment_ids"]
        }
        for payment in self.rows("rent_payments", lease_id=lease_id):
            if (
                payment["status"] != "paid"
                and payment["due_date"] > ended["termination_date"]
                and payment["id"] not in planned
            ):
                self.store.delete(self.api, "rent_payments", payment["id"])
                self.store.delete(self.api, "rent_late_notices", payment["id"])
        refresh_unit_status(self.store, self.org(), lease["unit_id"])
        self.publish(
            "lease.terminated",
            {
                "lease_id": lease_id,
                **{k: ended[k] for k in ("property_id", "unit_id", "tenant_ids")},
                "termination_date": ended["termination_date"],
                "reason": body["reason"],
                "terminated_at": ended["terminated_at"],
            },
        )
        return ended

    # -- applications ---------------------------------------------------------------------
    async def list_applications(
        self,
        limit: int = 50,
        offset: int = 0,
        property_id: str | None = None,
        unit_id: str | None = None,
        status: str | None = None,
    ) -> Record:
        found = self.rows("applications", property_id=property_id, unit_id=unit_id, status=status)
        return self.page(found, limit, offset, key=lambda a: a["submitted_at"], reverse=True)

    async def get_application(self, application_id: str) -> Record:
        return self.find("applications", application_id)

    async def create_application(self, body: dict[str, Any]) -> tuple[Record, int]:
        move_in = parse_date(body["desired_move_in"], "desired_move_in").isoformat()
        unit = self.find("units", body["unit_id"])
        application = {
            "id": self.new_id("app", "applications"),
            "property_id": unit["property_id"],
            "unit_id": unit["id"],
            "applicant": body["applicant"],
            "desired_move_in": move_in,
            "monthly_income_usd": (
                money(body["monthly_income_usd"]) if "monthly_income_usd" in body else None
            ),
            "household_size": body.get("household_size"),
            "notes": body.get("notes"),
            "status": "submitted",
            "submitted_at": self.now(),
            "decided_at": None,
            "decision_note": None,
            "denial_reason": None,
        }
        self.save("applications", application)
        applicant = application["applicant"]
        self.publish(
            "application.submitted",
            {
                "application_id": application["id"],
                "property_id": unit["property_id"],
                "unit_id": unit["id"],
                "applicant_name": f"{applicant['first_name']} {applicant['last_name']}",
                "applicant_email": applicant["email"],
                "desired_move_in": move_in,
                "submitted_at": application["submitted_at"],
            },
        )
        return application, 201

    async def approve_application(self, application_id: str, body: object = None) -> Record:
        return self._decide(application_id, "approved", optional_body(body))

    async def deny_application(self, application_id: str, body: dict[str, Any]) -> Record:
        return self._decide(application_id, "denied", body)

    def _decide(self, application_id: str, status: str, body: dict[str, Any]) -> Record:
        application = self.find("applications", application_id)
        if application["status"] != "submitted":
            raise ApiError(
                409, f"Application {application_id} was already {application['status']}."
            )
        decided = {
            **application,
            "status": status,
            "decided_at": self.now(),
            "decision_note": body.get("note"),
            "denial_reason": body.get("reason"),
        }
        self.save("applications", decided)
        applicant = decided["applicant"]
        payload = {
            "application_id": application_id,
            "property_id": decided["property_id"],
            "unit_id": decided["unit_id"],
            "applicant_name": f"{applicant['first_name']} {applicant['last_name']}",
        }
        if status == "approved":
            payload["approved_at"] = decided["decided_at"]
        else:
            payload.update(reason=body["reason"], denied_at=decided["decided_at"])
        self.publish(f"application.{status}", payload)
        return decided
