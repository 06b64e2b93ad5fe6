"""sec-claims: NPI/TIN pairs added after registration wait for review; the audit chain is
keyed, has a locked head, and keeps no whole TIN

Existing pairs were all accepted when made, so they stay approved (server default).

The audit log's existing chain (plain SHA-256) is checked as it was, then re-chained with the
keyed hash (IDP_AUDIT_KEY, from the app's settings: never in the database), with TINs in
earlier ``identifier.add`` events masked to their last four digits. A closing event
``audit.rekeyed`` says how many records were re-chained, whether the earlier chain was
intact, and its last hash, so the rewrite itself is on the record. The head row is set.

Revision ID: sec_claims_identifiers_audit
Revises: sec_bridge_limits
Create Date: 2026-12-06 07:30:00

"""
import hashlib
import hmac
import json
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa
from flask import current_app


revision = 'sec_claims_identifiers_audit'
down_revision = 'sec_bridge_limits'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organization_identifiers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=16), nullable=False,
                                      server_default='approved'))
        batch_op.add_column(sa.Column('requested_by', sa.String(length=254), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('decided_by', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('decided_at', sa.DateTime(), nullable=True))
    op.create_table(
        'audit_head',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    _rechain(op.get_bind())


GENESIS = "0" * 64
EVENTS = sa.table(
    'audit_events', sa.column('id', sa.Integer), sa.column('at', sa.DateTime),
    *(sa.column(name, sa.String) for name in (
        'actor_id', 'actor_email', 'action', 'subject_id', 'subject_email',
        'organization_key', 'ip', 'user_agent', 'outcome', 'prev_hash', 'hash')),
    sa.column('details', sa.JSON))


def _payload(row, prev_hash):
    # The payload as audit/models.py wrote it at this revision.
    return json.dumps({
        "at": row["at"].isoformat(), "actor_id": row["actor_id"],
        "actor_email": row["actor_email"], "action": row["action"],
        "subject_id": row["subject_id"], "subject_email": row["subject_email"],
        "organization_key": row["organization_key"], "ip": row["ip"],
        "user_agent": row["user_agent"], "outcome": row["outcome"], "details": row["details"],
        "prev_hash": prev_hash,
    }, sort_keys=True)


def _masked(row):
    details = dict(row["details"] or {})
    tin = details.get("tin")
    if row["action"] == "identifier.add" and isinstance(tin, str) and len(tin) > 4:
        details["tin"] = "*" * (len(tin) - 4) + tin[-4:]
    return details


def _rechain(connection):
    key = str(current_app.config["IDP_AUDIT_KEY"]).encode()
    rows = [dict(r) for r in connection.execute(
        sa.select(EVENTS).order_by(EVENTS.c.id)).mappings()]
    earlier_intact, previous, masked = True, GENESIS, 0
    for row in rows:
        expected = hashlib.sha256(_payload(row, previous).encode()).hexdigest()
        earlier_intact &= row["prev_hash"] == previous and row["hash"] == expected
        previous = row["hash"]
    earlier_head = previous
    previous = GENESIS
    for row in rows:
        details = _masked(row)
        masked += details != (row["details"] or {})
        row["details"] = details
        new_hash = hmac.new(key, _payload(row, previous).encode(), hashlib.sha256).hexdigest()
        connection.execute(EVENTS.update().where(EVENTS.c.id == row["id"]).values(
            details=details, prev_hash=previous, hash=new_hash))
        previous = new_hash
    count, last_id = len(rows), (rows[-1]["id"] if rows else 0)
    if rows:
        closing = {
            "at": datetime.now(timezone.utc).replace(tzinfo=None), "actor_id": "",
            "actor_email": "", "action": "audit.rekeyed", "subject_id": "",
            "subject_email": "", "organization_key": "", "ip": "", "user_agent": "migration",
            "outcome": "ok" if earlier_intact else "warning",
            "details": {"records": count, "earlier_chain_intact": earlier_intact,
                        "earlier_head": earlier_head, "tins_masked": masked}}
        new_hash = hmac.new(key, _payload(closing, previous).encode(),
                            hashlib.sha256).hexdigest()
        result = connection.execute(EVENTS.insert().values(
            **closing, prev_hash=previous, hash=new_hash).returning(EVENTS.c.id))
        count, last_id, previous = count + 1, result.scalar_one(), new_hash
    connection.execute(sa.text(
        "INSERT INTO audit_head (id, count, event_id, hash) VALUES (1, :c, :e, :h)"),
        {"c": count, "e": last_id, "h": previous})


def downgrade():
    # The keyed chain stays keyed (a plain hash would let anyone rewrite it again).
    op.drop_table('audit_head')
    with op.batch_alter_table('organization_identifiers', schema=None) as batch_op:
        batch_op.drop_column('decided_at')
        batch_op.drop_column('decided_by')
        batch_op.drop_column('requested_by')
        batch_op.drop_column('status')
