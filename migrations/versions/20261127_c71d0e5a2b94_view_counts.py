"""view counts

Revision ID: c71d0e5a2b94
Revises: b5c2e1a90f31
Create Date: 2026-11-27 23:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c71d0e5a2b94'
down_revision = 'b5c2e1a90f31'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('view_count', sa.BigInteger(), server_default='0',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.drop_column('view_count')
