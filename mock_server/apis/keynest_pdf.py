"""KeyNest Ontario forms: per-type default fields and the PDF (fpdf2) that carries them."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, timedelta
from typing import Any

# type -> (title, the fields the type uses, in the order they are written)
FORM_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "N4": (
        "N4 - Notice to End your Tenancy Early for Non-payment of Rent",
        ("amountOwing", "terminationDate"),
    ),
    "N5": (
        "N5 - Notice to End your Tenancy for Interfering with Others, Damage or Overcrowding",
        ("reason", "terminationDate"),
    ),
    "N12": (
        "N12 - Notice to End your Tenancy Because the Landlord, a Purchaser or a Family "
        "Member Requires the Rental Unit",
        ("reason", "terminationDate"),
    ),
    "N9": ("N9 - Tenant's Notice to End the Tenancy", ("terminationDate",)),
    "entry": ("Notice of Entry (24 hours' written notice)", ("entryDate", "reason")),
    "lease": (
        "Residential Tenancy Agreement (Standard Form of Lease)",
        ("startDate", "endDate", "rent"),
    ),
}
LABELS = {
    "amountOwing": "Rent owing",
    "terminationDate": "Termination date",
    "reason": "Reason",
    "entryDate": "Date of entry",
    "startDate": "Tenancy start date",
    "endDate": "Tenancy end date",
    "rent": "Monthly rent",
}
# Days from today to the default termination date, per type (the description's table).
NOTICE_DAYS = {"N4": 14, "N5": 20, "N12": 60, "N9": 60}


def _first_of_next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def form_fields(
    kind: str, given: dict[str, Any], tenant: dict[str, Any], today: date
) -> dict[str, Any]:
    """The fields written on a form of type `kind`: those given, defaults for the rest (from the
    tenant's records and `today`); fields the type does not use are dropped. A default that has
    no value (a blank reason, a lease without an end) is left out."""
    defaults: dict[str, Any] = {
        "amountOwing": tenant.get("rent"),
        "terminationDate": (today + timedelta(days=NOTICE_DAYS.get(kind, 0))).isoformat(),
        "entryDate": (today + timedelta(days=1)).isoformat(),
        "startDate": tenant.get("leaseStart") or _first_of_next_month(today).isoformat(),
        "endDate": tenant.get("leaseEnd"),
        "rent": tenant.get("rent"),
    }
    fields = {}
    for name in FORM_TYPES[kind][1]:
        value = given.get(name, defaults.get(name))
        if value is not None:
            fields[name] = value
    return fields


def _text(value: object) -> str:
    """Core PDF fonts are Latin-1: other characters become '?', control characters spaces."""
    cleaned = "".join(
        " " if unicodedata.category(ch) == "Cc" and ch != "\n" else ch for ch in str(value)
    )
    return cleaned.encode("latin-1", "replace").decode("latin-1")


def _shown(name: str, value: object) -> str:
    if name in ("amountOwing", "rent") and isinstance(value, int | float):
        return f"${value:,.2f}"
    return str(value)


def render_form_pdf(
    form: dict[str, Any],
    tenant: dict[str, Any],
    prop: dict[str, Any],
    landlord: str,
) -> bytes:
    """A one- or two-page PDF with the form's type, parties, rental unit and fields.

    Deterministic: the creation date is the form's own date, so the same form gives the same
    bytes. Uncompressed, so the text can be found in the file (tests and curious integrators)."""
    from fpdf import FPDF  # imported on first use: ~0.7 s that a start from the seed cache skips

    title, used = FORM_TYPES[form["type"]]
    created = date.fromisoformat(form["createdAt"])
    pdf = FPDF()
    pdf.set_compression(False)
    pdf.set_creation_date(datetime(created.year, created.month, created.day, tzinfo=UTC))
    pdf.set_title(_text(title))
    pdf.set_author("KeyNest (propmock)")
    pdf.set_creator("propmock")
    pdf.set_producer("propmock")
    pdf.add_page()
    pdf.set_font("Helvetica", size=9)
    pdf.cell(0, 5, "Landlord and Tenant Board - Ontario", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(0, 7, _text(title), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    unit = next((u for u in prop.get("units", []) if u["id"] == form.get("unitId")), None)
    address = prop.get("address") or {}
    where = ", ".join(
        str(part)
        for part in (
            unit["name"] if unit else None,
            prop.get("name"),
            address.get("street"),
            address.get("city"),
            address.get("province"),
            address.get("postalCode"),
        )
        if part
    )
    rows = [
        ("Form", f"{form['type']} ({form['id']})"),
        ("To (tenant)", tenant["name"]),
        ("From (landlord)", landlord),
        ("Rental unit", where),
        *(
            (LABELS[name], _shown(name, form["fields"][name]))
            for name in used
            if name in form["fields"]
        ),
        ("Status", form["status"] + (f" on {form['servedAt']}" if form.get("servedAt") else "")),
        ("Date", form["createdAt"]),
    ]
    for label, value in rows:
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(45, 7, _text(label + ":"))
        pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, 7, _text(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Helvetica", "I", 8)
    pdf.multi_cell(
        0, 4, "Generated by propmock, a mock of the KeyNest API. Not an official LTB form."
    )
    return bytes(pdf.output())
