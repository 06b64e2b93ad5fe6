"""exclusions: the OIG LEIE / SAM.gov lists and the eligibility flags (issue 23)

Revision ID: exclusions_tables
Revises: sec_claims_identifiers_audit
Create Date: 2026-12-06 07:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'exclusions_tables'
down_revision = 'sec_claims_identifiers_audit'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('exclusion_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('npi', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=400), nullable=False),
    sa.Column('name_key', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=2), nullable=False),
    sa.Column('exclusion_type', sa.String(length=64), nullable=False),
    sa.Column('excluded_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('record_active', sa.Boolean(), nullable=False),
    sa.Column('waiver_on', sa.Date(), nullable=True),
    sa.Column('waiver_state', sa.String(length=2), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('exclusion_records', schema=None) as batch_op:
        batch_op.create_index('ix_exclusion_records_npi', ['npi'], unique=False)
        batch_op.create_index('ix_exclusion_records_name_state', ['name_key', 'state'],
                              unique=False)
        batch_op.create_index('ix_exclusion_records_source', ['source'], unique=False)

    op.create_table('eligibility_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('npi', sa.String(length=10), nullable=False),
    sa.Column('listed_on', sa.Date(), nullable=False),
    sa.Column('detail', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('holds_access', sa.Boolean(), nullable=False),
    sa.Column('raised_at', sa.DateTime(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by', sa.String(length=254), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('reported_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organization_id', 'source', 'npi', 'listed_on',
                        name='uq_eligibility_flag_listing'),
    )
    with op.batch_alter_table('eligibility_flags', schema=None) as batch_op:
        batch_op.create_index('ix_eligibility_flags_state', ['state', 'raised_at'],
                              unique=False)
        batch_op.create_index('ix_eligibility_flags_holds', ['organization_id',
                                                             'holds_access'], unique=False)


def downgrade():
    with op.batch_alter_table('eligibility_flags', schema=None) as batch_op:
        batch_op.drop_index('ix_eligibility_flags_holds')
        batch_op.drop_index('ix_eligibility_flags_state')
    op.drop_table('eligibility_flags')
    with op.batch_alter_table('exclusion_records', schema=None) as batch_op:
        batch_op.drop_index('ix_exclusion_records_source')
        batch_op.drop_index('ix_exclusion_records_name_state')
        batch_op.drop_index('ix_exclusion_records_npi')
    op.drop_table('exclusion_records')
