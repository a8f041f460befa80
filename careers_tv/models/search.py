"""The search index: one row per video with the text that search looks through.

The text is copied here (rather than read from `videos` at query time) because part of it,
the caption text, lives in object storage, and because each engine indexes it its own way:
PostgreSQL keeps a weighted tsvector in `document`; SQLite (the embedded default) keeps an
FTS5 table, `search_fts`, that only the migration knows (a virtual table has no model).
`services.search` keeps both current.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class SearchDocument(db.Model):
    __tablename__ = "search_documents"
    __table_args__ = (
        sa.Index("ix_search_documents_document", "document", postgresql_using="gin"),
    )

    video_id: Mapped[int] = mapped_column(
        sa.ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True
    )
    title: Mapped[str] = mapped_column(sa.Text, default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # Speaker name and title, tag labels: short words people search by.
    keywords: Mapped[str] = mapped_column(sa.Text, default="")
    captions: Mapped[str] = mapped_column(sa.Text, default="")
    # PostgreSQL only (unused TEXT on SQLite): title weighted A, keywords and description B,
    # captions C, over unaccented text with the 'simple' configuration (no stemming, so French
    # and English words are found alike).
    document = mapped_column(sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql"))
