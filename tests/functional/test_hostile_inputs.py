"""A corpus of hostile and broken inputs through the real upload path (issue 9).

Every case goes in the way a person or a client sends it — the portal's forms, the API, tus
PATCHes through the test client, a real Celery worker for the media — and must end in a clear
refusal or a correct result; wherever the input is shown again (portal, public pages, feeds,
oEmbed, sitemap) it is escaped. Inputs are generated here (tests/media.py for the media), not
committed. The media cases share one worker and one module-scoped set of uploads, so the worker
starts once.
"""

from __future__ import annotations

import codecs
import io
import json
import os
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from careers_tv.clock import utcnow
from careers_tv.extensions import db
from careers_tv.models import Role, Upload, Video, VideoStatus
from careers_tv.services import api_tokens
from tests.factories import PASSWORD, UserFactory, VideoFactory, channel
from tests.functional.tus_client import TUS, Tus, login, metadata_header
from tests.plugins.workers import Worker

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"
BREAKOUT = "</script><script>alert(3)</script>"
RAW_PAYLOADS = (SCRIPT, IMG, BREAKOUT, "<img src=x", "<svg onload")


# -- helpers: who uploads, and how a page must look ------------------------------------------


def waiting_video(session, role=Role.CONTRIBUTOR, **fields) -> SimpleNamespace:
    user = UserFactory(role=role)
    video = VideoFactory(created_by=user, status=VideoStatus.UPLOADING, **fields)
    session.commit()
    return SimpleNamespace(id=video.id, public_id=video.public_id, email=user.email)


@pytest.fixture
def tus(client, session):
    video = waiting_video(session)
    return Tus(client, login(client, video.email, PASSWORD)), video


def upload_id(url: str) -> str:
    return url.rsplit("/", 1)[1]


@pytest.fixture
def storage(app):
    return app.extensions["storage"]


def assert_no_injection(markup: str, where: str) -> BeautifulSoup:
    """No hostile payload made it into the page as markup: no raw payload, no injected
    element or event handler, and every inline script is JSON that parses (nothing broke out
    of the JSON-LD)."""
    for payload in RAW_PAYLOADS:
        assert payload not in markup, f"{payload!r} unescaped in {where}"
    soup = BeautifulSoup(markup, "html.parser")
    for script in soup.find_all("script"):
        if script.get("src"):
            continue
        assert script.get("type") == "application/ld+json", f"inline script in {where}"
        json.loads(script.string or "null")
    assert not soup.select("img[src=x], svg[onload]"), f"injected element in {where}"
    for element in soup.find_all(True):
        handlers = [name for name in element.attrs if name.lower().startswith("on")]
        assert not handlers, f"event handler {handlers} in {where}"
    return soup


def assert_xml(body: bytes, where: str) -> ET.Element:
    root = ET.fromstring(body)  # noqa: S314 - our own feed; well-formed whatever titles held
    for element in root.iter():
        assert not element.tag.endswith("script"), f"script element in {where}"
    return root


def xml_texts(root: ET.Element) -> str:
    return "\n".join(element.text or "" for element in root.iter())


# == tus: lengths, offsets, overlapping PATCHes, metadata =====================================


@pytest.mark.parametrize("length, status, words", [
    pytest.param(str(8 * 1024**3 + 1), 413, "bytes allowed", id="length-over-max"),
    pytest.param(str(2**63), 413, "bytes allowed", id="length-2^63"),
    pytest.param(str(2**64 + 1), 400, "whole number", id="length-2^64-20-digits"),
    pytest.param("1" + "0" * 30, 400, "whole number", id="length-10^30"),
    pytest.param("-1", 400, "whole number", id="length-negative"),
    pytest.param("12abc", 400, "whole number", id="length-not-a-number"),
    pytest.param("1e3", 400, "whole number", id="length-exponent"),
    pytest.param("\u0661\u0662\u0663", 400, "whole number", id="length-arabic-indic-digits"),
    pytest.param("0", 400, "empty", id="length-zero-empty-file"),
])
def test_a_bad_upload_length_is_refused_clearly(tus, length, status, words):
    tus_client, video = tus
    response = tus_client.create(100, video.public_id, **{"Upload-Length": length})
    assert response.status_code == status
    assert words in response.json["error"]["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Upload)) == 0


@pytest.mark.parametrize("offset, words", [
    pytest.param(20, "at byte 10, not at byte 20", id="offset-ahead"),
    pytest.param(5, "at byte 10, not at byte 5", id="offset-behind"),
    pytest.param(0, "at byte 10, not at byte 0", id="offset-restart"),
])
def test_a_wrong_upload_offset_gets_409_with_the_offset_expected(tus, offset, words):
    tus_client, video = tus
    url = tus_client.create(30, video.public_id).headers["Location"]
    assert tus_client.patch(url, 0, b"0123456789").status_code == 204
    response = tus_client.patch(url, offset, b"x" * 5)
    assert response.status_code == 409
    assert words in response.json["error"]["message"]
    assert tus_client.offset(url) == 10


@pytest.mark.parametrize("offset", [
    pytest.param("-1", id="offset-negative"), pytest.param("1" + "0" * 30, id="offset-10^30"),
    pytest.param("ten", id="offset-words"),
])
def test_a_malformed_upload_offset_is_a_400(tus, offset):
    tus_client, video = tus
    url = tus_client.create(30, video.public_id).headers["Location"]
    response = tus_client.patch(url, 0, b"abc", **{"Upload-Offset": offset})
    assert response.status_code == 400
    assert "Upload-Offset" in response.json["error"]["message"]
    assert tus_client.offset(url) == 0


def test_a_patch_beyond_the_declared_length_keeps_nothing_beyond(tus, storage):
    tus_client, video = tus
    url = tus_client.create(12, video.public_id).headers["Location"]
    assert tus_client.patch(url, 0, b"x" * 13).status_code == 413
    assert tus_client.patch(url, 0, b"12345678").status_code == 204
    refused = tus_client.patch(url, 8, b"9abcdef")  # 8 + 7 > 12
    assert refused.status_code == 413
    assert "bytes allowed" in refused.json["error"]["message"]
    assert tus_client.offset(url) == 8
    assert tus_client.patch(url, 8, b"9abc").status_code == 204
    original = db.session.get(Video, video.id, populate_existing=True).original_key
    with storage.open(original) as body:
        assert body.read() == b"123456789abc"


@pytest.mark.parametrize("header, words", [
    pytest.param("video !!notbase64", "base64", id="metadata-invalid-base64"),
    pytest.param("filename " + "QUFB" * 1100, "too long", id="metadata-huge-header"),
    pytest.param("filename YQ==,filename Yg==", "repeated key", id="metadata-duplicate-keys"),
    pytest.param("fil\u00e9name YQ==", "bad or repeated key", id="metadata-non-ascii-key"),
    pytest.param("file\x01name YQ==", "bad or repeated key", id="metadata-control-char-key"),
])
def test_bad_upload_metadata_is_refused(tus, header, words):
    tus_client, video = tus
    response = tus_client.create(10, video.public_id, **{"Upload-Metadata": header})
    assert response.status_code == 400
    assert words in response.json["error"]["message"]


# Control characters, traversal, absolute paths, NUL, very long names, bidi overrides and
# markup, in the tus `filename`: the original's key stays one plain name under the video's
# folder of originals, whatever was sent.
HOSTILE_FILENAMES = [
    pytest.param("../../etc/passwd", id="filename-dotdot-slash"),
    pytest.param("..\\..\\windows\\system32\\x.mp4", id="filename-dotdot-backslash"),
    pytest.param("/etc/shadow", id="filename-absolute"),
    pytest.param("C:\\Users\\me\\clip.mp4", id="filename-windows-absolute"),
    pytest.param("clip\x00.mp4", id="filename-nul"),
    pytest.param("clip\r\nX-Injected: 1\x1b[31m.mp4", id="filename-control-chars"),
    pytest.param("a" * 2000 + ".mp4", id="filename-very-long"),
    pytest.param("\u202egpm.exe", id="filename-rtl-override"),
    pytest.param(f"{SCRIPT}.mp4", id="filename-script"),
    pytest.param("..", id="filename-only-dots"),
    pytest.param("\uff0e\uff0e\uff0fetc\uff0fpasswd", id="filename-fullwidth-dots"),
]


@pytest.mark.parametrize("filename", HOSTILE_FILENAMES)
def test_a_hostile_filename_stays_under_the_videos_prefix(tus, storage, filename):
    tus_client, video = tus
    before = set(storage.list(""))
    created = tus_client.create(4, video.public_id, filename=filename)
    assert created.status_code == 201, created.get_data(as_text=True)
    url = created.headers["Location"]
    assert tus_client.patch(url, 0, b"abcd").status_code == 204
    key = db.session.get(Video, video.id, populate_existing=True).original_key
    folder, _, name = key.rpartition("/")
    assert folder == f"originals/{video.public_id}"
    assert name and name not in (".", "..") and len(name) <= 120
    assert all(ch.isascii() and (ch.isalnum() or ch in "._-") for ch in name), name
    assert storage.exists(key)
    assert set(storage.list("")) - before == {key}  # nothing written anywhere else
    head = tus_client.head(url)  # the metadata comes back as sent, base64, on one line
    assert head.status_code == 200
    assert "\n" not in head.headers["Upload-Metadata"]
    page = tus_client.client.get(f"/portal/videos/{video.public_id}")
    assert page.status_code == 200
    assert_no_injection(page.get_data(as_text=True), "portal video page")


def test_a_metadata_value_with_control_characters_is_kept_harmless(tus):
    tus_client, video = tus
    created = tus_client.create(3, video.public_id, **{"Upload-Metadata": metadata_header(
        video=video.public_id, filename="a\x00b\x07.mp4", filetype="video/mp4\r\nX: 1",
        note="\x00" * 10)})
    assert created.status_code == 201, created.get_data(as_text=True)
    upload = db.session.get(Upload, upload_id(created.headers["Location"]))
    assert "\x00" not in upload.filename
    assert tus_client.patch(created.headers["Location"], 0, b"abc").status_code == 204


# -- overlapping PATCHes: the second is refused while the first writes ----------------------


class _HeldBody:
    """A request body that sends its first bytes, then waits until released."""

    def __init__(self, data: bytes, first: int) -> None:
        self.data, self.first, self.position = data, first, 0
        self.started, self.release = threading.Event(), threading.Event()

    def read(self, size: int = -1) -> bytes:
        if self.position >= self.first and not self.release.is_set():
            self.started.set()
            assert self.release.wait(30)
        end = len(self.data) if size < 0 else self.position + size
        if self.position < self.first:
            end = min(end, self.first)
        chunk = self.data[self.position:end]
        self.position += len(chunk)
        return chunk

    readline = read

    def tell(self) -> int:  # the test client measures the body before sending it
        return self.position

    def seek(self, offset: int, whence: int = 0) -> None:
        self.position = offset + (len(self.data) if whence == 2 else 0)


def _empty_tables(app) -> None:
    """What `committed` does afterwards (its pushed app context would make every test-client
    request share one `g`, and so one logged-in user)."""
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in db.metadata.sorted_tables if t.name != "channels"]
        with db.engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture
def committed_tus(app):
    """Real commits (another thread or connection must see the rows); tables emptied after."""
    with app.app_context():
        video = waiting_video(db.session)

    def new_client() -> Tus:
        client = app.test_client()
        return Tus(client, login(client, video.email, PASSWORD))

    yield new_client, video
    _empty_tables(app)


def test_overlapping_patches_the_second_gets_409_and_nothing_is_mixed(app, committed_tus,
                                                                      storage):
    new_client, video = committed_tus
    first_client, second_client = new_client(), new_client()
    data = os.urandom(1000)
    url = first_client.create(len(data), video.public_id).headers["Location"]
    body = _HeldBody(data, first=100)
    answers: dict[str, object] = {}

    def send_first():
        answers["first"] = first_client.client.patch(url, input_stream=body, headers={
            **TUS, **first_client.csrf, "Upload-Offset": "0", "Content-Length": str(len(data)),
            "Content-Type": "application/offset+octet-stream"})

    writer = threading.Thread(target=send_first)
    writer.start()
    try:
        assert body.started.wait(30)
        second = second_client.patch(url, 0, b"y" * 1000)
        assert second.status_code == 409
        assert "another request" in second.json["error"]["message"]
        behind = second_client.patch(url, 500, b"y" * 500)
        assert behind.status_code == 409
    finally:
        body.release.set()
        writer.join(30)
    assert answers["first"].status_code == 204
    assert second_client.offset(url) == len(data)
    with app.app_context():
        video_row = db.session.get(Video, video.id)
        assert video_row.status is VideoStatus.QUEUED
        with storage.open(video_row.original_key) as stored:
            assert stored.read() == data


def test_a_patch_while_another_process_holds_the_row_is_a_409(app, committed_tus):
    new_client, video = committed_tus
    tus_client = new_client()
    url = tus_client.create(10, video.public_id).headers["Location"]
    with app.app_context():
        engine = db.engine
    with engine.connect() as other, other.begin():
        other.execute(sa.text("SELECT id FROM uploads WHERE id = :id FOR UPDATE"),
                      {"id": upload_id(url)})
        refused = tus_client.patch(url, 0, b"0123456789")
        assert refused.status_code == 409
    assert tus_client.offset(url) == 0
    assert tus_client.patch(url, 0, b"0123456789").status_code == 204


# == text: titles, descriptions, speakers with HTML, bidi text, emoji =========================


TEXTS = [
    pytest.param({"title": SCRIPT, "description": IMG, "speaker_name": BREAKOUT},
                 id="text-script-and-img"),
    pytest.param({"title": f"Portrait {IMG}", "description": f"{BREAKOUT}\n{SCRIPT}",
                  "speaker_title": "\"'><svg onload=alert(4)>"}, id="text-attribute-breakout"),
    pytest.param({"title": "مقابلة مع مهندسة – ראיון", "description": "نص عربي\nטקסט עברי",
                  "speaker_name": "\u202eevil\u202c Nom"}, id="text-rtl-arabic-hebrew-override"),
    pytest.param({"title": "Équipe 👩🏽‍💻🚀 Zalgo z\u0336\u0301a\u0308l\u0303g\u0310o",
                  "speaker_name": "Ａｄａ 🧑‍🔬", "description": "e\u0301 vs é, ﬁ ligature"},
                 id="text-emoji-combining"),
    pytest.param({"title": "T" * 199 + "é"}, id="text-title-200-chars"),
    pytest.param({"title": "&lt;script&gt; &amp; &#60;b&#62; {{ 7*7 }} {% raw %}",
                  "description": "${7*7} %s %(x)s"}, id="text-entities-and-templates"),
]


def _published_pages(client, public_id: str, search: str) -> dict[str, str]:
    pages = {
        "watch page": f"/videos/{public_id}",
        "channel page": "/channels/temoignages",
        "home": "/",
        "search results": f"/search?q={search}",
    }
    return {where: client.get(path).get_data(as_text=True) for where, path in pages.items()}


def _publish(video_id: int) -> None:
    video = db.session.get(Video, video_id, populate_existing=True)
    video.status, video.published_at = VideoStatus.PUBLISHED, utcnow()
    video.duration_seconds = 60
    db.session.commit()


def _check_everywhere(client, editor_client, video_id: int, fields: dict) -> None:
    """The typed text is stored as typed and shown escaped on every page that shows it."""
    video = db.session.get(Video, video_id, populate_existing=True)
    for name, value in fields.items():
        assert getattr(video, name) == value.strip(), name
    public_id, title = video.public_id, fields["title"]
    portal = {"portal video page": f"/portal/videos/{public_id}", "dashboard": "/portal/"}
    for where, path in portal.items():
        response = editor_client.get(path)
        assert response.status_code == 200, where
        soup = assert_no_injection(response.get_data(as_text=True), where)
        if where == "portal video page":
            assert soup.find("input", {"name": "title"})["value"] == title
    _publish(video_id)
    for where, markup in _published_pages(client, public_id, "marqueur").items():
        soup = assert_no_injection(markup, where)
        if where in ("watch page", "search results"):
            assert title in soup.get_text(), where
    for path in ("/feed.xml", "/channels/temoignages/feed.xml"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert title in xml_texts(assert_xml(response.data, path)), path
    sitemap = client.get("/sitemap.xml")  # video entries need a poster: the URL at least
    assert f"/videos/{public_id}" in xml_texts(assert_xml(sitemap.data, "sitemap"))
    oembed = client.get(f"/oembed?url=http://localhost/videos/{public_id}")
    assert oembed.status_code == 200
    assert oembed.json["title"] == title
    assert_no_injection(oembed.json["html"], "oEmbed html")


@pytest.fixture
def editor(app, session):
    user = UserFactory(role=Role.EDITOR)
    session.commit()
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    token = login(client, user.email, PASSWORD)
    return SimpleNamespace(user=user, client=client, csrf=token)


def _portal_form(editor, fields: dict):
    data = {"csrf_token": editor.csrf, "channel": str(channel().id), "language": "fr",
            "description": "marqueur", **fields}
    if "description" in fields:
        data["description"] = f"{fields['description']} marqueur"
    return editor.client.post("/portal/videos/new", data=data,
                              headers={"Accept": "application/json"})


@pytest.mark.parametrize("fields", TEXTS)
def test_text_through_the_portal_form_is_kept_and_escaped(client, editor, fields):
    created = _portal_form(editor, fields)
    assert created.status_code == 201, created.get_data(as_text=True)
    video_id = db.session.scalar(sa.select(Video.id).where(
        Video.public_id == created.json["video"]))
    expected = dict(fields)
    expected["description"] = f"{fields.get('description', '')} marqueur".strip()
    _check_everywhere(client, editor.client, video_id, expected)


@pytest.fixture
def upload_token(editor):
    admin = UserFactory(role=Role.ADMIN)
    _token, secret = api_tokens.create_token(admin, "hostile client", ["upload", "read"])
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize("fields", TEXTS)
def test_text_through_the_api_is_kept_and_escaped(client, editor, upload_token, fields):
    body = {"channel": "temoignages", **fields,
            "description": f"{fields.get('description', '')} marqueur".strip()}
    created = client.post("/api/v1/videos", json=body, headers=upload_token)
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.json["title"] == fields["title"]
    video_id = db.session.scalar(sa.select(Video.id).where(Video.public_id == created.json["id"]))
    _check_everywhere(client, editor.client, video_id, {k: v for k, v in body.items()
                                                        if k != "channel"})


@pytest.mark.parametrize("fields, words", [
    pytest.param({"title": "T" * 201}, "200", id="text-title-201-chars"),
    pytest.param({"title": "Bonjour\x00 le monde"}, "NUL", id="text-title-nul"),
    pytest.param({"title": "Bonjour\x1b[31m"}, "control", id="text-title-escape-sequence"),
    pytest.param({"title": "ok", "speaker_name": "Ada\x08\x08\x08Eve"}, "control",
                 id="text-speaker-backspace"),
    pytest.param({"title": "   "}, "", id="text-title-blank"),
])
def test_text_the_portal_refuses_gets_a_message_and_no_video(editor, fields, words):
    created = _portal_form(editor, fields)
    assert created.status_code == 400, created.get_data(as_text=True)
    assert words in created.get_data(as_text=True)  # the field's message (NUL: the page's)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Video)) == 0
    # The form as a browser posts it: the refusal is shown on the page, escaped.
    page = editor.client.post("/portal/videos/new", data={
        "csrf_token": editor.csrf, "channel": str(channel().id), "language": "fr", **fields})
    assert page.status_code == 400
    assert_no_injection(page.get_data(as_text=True), "new video form")


@pytest.mark.parametrize("fields", [
    pytest.param({"title": "T" * 201}, id="api-title-201-chars"),
    pytest.param({"title": "Bonjour\x00"}, id="api-title-nul"),
    pytest.param({"title": "ok", "speaker_name": "a\x1bb"}, id="api-speaker-escape"),
])
def test_text_the_api_refuses_gets_a_json_error(client, upload_token, fields):
    created = client.post("/api/v1/videos", json={"channel": "temoignages", **fields},
                          headers=upload_token)
    assert created.status_code in (400, 422)
    assert created.json["error"]["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Video)) == 0


# == captions: markup, broken cues, garbage, encodings =========================================


def _srt(*cues: tuple[str, str]) -> bytes:
    return "\n\n".join(f"{n}\n{timing}\n{text}" for n, (timing, text) in
                       enumerate(cues, 1)).encode() + b"\n"


HUGE_SRT = "\n\n".join(
    f"{n}\n00:{n // 6000:02d}:{n // 100 % 60:02d},{n % 100 * 10:03d} --> "
    f"00:{n // 6000:02d}:{n // 100 % 60:02d},{n % 100 * 10 + 5:03d}\nc{n}"
    for n in range(1, 5001)).encode()


@dataclass
class CaptionCase:
    data: bytes
    filename: str = "captions.srt"
    refusal: str | None = None  # words of the message; None: accepted
    shows: str | None = None  # a text the transcript must show


CAPTIONS = [
    pytest.param(CaptionCase(_srt(("00:00:01,000 --> 00:00:02,000",
                                   f"Bonjour {SCRIPT} Paris")), shows="Bonjour Paris"),
                 id="caption-script-in-cue"),
    pytest.param(CaptionCase(b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n"
                             b"<c.yellow>Jaune</c> <b>gras</b> <v Bob>Bob</v> "
                             b"<img src=x onerror=alert(2)>\n", "c.vtt",
                             shows="Jaune gras Bob"), id="caption-class-and-voice-tags"),
    pytest.param(CaptionCase(_srt(("00:00:01,000 --> 00:00:04,000", "Un"),
                                  ("00:00:02,000 --> 00:00:03,000", "Deux")), shows="Deux"),
                 id="caption-overlapping-cues"),
    pytest.param(CaptionCase(HUGE_SRT, shows="c4999"), id="caption-5000-cues"),
    pytest.param(CaptionCase(codecs.BOM_UTF16_LE + "1\n00:00:01,000 --> 00:00:02,000\n"
                             "Ça va ? مرحبا 👋\n".encode("utf-16-le"), shows="Ça va ? مرحبا 👋"),
                 id="caption-utf16-bom"),
    pytest.param(CaptionCase(_srt(("00:00:01,000 -> 00:00:02,000", "x")),
                             refusal="no caption timings"), id="caption-malformed-arrow"),
    pytest.param(CaptionCase(_srt(("00:00:01,000 --> 00:61:02,000", "x")),
                             refusal="not a valid timing"), id="caption-impossible-minutes"),
    pytest.param(CaptionCase(_srt(("00:00:05,000 --> 00:00:02,000", "x")),
                             refusal="before it starts"), id="caption-ends-before-start"),
    pytest.param(CaptionCase(b"1\n00:00:01,000 --> 00:00:02,000\nun\n"
                             b"00:00:03,000 --> 00:00:04,000\ndeux\n",
                             refusal="two timings in one caption"), id="caption-missing-blank"),
    pytest.param(CaptionCase(os.urandom(2048) + b"\x00", refusal="not a caption file"),
                 id="caption-binary-garbage"),
    pytest.param(CaptionCase(b"", refusal="empty"), id="caption-empty-file"),
    pytest.param(CaptionCase(b"x" * (1024 * 1024 + 1), refusal="too large"),
                 id="caption-over-1mib"),
    pytest.param(CaptionCase(b"Just some notes\nno timings here\n", f"{SCRIPT}.srt",
                             refusal="does not look like a caption file"),
                 id="caption-script-in-filename"),
    pytest.param(CaptionCase(_srt(("00:00:01,000 --> 00:00:02,000", "ok")),
                             "../../../etc/passwd", shows="ok"), id="caption-traversal-filename"),
]


@pytest.mark.parametrize("case", CAPTIONS)
def test_a_caption_file_is_cleaned_or_refused_clearly(client, editor, storage, case):
    video = VideoFactory(created_by=editor.user, status=VideoStatus.READY, title="Captions")
    public_id, video_id = video.public_id, video.id
    db.session.commit()
    answer = editor.client.post(f"/portal/videos/{public_id}/captions", data={
        "csrf_token": editor.csrf, "language": "fr",
        "file": (io.BytesIO(case.data), case.filename)}, follow_redirects=True)
    assert answer.status_code == 200
    soup = assert_no_injection(answer.get_data(as_text=True), "portal video page")
    flashes = " ".join(f.get_text(" ", strip=True) for f in soup.select(".flash, [role=alert]"))
    captions = db.session.get(Video, video_id, populate_existing=True).captions
    if case.refusal:
        assert case.refusal in flashes, flashes
        assert captions == []
        return
    assert "Captions saved" in flashes, flashes
    (caption,) = captions
    assert caption.storage_key.startswith(f"videos/{public_id}/captions/fr-")
    assert caption.storage_key.count("/") == 3
    with storage.open(caption.storage_key) as stored:
        vtt = stored.read().decode()
    assert vtt.startswith("WEBVTT") and "<script" not in vtt.lower() and "<img" not in vtt
    assert "<c" not in vtt and "<v " not in vtt
    _publish(video_id)
    transcript = client.get(f"/videos/{public_id}/transcript")
    assert transcript.status_code == 200
    text = assert_no_injection(transcript.get_data(as_text=True), "transcript").get_text(" ")
    assert " ".join(case.shows.split()) in " ".join(text.split())


# == media: a real worker turns each upload into `ready` or a readable `failed` ===============


MEDIA = [
    # (corpus input, tus filename, status, words of the message)
    pytest.param("text", "notes.mp4", VideoStatus.FAILED, "not a video format we accept",
                 id="media-text-as-mp4"),
    pytest.param("png", "picture.mp4", VideoStatus.FAILED, "not a video format we accept",
                 id="media-png-as-mp4"),
    pytest.param("pattern_name_png", "img%03d.mp4", VideoStatus.FAILED,
                 "not a video format we accept", id="media-png-named-as-image-pattern"),
    pytest.param("hls_playlist", "playlist.mp4", VideoStatus.FAILED,
                 "not a video format we accept", id="media-hls-playlist-in-disguise"),
    pytest.param("ffconcat", "list.mp4", VideoStatus.FAILED, "not a video format we accept",
                 id="media-ffconcat-in-disguise"),
    pytest.param("truncated", "cut.mp4", VideoStatus.FAILED, "incomplete or damaged",
                 id="media-truncated-mp4"),
    pytest.param("audio_only", "memo.mp4", VideoStatus.FAILED, "no picture",
                 id="media-audio-only"),
    pytest.param("audio_with_cover", "podcast.mp4", VideoStatus.FAILED, "no picture",
                 id="media-audio-with-cover-picture"),
    pytest.param("short", f"../../{SCRIPT}.mp4", VideoStatus.READY, None,
                 id="media-valid-short-clip-hostile-name"),
]


@pytest.fixture(scope="module")
def media_outcomes(app, test_env, media, tmp_path_factory):
    """Every media case uploaded through tus, then one worker transcodes them all."""
    started = time.monotonic()
    _, secret = media.secret
    inputs = {p.values[0]: getattr(media, p.values[0]) for p in MEDIA}
    with app.app_context():
        user = UserFactory(role=Role.EDITOR)
        db.session.commit()
        email = user.email
    client = app.test_client()
    tus_client = Tus(client, login(client, email, PASSWORD))
    videos = {}
    for param in MEDIA:
        name, filename = param.values[0], param.values[1]
        data = inputs[name].read_bytes()
        with app.app_context():
            video = VideoFactory(created_by=db.session.get(type(user), user.id),
                                 status=VideoStatus.UPLOADING, title=f"{SCRIPT} {name}")
            db.session.commit()
            videos[name] = (video.id, video.public_id)
        url = tus_client.create(len(data), videos[name][1], filename=filename).headers["Location"]
        assert tus_client.patch(url, 0, data).status_code == 204
    worker = Worker("hostile", test_env, tmp_path_factory.mktemp("hostile-worker"))
    try:
        worker.wait_ready()
        outcomes = {}
        deadline = time.monotonic() + 150
        with app.app_context():
            for name, (video_id, public_id) in videos.items():
                while True:
                    db.session.expire_all()
                    video = db.session.get(Video, video_id)
                    if video.status in (VideoStatus.READY, VideoStatus.FAILED):
                        break
                    assert time.monotonic() < deadline, f"{name} stuck in {video.status}"
                    time.sleep(0.2)
                outcomes[name] = SimpleNamespace(
                    id=video_id, public_id=public_id, status=video.status,
                    message=video.status_text or "", original_key=video.original_key,
                    media_prefix=video.media_prefix, renditions=len(video.renditions))
            log = worker.log_path.read_text(errors="replace")
    finally:
        worker.stop()
    yield SimpleNamespace(outcomes=outcomes, client=client, secret=secret, log=log,
                          seconds=time.monotonic() - started)
    _empty_tables(app)


@pytest.mark.parametrize("name, filename, status, words", MEDIA)
def test_media_ends_ready_or_failed_readably_with_the_original_kept(
        app, media_outcomes, name, filename, status, words):
    outcome = media_outcomes.outcomes[name]
    assert outcome.status is status, outcome.message
    with app.app_context():
        storage = app.extensions["storage"]
        assert outcome.original_key.startswith(f"originals/{outcome.public_id}/")
        assert "/" not in outcome.original_key.removeprefix(f"originals/{outcome.public_id}/")
        assert storage.exists(outcome.original_key)  # kept, so it can be retried
        if status is VideoStatus.FAILED:
            assert words in outcome.message
            assert len(outcome.message) > 20 and "Traceback" not in outcome.message
            assert outcome.media_prefix is None and outcome.renditions == 0
        else:
            assert outcome.renditions > 0 and storage.exists(outcome.media_prefix + "master.m3u8")
        # Nothing the hostile lists pointed at was read into anything the service made.
        assert media_outcomes.secret not in outcome.message
        for key in storage.list(f"videos/{outcome.public_id}/"):
            with storage.open(key) as body:
                assert media_outcomes.secret.encode() not in body.read()
    page = media_outcomes.client.get(f"/portal/videos/{outcome.public_id}")
    assert page.status_code == 200
    soup = assert_no_injection(page.get_data(as_text=True), "portal video page")
    if status is VideoStatus.FAILED:
        shown = soup.select_one("[data-message]").get_text()
        assert shown == outcome.message
    status_json = media_outcomes.client.get(
        f"/portal/videos/status.json?ids={outcome.public_id}").json
    assert (status_json["videos"][0]["message"] or "") == outcome.message


def test_the_hostile_lists_never_made_ffmpeg_open_the_secret(media_outcomes):
    assert media_outcomes.secret not in media_outcomes.log
    print(f"media corpus through one worker: {media_outcomes.seconds:.1f} s")
    for name, outcome in media_outcomes.outcomes.items():
        print(f"  {name}: {outcome.status.value} {outcome.message!r}")


def test_corpus_size():
    """The issue asks for at least 30 hostile or broken inputs; keep count honest."""
    import sys

    module = sys.modules[__name__]
    count = sum(len(getattr(module, name)) for name in (
        "HOSTILE_FILENAMES", "TEXTS", "CAPTIONS", "MEDIA"))
    assert count >= 30
