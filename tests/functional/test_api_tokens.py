"""API tokens on the API: scopes enforced, revocation immediate, the whole upload-to-publish
path for a client, rate limits per token, CORS for the careers sites."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from careers_tv import create_app
from careers_tv.clock import utcnow
from careers_tv.models import ApiToken, Job, Role, Video, VideoStatus
from careers_tv.services import api_tokens
from tests.factories import UserFactory, VideoFactory, channel
from tests.functional.tus_client import Tus

API = "/api/v1"


@pytest.fixture
def make_token(session):
    """make_token("read upload") -> the secret of a new token held by an admin."""
    admin = UserFactory(role=Role.ADMIN)

    def make(scopes: str, owner=None) -> str:
        _token, secret = api_tokens.create_token(owner or admin, "test client", scopes.split())
        session.commit()
        return secret

    make.admin = admin
    return make


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


NEW_VIDEO = {"channel": "temoignages", "title": "Meet the data team", "language": "en",
             "tags": ["Data", "Paris"], "country": "FR"}


def test_a_read_token_cannot_create_upload_or_publish(client, session, make_token):
    secret = make_token("read")
    ready = VideoFactory(channel=channel(), status=VideoStatus.READY,
                         created_by=make_token.admin)
    session.commit()
    assert client.get(f"{API}/channels", headers=bearer(secret)).status_code == 200
    created = client.post(f"{API}/videos", json=NEW_VIDEO, headers=bearer(secret))
    assert created.status_code == 403
    assert created.get_json()["error"]["message"] == "this token lacks the upload scope"
    publish = client.post(f"{API}/videos/{ready.public_id}/publish", headers=bearer(secret))
    assert publish.status_code == 403
    upload = client.post(f"{API}/uploads", headers={
        **bearer(secret), "Tus-Resumable": "1.0.0", "Upload-Length": "10"})
    assert upload.status_code == 403
    assert session.scalar(sa.select(sa.func.count(Video.id))) == 1
    assert session.get(Video, ready.id).status is VideoStatus.READY


def test_an_upload_token_cannot_publish(client, session, make_token):
    secret = make_token("read upload")
    video = client.post(f"{API}/videos", json=NEW_VIDEO, headers=bearer(secret)).get_json()
    refused = client.post(f"{API}/videos/{video['id']}/publish", headers=bearer(secret))
    assert refused.status_code == 403


def test_a_client_creates_uploads_and_publishes_a_video(client, session, make_token, app):
    secret = make_token("read upload publish")
    response = client.post(f"{API}/videos", json=NEW_VIDEO, headers=bearer(secret))
    assert response.status_code == 201, response.get_json()
    video = response.get_json()
    assert video["status"] == "uploading"
    assert video["upload_url"] == "http://localhost/api/v1/uploads"
    assert [t["label"] for t in video["tags"]] == ["Data", "Paris"]
    # Not public yet: nobody else sees it, the token's owner does.
    assert client.get(f"{API}/videos/{video['id']}").status_code == 404
    assert client.get(f"{API}/videos/{video['id']}",
                      headers=bearer(secret)).headers["Cache-Control"] == "private, no-cache"

    # The file goes through tus with the same token (no session, no CSRF token).
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    tus = Tus(client, csrf_token=None)
    data = b"\x00\x01fake video bytes" * 100
    created = tus.create(len(data), video["id"])
    assert created.status_code == 201, created.get_json()
    assert tus.patch(created.headers["Location"], 0, data).status_code == 204
    state = client.get(f"{API}/videos/{video['id']}").get_json()
    assert state["status"] == "queued" and state["upload_url"] is None
    assert session.scalar(sa.select(sa.func.count(Job.id)).where(Job.kind == "transcode")) == 1

    # The transcode (tests/functional/test_transcode_job.py) makes it ready; then publish.
    row = session.scalar(sa.select(Video).where(Video.public_id == video["id"]))
    row.status = VideoStatus.READY
    session.commit()
    edited = client.patch(f"{API}/videos/{video['id']}",
                          json={"title": "Meet the data team in Paris", "entity": None})
    assert edited.status_code == 200 and edited.get_json()["title"].endswith("in Paris")
    at = (utcnow() + timedelta(days=1)).isoformat()
    scheduled = client.post(f"{API}/videos/{video['id']}/publish", json={"at": at})
    assert scheduled.get_json()["status"] == "scheduled"
    published = client.post(f"{API}/videos/{video['id']}/publish")
    assert published.status_code == 200 and published.get_json()["status"] == "published"
    del client.environ_base["HTTP_AUTHORIZATION"]
    public = client.get(f"{API}/channels/temoignages/videos").get_json()
    assert [v["id"] for v in public["videos"]] == [video["id"]]
    again = client.post(f"{API}/videos/{video['id']}/publish", headers=bearer(secret))
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"


@pytest.mark.parametrize(("body", "field"), [
    ({**NEW_VIDEO, "title": ""}, "title"),
    ({**NEW_VIDEO, "language": "de"}, "language"),
    ({**NEW_VIDEO, "country": "france"}, "country"),
    ({**NEW_VIDEO, "tags": ["x"] * 13}, "tags"),
    ({**NEW_VIDEO, "colour": "red"}, "colour"),
    ({k: v for k, v in NEW_VIDEO.items() if k != "channel"}, "channel"),
])
def test_bad_video_fields_get_a_400_naming_the_field(client, make_token, body, field):
    response = client.post(f"{API}/videos", json=body, headers=bearer(make_token("upload")))
    assert response.status_code == 400
    assert field in [d["field"] for d in response.get_json()["error"]["details"]]


def test_bodies_that_are_not_json_objects_are_refused(client, make_token):
    headers = bearer(make_token("upload"))
    assert client.post(f"{API}/videos", data="title=x", headers={
        **headers, "Content-Type": "application/x-www-form-urlencoded"}).status_code == 415
    assert client.post(f"{API}/videos", data="{", headers={
        **headers, "Content-Type": "application/json"}).status_code == 400
    assert client.post(f"{API}/videos", json=[1, 2], headers=headers).status_code == 400
    unknown = client.post(f"{API}/videos", json={**NEW_VIDEO, "channel": "nope"},
                          headers=headers)
    assert unknown.status_code == 400 and "nope" in unknown.get_json()["error"]["message"]


def test_a_revoked_token_is_refused_at_once_even_for_public_reads(client, session,
                                                                   make_token):
    secret = make_token("read upload")
    assert client.get(f"{API}/channels", headers=bearer(secret)).status_code == 200
    token = session.scalar(sa.select(ApiToken))
    api_tokens.revoke(token)
    session.commit()
    for method, path in (("GET", "/channels"), ("POST", "/videos")):
        response = client.open(f"{API}{path}", method=method, json=NEW_VIDEO,
                               headers=bearer(secret))
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "unauthorized"
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_deactivated_admins_tokens_stop_working(client, session, make_token):
    secret = make_token("read")
    make_token.admin.active = False
    session.commit()
    assert client.get(f"{API}/channels", headers=bearer(secret)).status_code == 401


@pytest.mark.parametrize("header", ["Bearer ctv_made-up", "Basic dXNlcjpwYXNz", "Bearer ",
                                    "ctv_no-scheme"])
def test_unknown_or_malformed_tokens_get_401_not_anonymous_access(client, header):
    response = client.get(f"{API}/channels", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="careers-tv"')


def test_only_the_digest_is_stored(session, make_token):
    secret = make_token("read")
    token = session.scalar(sa.select(ApiToken))
    assert secret.startswith("ctv_") and len(secret) >= 40
    assert secret not in (token.token_hash, token.prefix) and token.prefix == secret[:12]
    assert api_tokens.find_token(secret).id == token.id
    assert api_tokens.find_token(secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None


def test_drafts_and_unlisted_never_appear_in_lists_even_for_a_publish_token(
        client, session, make_token):
    secret = make_token("read upload publish")
    VideoFactory(title="Draft", channel=channel(), status=VideoStatus.READY,
                 created_by=make_token.admin)
    session.commit()
    for path in ("/videos", "/channels/temoignages/videos", "/search?q=draft", "/tags"):
        data = client.get(f"{API}{path}", headers=bearer(secret)).get_json()
        assert "Draft" not in str(data), path


def test_rate_limits_are_counted_per_token(client, app, make_token, monkeypatch):
    monkeypatch.setitem(app.config, "API_TOKEN_RATE_LIMIT", "3 per minute")
    first, second = make_token("read"), make_token("read")
    codes = [client.get(f"{API}/channels", headers=bearer(first)).status_code
             for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.get(f"{API}/channels", headers=bearer(first))
    assert limited.get_json()["error"]["code"] == "too_many_requests"
    assert int(limited.headers["Retry-After"]) > 0
    assert client.get(f"{API}/channels", headers=bearer(second)).status_code == 200


def test_cors_lets_the_configured_careers_sites_in(session, test_env):
    app = create_app({"TESTING": True, "API_CORS_ORIGINS": "https://careers.example.com"})
    client = app.test_client()
    allowed = client.get(f"{API}/channels", headers={"Origin": "https://careers.example.com"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://careers.example.com"
    assert "ETag" in allowed.headers["Access-Control-Expose-Headers"]
    other = client.get(f"{API}/channels", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = client.options(f"{API}/videos", headers={
        "Origin": "https://careers.example.com", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert preflight.status_code == 200
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()
