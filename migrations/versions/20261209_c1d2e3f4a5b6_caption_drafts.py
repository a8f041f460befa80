"""caption drafts: a caption track is automatic (a speech model's draft) or reviewed (by whom,
when); where each video's automatic captions draft stands

Revision ID: c1d2e3f4a5b6
Revises: b9c0d1e2f3a4
Create Date: 2026-12-09 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c1d2e3f4a5b6'
down_revision = 'b9c0d1e2f3a4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('captions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('automatic', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_captions_reviewed_by_id_users'), 'users',
                                    ['reviewed_by_id'], ['id'], ondelete='SET NULL')
    # Every track so far was typed by a person and uploaded: reviewed when it was added.
    op.execute("UPDATE captions SET reviewed_at = created_at")

    op.create_table(
        'caption_drafts',
        sa.Column('video_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.Enum('queued', 'drafting', 'done', 'no_speech', 'skipped',
                                   'failed', name='caption_draft_state', native_enum=False,
                                   create_constraint=True, length=9), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=True),
        sa.Column('progress', sa.Integer(), nullable=False),
        sa.Column('message', sa.Text(), nullable=True),
        sa.Column('params', sa.JSON(), nullable=True),
        sa.Column('cue_count', sa.Integer(), nullable=True),
        sa.Column('real_time_factor', sa.Float(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['video_id'], ['videos.id'],
                                name=op.f('fk_caption_drafts_video_id_videos'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('video_id', name=op.f('pk_caption_drafts')),
    )


def downgrade():
    op.drop_table('caption_drafts')
    with op.batch_alter_table('captions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_captions_reviewed_by_id_users'),
                                 type_='foreignkey')
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('reviewed_by_id')
        batch_op.drop_column('automatic')
