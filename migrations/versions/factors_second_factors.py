"""second factors: security notices (one row per notice queued, unique source; the
event-log cursor) and second-factor resets (attempts with their check code digest; each
administrator's daily count)

Revision ID: factors_second_factors
Revises: lifecycle_logins_steps
Create Date: 2026-12-06 07:40:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'factors_second_factors'
down_revision = 'lifecycle_logins_steps'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'security_notices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=120), nullable=False),
        sa.Column('user_id', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('source'),
    )
    with op.batch_alter_table('security_notices', schema=None) as batch_op:
        batch_op.create_index('ix_security_notices_user_id', ['user_id'], unique=False)
    op.create_table(
        'security_notice_cursor',
        sa.Column('name', sa.String(length=20), nullable=False),
        sa.Column('last_event_ms', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )


    op.create_table(
        'second_factor_resets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.String(length=64), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('admin_id', sa.String(length=64), nullable=False),
        sa.Column('admin_email', sa.String(length=254), nullable=False),
        sa.Column('console', sa.String(length=16), nullable=False),
        sa.Column('organization_key', sa.String(length=64), nullable=False),
        sa.Column('reason', sa.String(length=200), nullable=False),
        sa.Column('code_digest', sa.String(length=64), nullable=False),
        sa.Column('code_salt', sa.String(length=32), nullable=False),
        sa.Column('code_sent_at', sa.DateTime(), nullable=False),
        sa.Column('tries', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('done_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('second_factor_resets', schema=None) as batch_op:
        batch_op.create_index('ix_second_factor_resets_user_id', ['user_id'], unique=False)
        batch_op.create_index('ix_second_factor_resets_admin_id', ['admin_id'], unique=False)
    op.create_table(
        'second_factor_reset_quota',
        sa.Column('admin_id', sa.String(length=64), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('used', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('admin_id', 'day'),
    )


def downgrade():
    op.drop_table('second_factor_reset_quota')
    with op.batch_alter_table('second_factor_resets', schema=None) as batch_op:
        batch_op.drop_index('ix_second_factor_resets_admin_id')
        batch_op.drop_index('ix_second_factor_resets_user_id')
    op.drop_table('second_factor_resets')
    op.drop_table('security_notice_cursor')
    with op.batch_alter_table('security_notices', schema=None) as batch_op:
        batch_op.drop_index('ix_security_notices_user_id')
    op.drop_table('security_notices')
