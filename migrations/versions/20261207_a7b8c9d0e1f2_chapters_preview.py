"""chapters and hover preview: a video's chapters typed by its editor, and the key of the short
muted MP4 a card plays on hover

Revision ID: a7b8c9d0e1f2
Revises: f2a3b4c5d6e7
Create Date: 2026-12-07 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7b8c9d0e1f2'
down_revision = 'f2a3b4c5d6e7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('preview_key', sa.String(length=512), nullable=True))
        batch_op.add_column(sa.Column('chapters', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.drop_column('chapters')
        batch_op.drop_column('preview_key')
