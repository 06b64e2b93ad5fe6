"""limits: rate counters kept in the database; the brand a web session belongs to

rate_counters holds one row per limited key (idp_bridge/limits); email code sends per
recipient are counted there, so email_code_sends goes. web_sessions.brand: a
session is honoured only under the brand it was created on; sessions created before this
revision have none and end (their users sign in again).

Revision ID: sec_bridge_limits
Revises: h7e3d9b2c4
Create Date: 2026-12-06 07:40:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'sec_bridge_limits'
down_revision = 'h7e3d9b2c4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'rate_counters',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('count', sa.Integer(), server_default='0', nullable=False),
        sa.Column('window_ends_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    with op.batch_alter_table('rate_counters', schema=None) as batch_op:
        batch_op.create_index('ix_rate_counters_window_ends_at', ['window_ends_at'],
                              unique=False)
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('brand', sa.String(length=16), nullable=True))
    # Sends per recipient are counted in rate_counters now (atomically, not count-then-insert).
    with op.batch_alter_table('email_code_sends', schema=None) as batch_op:
        batch_op.drop_index('ix_email_code_sends_sent_at')
        batch_op.drop_index('ix_email_code_sends_email')
    op.drop_table('email_code_sends')


def downgrade():
    op.create_table(
        'email_code_sends',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('email_code_sends', schema=None) as batch_op:
        batch_op.create_index('ix_email_code_sends_email', ['email'], unique=False)
        batch_op.create_index('ix_email_code_sends_sent_at', ['sent_at'], unique=False)
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.drop_column('brand')
    with op.batch_alter_table('rate_counters', schema=None) as batch_op:
        batch_op.drop_index('ix_rate_counters_window_ends_at')
    op.drop_table('rate_counters')
