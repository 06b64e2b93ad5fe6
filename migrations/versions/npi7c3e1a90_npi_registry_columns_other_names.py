"""npi: registry as columns plus npi_other_names, for the streaming bulk import

The offline registry is a copy of the public NPPES files, so the old table (one JSON
document per NPI) is dropped rather than converted: run ``flask npi import`` (or
``flask npi load-sample``) again after upgrading.

Revision ID: npi7c3e1a90
Revises: rel_mail_outbox_code_limits
Create Date: 2026-12-01 00:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'npi7c3e1a90'
down_revision = 'rel_mail_outbox_code_limits'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('npi_records', schema=None) as batch_op:
        batch_op.drop_index('ix_npi_records_entity_type')
    op.drop_table('npi_records')

    op.create_table('npi_records',
    sa.Column('npi', sa.String(length=10), nullable=False),
    sa.Column('entity_type', sa.SmallInteger(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('location_line1', sa.String(), nullable=False),
    sa.Column('location_line2', sa.String(), nullable=False),
    sa.Column('location_city', sa.String(), nullable=False),
    sa.Column('location_state', sa.String(), nullable=False),
    sa.Column('location_postal_code', sa.String(), nullable=False),
    sa.Column('mailing_line1', sa.String(), nullable=False),
    sa.Column('mailing_line2', sa.String(), nullable=False),
    sa.Column('mailing_city', sa.String(), nullable=False),
    sa.Column('mailing_state', sa.String(), nullable=False),
    sa.Column('mailing_postal_code', sa.String(), nullable=False),
    sa.Column('taxonomy_codes', sa.String(), nullable=False),
    sa.Column('primary_taxonomy', sa.String(length=10), nullable=False),
    sa.Column('deactivated_on', sa.Date(), nullable=True),
    sa.Column('reactivated_on', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('npi'),
    sqlite_with_rowid=False,  # SQLite: rows in the NPI key's B-tree, no second one
    )
    with op.batch_alter_table('npi_records', schema=None) as batch_op:
        batch_op.create_index('ix_npi_records_distractors', ['entity_type', 'active', 'npi'],
                              unique=False)

    op.create_table('npi_other_names',
    sa.Column('npi', sa.String(length=10), nullable=False),
    sa.Column('position', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('type_code', sa.String(length=2), nullable=False),
    sa.PrimaryKeyConstraint('npi', 'position'),
    sqlite_with_rowid=False,
    )


def downgrade():
    op.drop_table('npi_other_names')
    with op.batch_alter_table('npi_records', schema=None) as batch_op:
        batch_op.drop_index('ix_npi_records_distractors')
    op.drop_table('npi_records')

    op.create_table('npi_records',
    sa.Column('npi', sa.String(length=10), nullable=False),
    sa.Column('entity_type', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('record', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('npi')
    )
    with op.batch_alter_table('npi_records', schema=None) as batch_op:
        batch_op.create_index('ix_npi_records_entity_type', ['entity_type'], unique=False)
