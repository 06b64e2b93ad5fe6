"""Memberships as CSV for plan and Site Administrators: who belongs where, how to reach
them, and their Opt In/Out choice for electronic communications. Cells are made
spreadsheet-safe exactly as the audit export's are (see ``audit.csv_export``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from itertools import islice

from idp_bridge.audit.csv_export import spreadsheet_safe
from idp_bridge.lifecycle.models import logins_by_user
from idp_bridge.organizations.display import format_phone, opt_in_label, role_names
from idp_bridge.organizations.models import Membership

COLUMNS = ["organization", "organization_key", "first_name", "last_name", "email", "phone",
           "job_title", "status", "site_administrator", "roles",
           "electronic_communications", "requested_at",
           # idp_bridge.lifecycle: when they last signed in, who decided the membership, when
           "last_sign_in", "decided_by", "decided_at"]
CHUNK = 500  # rows whose last sign-ins are read in one query


LastSignIns = Callable[[list[str]], Mapping[str, datetime | None]]


def last_sign_ins(user_ids: list[str]) -> dict[str, datetime | None]:
    return {user_id: login.last_sign_in_at
            for user_id, login in logins_by_user(user_ids).items()}


def memberships_csv(memberships: Iterable[Membership],
                    sign_ins: LastSignIns = last_sign_ins) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for m, last_sign_in in _with_last_sign_ins(memberships, sign_ins):
        row = [m.organization.name, m.organization.key, m.first_name, m.last_name, m.email,
               format_phone(m.phone), m.job_title, m.status,
               "yes" if m.is_site_admin else "no", "; ".join(role_names(m.roles or [])),
               opt_in_label(m.communications_opt_in), m.requested_at.isoformat(),
               _iso(last_sign_in) or "never", m.decided_by or "", _iso(m.decided_at)]
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return out.getvalue()


def _with_last_sign_ins(memberships: Iterable[Membership], sign_ins: LastSignIns,
                        ) -> Iterator[tuple[Membership, datetime | None]]:
    rows = iter(memberships)
    while chunk := list(islice(rows, CHUNK)):
        known = sign_ins([m.user_id for m in chunk])
        for m in chunk:
            yield m, known.get(m.user_id)


def _iso(when: datetime | None) -> str:
    return when.isoformat(timespec="minutes") if when else ""
