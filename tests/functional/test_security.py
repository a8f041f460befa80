"""Security headers, cookies, sessions that end at sign-out, and no secret in the logs."""

from __future__ import annotations

import io
import logging

import pytest
import redis
import sqlalchemy as sa
from bs4 import BeautifulSoup

from careers_tv import config as config_module
from careers_tv import create_app
from careers_tv.clock import utcnow
from careers_tv.extensions import limiter
from careers_tv.jobs import dispatch
from careers_tv.models import Announcement, AnnouncementStatus, Job, Role, VideoStatus
from careers_tv.observability.logs import make_handler
from careers_tv.security import media_origins
from careers_tv.services import sessions
from careers_tv.services import videos as video_service
from tests.factories import PASSWORD, UserFactory, VideoFactory
from tests.functional.portal_helpers import csrf_token, login, post
from tests.plugins.fake_x import configure_x

MEDIA = "'self' http://localhost"  # local storage under PUBLIC_BASE_URL (http://localhost)
POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; "
          f"img-src {MEDIA} data:; media-src {MEDIA} blob:; connect-src {MEDIA}; "
          "worker-src 'self' blob:; font-src 'self'; object-src 'none'; base-uri 'self'; "
          "form-action 'self'; frame-ancestors 'none'")
NEW_PASSWORD = "a-brand-new-passphrase"


@pytest.fixture(autouse=True)
def fresh_limits(app):
    limiter.reset()


@pytest.fixture
def video(session):
    found = VideoFactory(status=VideoStatus.PUBLISHED, published_at=utcnow(), language="fr")
    session.commit()
    return found


@pytest.fixture
def user(session):
    found = UserFactory(role=Role.EDITOR)
    session.commit()
    return found


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return dict(part.split(" ", 1) for part in policy.split("; "))


def assert_hardened(response, framed: bool = False):
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert "microphone=()" in headers["Permissions-Policy"]
    assert "geolocation=()" in headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in headers  # not in development, not over http
    if framed:
        assert "X-Frame-Options" not in headers
    else:
        assert headers["X-Frame-Options"] == "DENY"


def assert_no_inline_code(response):
    """What the policy would block: inline scripts (data blocks aside) and inline styles."""
    html = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    for script in html.find_all("script"):
        assert script.get("src") or script.get("type") == "application/ld+json", script
    assert html.find("style") is None
    assert html.find(style=True) is None
    assert not [tag for tag in html.find_all(True)
                if any(name.startswith("on") for name in tag.attrs)]


# --- headers -----------------------------------------------------------------------------

def test_a_public_page_gets_the_strict_policy(client, session):
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == POLICY
    assert_hardened(response)
    assert_no_inline_code(response)


def test_the_watch_page_allows_the_player_and_is_not_framed(client, video):
    response = client.get(f"/videos/{video.public_id}")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == POLICY
    assert_hardened(response)
    assert_no_inline_code(response)
    ld = BeautifulSoup(response.get_data(as_text=True), "html.parser").find(
        "script", type="application/ld+json")
    assert ld is not None and '"VideoObject"' in ld.string


def test_the_embed_page_may_be_framed_anywhere_by_default(client, video):
    response = client.get(f"/embed/{video.public_id}")
    assert response.status_code == 200
    found = directives(response)
    assert found["frame-ancestors"] == "*"
    assert found["script-src"] == "'self'" and found["media-src"] == f"{MEDIA} blob:"
    assert_hardened(response, framed=True)
    assert_no_inline_code(response)
    # A revalidation carries the same headers.
    again = client.get(f"/embed/{video.public_id}",
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert directives(again)["frame-ancestors"] == "*"


def test_the_embed_page_may_be_framed_only_where_configured(app, video):
    sites = "https://careers.example.com https://*.example.org"
    configured = create_app({"TESTING": True, "EMBED_FRAME_ANCESTORS": sites})
    client = configured.test_client()
    response = client.get(f"/embed/{video.public_id}")
    assert response.status_code == 200
    assert directives(response)["frame-ancestors"] == sites
    assert "X-Frame-Options" not in response.headers
    # Every other page stays unframeable.
    assert directives(client.get(f"/videos/{video.public_id}"))["frame-ancestors"] == "'none'"


def test_embed_frame_ancestors_is_read_from_the_environment():
    loaded = config_module.load({"EMBED_FRAME_ANCESTORS": " https://a.example   'self' "})
    assert loaded["EMBED_FRAME_ANCESTORS"] == "https://a.example 'self'"
    assert config_module.load({})["EMBED_FRAME_ANCESTORS"] == "*"
    with pytest.raises(config_module.ConfigError):
        config_module.load({"EMBED_FRAME_ANCESTORS": "https://a.example; script-src *"})


def test_the_portal_gets_the_strict_policy(client, user):
    page = client.get("/portal/login")
    assert page.headers["Content-Security-Policy"] == POLICY
    assert_hardened(page)
    assert_no_inline_code(page)
    login(client, user)
    dashboard = client.get("/portal/")
    assert dashboard.status_code == 200
    assert dashboard.headers["Content-Security-Policy"] == POLICY
    assert_hardened(dashboard)
    assert_no_inline_code(dashboard)


def test_the_api_reference_alone_accepts_inline_styles(client, session):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    found = directives(response)
    assert found["style-src"] == "'self' 'unsafe-inline'"
    assert found["script-src"] == "'self'" and found["frame-ancestors"] == "'none'"
    assert_hardened(response)
    assert directives(client.get("/api/v1/openapi.json"))["style-src"] == "'self'"


def test_the_api_keeps_its_cors_headers(app, session):
    cors = create_app({"TESTING": True, "API_CORS_ORIGINS": "https://careers.example.com"})
    response = cors.test_client().get("/api/v1/channels",
                                      headers={"Origin": "https://careers.example.com"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "https://careers.example.com"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_media_comes_from_storage_or_the_cdn():
    local = {"STORAGE_URL": "file:///srv/media", "PUBLIC_BASE_URL": "https://tv.example.com"}
    assert media_origins(local) == ["https://tv.example.com"]
    cdn = {**local, "MEDIA_BASE_URL": "https://cdn.example.net:8443/tv/media"}
    assert media_origins(cdn) == ["https://cdn.example.net:8443"]
    s3 = {"STORAGE_URL": "s3://bucket/prefix", "S3_ENDPOINT_URL": "http://127.0.0.1:8333",
          "PUBLIC_BASE_URL": "https://tv.example.com"}
    assert media_origins(s3) == ["http://127.0.0.1:8333"]
    # Published media from the CDN, the portal's presigned previews from the endpoint.
    assert media_origins({**s3, "MEDIA_BASE_URL": "https://cdn.example.net/"}) == [
        "https://cdn.example.net", "http://127.0.0.1:8333"]


def test_a_configured_media_origin_is_in_the_policy(app, session):
    cdn = create_app({"TESTING": True, "MEDIA_BASE_URL": "https://cdn.example.net/media"})
    found = directives(cdn.test_client().get("/"))
    for directive in ("img-src", "media-src", "connect-src"):
        assert "https://cdn.example.net" in found[directive].split()
    assert "https://cdn.example.net" not in found["script-src"]


@pytest.fixture
def production(app, monkeypatch):
    """The app as CAREERS_TV_ENV=production builds it (same database and storage)."""
    monkeypatch.setenv("CAREERS_TV_ENV", "production")
    return create_app({"TESTING": True})


def test_hsts_in_production_over_https_only(production, session):
    https = production.test_client().get("/", base_url="https://localhost")
    assert https.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    plain = production.test_client().get("/", base_url="http://localhost")
    assert "Strict-Transport-Security" not in plain.headers


def test_no_hsts_in_development_even_over_https(client, session):
    response = client.get("/", base_url="https://localhost")
    assert "Strict-Transport-Security" not in response.headers


# --- cookies -----------------------------------------------------------------------------

def cookie_attributes(response, name: str) -> set[str]:
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "=")]
    return {part.strip().lower() for part in header.split(";")[1:]}


def test_cookies_are_http_only_and_same_site_lax(client, user):
    response = client.get("/?lang=en")
    assert {"httponly", "samesite=lax"} <= cookie_attributes(response, "lang")
    assert "secure" not in cookie_attributes(response, "lang")  # development: plain http
    token = csrf_token(client)
    signed_in = client.post("/portal/login", data={"email": user.email, "password": PASSWORD,
                                                   "csrf_token": token})
    assert signed_in.status_code == 302
    attributes = cookie_attributes(signed_in, "session")
    assert {"httponly", "samesite=lax"} <= attributes and "secure" not in attributes
    # No remember-me cookie: a session ends with the browser.
    assert not [h for h in signed_in.headers.getlist("Set-Cookie") if "remember" in h]


def test_cookies_are_secure_in_production(production, user):
    client = production.test_client()
    base = "https://localhost"
    language = client.get("/?lang=en", base_url=base)
    assert {"httponly", "samesite=lax", "secure"} <= cookie_attributes(language, "lang")
    page = client.get("/portal/login", base_url=base).get_data(as_text=True)
    token = BeautifulSoup(page, "html.parser").find("input", {"name": "csrf_token"})["value"]
    # Over https, flask-wtf wants a same-site Referer on a form post.
    signed_in = client.post("/portal/login", base_url=base,
                            headers={"Referer": f"{base}/portal/login"},
                            data={"email": user.email, "password": PASSWORD,
                                  "csrf_token": token})
    assert signed_in.status_code == 302, signed_in.get_data(as_text=True)
    assert {"httponly", "samesite=lax", "secure"} <= cookie_attributes(signed_in, "session")


# --- sessions ----------------------------------------------------------------------------

def session_cookie(client) -> str:
    return client.get_cookie("session").value


def replay(app, cookie: str, path: str = "/portal/"):
    """A request from another browser holding a copy of the cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief.get(path)


def sent_to_login(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith(
        "/portal/login")


def sign_out(client, token):
    assert post(client, "/portal/logout", token).status_code == 302


def test_a_copied_cookie_is_useless_after_sign_out(app, user):
    client = app.test_client()
    token = login(client, user)
    copied = session_cookie(client)
    assert replay(app, copied).status_code == 200  # the copy works while the session lives
    sign_out(client, token)
    assert sent_to_login(replay(app, copied))
    assert sent_to_login(replay(app, copied, "/portal/account/password"))


def test_copied_cookies_are_useless_after_a_password_change(app, user):
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, user)
    login(phone, user)
    laptop_copy, phone_copy = session_cookie(laptop), session_cookie(phone)
    changed = post(phone, "/portal/account/password", csrf_token(phone, "/portal/account/password"),
                   {"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                    "confirm_password": NEW_PASSWORD})
    assert changed.status_code == 302
    assert phone.get("/portal/").status_code == 200  # the phone goes on, under a new session
    assert session_cookie(phone) != phone_copy
    assert sent_to_login(laptop.get("/portal/"))  # the other device is signed out
    assert sent_to_login(replay(app, laptop_copy))
    assert sent_to_login(replay(app, phone_copy))  # the phone's old session is revoked too


def test_signing_out_on_one_device_keeps_the_other(app, user):
    laptop, phone = app.test_client(), app.test_client()
    laptop_token = login(laptop, user)
    login(phone, user)
    sign_out(laptop, laptop_token)
    assert sent_to_login(laptop.get("/portal/"))
    assert phone.get("/portal/").status_code == 200
    assert replay(app, session_cookie(phone)).status_code == 200


def test_a_session_without_an_id_names_nobody(app, user):
    client = app.test_client()
    login(client, user)
    with client.session_transaction() as stored:
        assert stored[sessions.SID]
        del stored[sessions.SID]  # as a cookie signed before session ids existed
    assert sent_to_login(client.get("/portal/"))


def test_a_revoked_id_is_kept_in_redis_for_the_session_lifetime(app, user):
    client = app.test_client()
    token = login(client, user)
    with client.session_transaction() as stored:
        sid = stored[sessions.SID]
    sign_out(client, token)
    store = redis.Redis.from_url(app.config["RATELIMIT_STORAGE_URI"])
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    assert lifetime - 60 < store.ttl(sessions.PREFIX + sid) <= lifetime


def test_without_redis_revoked_ids_are_kept_in_the_process(app, session):
    embedded = create_app({"TESTING": True, "RATELIMIT_STORAGE_URI": "memory://"})
    with embedded.test_request_context():
        store = sessions.revocations()
        assert isinstance(store, sessions.MemoryRevocations)
        store.revoke("abc", 60)
        assert store.is_revoked("abc") and not store.is_revoked("abd")
        store.revoke("old", -1)  # expired
        assert not store.is_revoked("old")


def test_with_redis_down_sessions_are_judged_on_what_this_process_revoked(app):
    dead = sessions.RedisRevocations(redis.Redis.from_url("redis://127.0.0.1:1/0",
                                                          socket_connect_timeout=0.2))
    dead.revoke("mine", 60)
    assert dead.is_revoked("mine")
    assert not dead.is_revoked("someone-elses")


# --- logs --------------------------------------------------------------------------------

def test_no_secret_reaches_the_logs(app, session, fake_x, monkeypatch, caplog):
    """A whole day's work logged at DEBUG: signing in, an API token made in the portal and
    used on the API, an announcement sent to X with OAuth credentials."""
    configure_x(app, monkeypatch, **fake_x.env)
    # What production writes: our handlers (text and JSON) with their masking.
    outputs = {"text": io.StringIO(), "json": io.StringIO()}
    handlers = [make_handler(kind, [app.config[k] for k in ("SECRET_KEY", *fake_x.env)], out)
                for kind, out in outputs.items()]
    root = logging.getLogger()
    caplog.set_level(logging.DEBUG)
    for handler in handlers:
        handler.setLevel(logging.DEBUG)
        root.addHandler(handler)
    try:
        admin = UserFactory(role=Role.ADMIN)
        video = VideoFactory(status=VideoStatus.READY, title="Night shift", language="en")
        session.commit()

        client = app.test_client()
        token = login(client, admin)
        created = post(client, "/portal/admin/api-tokens", token,
                       {"name": "Intranet", "scopes": ["read"]})
        assert created.status_code == 201
        api_secret = BeautifulSoup(created.get_data(as_text=True), "html.parser").find(
            "input", id="new-token-secret")["value"]
        api = client.get("/api/v1/channels", headers={"Authorization": "Bearer " + api_secret})
        assert api.status_code == 200
        assert app.test_client().get(
            "/api/v1/channels", headers={"Authorization": "Bearer ctv_wrong"}).status_code == 401

        with app.app_context():  # the worker's part, in this process
            video_service.publish(video)
            session.commit()
            announcement = session.scalar(sa.select(Announcement).where(
                Announcement.video_id == video.id))
            job_id = session.scalar(sa.select(Job.id).where(
                Job.kind == "announce",
                Job.payload["announcement_id"].as_integer() == announcement.id))
            assert dispatch.execute(job_id) == "done"
        session.expire_all()
        assert announcement.status is AnnouncementStatus.POSTED
        assert len(fake_x.posts) == 1
        sign_out(client, token)
    finally:
        for handler in handlers:
            root.removeHandler(handler)

    # The run was logged at DEBUG, the request to X included: else the test proves nothing.
    logged = [record.getMessage() for record in caplog.records]
    assert any("POST /2/tweets" in message for message in logged), logged
    secrets = {"password": PASSWORD, "API token": api_secret,
               "SECRET_KEY": app.config["SECRET_KEY"],
               "X consumer secret": fake_x.env["X_CONSUMER_SECRET"],
               "X access token secret": fake_x.env["X_ACCESS_TOKEN_SECRET"]}
    # The records as logged, before any masking: no code logs these at all.
    for name, value in secrets.items():
        assert value not in caplog.text, f"the {name} was logged"
    # What the production handlers write: the access token too is masked there.
    secrets["X access token"] = fake_x.env["X_ACCESS_TOKEN"]
    for kind, out in outputs.items():
        written = out.getvalue()
        assert written, f"the {kind} handler wrote nothing"
        for name, value in secrets.items():
            assert value not in written, f"the {name} is in the {kind} log"
