"""reliability: transactional mail outbox; email-code limits as columns

Revision ID: rel_mail_outbox_code_limits
Revises: sec_web_sessions
"""
import sqlalchemy as sa
from alembic import op

revision = 'rel_mail_outbox_code_limits'
down_revision = 'sec_web_sessions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'mail_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=64), nullable=False),
        sa.Column('to', sa.String(length=254), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.String(length=200), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
        sa.Column('claimed_until', sa.DateTime(), nullable=True),
        sa.Column('claim_token', sa.String(length=32), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('message_id'),
    )
    op.create_index('ix_mail_outbox_due', 'mail_outbox', ['status', 'next_attempt_at'])
    op.create_index(op.f('ix_mail_outbox_to'), 'mail_outbox', ['to'])
    with op.batch_alter_table('registrations') as batch:
        batch.add_column(sa.Column('code_sends', sa.Integer(), server_default='0',
                                   nullable=False))
        batch.add_column(sa.Column('code_last_send', sa.Float(), nullable=True))
        batch.add_column(sa.Column('code_wrong_tries', sa.Integer(), server_default='0',
                                   nullable=False))


def downgrade():
    with op.batch_alter_table('registrations') as batch:
        batch.drop_column('code_wrong_tries')
        batch.drop_column('code_last_send')
        batch.drop_column('code_sends')
    op.drop_index(op.f('ix_mail_outbox_to'), table_name='mail_outbox')
    op.drop_index('ix_mail_outbox_due', table_name='mail_outbox')
    op.drop_table('mail_outbox')
