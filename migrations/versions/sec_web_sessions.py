"""security: server-side, revocable web sessions

Revision ID: sec_web_sessions
Revises: perf_listing_indexes
Create Date: 2026-12-01 00:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'sec_web_sessions'
down_revision = 'perf_listing_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'web_sessions',
        sa.Column('id_hash', sa.String(length=64), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('subject', sa.String(length=64), nullable=True),
        sa.Column('keycloak_sid', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id_hash'),
    )
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_web_sessions_subject', ['subject'], unique=False)
        batch_op.create_index('ix_web_sessions_keycloak_sid', ['keycloak_sid'], unique=False)
        batch_op.create_index('ix_web_sessions_expires_at', ['expires_at'], unique=False)


def downgrade():
    op.drop_table('web_sessions')
