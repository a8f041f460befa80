"""view days

Revision ID: e1f2a3b4c5d6
Revises: d3a8f1c6b2e7
Create Date: 2026-11-28 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e1f2a3b4c5d6'
down_revision = 'd3a8f1c6b2e7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'view_days',
        sa.Column('video_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('views', sa.BigInteger(), server_default='0', nullable=False),
        sa.ForeignKeyConstraint(['video_id'], ['videos.id'],
                                name=op.f('fk_view_days_video_id_videos'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('video_id', 'day', name=op.f('pk_view_days')),
    )
    with op.batch_alter_table('view_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_view_days_day'), ['day'], unique=False)


def downgrade():
    with op.batch_alter_table('view_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_view_days_day'))
    op.drop_table('view_days')
