import re

import pytest

from careers_tv.models import Role
from tests.factories import PASSWORD, UserFactory, VideoFactory


def csrf_token(client, path="/portal/login"):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def login(client, email, password=PASSWORD, next_=None):
    token = csrf_token(client)
    url = "/portal/login" + (f"?next={next_}" if next_ else "")
    return client.post(url, data={"email": email, "password": password, "csrf_token": token})


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
