"""search: the search_documents index (PostgreSQL tsvector + unaccent, SQLite FTS5)

Revision ID: b5c2e1a90f31
Revises: 730e433d824a
Create Date: 2026-11-27 23:00:00.000000

"""
import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'b5c2e1a90f31'
down_revision = '730e433d824a'
branch_labels = None
depends_on = None


def upgrade():
    dialect = op.get_context().dialect.name
    if dialect == 'postgresql':
        # Accent-insensitive search: "temoignage" finds "Témoignage".
        op.execute('CREATE EXTENSION IF NOT EXISTS unaccent')
    op.create_table('search_documents',
    sa.Column('video_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('keywords', sa.Text(), nullable=False),
    sa.Column('captions', sa.Text(), nullable=False),
    sa.Column('document', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'),
              nullable=True),
    sa.ForeignKeyConstraint(['video_id'], ['videos.id'],
                            name=op.f('fk_search_documents_video_id_videos'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('video_id', name=op.f('pk_search_documents'))
    )
    if dialect == 'postgresql':
        op.create_index('ix_search_documents_document', 'search_documents', ['document'],
                        unique=False, postgresql_using='gin')
    elif dialect == 'sqlite':
        # rowid is the video id. remove_diacritics 2 folds every accent, on indexed text and
        # on queries alike; unicode61 folds case.
        op.execute("CREATE VIRTUAL TABLE search_fts USING fts5("
                   "title, description, keywords, captions, "
                   "tokenize = 'unicode61 remove_diacritics 2')")
    # Index the videos that already exist. The caption text is read from storage, which only
    # the app knows; on an empty database (every fresh install) there is nothing to do.
    if context.is_offline_mode():
        return  # an SQL script cannot read storage: run services.search.reindex_all() after
    bind = op.get_bind()
    if bind.execute(sa.text('SELECT 1 FROM videos LIMIT 1')).first() is not None:
        from careers_tv.services.search import reindex_all
        reindex_all(bind, drafts=False)  # captions.automatic comes later (c1d2e3f4a5b6)


def downgrade():
    dialect = op.get_context().dialect.name
    if dialect == 'sqlite':
        op.execute('DROP TABLE IF EXISTS search_fts')
    if dialect == 'postgresql':
        op.drop_index('ix_search_documents_document', table_name='search_documents',
                      postgresql_using='gin')
    op.drop_table('search_documents')
    # The unaccent extension stays: other objects may have come to use it.
