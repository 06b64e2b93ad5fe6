"""registrations: index the login a draft created

Every sign-in asks whether its login has an unfinished registration to finish
(registration/drafts.py), and cleanup looks up the draft that created a login to lock it.

Revision ID: h7e3d9b2c4
Revises: h3b7e2d4f1
Create Date: 2026-12-01 04:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'h7e3d9b2c4'
down_revision = 'h3b7e2d4f1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.create_index('ix_registrations_keycloak_user_id', ['keycloak_user_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index('ix_registrations_keycloak_user_id')
