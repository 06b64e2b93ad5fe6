"""indexes for paged members and organization listings

Revision ID: perf_listing_indexes
Revises: b3809f26ee0a
Create Date: 2026-12-01 00:40:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'perf_listing_indexes'
down_revision = 'b3809f26ee0a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_organizations_status_created', 'organizations',
                    ['status', 'created_at'])
    op.create_index('ix_organization_identifiers_organization_id', 'organization_identifiers',
                    ['organization_id'])
    op.create_index('ix_memberships_org_status_requested', 'memberships',
                    ['organization_id', 'status', 'requested_at'])
    op.create_index('ix_memberships_org_status_name', 'memberships',
                    ['organization_id', 'status', 'last_name', 'first_name'])


def downgrade():
    op.drop_index('ix_memberships_org_status_name', table_name='memberships')
    op.drop_index('ix_memberships_org_status_requested', table_name='memberships')
    op.drop_index('ix_organization_identifiers_organization_id',
                  table_name='organization_identifiers')
    op.drop_index('ix_organizations_status_created', table_name='organizations')
