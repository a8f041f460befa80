"""Captions: SRT or WebVTT in, clean WebVTT out, one file per language in storage."""

from __future__ import annotations

import codecs

import pysubs2
import pytest
import sqlalchemy as sa

from careers_tv.extensions import db
from careers_tv.models import Caption
from careers_tv.services import captions
from careers_tv.services.captions import CaptionError, to_webvtt
from careers_tv.storage import get_storage
from tests.factories import VideoFactory

SRT = """1
00:00:01,000 --> 00:00:03,500
Bonjour, je m'appelle Élodie.

2
00:00:04,000 --> 00:00:06,250
Je suis <i>chargée de recrutement</i>
à Paris.

3
00:01:02,003 --> 01:00:00,000
{\\an8}Merci & à bientôt !
"""

SRT_CUES = [
    ("00:00:01.000 --> 00:00:03.500", "Bonjour, je m'appelle Élodie."),
    ("00:00:04.000 --> 00:00:06.250", "Je suis <i>chargée de recrutement</i>\nà Paris."),
    ("00:01:02.003 --> 01:00:00.000", "Merci &amp; à bientôt !"),
]


def cues(vtt: str) -> list[tuple[str, str]]:
    """(timing, text) of each cue of a WebVTT file, whatever its identifiers."""
    assert vtt.startswith("WEBVTT\n\n")
    found = []
    for block in vtt.split("\n\n")[1:]:
        lines = block.strip("\n").split("\n")
        if not lines[0]:
            continue
        timing_at = next(i for i, line in enumerate(lines) if "-->" in line)
        found.append((lines[timing_at], "\n".join(lines[timing_at + 1:])))
    return found


# -- conversion ---------------------------------------------------------------------------

def test_srt_becomes_webvtt_cue_by_cue():
    vtt = to_webvtt(SRT.encode(), "interview.srt")
    assert cues(vtt) == SRT_CUES
    # An independent reader agrees on the times.
    assert [(e.start, e.end) for e in pysubs2.SSAFile.from_string(vtt)] == [
        (1000, 3500), (4000, 6250), (62003, 3600000)]


def test_windows_line_endings_and_a_utf8_bom_are_read():
    data = codecs.BOM_UTF8 + SRT.replace("\n", "\r\n").encode()
    assert cues(to_webvtt(data, "interview.srt")) == SRT_CUES


def test_cp1252_srt_from_windows_tools_keeps_its_accents():
    data = SRT.replace("\n", "\r\n").encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the point of the test: this is not UTF-8
    vtt = to_webvtt(data, "sous-titres.srt")
    assert "Élodie" in vtt and "chargée" in vtt and "à bientôt" in vtt


def test_utf16_from_notepad_is_read():
    data = SRT.encode("utf-16")
    assert cues(to_webvtt(data, "interview.srt")) == SRT_CUES


def test_webvtt_comes_through_with_the_same_cues():
    source = """WEBVTT - Interview

NOTE written by the agency

intro
00:01.000 --> 00:03.500 align:start position:10%
Hello, I'm <b>Sam</b>.

NOTE a comment between cues

second-cue
00:00:04.000 --> 00:00:06.000
Numbers on their own line stay:
2024
"""
    assert cues(to_webvtt(source.encode(), "captions.vtt")) == [
        ("00:00:01.000 --> 00:00:03.500", "Hello, I'm <b>Sam</b>."),
        ("00:00:04.000 --> 00:00:06.000", "Numbers on their own line stay:\n2024"),
    ]


def test_the_content_decides_not_the_name():
    assert cues(to_webvtt(SRT.encode(), "captions.vtt")) == SRT_CUES
    vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHi\n"
    assert cues(to_webvtt(vtt.encode(), "captions.txt")) == [
        ("00:00:01.000 --> 00:00:02.000", "Hi")]


def test_script_and_foreign_markup_are_stripped_and_text_escaped():
    srt = ("1\n00:00:01,000 --> 00:00:02,000\n"
           "<script>alert('x')</script>Hello <img src=x onerror=alert(1)>"
           "<font color=\"red\">world</font> <u>now</u>\n"
           "a < b &lt;script&gt; <b onclick=\"x()\">bold</b> <i>open\n")
    [(_, text)] = cues(to_webvtt(srt.encode(), "x.srt"))
    assert text == ("Hello world <u>now</u>\n"
                    "a &lt; b &lt;script&gt; <b>bold</b> <i>open</i>")


def test_cues_come_out_in_time_order():
    srt = ("1\n00:00:05,000 --> 00:00:06,000\nSecond\n\n"
           "2\n00:00:01,000 --> 00:00:02,000\nFirst\n")
    assert [text for _, text in cues(to_webvtt(srt.encode(), "x.srt"))] == ["First", "Second"]


ASS = """[Script Info]
ScriptType: v4.00+

[V4+ Styles]
Format: Name, Fontname, Fontsize
Style: Default,Arial,20

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,Hello
"""


@pytest.mark.parametrize(("data", "message"), [
    (b"", "This caption file is empty."),
    (b"\n  \r\n\t\n", "This caption file is empty."),
    (codecs.BOM_UTF8, "This caption file is empty."),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a caption file (it is not text)"),
    (bytes(range(1, 32)) * 4, "not a caption file (it is not text)"),
    (b"Dear team, here are the captions you asked for.\n",
     "does not look like a caption file"),
    (ASS.encode(), "Advanced SubStation (ASS) subtitle format. Export it as SRT or WebVTT"),
    (b"1\n00:00:01,000 --> 00:00:0\nHello\n", "Line 2: “00:00:01,000 --> 00:00:0” is not a valid"),
    (b"1\n00:00:01 --> 00:00:02\nHello\n", "Line 2: “00:00:01 --> 00:00:02” is not a valid"),
    (b"1\n00:00:01,000 --> 00:75:00,000\nHello\n", "is not a valid timing"),
    (b"1\n00:00:05,000 --> 00:00:02,000\nHello\n",
     "Line 2: caption 1 ends (00:00:02.000) before it starts (00:00:05.000)."),
    (b"1\n00:00:05,000 --> 00:00:05,000\nHello\n", "caption 1 ends (00:00:05.000) before"),
    (b"1\n00:00:01,000 --> 99:00:00,000\nHello\n", "later than any video here"),
    (b"1\n00:00:01,000 --> 00:00:02,000\nHi\n\n2\nHello\n",
     "Line 5: caption 2 has no timing."),
    (b"1\n00:00:01,000 --> 00:00:02,000\nHi\n00:00:03,000 --> 00:00:04,000\nThere\n",
     "Line 4: two timings in one caption"),
    (b"Title of the film\n\n1\n00:00:01,000 --> 00:00:02,000\nHi\n",
     "Line 1: there is text before the first caption."),
    (b"1\n00:00:01,000 --> 00:00:02,000\n<script>steal()</script>\n",
     "has timings but no caption text"),
    (b"WEBVTT\n\nNOTE nothing else\n", "This caption file has no captions."),
    (b"WEBVTT\n\n00:00:01,000 --> 00:00:02,000\nHi\n", "is not a valid timing. A timing looks "
     "like 00:00:01.000 --> 00:00:03.500"),
    (b"1\n00:00:01,000 --> 00:00:02,000\n" + b"x" * captions.MAX_CAPTION_BYTES,
     "too large: the limit is 1024 KiB"),
])
def test_unfit_files_are_refused_with_a_readable_message(data, message):
    with pytest.raises(CaptionError) as refused:
        to_webvtt(data, "captions.srt")
    assert message in str(refused.value)


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
    with pytest.raises(CaptionError):
        captions.save_caption(video, "fr", None, b"not captions", "a.srt")
    assert list(storage.list(f"videos/{video.public_id}/")) == []
    assert video.captions == []
