"""Chapters, from the editor's form to the player's track, Google's key moments and the API."""

from __future__ import annotations

import io
import json

import pytest
from bs4 import BeautifulSoup

from careers_tv.clock import utcnow
from careers_tv.models import Role, Video, VideoStatus
from tests.factories import UserFactory, VideoFactory, channel
from tests.functional.portal_helpers import login, post

BASE = "http://localhost"
CHAPTERS = [{"start": 0, "title": "Intro"}, {"start": 65, "title": "Mon parcours"},
            {"start": 70.5, "title": "Questions & réponses"}]


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _reload(session, video) -> Video:
    session.expire_all()
    return session.get(Video, video.id)


@pytest.fixture
def editor(session):
    return UserFactory(role=Role.EDITOR)


@pytest.fixture
def ready(session):
    video = VideoFactory(status=VideoStatus.READY, duration_seconds=83.4, title="Forum")
    session.flush()
    video.media_prefix = f"videos/{video.public_id}/v1-abcdef12/"
    return video


@pytest.fixture
def published(session):
    video = VideoFactory(status=VideoStatus.PUBLISHED, published_at=utcnow(),
                         duration_seconds=83.4, title="Claire, ingénieure", chapters=CHAPTERS)
    session.flush()
    video.media_prefix = f"videos/{video.public_id}/v1-abcdef12/"
    session.commit()
    return video


def details(video, **fields) -> dict:
    return {"channel": channel().id, "title": video.title, "language": "fr", **fields}


# -- the portal ---------------------------------------------------------------------------------


def test_an_editor_types_chapters_and_sees_them_back_as_typed(client, session, editor, ready):
    session.commit()
    token = login(client, editor)
    typed = "0:00 Intro\r\n1:05 - Mon parcours\r\n\r\n00:01:10.500 Questions & réponses"
    response = post(client, f"/portal/videos/{ready.public_id}/details", token,
                    details(ready, chapters=typed))
    assert response.status_code == 302
    assert _reload(session, ready).chapters == CHAPTERS
    form = page(client.get(f"/portal/videos/{ready.public_id}"))
    assert form.find("textarea", attrs={"name": "chapters"}).get_text().strip() == (
        "0:00 Intro\n1:05 Mon parcours\n1:10.500 Questions & réponses")
    assert form.find("input", attrs={"name": "chapters_file"})["type"] == "file"
    assert form.select_one("form[action$='/details']")["enctype"] == "multipart/form-data"

    post(client, f"/portal/videos/{ready.public_id}/details", token, details(ready, chapters=""))
    assert _reload(session, ready).chapters is None  # emptied: no chapters


def test_wrong_chapters_are_explained_at_the_field_and_nothing_typed_is_lost(
        client, session, editor, ready):
    ready.chapters = [{"start": 0, "title": "Avant"}]
    session.commit()
    token = login(client, editor)
    typed = "0:00 Intro\n0:50 Suite\n0:40 Retour en arrière"
    response = post(client, f"/portal/videos/{ready.public_id}/details", token,
                    details(ready, title="Nouveau titre", description="Gardée", chapters=typed),
                    headers={"Accept-Language": "en"})
    assert response.status_code == 400
    html = page(response)
    field = html.find("textarea", attrs={"name": "chapters"}).find_parent(class_="field")
    assert "has-error" in field["class"]
    assert field.select_one(".error").get_text() == (
        "Line 3: each chapter starts after the one before (0:40 is not after 0:50).")
    assert html.find("textarea", attrs={"name": "chapters"}).get_text().strip() == typed
    assert html.find("input", attrs={"name": "title"})["value"] == "Nouveau titre"
    assert html.find("textarea", attrs={"name": "description"}).get_text().strip() == "Gardée"
    assert "The details are not saved" in html.get_text()
    video = _reload(session, ready)
    assert (video.title, video.chapters) == ("Forum", [{"start": 0, "title": "Avant"}])

    past_the_end = post(client, f"/portal/videos/{ready.public_id}/details", token,
                        details(ready, chapters="0:00 Intro\n1:30 Après la fin"),
                        headers={"Accept-Language": "en"})
    assert past_the_end.status_code == 400
    assert page(past_the_end).select_one("#chapter-fields .error").get_text() == (
        "Line 2: 1:30 is not before the end of the video (1:23).")


def test_a_webvtt_chapters_file_is_read_and_replaces_the_text(client, session, editor, ready):
    session.commit()
    token = login(client, editor)
    vtt = (b"WEBVTT\n\n00:00:00.000 --> 00:01:05.000\nIntro\n\n"
           b"00:01:05.000 --> 00:01:10.500\nMon parcours\n\n"
           b"00:01:10.500 --> 00:01:23.400\nQuestions &amp; r\xc3\xa9ponses\n")
    response = post(client, f"/portal/videos/{ready.public_id}/details", token,
                    details(ready, chapters="0:00 Ignored",
                            chapters_file=(io.BytesIO(vtt), "chapters.vtt")),
                    content_type="multipart/form-data")
    assert response.status_code == 302
    assert _reload(session, ready).chapters == CHAPTERS

    refused = post(client, f"/portal/videos/{ready.public_id}/details", token,
                   details(ready, chapters_file=(io.BytesIO(b"1\n00:00:01,000 --> x\n"),
                                                 "chapters.srt")),
                   content_type="multipart/form-data", headers={"Accept-Language": "en"})
    assert refused.status_code == 400
    error = page(refused).find("input", attrs={"name": "chapters_file"}).find_parent(
        class_="field").select_one(".error")
    assert error.get_text() == "This is not a WebVTT file: its first line must be WEBVTT."
    assert _reload(session, ready).chapters == CHAPTERS


# -- the public track ---------------------------------------------------------------------------


def test_the_chapters_track_is_webvtt_from_the_database(client, published):
    response = client.get(f"/videos/{published.public_id}/chapters.vtt")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/vtt; charset=utf-8"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert response.get_data(as_text=True) == (
        "WEBVTT\n\n"
        "1\n00:00:00.000 --> 00:01:05.000\nIntro\n\n"
        "2\n00:01:05.000 --> 00:01:10.500\nMon parcours\n\n"
        "3\n00:01:10.500 --> 00:01:23.400\nQuestions &amp; réponses\n")
    again = client.get(f"/videos/{published.public_id}/chapters.vtt",
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_the_track_is_there_only_for_a_published_video_with_chapters(client, session, published):
    draft = VideoFactory(status=VideoStatus.READY, chapters=CHAPTERS)
    session.commit()
    assert client.get(f"/videos/{draft.public_id}/chapters.vtt").status_code == 404
    assert client.get("/videos/nosuchvideo/chapters.vtt").status_code == 404
    video = _reload(session, published)  # each request ends its session: load it again
    video.chapters = None
    session.commit()
    assert client.get(f"/videos/{published.public_id}/chapters.vtt").status_code == 404
    video = _reload(session, published)
    video.chapters = CHAPTERS
    video.status = VideoStatus.UNPUBLISHED
    session.commit()
    assert client.get(f"/videos/{published.public_id}/chapters.vtt").status_code == 410


def test_the_watch_page_names_the_track_and_gives_google_its_key_moments(client, published):
    html = page(client.get(f"/videos/{published.public_id}"))
    ld = json.loads(html.find("script", type="application/ld+json").string)
    url = f"{BASE}/videos/{published.public_id}"
    assert ld["hasPart"] == [
        {"@type": "Clip", "name": "Intro", "startOffset": 0, "endOffset": 65,
         "url": f"{url}?t=0"},
        {"@type": "Clip", "name": "Mon parcours", "startOffset": 65, "endOffset": 71,
         "url": f"{url}?t=65"},
        {"@type": "Clip", "name": "Questions & réponses", "startOffset": 70, "endOffset": 84,
         "url": f"{url}?t=70"},
    ]


def test_a_video_without_chapters_has_no_key_moments(client, session, published):
    published.chapters = None
    session.commit()
    html = page(client.get(f"/videos/{published.public_id}"))
    assert "hasPart" not in json.loads(html.find("script", type="application/ld+json").string)
    assert "chapters.vtt" not in str(html)


def test_the_api_lists_the_chapters_and_their_track(client, published):
    body = client.get(f"/api/v1/videos/{published.public_id}").get_json()
    assert body["media"]["chapters"] == f"{BASE}/videos/{published.public_id}/chapters.vtt"
    assert body["chapters"] == [
        {"start": 0, "end": 65, "title": "Intro"},
        {"start": 65, "end": 70.5, "title": "Mon parcours"},
        {"start": 70.5, "end": 83.4, "title": "Questions & réponses"}]


def test_another_refused_field_keeps_the_chapters_typed(client, session, editor, ready):
    session.commit()
    token = login(client, editor)
    response = post(client, f"/portal/videos/{ready.public_id}/details", token,
                    details(ready, title="", chapters="0:00 Intro\n1:05 Suite"),
                    headers={"Accept-Language": "en"})
    assert response.status_code == 400
    html = page(response)
    title = html.find("input", attrs={"name": "title"}).find_parent(class_="field")
    assert title.select_one(".error").get_text() == "This field is required."
    assert html.find("textarea", attrs={"name": "chapters"}).get_text().strip() == (
        "0:00 Intro\n1:05 Suite")
    assert _reload(session, ready).chapters is None
