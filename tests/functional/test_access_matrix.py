"""Every route × anonymous/contributor/editor/admin: who gets in, who is refused.

The table must name every route the app has: a new route without a line here fails
`test_every_route_is_in_the_matrix`, so nobody adds a page and forgets who may open it.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from careers_tv.models import Channel, Role, VideoStatus
from careers_tv.services import uploads as upload_service
from tests.factories import UserFactory, VideoFactory
from tests.functional.portal_helpers import csrf_token, login

ANON, CONTRIB, EDITOR, ADMIN = "anonymous", "contributor", "editor", "admin"
ROLES = (ANON, CONTRIB, EDITOR, ADMIN)
LOGIN = "login"  # sent to the login page
OK = "ok"  # let through: whatever the answer, it is not 401, 403 or the login page


def everyone(code):
    return dict.fromkeys(ROLES, code)


def staff(least: str, anonymous=LOGIN):
    """Allowed from `least` up; below it 403; anonymous sent to log in (or 401 for the API)."""
    rank = ROLES.index(least)
    return {role: (anonymous if role == ANON else OK if ROLES.index(role) >= rank else 403)
            for role in ROLES}


# (method, path, expected by role). {video}: a ready video the contributor uploaded;
# {user}: the contributor's id; {channel}: an empty channel; {upload}: a tus upload.
MATRIX = [
    ("GET", "/", everyone(200)),
    ("GET", "/channels/temoignages", everyone(200)),
    ("GET", "/tags/nothing-tagged-yet", everyone(404)),
    ("GET", "/healthz", everyone(200)),
    ("GET", "/readyz", everyone(200)),
    # Prometheus: the test client is on loopback, and no METRICS_TOKEN is set here
    # (tests/functional/test_observability.py has the other addresses and the token).
    ("GET", "/metrics", everyone(200)),
    ("GET", "/feed.xml", everyone(200)),
    ("GET", "/channels/temoignages/feed.xml", everyone(200)),
    ("GET", "/sitemap.xml", everyone(200)),
    ("GET", "/robots.txt", everyone(200)),
    ("GET", "/favicon.ico", everyone(200)),
    ("GET", "/search", everyone(200)),
    ("GET", "/oembed", everyone(400)),  # no url given
    # The public video pages show published videos only, to staff too (the portal previews).
    ("GET", "/videos/{video}", everyone(404)),
    ("GET", "/embed/{video}", everyone(404)),
    ("GET", "/videos/{video}/transcript", everyone(404)),
    ("GET", "/videos/{video}/chapters.vtt", everyone(404)),
    # The player's view beacon and playback report: published videos only; no session, so
    # no CSRF token either.
    ("POST", "/videos/{video}/views", everyone(404)),
    ("POST", "/videos/{video}/playback", everyone(404)),
    ("GET", "/media/videos/none/missing.m3u8", everyone(404)),
    # The API's reads are public; its writes answer bearer tokens only, never the session
    # (tests/functional/test_api_tokens.py has the scopes).
    ("GET", "/api/v1/channels", everyone(200)),
    ("GET", "/api/v1/channels/temoignages", everyone(200)),
    ("GET", "/api/v1/channels/temoignages/videos", everyone(200)),
    ("GET", "/api/v1/videos", everyone(200)),
    ("GET", "/api/v1/tags", everyone(200)),
    ("GET", "/api/v1/search?q=x", everyone(200)),
    ("GET", "/api/v1/openapi.json", everyone(200)),
    ("GET", "/api/v1/docs", everyone(200)),
    ("GET", "/api/v1/videos/{video}", everyone(404)),  # not published
    ("POST", "/api/v1/videos", everyone(401)),
    ("PATCH", "/api/v1/videos/{video}", everyone(401)),
    ("POST", "/api/v1/videos/{video}/publish", everyone(401)),
    ("POST", "/api/v1/videos/{video}/unpublish", everyone(401)),
    ("GET", "/portal/login", {ANON: 200, CONTRIB: 302, EDITOR: 302, ADMIN: 302}),
    ("POST", "/portal/login", everyone(OK)),
    ("POST", "/portal/logout", everyone(302)),
    ("GET", "/portal/", staff(CONTRIB)),
    ("GET", "/portal/account/password", staff(CONTRIB)),
    ("POST", "/portal/account/password", staff(CONTRIB)),
    ("GET", "/portal/videos/new", staff(CONTRIB)),
    ("POST", "/portal/videos/new", staff(CONTRIB)),
    ("GET", "/portal/videos/status.json", staff(CONTRIB)),
    ("GET", "/portal/videos/{video}", staff(CONTRIB)),
    ("GET", "/portal/videos/{video}/upload", staff(CONTRIB)),
    ("POST", "/portal/videos/{video}/details", staff(CONTRIB)),
    ("POST", "/portal/videos/{video}/retry", staff(CONTRIB)),
    ("POST", "/portal/videos/{video}/captions", staff(EDITOR)),
    ("POST", "/portal/videos/{video}/captions/fr/delete", staff(EDITOR)),
    ("POST", "/portal/videos/{video}/captions/draft", staff(EDITOR)),
    ("POST", "/portal/videos/{video}/poster", staff(EDITOR)),
    ("POST", "/portal/videos/{video}/publish", staff(EDITOR)),
    ("POST", "/portal/videos/{video}/schedule", staff(EDITOR)),
    ("POST", "/portal/videos/{video}/unpublish", staff(EDITOR)),
    ("POST", "/portal/videos/{video}/delete", staff(EDITOR)),
    ("GET", "/portal/announcements", staff(EDITOR)),
    ("POST", "/portal/announcements/0/retry", staff(EDITOR)),
    ("GET", "/portal/admin/users", staff(ADMIN)),
    ("POST", "/portal/admin/users", staff(ADMIN)),
    ("GET", "/portal/admin/users/{user}", staff(ADMIN)),
    ("POST", "/portal/admin/users/{user}/role", staff(ADMIN)),
    ("POST", "/portal/admin/users/{user}/deactivate", staff(ADMIN)),
    ("POST", "/portal/admin/users/{user}/reactivate", staff(ADMIN)),
    ("POST", "/portal/admin/users/{user}/password", staff(ADMIN)),
    ("GET", "/portal/admin/channels", staff(ADMIN)),
    ("POST", "/portal/admin/channels", staff(ADMIN)),
    ("GET", "/portal/admin/channels/{channel}", staff(ADMIN)),
    ("POST", "/portal/admin/channels/{channel}", staff(ADMIN)),
    ("POST", "/portal/admin/channels/{channel}/delete", staff(ADMIN)),
    ("GET", "/portal/admin/api-tokens", staff(ADMIN)),
    ("POST", "/portal/admin/api-tokens", staff(ADMIN)),  # no name given: 400 for the admin
    ("POST", "/portal/admin/api-tokens/0/revoke", staff(ADMIN)),  # no such token: 404
    # tus: the session cookie signs in; an upload is its uploader's alone (others get 404).
    ("POST", "/api/v1/uploads", staff(CONTRIB, anonymous=401)),
    ("HEAD", "/api/v1/uploads/{upload}", {ANON: 401, CONTRIB: 200, EDITOR: 404, ADMIN: 404}),
    ("PATCH", "/api/v1/uploads/{upload}", {ANON: 401, CONTRIB: OK, EDITOR: 404, ADMIN: 404}),
    ("DELETE", "/api/v1/uploads/{upload}", {ANON: 401, CONTRIB: 204, EDITOR: 404, ADMIN: 404}),
]
# What a tus client sends with every request (the last two with a PATCH).
TUS_HEADERS = {"Tus-Resumable": "1.0.0", "Upload-Offset": "0",
               "Content-Type": "application/offset+octet-stream"}
# Token-only API routes are left out: a cookie does not sign anyone in there (401 above).
STATE_CHANGING = [(method, path) for method, path, expected in MATRIX
                  if method in ("POST", "PATCH", "DELETE", "PUT")
                  and path not in ("/portal/login", "/portal/logout", "/videos/{video}/views",
                                   "/videos/{video}/playback")
                  and expected != everyone(401)]


@pytest.fixture
def world(app, session):
    """One user per role, a ready video uploaded by the contributor, an empty channel,
    and an upload the contributor started for another video."""
    users = {role: UserFactory(role=Role(role)) for role in (CONTRIB, EDITOR, ADMIN)}
    video = VideoFactory(created_by=users[CONTRIB], status=VideoStatus.READY)
    waiting = VideoFactory(created_by=users[CONTRIB], status=VideoStatus.UPLOADING)
    channel = Channel(slug="matrix-test", name_fr="Essai", name_en="Test")
    session.add(channel)
    session.commit()
    with app.app_context():
        upload = upload_service.create_upload(users[CONTRIB], 1000,
                                              {"video": waiting.public_id, "filename": "a.mp4"})
    return {"users": users, "video": video.public_id, "user": users[CONTRIB].id,
            "channel": channel.id, "upload": upload.id}


def _path(template: str, world: dict) -> str:
    return template.format(video=world["video"], user=world["user"], channel=world["channel"],
                           upload=world["upload"])


def _as(client, role: str, world: dict) -> str:
    if role == ANON:
        return csrf_token(client)
    return login(client, world["users"][role])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "template", "expected"), MATRIX,
                         ids=[f"{m} {p}" for m, p, _ in MATRIX])
def test_route_by_role(client, world, method, template, expected, role):
    token = _as(client, role, world)
    path = _path(template, world)
    if path.startswith("/api/v1/uploads"):
        headers = {"X-CSRFToken": token, **TUS_HEADERS}
        data = b"0123456789" if method == "PATCH" else None
    else:
        headers, data = {}, {"csrf_token": token} if method == "POST" else None
    response = client.open(path, method=method, data=data, headers=headers)
    code, location = response.status_code, response.headers.get("Location", "")
    wanted = expected[role]
    if wanted == LOGIN:
        assert code == 302 and location.startswith("/portal/login"), (code, location)
    elif wanted == OK:
        assert code not in (401, 403), code
        assert not location.startswith("/portal/login"), location
    else:
        assert code == wanted, (code, response.get_data(as_text=True)[:300])


@pytest.mark.parametrize(("method", "template"), STATE_CHANGING,
                         ids=[f"{m} {p}" for m, p in STATE_CHANGING])
def test_no_state_change_without_a_csrf_token(client, session, world, method, template):
    login(client, world["users"][ADMIN])
    before = _snapshot(session)
    path = _path(template, world)
    tus = path.startswith("/api/v1/uploads")
    response = client.open(path, method=method, headers=TUS_HEADERS if tus else {},
                           data=b"0123456789" if method == "PATCH" else {})
    assert response.status_code == 400, response.status_code
    assert _snapshot(session) == before


def _snapshot(session) -> list:
    """What a refused request must not have changed: every row of the tables it could touch."""
    session.expire_all()
    tables = ("users", "videos", "channels", "captions", "caption_drafts", "uploads", "jobs",
              "announcements", "api_tokens")
    return [session.execute(sa.text(f"SELECT * FROM {t} ORDER BY 1")).all()  # noqa: S608
            for t in tables]


def test_every_route_is_in_the_matrix(app):
    samples = [(m, re.sub(r"\{\w+\}", "x1", p).split("?")[0]) for m, p, _ in MATRIX]
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        pattern = re.compile("^" + re.sub(r"<[^>]+>", "[^?]+", re.escape(rule.rule)) + "$")
        methods = rule.methods - {"OPTIONS"}
        if "GET" in methods:
            methods.discard("HEAD")  # Flask's own HEAD for every GET
        for method in sorted(methods):
            if not any(m == method and pattern.match(p) for m, p in samples):
                missing.append(f"{method} {rule.rule}")
    assert not missing, f"routes missing from the access matrix: {missing}"
