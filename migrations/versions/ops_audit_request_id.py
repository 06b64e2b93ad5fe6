"""audit events: the request id that wrote them

Ties an audit event to the bridge's request log line and Keycloak's access log
(idp_bridge/operations/request_id.py). Outside the hashed payload; existing rows get "".

Revision ID: ops_audit_request_id
Revises: exclusions_tables
Create Date: 2026-12-06 07:30:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'ops_audit_request_id'
down_revision = 'exclusions_tables'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.String(length=64), nullable=False,
                                      server_default=''))


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_column('request_id')
