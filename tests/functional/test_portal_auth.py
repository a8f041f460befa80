import re

import pytest

from careers_tv.extensions import limiter
from careers_tv.models import Role
from tests.factories import PASSWORD, UserFactory, VideoFactory

# A form's hidden field (attributes in either order) or the page's <meta name="csrf-token">.
CSRF_TOKEN = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"'
                        r'|<input[^>]*value="([^"]+)"[^>]*name="csrf_token"'
                        r'|<meta name="csrf-token" content="([^"]+)"')


def csrf_token(client, path="/portal/login", **kwargs):
    html = client.get(path, **kwargs).get_data(as_text=True)
    found = CSRF_TOKEN.search(html)
    assert found, f"no CSRF token on {path}"
    return next(group for group in found.groups() if group)


def login(client, email, password=PASSWORD, next_=None, ip=None):
    """Sign in through the form, CSRF token included; `ip` sets the client's address."""
    kwargs = {"environ_base": {"REMOTE_ADDR": ip}} if ip else {}
    token = csrf_token(client, **kwargs)
    url = "/portal/login" + (f"?next={next_}" if next_ else "")
    return client.post(url, data={"email": email, "password": password, "csrf_token": token},
                       **kwargs)


@pytest.fixture(autouse=True)
def fresh_limits(app):
    """Wrong passwords of one test must not throttle the next (the counts live in Redis)."""
    limiter.reset()


def test_anonymous_is_sent_to_login_with_next(client):
    response = client.get("/portal/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/portal/login?next=/portal/")


def test_login_then_dashboard_then_logout(client, session):
    user = UserFactory(email="editor@example.com", role=Role.EDITOR)
    VideoFactory(title="Someone else's video")
    session.commit()
    email = user.email
    response = login(client, "Editor@Example.com ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/portal/"
    dashboard = client.get("/portal/").get_data(as_text=True)
    assert email in dashboard
    assert "Someone else&#39;s video" in dashboard  # editors see every video

    token = csrf_token(client, "/portal/")
    assert client.post("/portal/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/portal/").status_code == 302


def test_contributors_see_only_their_own_videos(client, session):
    user = UserFactory(role=Role.CONTRIBUTOR)
    VideoFactory(title="Mine", created_by=user)
    VideoFactory(title="Not mine")
    session.commit()
    login(client, user.email)
    dashboard = client.get("/portal/").get_data(as_text=True)
    assert "Mine" in dashboard and "Not mine" not in dashboard


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, session):
    user = UserFactory()
    session.commit()
    wrong_password = login(client, user.email, "not-the-password")
    unknown_user = login(client, "nobody@example.com")
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert "Adresse e-mail ou mot de passe incorrect" in wrong_password.get_data(as_text=True)
    assert client.get("/portal/").status_code == 302


def test_login_without_csrf_token_is_refused(client, session):
    user = UserFactory()
    session.commit()
    response = client.post("/portal/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/portal/").status_code == 302


def test_logout_needs_a_csrf_token(client, session):
    user = UserFactory()
    session.commit()
    login(client, user.email)
    client.post("/portal/logout", data={})
    assert client.get("/portal/").status_code == 200


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)",
    "http:/evil.example", "/%0d%0aSet-Cookie:x=1",
])
def test_next_never_leaves_the_site(client, session, target):
    user = UserFactory()
    session.commit()
    response = login(client, user.email, next_=target)
    assert response.status_code == 302
    assert response.headers["Location"] in ("/portal/", target) and \
        response.headers["Location"].startswith("/") and \
        not response.headers["Location"].startswith(("//", "/\\"))


def test_next_to_a_local_page_is_followed(client, session):
    user = UserFactory()
    session.commit()
    assert login(client, user.email, next_="/portal/").headers["Location"] == "/portal/"


def test_inactive_user_cannot_log_in(client, session):
    user = UserFactory(active=False)
    session.commit()
    assert login(client, user.email).status_code == 401


# --- password guessing ------------------------------------------------------------------

def english(client):
    client.set_cookie("lang", "en")
    return client


def test_the_eleventh_wrong_password_from_one_address_is_refused(app, session):
    user = UserFactory()
    session.commit()
    email = user.email  # read now: each request ends the test's database session
    for n in range(10):  # different accounts, so only the address's count reaches ten
        assert login(english(app.test_client()), f"guess{n}@example.com", ip="10.0.0.1",
                     password="wrong-password").status_code == 401

    client = english(app.test_client())
    refused = login(client, email, ip="10.0.0.1")  # the right password, too late
    assert refused.status_code == 429
    assert refused.mimetype == "text/html"
    assert "Too many attempts, wait a minute" in refused.get_data(as_text=True)
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert client.get("/portal/").status_code == 302  # not signed in

    elsewhere = app.test_client()
    assert login(elsewhere, email, ip="10.0.0.2").status_code == 302
    assert elsewhere.get("/portal/").status_code == 200


def test_wrong_passwords_spread_over_addresses_still_count_for_the_account(app, session):
    user, other = UserFactory(), UserFactory()
    session.commit()
    email, other_email = user.email, other.email
    for n in range(10):
        assert login(app.test_client(), email, "wrong-password",
                     ip=f"10.0.1.{n}").status_code == 401

    refused = login(english(app.test_client()), email.upper(), ip="10.0.1.99")
    assert refused.status_code == 429
    assert "Too many attempts, wait a minute" in refused.get_data(as_text=True)
    # The address itself is not throttled: another account signs in from it.
    assert login(app.test_client(), other_email, ip="10.0.1.99").status_code == 302


def test_nine_wrong_passwords_leave_the_right_one_working(app, session):
    user = UserFactory()
    session.commit()
    for _ in range(9):
        assert login(app.test_client(), user.email, "wrong-password").status_code == 401
    assert login(app.test_client(), user.email).status_code == 302


def test_successful_sign_ins_do_not_count(app, session):
    user = UserFactory()
    session.commit()
    for _ in range(12):
        assert login(app.test_client(), user.email, ip="10.0.2.1").status_code == 302
    assert login(app.test_client(), user.email, "wrong-password", ip="10.0.2.1").status_code == 401


def test_the_login_page_itself_is_never_throttled(app, session):
    user = UserFactory()
    session.commit()
    for _ in range(10):
        login(app.test_client(), user.email, "wrong-password")
    page = app.test_client().get("/portal/login")
    assert page.status_code == 200 and 'name="password"' in page.get_data(as_text=True)


# --- the session -------------------------------------------------------------------------

def test_signing_in_starts_a_fresh_session(client, session):
    user = UserFactory()
    session.commit()
    email = user.email
    csrf_token(client)
    with client.session_transaction() as planted:
        planted["planted_by_someone_else"] = "yes"
        before = planted["csrf_token"]
    login(client, email)
    with client.session_transaction() as after:
        assert "planted_by_someone_else" not in after
        assert after.get("csrf_token") != before


def test_session_cookie_is_http_only_and_same_site(client, session):
    user = UserFactory()
    session.commit()
    response = login(client, user.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_signing_out_ends_the_session(client, session):
    user = UserFactory()
    session.commit()
    login(client, user.email)
    assert client.get("/portal/").status_code == 200
    token = csrf_token(client, "/portal/")
    client.post("/portal/logout", data={"csrf_token": token})
    assert client.get("/portal/").status_code == 302
    with client.session_transaction() as after:
        assert "_user_id" not in after
