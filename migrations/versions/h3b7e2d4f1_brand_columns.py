"""brand on organizations, memberships, registrations and outbound email

Both brands run in one system now: each row remembers the brand it was made through, so
its emails and its sign-in stay that brand's. Rows made before this belonged to the one
brand a deployment had; they are set to the default brand, Dean.

Revision ID: h3b7e2d4f1
Revises: h2a4c81d20
Create Date: 2026-12-01 04:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'h3b7e2d4f1'
down_revision = 'h2a4c81d20'
branch_labels = None
depends_on = None

TABLES = ('organizations', 'memberships', 'registrations', 'mail_outbox')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('brand', sa.String(length=16), nullable=False,
                                          server_default='dean'))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('brand')
