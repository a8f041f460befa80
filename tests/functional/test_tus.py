"""The tus 1.0.0 endpoint at /api/v1/uploads, as tus-js-client in the portal uses it."""

from __future__ import annotations

import os
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from careers_tv import create_app
from careers_tv.clock import utcnow
from careers_tv.extensions import db
from careers_tv.models import Job, Role, Upload, UploadStatus, User, Video, VideoStatus
from careers_tv.services import uploads as upload_service
from careers_tv.storage.base import MIN_PART_SIZE
from careers_tv.storage.local import LocalStorage
from tests.factories import PASSWORD, UserFactory, VideoFactory
from tests.functional.tus_client import ENDPOINT, TUS, Tus, login

PART = MIN_PART_SIZE


@pytest.fixture
def small_parts(app, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_PART_BYTES", PART)


def contributor_with_video(session, role=Role.CONTRIBUTOR) -> SimpleNamespace:
    """A user and their video waiting for its file, as plain values: each request ends its
    database session, so model instances would be detached by the time a test reads them."""
    user = UserFactory(role=role)
    video = VideoFactory(created_by=user, status=VideoStatus.UPLOADING)
    session.commit()
    return SimpleNamespace(id=video.id, public_id=video.public_id, user_id=user.id,
                           email=user.email)


@pytest.fixture
def tus(client, session, small_parts):
    """A logged-in contributor's tus client, and a video of theirs waiting for its file."""
    video = contributor_with_video(session)
    return Tus(client, login(client, video.email, PASSWORD)), video


def staged(storage, upload_id: str) -> list[str]:
    return list(storage.list(f"uploads/{upload_id}/"))


def multipart_is_open(storage, upload_id: str) -> bool:
    """Whether the upload's multipart upload (its stored parts) still exists."""
    multipart_id = db.session.get(Upload, upload_id, populate_existing=True).multipart_id
    if isinstance(storage, LocalStorage):
        return (storage.root / ".multipart" / multipart_id).exists()
    listed = storage.client.list_multipart_uploads(Bucket=storage.bucket).get("Uploads", [])
    return any(item["UploadId"] == multipart_id for item in listed)


# -- discovery, authentication, protocol checks --------------------------------------------


def test_options_advertises_version_extensions_and_max_size(client, app):
    response = client.options(ENDPOINT)
    assert response.status_code == 204
    assert response.headers["Tus-Resumable"] == "1.0.0"
    assert response.headers["Tus-Version"] == "1.0.0"
    assert set(response.headers["Tus-Extension"].split(",")) == {
        "creation", "expiration", "termination"}
    assert int(response.headers["Tus-Max-Size"]) == app.config["UPLOAD_MAX_BYTES"]
    assert app.config["UPLOAD_MAX_BYTES"] == 8 * 1024**3  # the default


def test_anonymous_is_refused_with_json(client, session):
    response = client.post(ENDPOINT, headers={**TUS, "Upload-Length": "10"})
    assert response.status_code == 401
    assert response.json["error"]["message"]
    assert response.headers["Tus-Resumable"] == "1.0.0"
    assert client.head(f"{ENDPOINT}/{'0' * 32}", headers=TUS).status_code == 401
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Upload)) == 0


def test_a_request_without_tus_resumable_gets_412(tus):
    tus_client, video = tus
    response = tus_client.create(100, video.public_id, **{"Tus-Resumable": ""})
    assert response.status_code == 412
    assert response.headers["Tus-Version"] == "1.0.0"
    assert "Tus-Resumable" in response.json["error"]["message"]
    created = tus_client.create(100, video.public_id)
    url = created.headers["Location"]
    assert tus_client.head(url, **{"Tus-Resumable": "0.2.2"}).status_code == 412
    assert tus_client.patch(url, 0, b"x", **{"Tus-Resumable": ""}).status_code == 412


def test_state_changing_requests_need_the_csrf_header(tus):
    tus_client, video = tus
    forged = Tus(tus_client.client, csrf_token=None)
    response = forged.create(100, video.public_id)
    assert response.status_code == 400
    assert "CSRF" in response.json["error"]["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Upload)) == 0
    url = tus_client.create(100, video.public_id).headers["Location"]
    assert forged.patch(url, 0, b"12345").status_code == 400
    assert forged.delete(url).status_code == 400
    assert tus_client.offset(url) == 0
    assert Tus(tus_client.client, "not-a-token").patch(url, 0, b"1").status_code == 400


# -- creation ------------------------------------------------------------------------------


def test_creation_answers_201_with_the_upload_url(tus):
    tus_client, video = tus
    response = tus_client.create(12345, video.public_id, filename="Mon entretien (final).mov")
    assert response.status_code == 201
    url = response.headers["Location"]
    assert url.startswith(f"{ENDPOINT}/")
    assert response.headers["Tus-Resumable"] == "1.0.0"
    assert "Upload-Expires" in response.headers
    head = tus_client.head(url)
    assert head.status_code == 200
    assert head.headers["Upload-Offset"] == "0"
    assert head.headers["Upload-Length"] == "12345"
    assert head.headers["Cache-Control"] == "no-store"
    upload = db.session.get(Upload, url.rsplit("/", 1)[1])
    assert upload.storage_key == f"originals/{video.public_id}/Mon-entretien-final-.mov"
    assert upload.upload_metadata["filename"] == "Mon entretien (final).mov"


@pytest.mark.parametrize("headers, status, words", [
    ({"Upload-Length": ""}, 400, "Upload-Length"),
    ({"Upload-Length": "-5"}, 400, "Upload-Length"),
    ({"Upload-Length": "0"}, 400, "empty"),
    ({"Upload-Length": str(8 * 1024**3 + 1)}, 413, "bytes allowed"),
    ({"Upload-Metadata": "video !!notbase64"}, 400, "base64"),
    ({"Upload-Defer-Length": "1"}, 400, "length"),
])
def test_creation_refuses_bad_requests(tus, headers, status, words):
    tus_client, video = tus
    response = tus_client.create(100, video.public_id, **headers)
    assert response.status_code == status
    assert words in response.json["error"]["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Upload)) == 0


def test_creation_checks_the_video(tus, session):
    tus_client, _video = tus
    theirs = VideoFactory(created_by=UserFactory(), status=VideoStatus.UPLOADING).public_id
    session.commit()
    missing = tus_client.create(100, None)
    assert missing.status_code == 400
    assert "no video" in missing.json["error"]["message"]
    assert tus_client.create(100, "nope").status_code == 404
    not_mine = tus_client.create(100, theirs)
    assert not_mine.status_code == 404
    assert "not one of yours" in not_mine.json["error"]["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Upload)) == 0


def test_creation_needs_a_video_without_its_file(client, session, small_parts):
    user = UserFactory()
    queued = VideoFactory(created_by=user, status=VideoStatus.QUEUED,
                          original_key="originals/x/a.mp4").public_id
    draft = VideoFactory(created_by=user, status=VideoStatus.DRAFT)
    draft_id, draft_public_id, email = draft.id, draft.public_id, user.email
    session.commit()
    tus_client = Tus(client, login(client, email, PASSWORD))
    response = tus_client.create(100, queued)
    assert response.status_code == 409
    assert "not waiting" in response.json["error"]["message"]
    # A draft (its earlier upload cancelled) takes a new file, and waits for it.
    assert tus_client.create(100, draft_public_id).status_code == 201
    assert db.session.get(Video, draft_id).status is VideoStatus.UPLOADING


def test_an_editor_may_upload_for_someone_elses_video(client, session, small_parts):
    editor = UserFactory(role=Role.EDITOR)
    email = editor.email
    video = contributor_with_video(session)
    tus_client = Tus(client, login(client, email, PASSWORD))
    assert tus_client.create(100, video.public_id).status_code == 201


# -- PATCH ---------------------------------------------------------------------------------


def test_patch_refusals(tus):
    tus_client, video = tus
    url = tus_client.create(100, video.public_id).headers["Location"]
    wrong_type = tus_client.patch(url, 0, b"abc", **{"Content-Type": "application/json"})
    assert wrong_type.status_code == 415
    assert tus_client.patch(url, 0, b"abc", **{"Upload-Offset": ""}).status_code == 400
    assert tus_client.patch(url, 0, b"x" * 101).status_code == 413
    assert tus_client.patch(url, 0, b"x" * 40).status_code == 204
    mismatch = tus_client.patch(url, 10, b"abc")
    assert mismatch.status_code == 409
    assert "40" in mismatch.json["error"]["message"]
    assert tus_client.patch(url, 40, b"x" * 61).status_code == 413
    assert tus_client.patch(f"{ENDPOINT}/{'f' * 32}", 0, b"abc").status_code == 404
    assert tus_client.patch(f"{ENDPOINT}/..%2F..%2Fetc", 0, b"abc").status_code == 404
    assert tus_client.offset(url) == 40


def test_another_users_upload_is_not_found(tus, app, session):
    tus_client, video = tus
    url = tus_client.create(100, video.public_id).headers["Location"]
    other = UserFactory(role=Role.ADMIN)
    session.commit()
    with app.test_client() as intruder_client:
        intruder = Tus(intruder_client, login(intruder_client, other.email, PASSWORD))
        assert intruder.head(url).status_code == 404
        assert intruder.patch(url, 0, b"evil").status_code == 404
        assert intruder.delete(url).status_code == 404
    assert tus_client.offset(url) == 0


def test_a_body_larger_than_flasks_form_cap_is_accepted(tus, app, monkeypatch):
    tus_client, video = tus
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    url = tus_client.create(PART + 10, video.public_id).headers["Location"]
    assert tus_client.patch(url, 0, os.urandom(PART)).status_code == 204
    assert tus_client.offset(url) == PART


def test_the_tus_maximum_caps_uploads(tus, app, monkeypatch):
    tus_client, video = tus
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 1000)
    assert tus_client.client.options(ENDPOINT).headers["Tus-Max-Size"] == "1000"
    assert tus_client.create(1001, video.public_id).status_code == 413
    assert tus_client.create(1000, video.public_id).status_code == 201


# -- a whole upload, on a folder and on S3 -------------------------------------------------


@pytest.fixture(params=["local", "s3"])
def any_storage_app(request, app):
    if request.param == "local":
        return app
    seaweedfs = request.getfixturevalue("seaweedfs")
    bucket = seaweedfs.make_bucket("tus")
    return create_app({
        "TESTING": True,
        "STORAGE_URL": f"s3://{bucket}/careers-tv",
        "S3_ENDPOINT_URL": seaweedfs.endpoint_url,
        "AWS_ACCESS_KEY_ID": seaweedfs.access_key,
        "AWS_SECRET_ACCESS_KEY": seaweedfs.secret_key,
        "UPLOAD_PART_BYTES": PART,
    })


def test_a_file_sent_in_several_patches_becomes_the_original(any_storage_app, session,
                                                              small_parts):
    video = contributor_with_video(session)
    data = os.urandom(2 * PART + 123_457)
    client = any_storage_app.test_client()
    tus_client = Tus(client, login(client, video.email, PASSWORD))
    created = tus_client.create(len(data), video.public_id, filename="Témoignage.mp4")
    url = created.headers["Location"]
    upload_id = url.rsplit("/", 1)[1]
    storage = any_storage_app.extensions["storage"]
    # Chunk sizes that never line up with the parts; HEAD agrees after each.
    offset = 0
    for size in (1_000_000, 3 * 1024**2, 4 * 1024**2 + 1, 1, 999_999):
        response = tus_client.patch(url, offset, data[offset:offset + size])
        assert response.status_code == 204, response.get_data(as_text=True)
        assert int(response.headers["Upload-Offset"]) == offset + size
        assert "Upload-Expires" in response.headers
        offset += size
        assert tus_client.offset(url) == offset
    response = tus_client.patch(url, offset, data[offset:])
    assert response.status_code == 204
    assert response.headers["Upload-Offset"] == str(len(data))

    video = db.session.get(Video, video.id, populate_existing=True)
    assert video.status is VideoStatus.QUEUED
    assert video.original_key == f"originals/{video.public_id}/Temoignage.mp4"
    with storage.open(video.original_key) as body:
        assert body.read() == data
    job = db.session.scalar(sa.select(Job).where(Job.video_id == video.id))
    assert (job.kind, job.queue) == ("transcode", "transcode")
    assert staged(storage, upload_id) == []  # no tail left behind
    assert not multipart_is_open(storage, upload_id)
    head = tus_client.head(url)
    assert head.status_code == 200 and head.headers["Upload-Offset"] == str(len(data))
    assert tus_client.patch(url, len(data), b"").status_code == 204
    assert tus_client.patch(url, len(data), b"more").status_code == 413


def test_a_part_sized_patch_commits_a_part_and_keeps_no_tail(tus, app):
    tus_client, video = tus
    url = tus_client.create(3 * PART, video.public_id).headers["Location"]
    upload_id = url.rsplit("/", 1)[1]
    storage = app.extensions["storage"]
    assert tus_client.patch(url, 0, os.urandom(PART + 10)).status_code == 204
    assert staged(storage, upload_id) == [f"uploads/{upload_id}/tail-{PART + 10}"]
    assert tus_client.patch(url, PART + 10, os.urandom(PART - 10)).status_code == 204
    assert staged(storage, upload_id) == []
    upload = db.session.get(Upload, upload_id, populate_existing=True)
    assert [size for _n, _t, size in upload.parts] == [PART, PART]


# -- termination, replacement, expiry ------------------------------------------------------


def test_termination_frees_the_bytes_and_makes_the_video_a_draft(tus, app):
    tus_client, video = tus
    url = tus_client.create(2 * PART, video.public_id).headers["Location"]
    upload_id = url.rsplit("/", 1)[1]
    assert tus_client.patch(url, 0, os.urandom(PART + 5)).status_code == 204
    storage = app.extensions["storage"]
    assert staged(storage, upload_id) and multipart_is_open(storage, upload_id)
    response = tus_client.delete(url)
    assert response.status_code == 204
    assert response.headers["Tus-Resumable"] == "1.0.0"
    assert tus_client.head(url).status_code == 410
    assert tus_client.patch(url, PART + 5, b"x").status_code == 410
    assert tus_client.delete(url).status_code == 410
    assert staged(storage, upload_id) == [] and not multipart_is_open(storage, upload_id)
    assert db.session.get(Video, video.id, populate_existing=True).status is VideoStatus.DRAFT
    assert not storage.exists(db.session.get(Upload, upload_id).storage_key)
    again = tus_client.create(5, video.public_id).headers["Location"]  # the file, sent anew
    assert tus_client.patch(again, 0, b"12345").status_code == 204
    assert db.session.get(Video, video.id, populate_existing=True).status is VideoStatus.QUEUED


def test_a_finished_upload_cannot_be_terminated(tus):
    tus_client, video = tus
    url = tus_client.create(10, video.public_id).headers["Location"]
    assert tus_client.patch(url, 0, b"0123456789").status_code == 204
    response = tus_client.delete(url)
    assert response.status_code == 409
    assert "processed" in response.json["error"]["message"]
    assert db.session.get(Video, video.id, populate_existing=True).status is VideoStatus.QUEUED


def test_a_new_upload_for_the_video_replaces_the_unfinished_one(tus, app):
    tus_client, video = tus
    first = tus_client.create(2 * PART, video.public_id).headers["Location"]
    assert tus_client.patch(first, 0, b"partial").status_code == 204
    second = tus_client.create(7, video.public_id).headers["Location"]
    assert tus_client.head(first).status_code == 410
    assert staged(app.extensions["storage"], first.rsplit("/", 1)[1]) == []
    assert tus_client.patch(second, 0, b"abcdefg").status_code == 204
    assert db.session.get(Video, video.id, populate_existing=True).status is VideoStatus.QUEUED


def test_an_upload_that_has_expired_is_gone(tus, session):
    tus_client, video = tus
    url = tus_client.create(100, video.public_id).headers["Location"]
    upload = db.session.get(Upload, url.rsplit("/", 1)[1])
    upload.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert tus_client.head(url).status_code == 410
    assert tus_client.patch(url, 0, b"late").status_code == 410


def test_housekeeping_expires_idle_uploads_only(tus, app, session):
    tus_client, video = tus
    idle = tus_client.create(2 * PART, video.public_id).headers["Location"]
    assert tus_client.patch(idle, 0, b"some bytes").status_code == 204
    other = contributor_with_video(session)
    with app.app_context():
        fresh_id = upload_service.create_upload(db.session.get(User, other.user_id), 50,
                                                {"video": other.public_id}).id
    idle_id = idle.rsplit("/", 1)[1]
    db.session.get(Upload, idle_id).updated_at = utcnow() - timedelta(hours=25)
    session.commit()
    with app.app_context():
        assert upload_service.expire_stale_uploads(timedelta(hours=24)) == 1
        assert upload_service.expire_stale_uploads(timedelta(hours=24)) == 0
    assert db.session.get(Upload, idle_id).status is UploadStatus.ABORTED
    assert db.session.get(Upload, fresh_id).status is UploadStatus.RECEIVING
    assert db.session.get(Video, video.id, populate_existing=True).status is VideoStatus.DRAFT
    assert staged(app.extensions["storage"], idle_id) == []
    assert tus_client.head(idle).status_code == 410
