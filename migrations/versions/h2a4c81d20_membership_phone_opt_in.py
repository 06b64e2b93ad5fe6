"""memberships: the registrant's phone and their Opt In/Out choice, per membership

Earlier memberships keep an empty phone and an unknown (NULL) choice: the choice was then
kept only on the Keycloak login, where a merge lost it.

Revision ID: h2a4c81d20
Revises: npi7c3e1a90
Create Date: 2026-12-01 03:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'h2a4c81d20'
down_revision = 'npi7c3e1a90'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=32), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('communications_opt_in', sa.Boolean(), nullable=True))


def downgrade():
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_column('communications_opt_in')
        batch_op.drop_column('phone')
