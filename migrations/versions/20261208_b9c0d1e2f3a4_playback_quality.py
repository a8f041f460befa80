"""playback quality: the players' reports summed per video and UTC day, and a histogram of
startup times per video and day (services/playback_quality.py)

Revision ID: b9c0d1e2f3a4
Revises: a7b8c9d0e1f2
Create Date: 2026-12-08 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b9c0d1e2f3a4'
down_revision = 'a7b8c9d0e1f2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'playback_days',
        sa.Column('video_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('reports', sa.BigInteger(), server_default='0', nullable=False),
        sa.Column('watched_ms', sa.BigInteger(), server_default='0', nullable=False),
        sa.Column('rebuffer_count', sa.BigInteger(), server_default='0', nullable=False),
        sa.Column('rebuffer_ms', sa.BigInteger(), server_default='0', nullable=False),
        sa.Column('fatal_errors', sa.BigInteger(), server_default='0', nullable=False),
        sa.ForeignKeyConstraint(['video_id'], ['videos.id'],
                                name=op.f('fk_playback_days_video_id_videos'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('video_id', 'day', name=op.f('pk_playback_days')),
    )
    with op.batch_alter_table('playback_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_playback_days_day'), ['day'], unique=False)

    op.create_table(
        'playback_startup_buckets',
        sa.Column('video_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('bucket', sa.SmallInteger(), nullable=False),
        sa.Column('samples', sa.BigInteger(), server_default='0', nullable=False),
        sa.ForeignKeyConstraint(['video_id'], ['videos.id'],
                                name=op.f('fk_playback_startup_buckets_video_id_videos'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('video_id', 'day', 'bucket',
                                name=op.f('pk_playback_startup_buckets')),
    )
    with op.batch_alter_table('playback_startup_buckets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_playback_startup_buckets_day'), ['day'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('playback_startup_buckets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_playback_startup_buckets_day'))
    op.drop_table('playback_startup_buckets')
    with op.batch_alter_table('playback_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_playback_days_day'))
    op.drop_table('playback_days')
