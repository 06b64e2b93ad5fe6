"""``make reset``: forget dev accounts and registrations, keep the imported registry.

Empties Keycloak's embedded dev database (the next ``make run`` re-imports the realm: both
brands' clients, the demo plan administrator), the dev outbox, and every bridge table except
the National Provider registry's (``npi_*``: a full NPPES import takes a long time and
holds no accounts) and Alembic's record of the schema. A brand is never a reason to reset:
both brands run side by side.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from flask import Flask
from sqlalchemy import inspect

from idp_bridge.audit import checkpoint
from idp_bridge.audit.models import GENESIS, HEAD_ID, AuditHead
from idp_bridge.config import dev_environment
from idp_bridge.devstack.keycloak_server import DIST_DIR
from idp_bridge.extensions import db

KEPT_TABLE_PREFIXES = ("npi_", "alembic_version")


def kept(table: str) -> bool:
    return table.startswith(KEPT_TABLE_PREFIXES)


def empty_bridge_tables(app: Flask) -> list[str]:
    """Delete the rows of every bridge table but the registry's; returns the tables emptied."""
    with app.app_context():
        present = set(inspect(db.engine).get_table_names())
        emptied = []
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):  # children before parents
                if table.name in present and not kept(table.name):
                    connection.execute(table.delete())
                    emptied.append(table.name)
            if "audit_head" in present:  # an empty chain starts again from its genesis
                connection.execute(AuditHead.__table__.insert().values(
                    id=HEAD_ID, count=0, event_id=0, hash=GENESIS))
        checkpoint.forget(app)
        return emptied


def main() -> None:
    from idp_bridge import create_app

    env = dev_environment()
    app = create_app(env=env)
    uri = str(app.config["SQLALCHEMY_DATABASE_URI"])
    if not uri.startswith("sqlite:///") or Path(uri.removeprefix("sqlite:///")).exists():
        print("emptied:", ", ".join(empty_bridge_tables(app)) or "nothing", flush=True)
    shutil.rmtree(env["IDP_OUTBOX_DIR"], ignore_errors=True)
    shutil.rmtree(DIST_DIR / "data" / "h2", ignore_errors=True)
    print("Keycloak's dev database and the outbox are gone; the registry is kept.", flush=True)


if __name__ == "__main__":
    main()
