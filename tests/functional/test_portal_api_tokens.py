"""The admin pages for API tokens: creating one shows its secret once, revoking stops it."""

from __future__ import annotations

import hashlib
import logging

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from careers_tv.extensions import limiter
from careers_tv.models import ApiToken, Role
from tests.factories import UserFactory
from tests.functional.portal_helpers import login, post

TOKENS = "/portal/admin/api-tokens"
FR = {"Accept-Language": "fr-FR,fr;q=0.9"}


@pytest.fixture(autouse=True)
def fresh_limits(app):
    limiter.reset()


@pytest.fixture
def admin(session):
    user = UserFactory(role=Role.ADMIN, email="boss@example.com")
    session.commit()
    return user


@pytest.fixture
def signed_in(client, admin):
    """The admin's client (in English) and its CSRF token."""
    client.set_cookie("lang", "en")
    return client, login(client, admin)


def _create(client, token, name="Intranet sync", scopes=("read",)):
    return post(client, TOKENS, token, {"name": name, "scopes": list(scopes)})


def _secret(response) -> str:
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return page.find("input", id="new-token-secret")["value"]


def _rows(session) -> list[ApiToken]:
    session.expire_all()
    return list(session.scalars(sa.select(ApiToken)))


def _api(client, secret):
    return client.get("/api/v1/channels", headers={"Authorization": "Bearer " + secret})


def test_a_new_token_is_shown_once_and_only_its_hash_is_kept(signed_in, session):
    client, token = signed_in
    response = _create(client, token, scopes=("read", "upload"))

    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    secret = _secret(response)
    assert secret.startswith("ctv_") and len(secret) > 40
    html = response.get_data(as_text=True)
    assert "will not be shown again" in html
    assert f'curl -H "Authorization: Bearer {secret}" http://localhost/api/v1/channels' in html
    assert secret not in str(response.headers)  # not in a cookie: no flash, no session

    [row] = _rows(session)
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert row.name == "Intranet sync" and row.scopes == "read upload"
    assert row.user.email == "boss@example.com"
    assert secret not in {row.token_hash, row.prefix, row.name, row.scopes}

    listing = client.get(TOKENS)
    page = listing.get_data(as_text=True)
    assert listing.status_code == 200
    assert f"{row.prefix}…" in page
    assert secret not in page
    assert "boss@example.com" in page and "never" in page and "active" in page


def test_the_secret_works_on_the_api_until_revoked_in_the_portal(signed_in, session):
    client, token = signed_in
    secret = _secret(_create(client, token))
    assert _api(client, secret).status_code == 200
    [row] = _rows(session)
    assert row.last_used_at is not None
    assert "never" not in client.get(TOKENS).get_data(as_text=True)

    response = post(client, f"{TOKENS}/{row.id}/revoke", token)
    assert response.status_code == 302
    assert response.headers["Location"] == TOKENS
    page = client.get(TOKENS).get_data(as_text=True)
    assert "Token “Intranet sync” (" in page and "revoked." in page
    assert "revoked on" in page
    assert f"/portal/admin/api-tokens/{row.id}/revoke" not in page  # no button for it now

    refused = _api(client, secret)
    assert refused.status_code == 401
    assert "error" in refused.get_json()
    assert _rows(session)[0].revoked_at is not None


def test_the_revoke_button_asks_first(signed_in):
    client, token = signed_in
    _create(client, token)
    page = BeautifulSoup(client.get(TOKENS).get_data(as_text=True), "html.parser")
    form = page.find("form", action=lambda a: a and a.endswith("/revoke"))
    assert "Intranet sync" in form["data-confirm"]
    assert form.find("input", attrs={"name": "csrf_token"})
    assert page.find("script", src=lambda s: s and s.endswith("/js/confirm.js"))


@pytest.mark.parametrize(("data", "message"), [
    ({"name": "Intranet sync"}, "Choose at least one scope."),
    ({"name": "   ", "scopes": ["read"]}, "Give the token a name that says who uses it."),
    ({"name": "x" * 121, "scopes": ["read"]}, "A token&#39;s name has at most 120 characters."),
    ({"name": "Intranet sync", "scopes": ["admin"]}, "Unknown scope."),
])
def test_a_refused_token_says_why(signed_in, session, data, message):
    client, token = signed_in
    response = post(client, TOKENS, token, data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _rows(session) == []


def test_nothing_is_created_or_revoked_without_a_csrf_token(signed_in, session):
    client, token = signed_in
    _create(client, token)
    [row] = _rows(session)
    assert client.post(TOKENS, data={"name": "Forged", "scopes": ["read"]}).status_code == 400
    assert client.post(f"{TOKENS}/{row.id}/revoke").status_code == 400
    [row] = _rows(session)
    assert row.revoked_at is None


def test_revoking_an_unknown_token_is_404(signed_in):
    client, token = signed_in
    assert post(client, f"{TOKENS}/999999/revoke", token).status_code == 404


def test_the_secret_is_never_logged(signed_in, caplog):
    client, token = signed_in
    with caplog.at_level(logging.DEBUG):
        secret = _secret(_create(client, token))
        _api(client, secret)
        client.get(TOKENS)
    assert secret not in caplog.text


def test_only_admins_see_the_link(app, session):
    editor = UserFactory(role=Role.EDITOR)
    admin = UserFactory(role=Role.ADMIN)
    session.commit()
    for user, shown in [(editor, False), (admin, True)]:
        client = app.test_client()
        client.set_cookie("lang", "en")
        login(client, user)
        assert (TOKENS in client.get("/portal/").get_data(as_text=True)) is shown


def test_the_page_speaks_french(client, admin):
    token = login(client, admin)
    page = client.get(TOKENS, headers=FR).get_data(as_text=True)
    for text in ["Jetons d’API", "Nouveau jeton", "Créer le jeton", "publier et dépublier"]:
        assert text in page, text
    for text in ["New token", "Create the token", "publish and unpublish videos"]:
        assert text not in page, text
    refused = post(client, TOKENS, token, {"name": "Intranet"}, headers=FR)
    assert refused.status_code == 400
    assert "Choisissez au moins une portée." in refused.get_data(as_text=True)
