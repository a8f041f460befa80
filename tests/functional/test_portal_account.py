import pytest

from careers_tv.extensions import limiter
from careers_tv.models import Role
from tests.factories import PASSWORD, UserFactory
from tests.functional.test_portal_auth import csrf_token, login

PAGE = "/portal/account/password"
NEW_PASSWORD = "a-brand-new-passphrase"


@pytest.fixture(autouse=True)
def fresh_limits(app):
    limiter.reset()


@pytest.fixture
def user(session):
    user = UserFactory(role=Role.CONTRIBUTOR)
    session.commit()
    return user


def signed_in(app, user):
    client = app.test_client()
    client.set_cookie("lang", "en")
    assert login(client, user.email).status_code == 302
    return client


def change(client, current=PASSWORD, new=NEW_PASSWORD, confirm=None, token=True):
    data = {"current_password": current, "new_password": new,
            "confirm_password": new if confirm is None else confirm}
    if token:
        data["csrf_token"] = csrf_token(client, PAGE)
    return client.post(PAGE, data=data)


def can_sign_in(app, email, password) -> bool:
    return login(app.test_client(), email, password).status_code == 302


def test_anonymous_is_sent_to_login(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/portal/login?next=/portal/account/password")


@pytest.mark.parametrize("role", list(Role))
def test_every_role_can_open_the_page(app, session, role):
    user = UserFactory(role=role)
    session.commit()
    page = signed_in(app, user).get(PAGE)
    assert page.status_code == 200
    assert 'name="current_password"' in page.get_data(as_text=True)


def test_a_wrong_current_password_is_refused(app, user):
    client = signed_in(app, user)
    response = change(client, current="not-my-password")
    assert response.status_code == 400
    assert "The current password is wrong." in response.get_data(as_text=True)
    assert can_sign_in(app, user.email, PASSWORD)
    assert not can_sign_in(app, user.email, NEW_PASSWORD)


def test_new_passwords_that_differ_are_refused(app, user):
    client = signed_in(app, user)
    response = change(client, confirm=NEW_PASSWORD + "x")
    assert response.status_code == 400
    assert "The two new passwords differ." in response.get_data(as_text=True)
    assert can_sign_in(app, user.email, PASSWORD)


def test_a_short_new_password_is_refused(app, user):
    client = signed_in(app, user)
    response = change(client, new="short-pw")
    assert response.status_code == 400
    assert "Between 12 and 1024 characters." in response.get_data(as_text=True)
    assert can_sign_in(app, user.email, PASSWORD)


def test_without_csrf_token_nothing_changes(app, user):
    client = signed_in(app, user)
    response = change(client, token=False)
    assert response.status_code == 400
    assert can_sign_in(app, user.email, PASSWORD)


def test_a_change_signs_out_other_sessions_and_keeps_this_one(app, user):
    other_device = signed_in(app, user)
    client = signed_in(app, user)

    response = change(client)
    assert response.status_code == 302 and response.headers["Location"] == PAGE
    assert "Your password was changed" in client.get(PAGE).get_data(as_text=True)

    assert client.get("/portal/").status_code == 200  # still signed in here
    assert other_device.get("/portal/").status_code == 302  # and out over there
    assert not can_sign_in(app, user.email, PASSWORD)
    assert can_sign_in(app, user.email, NEW_PASSWORD)


def test_guessing_the_current_password_is_throttled(app, user):
    client = signed_in(app, user)
    for _ in range(10):
        assert change(client, current="a-wrong-guess").status_code == 400
    refused = change(client)  # the right one, too late
    assert refused.status_code == 429
    assert "Too many wrong passwords, try again later." in refused.get_data(as_text=True)
    assert can_sign_in(app, user.email, PASSWORD)
