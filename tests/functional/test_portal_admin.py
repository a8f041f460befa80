import re

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from careers_tv.extensions import limiter
from careers_tv.models import Channel, Role, User
from tests.factories import PASSWORD, UserFactory, VideoFactory, channel
from tests.functional.test_portal_auth import csrf_token, login

NEW_PASSWORD = "reset-by-the-admin-123"


@pytest.fixture(autouse=True)
def fresh_limits(app):
    limiter.reset()


def signed_in(app, user):
    client = app.test_client()
    client.set_cookie("lang", "en")
    assert login(client, user.email).status_code == 302
    return client


@pytest.fixture
def admin(session):
    user = UserFactory(role=Role.ADMIN, email="boss@example.com")
    session.commit()
    return user


@pytest.fixture
def admin_client(app, admin):
    return signed_in(app, admin)


def post(client, path, data=None, token=True):
    data = dict(data or {})
    if token:
        data["csrf_token"] = csrf_token(client, "/portal/admin/users")
    return client.post(path, data=data)


def reload(session, model, id_):
    session.expire_all()
    return session.get(model, id_)


def can_sign_in(app, email, password=PASSWORD) -> bool:
    return login(app.test_client(), email, password).status_code == 302


# --- who may come in --------------------------------------------------------------------

ADMIN_PAGES = ["/portal/admin/users", "/portal/admin/channels"]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_anonymous_is_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/portal/login?next={path}")


@pytest.mark.parametrize("role", [Role.CONTRIBUTOR, Role.EDITOR])
def test_contributors_and_editors_are_refused_everywhere(app, session, role):
    user = UserFactory(role=role)
    target = UserFactory()
    empty = Channel(slug="empty-one", name_fr="Vide", name_en="Empty")
    session.add(empty)
    session.commit()
    target_id, empty_id = target.id, empty.id
    client = signed_in(app, user)
    for path in ADMIN_PAGES + [f"/portal/admin/users/{target_id}",
                               f"/portal/admin/channels/{empty_id}"]:
        assert client.get(path).status_code == 403, path
    token = csrf_token(client, "/portal/account/password")
    for path, data in [
        ("/portal/admin/users", {"email": "new@example.com", "role": "admin",
                                 "new_password": NEW_PASSWORD}),
        (f"/portal/admin/users/{target_id}/role", {"role": "admin"}),
        (f"/portal/admin/users/{target_id}/deactivate", {}),
        (f"/portal/admin/users/{target_id}/password",
         {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}),
        ("/portal/admin/channels", {"slug": "mine", "name_fr": "A", "name_en": "B"}),
        (f"/portal/admin/channels/{empty_id}", {"name_fr": "A", "name_en": "B"}),
        (f"/portal/admin/channels/{empty_id}/delete", {}),
    ]:
        assert client.post(path, data={**data, "csrf_token": token}).status_code == 403, path
    assert reload(session, User, target_id).role is Role.CONTRIBUTOR
    assert reload(session, User, target_id).active
    assert reload(session, Channel, empty_id).name_en == "Empty"
    assert session.scalar(sa.select(User).where(User.email == "new@example.com")) is None


# --- users ------------------------------------------------------------------------------

def test_the_list_shows_each_account(admin_client, session):
    UserFactory(email="editor@example.com", display_name="Edith Tor", role=Role.EDITOR,
                active=False)
    session.commit()
    page = BeautifulSoup(admin_client.get("/portal/admin/users").get_data(as_text=True),
                         "html.parser")
    rows = {row.find(string=re.compile("@example.com")): row for row in page.select("tbody tr")}
    row = str(rows["editor@example.com"])
    assert "Edith Tor" in row and "Editor" in row and ">no<" in row and "never" in row
    boss = str(rows["boss@example.com"])
    assert "Admin" in boss and ">yes<" in boss and "<time" in boss  # signed in just now


def test_an_admin_creates_an_account_that_can_sign_in(app, admin_client, session):
    response = post(admin_client, "/portal/admin/users", {
        "email": "New.Person@Example.com", "display_name": "New Person", "role": "editor",
        "new_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert "Account new.person@example.com created." in admin_client.get(
        response.headers["Location"]).get_data(as_text=True)
    user = session.scalar(sa.select(User).where(User.email == "new.person@example.com"))
    assert user.role is Role.EDITOR and user.display_name == "New Person"
    assert can_sign_in(app, "new.person@example.com", NEW_PASSWORD)


@pytest.mark.parametrize("data, message", [
    ({"email": "boss@example.com", "new_password": NEW_PASSWORD},
     "A user with the email boss@example.com already exists."),
    ({"email": "short@example.com", "new_password": "short"}, "Between 12 and 1024"),
    ({"email": "not-an-email", "new_password": NEW_PASSWORD}, "Not a valid email address"),
    ({"email": "x@example.com", "new_password": NEW_PASSWORD, "role": "owner"},
     "Not a valid choice"),
])
def test_a_bad_new_account_is_refused_with_a_reason(admin_client, session, data, message):
    before = session.scalar(sa.select(sa.func.count(User.id)))
    response = post(admin_client, "/portal/admin/users", {"role": "contributor", **data})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count(User.id))) == before


def test_an_admin_changes_a_role(admin_client, session):
    user = UserFactory(role=Role.CONTRIBUTOR)
    session.commit()
    response = post(admin_client, f"/portal/admin/users/{user.id}/role", {"role": "editor"})
    assert response.status_code == 302
    assert "is now Editor" in admin_client.get(response.headers["Location"]).get_data(
        as_text=True)
    assert reload(session, User, user.id).role is Role.EDITOR


def test_an_admin_cannot_demote_themself(admin_client, admin, session):
    UserFactory(role=Role.ADMIN)  # another admin exists: the refusal is about oneself
    session.commit()
    response = post(admin_client, f"/portal/admin/users/{admin.id}/role", {"role": "editor"})
    assert response.status_code == 409
    assert "You cannot remove your own admin role." in response.get_data(as_text=True)
    assert reload(session, User, admin.id).role is Role.ADMIN


def test_an_admin_may_demote_another_admin(admin_client, session):
    other = UserFactory(role=Role.ADMIN)
    session.commit()
    assert post(admin_client, f"/portal/admin/users/{other.id}/role",
                {"role": "contributor"}).status_code == 302
    assert reload(session, User, other.id).role is Role.CONTRIBUTOR


def test_deactivating_ends_sessions_and_sign_ins_until_reactivated(app, admin_client, session):
    user = UserFactory()
    session.commit()
    their_client = signed_in(app, user)

    response = post(admin_client, f"/portal/admin/users/{user.id}/deactivate")
    assert response.status_code == 302
    assert "is deactivated" in admin_client.get(response.headers["Location"]).get_data(
        as_text=True)
    assert their_client.get("/portal/").status_code == 302
    assert not can_sign_in(app, user.email)

    assert post(admin_client, f"/portal/admin/users/{user.id}/reactivate").status_code == 302
    assert reload(session, User, user.id).active
    assert can_sign_in(app, user.email)


def test_an_admin_cannot_deactivate_themself(admin_client, admin, session):
    response = post(admin_client, f"/portal/admin/users/{admin.id}/deactivate")
    assert response.status_code == 409
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    assert reload(session, User, admin.id).active
    assert admin_client.get("/portal/admin/users").status_code == 200


def test_resetting_a_password_ends_their_sessions(app, admin_client, session):
    user = UserFactory()
    session.commit()
    their_client = signed_in(app, user)

    response = post(admin_client, f"/portal/admin/users/{user.id}/password",
                    {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert their_client.get("/portal/").status_code == 302
    assert not can_sign_in(app, user.email, PASSWORD)
    assert can_sign_in(app, user.email, NEW_PASSWORD)


def test_a_reset_with_passwords_that_differ_is_refused(app, admin_client, session):
    user = UserFactory()
    session.commit()
    response = post(admin_client, f"/portal/admin/users/{user.id}/password",
                    {"new_password": NEW_PASSWORD, "confirm_password": "something-else-1234"})
    assert response.status_code == 400
    assert "The two new passwords differ." in response.get_data(as_text=True)
    assert can_sign_in(app, user.email, PASSWORD)


def test_an_unknown_user_is_a_404(admin_client):
    assert admin_client.get("/portal/admin/users/999999").status_code == 404
    assert post(admin_client, "/portal/admin/users/999999/deactivate").status_code == 404


# --- channels ---------------------------------------------------------------------------

CHANNEL = {"slug": "graduates", "name_fr": "Jeunes diplômés", "name_en": "Graduates",
           "description_fr": "Premiers pas.", "description_en": "First steps.",
           "hashtag": "#Graduates"}


def test_the_channel_list_shows_the_channels(admin_client):
    html = admin_client.get("/portal/admin/channels").get_data(as_text=True)
    for slug in ("temoignages", "sogelive", "mission-handicap", "corporate"):
        assert slug in html
    assert "Disability Inclusion" in html


def test_an_admin_creates_a_channel_that_the_public_sees(app, admin_client, session):
    response = post(admin_client, "/portal/admin/channels", CHANNEL)
    assert response.status_code == 302
    assert "Channel graduates created." in admin_client.get(
        response.headers["Location"]).get_data(as_text=True)
    created = channel("graduates")
    assert (created.name_fr, created.name_en, created.hashtag) == (
        "Jeunes diplômés", "Graduates", "Graduates")
    assert created.position > channel("corporate").position
    assert app.test_client().get("/channels/graduates?lang=en").status_code == 200


@pytest.mark.parametrize("slug", ["Graduates", "grad uates", "grad_uates", "-grads", "grads-",
                                  "a--b", "diplômés", "x" * 65])
def test_a_bad_slug_is_refused(admin_client, session, slug):
    response = post(admin_client, "/portal/admin/channels", {**CHANNEL, "slug": slug})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "lowercase letters" in html or "Field cannot be longer" in html
    assert session.scalar(sa.select(sa.func.count(Channel.id))) == 4


def test_a_taken_slug_is_refused(admin_client, session):
    response = post(admin_client, "/portal/admin/channels", {**CHANNEL, "slug": "sogelive"})
    assert response.status_code == 400
    assert "A channel with the address name sogelive already exists." in response.get_data(
        as_text=True)


def test_an_admin_edits_names_and_descriptions(app, admin_client, session):
    target = channel("corporate")
    response = post(admin_client, f"/portal/admin/channels/{target.id}", {
        "name_fr": "Le Groupe", "name_en": "The Group", "description_fr": "Qui nous sommes.",
        "description_en": "Who we are.", "hashtag": ""})
    assert response.status_code == 302
    edited = reload(session, Channel, target.id)
    assert (edited.slug, edited.name_fr, edited.name_en, edited.description_en, edited.hashtag) \
        == ("corporate", "Le Groupe", "The Group", "Who we are.", None)
    assert "The Group" in app.test_client().get("/channels/corporate?lang=en").get_data(
        as_text=True)


def test_a_channel_needs_both_names(admin_client, session):
    target = channel("corporate")
    response = post(admin_client, f"/portal/admin/channels/{target.id}",
                    {"name_fr": "Le Groupe", "name_en": "  "})
    assert response.status_code == 400
    assert reload(session, Channel, target.id).name_en == "Corporate"


def test_a_channel_with_videos_cannot_be_deleted(admin_client, session):
    VideoFactory(channel=channel("sogelive"))
    session.commit()
    target = channel("sogelive")
    response = post(admin_client, f"/portal/admin/channels/{target.id}/delete")
    assert response.status_code == 409
    assert "still holds videos" in response.get_data(as_text=True)
    assert channel("sogelive") is not None


def test_an_empty_channel_can_be_deleted(admin_client, session):
    assert post(admin_client, "/portal/admin/channels", CHANNEL).status_code == 302
    target = channel("graduates")
    response = post(admin_client, f"/portal/admin/channels/{target.id}/delete")
    assert response.status_code == 302
    assert "Channel graduates deleted." in admin_client.get(
        response.headers["Location"]).get_data(as_text=True)
    session.expire_all()
    assert channel("graduates") is None


# --- CSRF on every admin form -----------------------------------------------------------

def test_every_admin_form_needs_its_csrf_token(admin_client, session):
    user = UserFactory(role=Role.CONTRIBUTOR)
    empty = Channel(slug="empty-one", name_fr="Vide", name_en="Empty")
    session.add(empty)
    session.commit()
    for path, data in [
        ("/portal/admin/users", {"email": "new@example.com", "role": "contributor",
                                 "new_password": NEW_PASSWORD}),
        (f"/portal/admin/users/{user.id}/role", {"role": "admin"}),
        (f"/portal/admin/users/{user.id}/deactivate", {}),
        (f"/portal/admin/users/{user.id}/password",
         {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}),
        ("/portal/admin/channels", CHANNEL),
        (f"/portal/admin/channels/{empty.id}", {"name_fr": "X", "name_en": "Y"}),
        (f"/portal/admin/channels/{empty.id}/delete", {}),
    ]:
        assert post(admin_client, path, data, token=False).status_code == 400, path
    user = reload(session, User, user.id)
    assert user.role is Role.CONTRIBUTOR and user.active
    assert session.scalar(sa.select(User).where(User.email == "new@example.com")) is None
    assert reload(session, Channel, empty.id).name_en == "Empty"
    assert channel("graduates") is None
