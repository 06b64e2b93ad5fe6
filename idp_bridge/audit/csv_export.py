"""The audit log as CSV, safe to open in a spreadsheet.

Registrants choose their own names and emails, and a cell that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return is run as a formula by spreadsheet programs (OWASP
"CSV injection"). Such cells are prefixed with a single quote, which spreadsheets show as
text; the value is otherwise unchanged.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = ["id", "at", "actor_email", "action", "subject_email", "organization_key", "ip",
           "user_agent", "outcome", "details", "hash"]


def spreadsheet_safe(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def audit_csv(events: Iterable[Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for e in events:
        row = [e.id, e.at.isoformat(), e.actor_email, e.action, e.subject_email,
               e.organization_key, e.ip, e.user_agent, e.outcome,
               json.dumps(e.details, sort_keys=True), e.hash]
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return out.getvalue()
