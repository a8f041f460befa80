"""The portal's video pages and editorial actions, through HTTP as a browser sends them."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from careers_tv.jobs import dispatch
from careers_tv.models import Announcement, Job, Role, Video, VideoStatus
from tests.factories import UserFactory, VideoFactory, channel
from tests.functional.portal_helpers import login, post

JSON = {"Accept": "application/json"}


@pytest.fixture
def storage(app):
    return app.extensions["storage"]


def ready_video(session, storage, prefix_files=("master.m3u8", "poster.jpg"),
                **fields) -> Video:
    """A transcoded video: its files are in storage under a versioned prefix."""
    video = VideoFactory(status=VideoStatus.READY, **fields)
    session.flush()
    video.media_prefix = f"videos/{video.public_id}/v1-abcdef12/"
    video.poster_key = video.media_prefix + "poster.jpg"
    for name in prefix_files:
        storage.put_stream(video.media_prefix + name, io.BytesIO(f"content of {name}".encode()))
    return video


def _reload(session, video) -> Video:
    session.expire_all()
    return session.get(Video, video.id)


def test_the_upload_form_creates_a_video_waiting_for_its_file(client, session):
    user = UserFactory(role=Role.CONTRIBUTOR)
    session.commit()
    token = login(client, user)
    page = client.get("/portal/videos/new").get_data(as_text=True)
    assert 'id="file"' in page and "tus.min.js" in page
    channel_id = channel("sogelive").id
    response = post(client, "/portal/videos/new", token, {
        "channel": channel_id, "title": "  Forum Paris 2026 ", "language": "en",
        "speaker_name": "Ana Ruiz", "country": "fr", "tags": "Events, forum, events",
        "consent_reference": "RGPD-2026-114", "consent_expires_on": "2028-06-30",
    }, headers=JSON)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    video = session.scalar(sa.select(Video).where(Video.public_id == body["video"]))
    assert video.status is VideoStatus.UPLOADING
    assert video.created_by_id == user.id and video.channel.slug == "sogelive"
    assert (video.title, video.country, video.language) == ("Forum Paris 2026", "FR", "en")
    assert video.consent_expires_on == date(2028, 6, 30)
    assert [t.label for t in video.tags] == ["Events", "forum"]  # one tag per slug
    assert body["upload_url"] == f"/portal/videos/{video.public_id}/upload"
    assert client.get(body["upload_url"]).status_code == 200


def test_a_bad_upload_form_says_which_fields_are_wrong(client, session):
    user = UserFactory(role=Role.CONTRIBUTOR)
    session.commit()
    token = login(client, user)
    response = post(client, "/portal/videos/new", token,
                    {"channel": channel("sogelive").id, "title": "", "country": "France",
                     "language": "fr"},
                    headers=JSON)
    assert response.status_code == 400
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"title", "country"}
    assert session.scalar(sa.select(sa.func.count(Video.id))) == 0


def test_the_upload_form_needs_its_csrf_token(client, session):
    user = UserFactory(role=Role.CONTRIBUTOR)
    session.commit()
    login(client, user)
    response = client.post("/portal/videos/new", data={"channel": channel().id, "title": "x"})
    assert response.status_code == 400
    assert session.scalar(sa.select(sa.func.count(Video.id))) == 0


def test_contributors_cannot_open_someone_elses_video(client, session):
    owner, other = UserFactory(), UserFactory()
    video = VideoFactory(created_by=owner, status=VideoStatus.UPLOADING)
    session.commit()
    login(client, other)
    assert client.get(f"/portal/videos/{video.public_id}").status_code == 403
    assert client.get(f"/portal/videos/{video.public_id}/upload").status_code == 403
    assert client.get("/portal/videos/doesnotexist").status_code == 404
    status = client.get(f"/portal/videos/status.json?ids={video.public_id}").get_json()
    assert status == {"videos": []}


def test_why_a_video_failed_or_was_withdrawn_reads_in_the_editors_language(client, session):
    user = UserFactory(role=Role.EDITOR)
    failed = VideoFactory(created_by=user, status=VideoStatus.FAILED,
                          status_message="This file format (%(format)s) is not accepted.",
                          status_params={"format": "gif_pipe"})
    withdrawn = VideoFactory(
        created_by=user, status=VideoStatus.UNPUBLISHED,
        status_message="Consent expired on %(date)s: the video was unpublished automatically.",
        status_params={"date": "2031-05-13"})
    session.commit()
    login(client, user)
    french = {"Accept-Language": "fr"}
    page = client.get(f"/portal/videos/{failed.public_id}", headers=french).get_data(as_text=True)
    assert "Ce format de fichier (gif_pipe) n’est pas accepté." in page
    page = client.get(f"/portal/videos/{withdrawn.public_id}",
                      headers=french).get_data(as_text=True)
    assert "Consentement expiré le 2031-05-13 : la vidéo a été dépubliée automatiquement." in page
    body = client.get(f"/portal/videos/status.json?ids={failed.public_id}",
                      headers=french).get_json()
    assert body["videos"][0]["message"] == "Ce format de fichier (gif_pipe) n’est pas accepté."
    body = client.get(f"/portal/videos/status.json?ids={failed.public_id}",
                      headers={"Accept-Language": "en"}).get_json()
    assert body["videos"][0]["message"] == "This file format (gif_pipe) is not accepted."


def test_live_status_reports_transcode_progress(client, session):
    user = UserFactory()
    video = VideoFactory(created_by=user, status=VideoStatus.PROCESSING, progress=42)
    failed = VideoFactory(created_by=user, status=VideoStatus.FAILED,
                          status_message="This file is not a video.")
    session.commit()
    login(client, user)
    body = client.get(f"/portal/videos/status.json?ids={video.public_id},{failed.public_id}",
                      headers={"Accept-Language": "en"}).get_json()
    by_id = {v["id"]: v for v in body["videos"]}
    assert by_id[video.public_id]["progress"] == 42
    assert by_id[video.public_id]["status_label"] == "Transcoding"
    assert by_id[failed.public_id]["message"] == "This file is not a video."
    dashboard = client.get("/portal/").get_data(as_text=True)
    assert 'value="42"' in dashboard and "This file is not a video." in dashboard


def test_a_contributor_edits_their_video_until_it_is_published(client, session, storage):
    user = UserFactory()
    video = ready_video(session, storage, created_by=user, title="Old title")
    session.commit()
    token = login(client, user)
    data = {"channel": channel("corporate").id, "title": "New title", "language": "fr",
            "tags": "finance"}
    response = post(client, f"/portal/videos/{video.public_id}/details", token, data)
    assert response.status_code == 302
    video = _reload(session, video)
    assert (video.title, video.channel.slug) == ("New title", "corporate")
    assert [t.slug for t in video.tags] == ["finance"]

    video.status = VideoStatus.PUBLISHED
    session.commit()
    response = post(client, f"/portal/videos/{video.public_id}/details", token,
                    {**data, "title": "Changed after publishing"})
    assert response.status_code == 403
    assert _reload(session, video).title == "New title"


def test_publishing_without_captions_asks_for_confirmation(client, session, storage):
    editor = UserFactory(role=Role.EDITOR)
    video = ready_video(session, storage)
    session.commit()
    token = login(client, editor)
    page = client.get(f"/portal/videos/{video.public_id}").get_data(as_text=True)
    assert "publish-without-captions" in page
    response = post(client, f"/portal/videos/{video.public_id}/publish", token,
                    follow_redirects=True, headers={"Accept-Language": "en"})
    assert "This video has no captions" in response.get_data(as_text=True)
    assert _reload(session, video).status is VideoStatus.READY

    post(client, f"/portal/videos/{video.public_id}/publish", token, {"without_captions": "y"})
    video = _reload(session, video)
    assert video.status is VideoStatus.PUBLISHED and video.published_at is not None
    announcements = session.scalars(sa.select(Announcement).where(
        Announcement.video_id == video.id)).all()
    assert len(announcements) == 1


def test_contributors_cannot_publish(client, session, storage):
    user = UserFactory(role=Role.CONTRIBUTOR)
    video = ready_video(session, storage, created_by=user)
    session.commit()
    token = login(client, user)
    response = post(client, f"/portal/videos/{video.public_id}/publish", token,
                    {"without_captions": "y"})
    assert response.status_code == 403
    assert _reload(session, video).status is VideoStatus.READY


def test_scheduling_reads_the_time_in_the_portal_time_zone(client, session, storage):
    editor = UserFactory(role=Role.EDITOR)
    video = ready_video(session, storage)
    session.commit()
    token = login(client, editor)
    when = datetime.now(UTC) + timedelta(days=40)
    local = f"{when.year}-07-01T09:30" if when.month < 7 else f"{when.year + 1}-07-01T09:30"
    response = post(client, f"/portal/videos/{video.public_id}/schedule", token,
                    {"publish_at": local, "without_captions": "y"})
    assert response.status_code == 302
    video = _reload(session, video)
    assert video.status is VideoStatus.SCHEDULED
    # 09:30 in Paris in July (UTC+2) is 07:30 UTC.
    assert (video.publish_at.hour, video.publish_at.minute) == (7, 30)
    assert session.scalar(sa.select(sa.func.count(Announcement.id))) == 0  # not yet

    response = post(client, f"/portal/videos/{video.public_id}/schedule", token,
                    {"publish_at": "2001-01-01T10:00", "without_captions": "y"},
                    follow_redirects=True, headers={"Accept-Language": "en"})
    assert "Choose a time in the future" in response.get_data(as_text=True)

    post(client, f"/portal/videos/{video.public_id}/unpublish", token)
    video = _reload(session, video)
    assert video.status is VideoStatus.READY and video.publish_at is None


def test_an_expired_consent_blocks_publishing(client, session, storage):
    editor = UserFactory(role=Role.EDITOR)
    video = ready_video(session, storage, consent_expires_on=date.today() - timedelta(days=1))
    session.commit()
    token = login(client, editor)
    response = post(client, f"/portal/videos/{video.public_id}/publish", token,
                    {"without_captions": "y"}, follow_redirects=True)
    assert "consent" in response.get_data(as_text=True).lower()
    assert _reload(session, video).status is VideoStatus.READY


def test_unpublish_takes_the_video_off_the_public_channel(client, session, storage):
    editor = UserFactory(role=Role.EDITOR)
    video = ready_video(session, storage, title="Visible for now")
    video.status = VideoStatus.PUBLISHED
    video.published_at = datetime.now(UTC)
    session.commit()
    slug = video.channel.slug
    assert "Visible for now" in client.get(f"/channels/{slug}").get_data(as_text=True)
    token = login(client, editor)
    post(client, f"/portal/videos/{video.public_id}/unpublish", token)
    assert _reload(session, video).status is VideoStatus.UNPUBLISHED
    assert "Visible for now" not in client.get(f"/channels/{slug}").get_data(as_text=True)


def test_a_failed_transcode_can_be_retried_by_its_owner(client, session):
    user = UserFactory()
    video = VideoFactory(created_by=user, status=VideoStatus.FAILED,
                         original_key="originals/x/file.mp4")
    session.commit()
    token = login(client, user)
    post(client, f"/portal/videos/{video.public_id}/retry", token)
    video = _reload(session, video)
    assert video.status is VideoStatus.QUEUED
    jobs = session.scalars(sa.select(Job).where(Job.video_id == video.id)).all()
    assert [j.kind for j in jobs] == ["transcode"]


def test_choosing_another_poster_among_the_candidates(client, session, storage):
    editor = UserFactory(role=Role.EDITOR)
    video = ready_video(session, storage, prefix_files=(
        "master.m3u8", "poster.jpg", "poster-candidates/01.jpg", "poster-candidates/02.jpg"))
    session.commit()
    token = login(client, editor)
    page = client.get(f"/portal/videos/{video.public_id}").get_data(as_text=True)
    assert page.count('name="key"') == 2
    chosen = video.media_prefix + "poster-candidates/02.jpg"
    post(client, f"/portal/videos/{video.public_id}/poster", token, {"key": chosen})
    assert _reload(session, video).poster_key == chosen
    elsewhere = f"videos/{video.public_id}/../../originals/secret.jpg"
    response = post(client, f"/portal/videos/{video.public_id}/poster", token,
                    {"key": elsewhere}, follow_redirects=True,
                    headers={"Accept-Language": "en"})
    assert "not one of the video" in response.get_data(as_text=True)
    assert _reload(session, video).poster_key == chosen


def test_deleting_a_video_removes_it_and_every_file_it_had(app, client, session, storage):
    editor = UserFactory(role=Role.EDITOR)
    video = ready_video(session, storage, prefix_files=(
        "master.m3u8", "poster.jpg", "720p/segment-00001.m4s"))
    storage.put_stream(f"originals/{video.public_id}/interview.mov", io.BytesIO(b"camera"))
    storage.put_stream(f"videos/{video.public_id}/captions/fr-1.vtt", io.BytesIO(b"WEBVTT"))
    kept = ready_video(session, storage)  # another video's files stay
    session.commit()
    public_id = video.public_id
    token = login(client, editor)
    page = client.get(f"/portal/videos/{public_id}").get_data(as_text=True)
    assert "data-confirm" in page
    response = post(client, f"/portal/videos/{public_id}/delete", token)
    assert response.status_code == 302 and response.headers["Location"] == "/portal/"
    session.expire_all()
    assert session.scalar(sa.select(Video).where(Video.public_id == public_id)) is None

    jobs = session.scalars(sa.select(Job).where(Job.kind == "purge_prefix")).all()
    with app.app_context():  # what the worker does with the jobs the deletion queued
        assert [dispatch.execute(job.id) for job in jobs] == ["done", "done"]
    assert list(storage.list(f"videos/{public_id}/")) == []
    assert list(storage.list(f"originals/{public_id}/")) == []
    assert storage.exists(kept.media_prefix + "master.m3u8")


def test_the_dashboard_filters_by_status(client, session):
    editor = UserFactory(role=Role.EDITOR)
    VideoFactory(title="Still processing", status=VideoStatus.PROCESSING)
    VideoFactory(title="Live on the site", status=VideoStatus.PUBLISHED)
    session.commit()
    login(client, editor)
    page = client.get("/portal/?status=published").get_data(as_text=True)
    assert "Live on the site" in page and "Still processing" not in page
    assert client.get("/portal/?status=nonsense").status_code == 400


def test_editors_can_narrow_the_dashboard_to_their_own_videos(client, session):
    editor = UserFactory(role=Role.EDITOR)
    VideoFactory(title="Uploaded by the editor", created_by=editor)
    VideoFactory(title="Uploaded by a colleague")
    session.commit()
    login(client, editor)
    everyone = client.get("/portal/").get_data(as_text=True)
    assert "Uploaded by the editor" in everyone and "Uploaded by a colleague" in everyone
    mine = client.get("/portal/?mine=1").get_data(as_text=True)
    assert "Uploaded by the editor" in mine and "Uploaded by a colleague" not in mine


def test_the_video_page_shows_the_post_on_x_before_publishing(client, session, storage):
    editor = UserFactory(role=Role.EDITOR)
    video = ready_video(session, storage, title="Ana, ingénieure à Paris", speaker_name="Ana Ruiz")
    session.commit()
    login(client, editor)
    page = client.get(f"/portal/videos/{video.public_id}",
                      headers={"Accept-Language": "en"}).get_data(as_text=True)
    link = f"http://localhost/videos/{video.public_id}"
    assert "Ana, ingénieure à Paris, Ana Ruiz" in page and link in page
    assert "of 280 characters as X counts them" in page
