"""Memberships as CSV for plan and Site Administrators: who belongs where, how to reach
them, and their Opt In/Out choice for electronic communications. Cells are made
spreadsheet-safe exactly as the audit export's are (see ``audit.csv_export``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from idp_bridge.audit.csv_export import spreadsheet_safe
from idp_bridge.organizations.display import format_phone, opt_in_label, role_names
from idp_bridge.organizations.models import Membership

COLUMNS = ["organization", "organization_key", "first_name", "last_name", "email", "phone",
           "job_title", "status", "site_administrator", "roles",
           "electronic_communications", "requested_at"]


def memberships_csv(memberships: Iterable[Membership]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for m in memberships:
        row = [m.organization.name, m.organization.key, m.first_name, m.last_name, m.email,
               format_phone(m.phone), m.job_title, m.status,
               "yes" if m.is_site_admin else "no", "; ".join(role_names(m.roles or [])),
               opt_in_label(m.communications_opt_in), m.requested_at.isoformat()]
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return out.getvalue()
