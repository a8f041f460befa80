"""Signing in and posting forms in the portal the way a browser does (CSRF included)."""

from __future__ import annotations

import re

from tests.factories import PASSWORD

TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"'
                   r'|name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(client, path: str = "/portal/login") -> str:
    html = client.get(path).get_data(as_text=True)
    found = TOKEN.search(html)
    assert found, f"no CSRF token on {path}"
    return found.group(1) or found.group(2)


def login(client, user, password: str = PASSWORD) -> str:
    """Sign `user` in; returns the session's CSRF token for later posts."""
    token = csrf_token(client)
    response = client.post("/portal/login", data={"email": user.email, "password": password,
                                                  "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return csrf_token(client, "/portal/")


def post(client, path: str, token: str, data: dict | None = None, **kwargs):
    return client.post(path, data={"csrf_token": token, **(data or {})}, **kwargs)
