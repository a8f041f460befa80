"""Search over published, public videos: titles, descriptions, tags, speakers and captions.

One API on both engines. PostgreSQL: a weighted tsvector over unaccented text ('simple'
configuration: no stemming, so French and English words alike) with a GIN index, ranked by
ts_rank. SQLite (the embedded default): an FTS5 table whose tokenizer drops accents, ranked by
bm25. Either way every query word must match, the last one as the start of a word (people
search as they type), and case and accents never matter.

The index (`search_documents`, and `search_fts` on SQLite) is kept current by a flush listener:
whenever a video's searchable text, its tags or its captions change, the video's row is
rewritten in the same transaction, so a rolled-back edit never shows in search. Caption text
lives in object storage; it is read again only when a video's captions change.
"""

from __future__ import annotations

import html
import logging
import re
from contextlib import closing
from dataclasses import dataclass, field

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Caption, SearchDocument, Tag, Video, VideoStatus, Visibility, video_tags
from ..storage import get_storage
from .highlight import Matcher, query_terms

log = logging.getLogger(__name__)

# Enough words for any talk; keeps a tsvector well under PostgreSQL's 1 MB limit.
MAX_CAPTION_CHARS = 300_000
TEXT_FIELDS = ("title", "description", "speaker_name", "speaker_title", "tags")
DOCUMENTS = SearchDocument.__table__
# The FTS5 table exists on SQLite only, created by the migration; rowid is the video's id.
FTS = sa.table("search_fts", sa.column("rowid"), sa.column("title"), sa.column("description"),
               sa.column("keywords"), sa.column("captions"))


@dataclass
class SearchHit:
    video: Video
    title: Markup  # escaped, matches in <mark>
    excerpt: Markup


@dataclass
class SearchResults:
    query: str
    total: int = 0
    limit: int = 20
    offset: int = 0
    items: list[SearchHit] = field(default_factory=list)

    @property
    def page(self) -> int:
        return self.offset // self.limit + 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit))


# -- querying -----------------------------------------------------------------------------

def search(query: str, *, language: str | None = None, limit: int = 20,
           offset: int = 0) -> SearchResults:
    """Published, public videos matching every word of `query`, best first."""
    limit, offset = max(1, min(limit, 100)), max(0, offset)
    terms = query_terms(query)
    results = SearchResults(query=query, limit=limit, offset=offset)
    if not terms:
        return results
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        conditions, rank = _postgresql_match(terms)
        base = sa.select(Video).join(SearchDocument, SearchDocument.video_id == Video.id)
        order = rank.desc()
    else:
        conditions, rank = _sqlite_match(terms)
        base = (sa.select(Video).join(SearchDocument, SearchDocument.video_id == Video.id)
                .join(FTS, FTS.c.rowid == Video.id))
        order = rank.asc()  # bm25: lower is better
    base = base.where(*conditions, Video.status == VideoStatus.PUBLISHED,
                      Video.visibility == Visibility.PUBLIC)
    if language:
        base = base.where(Video.language == language.strip().lower()[:8])
    results.total = db.session.scalar(
        base.with_only_columns(sa.func.count(Video.id)).order_by(None))
    if results.total <= offset:
        return results
    rows = db.session.execute(
        base.add_columns(SearchDocument.description, SearchDocument.keywords,
                         SearchDocument.captions)
        .order_by(order, Video.published_at.desc(), Video.id.desc())
        .limit(limit).offset(offset)
    )
    matcher = Matcher(terms)
    for video, description, keywords, captions in rows:
        results.items.append(SearchHit(
            video=video, title=matcher.highlight(video.title),
            excerpt=matcher.excerpt(description, captions, keywords)))
    return results


def _postgresql_match(terms: list[str]):
    # Terms hold only letters and digits (query_terms), so quoting them is all the escaping
    # to_tsquery needs; unaccent runs on the whole query as it ran on the indexed text.
    text = " & ".join([f"'{t}'" for t in terms[:-1]] + [f"'{terms[-1]}':*"])
    tsquery = sa.func.to_tsquery(sa.literal_column("'simple'::regconfig"), sa.func.unaccent(text))
    return [SearchDocument.document.op("@@")(tsquery)], sa.func.ts_rank(SearchDocument.document,
                                                                          tsquery)


def _sqlite_match(terms: list[str]):
    # FTS5 strings in double quotes (terms hold no quote); a trailing * makes a prefix query.
    text = " ".join([f'"{t}"' for t in terms[:-1]] + [f'"{terms[-1]}"*'])
    table = sa.literal_column("search_fts")
    # Weights per column, in table order: a title match counts most, captions least.
    rank = sa.func.bm25(table, 10.0, 3.0, 4.0, 1.0)
    return [table.op("MATCH")(text)], rank


# -- indexing -----------------------------------------------------------------------------

def reindex_all(connection: Connection | None = None, drafts: bool = True) -> int:
    """Rebuild every video's entry; returns how many. For the migration and for repairs
    (`drafts=False`: a schema from before automatic captions, every track typed by people)."""
    if connection is None:
        db.session.flush()
        connection = db.session.connection()
    ids = set(connection.scalars(sa.select(Video.id)))
    _reindex(connection, ids, with_captions=ids, drafts=drafts)
    return len(ids)


def _reindex(connection: Connection, video_ids: set[int], with_captions: set[int],
             drafts: bool = True) -> None:
    if not video_ids:
        return
    dialect = connection.dialect.name
    videos = connection.execute(
        sa.select(Video.id, Video.title, Video.description, Video.speaker_name,
                  Video.speaker_title).where(Video.id.in_(video_ids)))
    for video_id, title, description, speaker_name, speaker_title in videos:
        tags = connection.scalars(
            sa.select(Tag.label).join(video_tags, video_tags.c.tag_id == Tag.id)
            .where(video_tags.c.video_id == video_id).order_by(Tag.label))
        values = {
            "title": title or "",
            "description": description or "",
            "keywords": " ".join(filter(None, [speaker_name, speaker_title, *tags])),
        }
        captions = None
        if video_id not in with_captions:
            captions = connection.scalar(
                sa.select(DOCUMENTS.c.captions).where(DOCUMENTS.c.video_id == video_id))
        values["captions"] = _caption_text(connection, video_id, drafts) \
            if captions is None else captions
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        connection.execute(insert(DOCUMENTS).values(video_id=video_id, **values)
                           .on_conflict_do_update(index_elements=["video_id"], set_=values))
        if dialect == "postgresql":
            connection.execute(sa.update(DOCUMENTS).where(DOCUMENTS.c.video_id == video_id)
                               .values(document=_tsvector()))
        elif dialect == "sqlite":
            connection.execute(sa.delete(FTS).where(FTS.c.rowid == video_id))
            connection.execute(sa.insert(FTS).values(rowid=video_id, **values))


def _tsvector():
    def weighted(column, weight: str):
        vector = sa.func.to_tsvector(sa.literal_column("'simple'::regconfig"),
                                     sa.func.unaccent(column))
        return sa.func.setweight(vector, sa.literal_column(f"'{weight}'"))

    c = DOCUMENTS.c
    return (weighted(c.title, "A").op("||")(weighted(c.keywords, "B"))
            .op("||")(weighted(c.description, "B")).op("||")(weighted(c.captions, "C")))


def _unindex(connection: Connection, video_ids: set[int]) -> None:
    if not video_ids:
        return
    connection.execute(sa.delete(DOCUMENTS).where(DOCUMENTS.c.video_id.in_(video_ids)))
    if connection.dialect.name == "sqlite":
        connection.execute(sa.delete(FTS).where(FTS.c.rowid.in_(video_ids)))


_CUE_TAG = re.compile(r"<[^>]*>")


def vtt_text(vtt: str) -> str:
    """The words of a WebVTT file: cue text without timings, identifiers or markup."""
    words: list[str] = []
    for block in re.split(r"\n[ \t]*\n", vtt.replace("\r\n", "\n").replace("\r", "\n")):
        lines = block.strip().split("\n")
        timing = next((i for i, line in enumerate(lines) if "-->" in line), None)
        if timing is None:
            continue  # the header, NOTE, STYLE, REGION blocks
        for line in lines[timing + 1:]:
            words.append(html.unescape(_CUE_TAG.sub("", line)).strip())
    return " ".join(w for w in words if w)


def _caption_text(connection: Connection, video_id: int, drafts: bool = True) -> str:
    """The text of the video's best tracks: the reviewed ones, or the drafts if none is."""
    automatic = Caption.automatic if drafts else sa.false()
    rows = connection.execute(sa.select(Caption.storage_key, automatic.label("automatic"))
                              .where(Caption.video_id == video_id)
                              .order_by(Caption.language)).all()
    reviewed = [row.storage_key for row in rows if not row.automatic]
    keys = reviewed or [row.storage_key for row in rows]
    texts = []
    for key in keys:
        try:
            with closing(get_storage().open(key)) as stream:
                texts.append(vtt_text(stream.read().decode("utf-8-sig", "replace")))
        except Exception:  # a missing file must not stop the edit that triggered this
            log.exception("could not read captions %s for the search index", key)
    return "\n".join(texts)[:MAX_CAPTION_CHARS]


# -- keeping the index current ------------------------------------------------------------

def _changed(obj, *names: str) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush_context) -> None:
    # Histories and session.new/dirty/deleted still describe what this flush wrote.
    text, captions, gone, tags = set(), set(), set(), set()
    for obj in session.new:
        if isinstance(obj, Video):
            text.add(obj.id)
            captions.add(obj.id)
        elif isinstance(obj, Caption) and obj.video_id is not None:
            captions.add(obj.video_id)
    for obj in session.dirty:
        if isinstance(obj, Video):
            if _changed(obj, *TEXT_FIELDS):
                text.add(obj.id)
            if _changed(obj, "captions"):
                captions.add(obj.id)
        elif isinstance(obj, Caption) and _changed(obj, "storage_key", "video_id", "automatic"):
            captions.add(obj.video_id)
        elif isinstance(obj, Tag) and _changed(obj, "label"):
            tags.add(obj.id)
    for obj in session.deleted:
        if isinstance(obj, Video):
            gone.add(obj.id)
        elif isinstance(obj, Caption) and obj.video_id is not None:
            captions.add(obj.video_id)
    if not (text or captions or gone or tags):
        return
    connection = session.connection()
    if tags:
        text |= set(connection.scalars(
            sa.select(video_tags.c.video_id).where(video_tags.c.tag_id.in_(tags))))
    _unindex(connection, gone)
    _reindex(connection, (text | captions) - gone, with_captions=captions - gone)
