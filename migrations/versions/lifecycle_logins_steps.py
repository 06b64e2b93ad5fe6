"""lifecycle: the scheduler's step claims, the logins' last sign-in and inactivity notices,
the yearly access reviews, invitations

Revision ID: lifecycle_logins_steps
Revises: ops_audit_request_id
Create Date: 2026-12-06 07:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'lifecycle_logins_steps'
down_revision = 'ops_audit_request_id'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'lifecycle_steps',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('claimed_until', sa.DateTime(), nullable=True),
        sa.Column('claim_token', sa.String(length=32), nullable=True),
        sa.Column('last_started_at', sa.DateTime(), nullable=True),
        sa.Column('last_finished_at', sa.DateTime(), nullable=True),
        sa.Column('last_outcome', sa.String(length=200), server_default='', nullable=False),
        sa.Column('cursor', sa.String(length=200), server_default='', nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )
    op.create_table(
        'logins',
        sa.Column('user_id', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_sign_in_at', sa.DateTime(), nullable=True),
        sa.Column('last_sign_in_client', sa.String(length=64), server_default='',
                  nullable=False),
        sa.Column('active_since', sa.DateTime(), nullable=False),
        sa.Column('notice', sa.Integer(), server_default='0', nullable=False),
        sa.Column('disable_on', sa.DateTime(), nullable=True),
        sa.Column('disabled_at', sa.DateTime(), nullable=True),
        sa.Column('email', sa.String(length=254), server_default='', nullable=False),
        sa.Column('brand', sa.String(length=16), server_default='dean', nullable=False),
        sa.Column('kind', sa.String(length=16), server_default='', nullable=False),
        sa.PrimaryKeyConstraint('user_id'),
    )
    with op.batch_alter_table('logins', schema=None) as batch_op:
        batch_op.create_index('ix_logins_active_since', ['active_since'], unique=False)
    op.create_table(
        'access_reviews',
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('due_at', sa.DateTime(), nullable=False),
        sa.Column('notice', sa.Integer(), server_default='0', nullable=False),
        sa.Column('overdue_at', sa.DateTime(), nullable=True),
        sa.Column('last_completed_at', sa.DateTime(), nullable=True),
        sa.Column('last_completed_by', sa.String(length=254), nullable=True),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id']),
        sa.PrimaryKeyConstraint('organization_id'),
    )
    with op.batch_alter_table('access_reviews', schema=None) as batch_op:
        batch_op.create_index('ix_access_reviews_due', ['due_at'], unique=False)
    op.create_table(
        'access_review_suspensions',
        sa.Column('membership_id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('suspended_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['membership_id'], ['memberships.id']),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id']),
        sa.PrimaryKeyConstraint('membership_id'),
    )
    with op.batch_alter_table('access_review_suspensions', schema=None) as batch_op:
        batch_op.create_index('ix_access_review_suspensions_organization_id',
                              ['organization_id'], unique=False)
    op.create_table(
        'invitations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('roles', sa.JSON(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('invited_by_id', sa.String(length=64), nullable=False),
        sa.Column('invited_by', sa.String(length=254), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_sent_at', sa.DateTime(), nullable=False),
        sa.Column('sends', sa.Integer(), server_default='1', nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('accepted_at', sa.DateTime(), nullable=True),
        sa.Column('accepted_user_id', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index('ix_invitations_org_status', ['organization_id', 'status'],
                              unique=False)
        batch_op.create_index('ix_invitations_inviter_sent', ['invited_by_id', 'last_sent_at'],
                              unique=False)


def downgrade():
    op.drop_table('invitations')
    op.drop_table('access_review_suspensions')
    with op.batch_alter_table('access_reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_access_reviews_due')
    op.drop_table('access_reviews')
    with op.batch_alter_table('logins', schema=None) as batch_op:
        batch_op.drop_index('ix_logins_active_since')
    op.drop_table('logins')
    op.drop_table('lifecycle_steps')
