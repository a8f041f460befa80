"""Captions: storing a video's caption tracks, one clean WebVTT file per language.

Reading and cleaning the file someone uploads is transcoding/subtitles.py's (pure text, no
database), imported when a file arrives: a web process starts without transcoding/ (see
docs/architecture.md), and this pure-text part is the one it may load. This module checks
the language, stores the result and keeps the rows and the files in step, and turns the
parser's SubtitleError into a CaptionError like its own.

Captions live under `videos/<public_id>/captions/`, beside the versioned media prefixes that a
re-transcode replaces, so a new transcode keeps them. Each save writes a new key: players and
CDNs never see a half-replaced file under an old URL.
"""

from __future__ import annotations

import io
import logging
import secrets

from ..clock import utcnow
from ..extensions import db
from ..i18n import N_
from ..models import Caption, User, Video
from ..storage import Storage, get_storage
from ..transactions import on_commit, on_rollback
from .videos import VideoError

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/vtt"

# Languages a caption may be in, with their names in their own language (the track label).
CAPTION_LANGUAGES: dict[str, str] = {
    "fr": "Français",
    "en": "English",
    "de": "Deutsch",
    "es": "Español",
    "it": "Italiano",
    "nl": "Nederlands",
    "pt": "Português",
}
MAX_LABEL_LENGTH = 64


class CaptionError(VideoError):
    """A caption file or request we cannot accept; the message is for people."""


def max_caption_bytes() -> int:
    """The portal reads at most this much (and a byte more) of an upload: the parser's limit."""
    from transcoding import subtitles

    return subtitles.MAX_CAPTION_BYTES


def _to_webvtt(data: bytes, filename: str) -> str:
    """The uploaded file as clean WebVTT; CaptionError (the parser's words) if unfit."""
    from transcoding import subtitles

    try:
        return subtitles.to_webvtt(data, filename)
    except subtitles.SubtitleError as exc:
        raise CaptionError(exc.template, **exc.params) from exc


def caption_key(video: Video, language: str) -> str:
    return f"videos/{video.public_id}/captions/{language}-{secrets.token_hex(6)}.vtt"


def check_language(language: str) -> str:
    language = (language or "").strip().lower()
    if language not in CAPTION_LANGUAGES:
        raise CaptionError(N_("Captions in “%(language)s” are not supported; choose one of "
                              "%(languages)s."),
                           language=language[:8], languages=", ".join(CAPTION_LANGUAGES))
    return language


def captions_for(video: Video) -> list[Caption]:
    """The video's captions, its own language first, then by language code."""
    return sorted(video.captions, key=lambda c: (c.language != video.language, c.language))


def caption_for(video: Video, language: str) -> Caption | None:
    return next((c for c in video.captions if c.language == language), None)


def save_caption(video: Video, language: str, label: str | None, data: bytes,
                 filename: str, *, reviewed_by: User | None = None,
                 automatic: bool = False) -> Caption:
    """Add (or replace) the video's captions in `language`; the caller commits.

    A file a person uploaded or saved from the editor is reviewed, by `reviewed_by`, now; a
    speech model's draft is `automatic` (labelled so until someone reviews it).

    The new file is written now under a new key. The file it replaces is deleted once the
    commit succeeds; if the transaction rolls back instead, the new file is deleted and the
    old one stays in use. A crash between the two leaves an unreferenced file, never a
    caption row pointing at nothing.
    """
    language = check_language(language)
    label = (label or "").strip()[:MAX_LABEL_LENGTH] or CAPTION_LANGUAGES[language]
    vtt = _to_webvtt(data, filename)
    storage = get_storage()
    key = caption_key(video, language)
    storage.put_stream(key, io.BytesIO(vtt.encode("utf-8")), CONTENT_TYPE)
    _on_rollback_delete(storage, key)
    caption = caption_for(video, language)
    if caption is None:
        caption = Caption(language=language, label=label, storage_key=key)
        video.captions.append(caption)
    else:
        _on_commit_delete(storage, caption.storage_key)
        caption.label, caption.storage_key = label, key
    caption.automatic = automatic
    caption.reviewed_by = None if automatic else reviewed_by
    caption.reviewed_at = None if automatic else utcnow()
    db.session.flush()
    return caption


def only_unreviewed(video: Video) -> bool:
    """Whether the video has captions and every one is an unreviewed automatic draft."""
    return bool(video.captions) and all(c.automatic for c in video.captions)


def best_caption(video: Video) -> Caption | None:
    """The track a transcript and the search index read: reviewed before automatic, the
    video's own language before the others."""
    tracks = captions_for(video)
    return min(tracks, key=lambda c: c.automatic) if tracks else None


def delete_caption(video: Video, language: str) -> None:
    """Remove the video's captions in `language`; the file goes once the caller commits."""
    caption = caption_for(video, (language or "").strip().lower())
    if caption is None:
        raise CaptionError(N_("This video has no captions in that language."))
    _on_commit_delete(get_storage(), caption.storage_key)
    video.captions.remove(caption)  # delete-orphan: the row goes at the flush
    db.session.flush()


def _on_commit_delete(storage: Storage, key: str) -> None:
    on_commit(lambda: _delete_quietly(storage, key))


def _on_rollback_delete(storage: Storage, key: str) -> None:
    on_rollback(lambda: _delete_quietly(storage, key))


def _delete_quietly(storage: Storage, key: str) -> None:
    try:
        storage.delete(key)
    except Exception:  # an orphaned caption file is harmless; a failed request is not
        log.exception("could not delete caption file %s", key)
