"""Captions: one clean WebVTT file per language in storage, kept in step with the rows."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from careers_tv.extensions import db
from careers_tv.models import Caption
from careers_tv.services import captions
from careers_tv.services.captions import CaptionError
from careers_tv.storage import get_storage
from tests.factories import VideoFactory
from tests.unit.transcoding.test_subtitles import SRT, SRT_CUES, cues

# -- storage ------------------------------------------------------------------------------

@pytest.fixture(params=["local", "s3"])
def storage(request, app, app_ctx, monkeypatch):
    """Captions saved in the folder store of the embedded default, and in a real S3 bucket."""
    if request.param == "s3":
        monkeypatch.setitem(app.extensions, "storage", request.getfixturevalue("s3_storage"))
    return get_storage()


def content_type(storage, client, key: str) -> str:
    if hasattr(storage, "bucket"):
        return storage.client.head_object(Bucket=storage.bucket, Key=key)["ContentType"]
    return client.get(f"/media/{key}").mimetype


def read(storage, key: str) -> str:
    with storage.open(key) as stream:
        return stream.read().decode()


def test_a_caption_is_stored_as_webvtt_under_the_video_s_captions_folder(
        session, storage, client):
    video = VideoFactory(language="fr")
    caption = captions.save_caption(video, "fr", None, SRT.encode("cp1252"), "Élodie.srt")
    session.commit()

    assert (caption.language, caption.label) == ("fr", "Français")
    assert caption.storage_key.startswith(f"videos/{video.public_id}/captions/fr-")
    assert caption.storage_key.endswith(".vtt")
    assert cues(read(storage, caption.storage_key)) == SRT_CUES
    assert content_type(storage, client, caption.storage_key) == "text/vtt"
    assert [c.language for c in captions.captions_for(video)] == ["fr"]


def test_saving_twice_replaces_the_caption_and_deletes_the_old_file(session, storage):
    video = VideoFactory()
    first = captions.save_caption(video, "en", "English (UK)", SRT.encode(), "a.srt")
    session.commit()
    old_key = first.storage_key

    vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nNew text\n"
    second = captions.save_caption(video, "en", None, vtt.encode(), "b.vtt")
    new_key = second.storage_key
    assert new_key != old_key
    assert storage.exists(old_key)  # still what viewers get until the change is committed
    session.commit()

    assert not storage.exists(old_key)
    assert cues(read(storage, new_key)) == [("00:00:01.000 --> 00:00:02.000", "New text")]
    rows = session.scalars(sa.select(Caption).where(Caption.video_id == video.id)).all()
    assert [(c.language, c.label, c.storage_key) for c in rows] == [("en", "English", new_key)]


def test_a_replacement_rolled_back_keeps_the_old_file_and_drops_the_new(session, storage):
    video = VideoFactory()
    old_key = captions.save_caption(video, "fr", None, SRT.encode(), "a.srt").storage_key
    session.commit()
    new_key = captions.save_caption(video, "fr", None, SRT.encode(), "b.srt").storage_key
    session.rollback()

    assert storage.exists(old_key) and not storage.exists(new_key)
    session.expire_all()
    assert [c.storage_key for c in captions.captions_for(video)] == [old_key]


def test_captions_in_several_languages_own_language_first(session, storage):
    video = VideoFactory(language="en")
    for language in ("fr", "de", "en"):
        captions.save_caption(video, language, None, SRT.encode(), "x.srt")
    session.commit()
    assert [(c.language, c.label) for c in captions.captions_for(video)] == [
        ("en", "English"), ("de", "Deutsch"), ("fr", "Français")]


def test_deleting_a_caption_removes_its_row_and_then_its_file(session, storage):
    video = VideoFactory()
    key = captions.save_caption(video, "fr", None, SRT.encode(), "a.srt").storage_key
    session.commit()
    captions.delete_caption(video, "fr")
    assert storage.exists(key)  # until the commit
    session.commit()
    assert not storage.exists(key)
    assert captions.captions_for(video) == []
    with pytest.raises(CaptionError, match="no captions in that language"):
        captions.delete_caption(video, "fr")


@pytest.mark.parametrize("language", ["xx", "", "fr-FR", "javascript"])
def test_only_known_languages_are_accepted(session, app_ctx, language):
    video = VideoFactory()
    with pytest.raises(CaptionError, match="are not supported; choose one of fr, en"):
        captions.save_caption(video, language, None, SRT.encode(), "a.srt")
    assert db.session.scalars(sa.select(Caption)).all() == []


def test_a_bad_file_stores_nothing(session, storage):
    video = VideoFactory()
    with pytest.raises(CaptionError) as refused:
        captions.save_caption(video, "fr", None, b"not captions", "a.srt")
    assert list(storage.list(f"videos/{video.public_id}/")) == []
    assert video.captions == []
    # The parser's words, as a template and its values: the portal translates them.
    assert refused.value.message == ("“%(name)s” does not look like a caption file: no caption "
                                     "timings found. Choose an SRT or WebVTT file.")
    assert refused.value.params == {"name": "a.srt"}
    assert "“a.srt” does not look like a caption file" in str(refused.value)
