"""`flask --app app tv create-token EMAIL NAME --scope …`: a token printed once, alone on
stdout, that the API then takes; the admin page's rules, as clear errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from careers_tv.models import ApiToken, Role, VideoStatus
from careers_tv.services import api_tokens
from tests.factories import UserFactory, VideoFactory, channel

API = "/api/v1"
PROJECT = Path(__file__).resolve().parents[2]


def create_token(app, *args: str):
    return app.test_cli_runner().invoke(args=["tv", "create-token", *args])


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def test_the_token_is_alone_on_stdout_and_the_api_takes_it(app, client, session):
    admin = UserFactory(role=Role.ADMIN, email="ops@example.com")
    ready = VideoFactory(channel=channel(), status=VideoStatus.READY, created_by=admin)
    session.commit()

    result = create_token(app, "Ops@Example.com", "  Careers   site FR ", "--scope", "read")
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert result.stdout == secret + "\n" and secret.startswith(api_tokens.TOKEN_PREFIX)
    assert "Careers site FR" in result.stderr and secret[:12] in result.stderr
    assert secret not in result.stderr  # shown once: on stdout only
    token = session.scalar(sa.select(ApiToken))
    assert (token.name, token.scopes, token.user_id) == ("Careers site FR", "read", admin.id)
    assert secret not in token.token_hash  # only the hash is kept

    assert client.get(f"{API}/channels", headers=bearer(secret)).status_code == 200
    refused = client.post(f"{API}/videos/{ready.public_id}/publish", headers=bearer(secret))
    assert refused.status_code == 403  # the read scope does not publish

    result = create_token(app, "ops@example.com", "Publisher", "--scope", "publish,read",
                          "--scope", "upload")
    assert result.exit_code == 0, result.output
    publisher = result.stdout.strip()
    assert api_tokens.find_token(publisher).scopes == "read upload publish"
    published = client.post(f"{API}/videos/{ready.public_id}/publish",
                            headers=bearer(publisher))
    assert published.status_code == 200, published.get_json()
    assert published.get_json()["status"] == "published"


def test_what_the_admin_page_refuses_is_a_clear_error(app, session):
    UserFactory(role=Role.ADMIN, email="admin@example.com")
    UserFactory(role=Role.EDITOR, email="editor@example.com")
    UserFactory(role=Role.ADMIN, email="gone@example.com", active=False)
    session.commit()
    cases = {
        ("nobody@example.com", "Site", "--scope", "read"): "no account with the email",
        ("not-an-email", "Site", "--scope", "read"): "Not a valid email address",
        ("editor@example.com", "Site", "--scope", "read"):
            "Only administrators can create API tokens. (editor@example.com is editor)",
        ("gone@example.com", "Site", "--scope", "read"): "is deactivated",
        ("admin@example.com", "   ", "--scope", "read"): "Give the token a name",
        ("admin@example.com", "x" * 121, "--scope", "read"): "at most 120 characters",
        ("admin@example.com", "Site", "--scope", "read,delete"):
            "unknown scope 'delete': choose among read, upload, publish",
        ("admin@example.com", "Site", "--scope", " , "): "Choose at least one scope",
        ("admin@example.com", "Site"): "Missing option '--scope'",
    }
    for args, message in cases.items():
        result = create_token(app, *args)
        assert result.exit_code != 0, (args, result.output)
        assert message in result.stderr, (args, result.stderr)
        assert result.stdout == "", args  # a script capturing stdout gets no token
    assert session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0


def test_a_script_captures_the_token_from_the_real_command(committed, test_env):
    """`flask --app app tv create-token …` in its own process: nothing but the token (no
    log line, no banner) on stdout."""
    UserFactory(role=Role.ADMIN, email="script@example.com")
    committed.commit()
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "tv", "create-token",
         "script@example.com", "Careers site DE", "--scope", "read"],
        cwd=PROJECT, env={**os.environ, **test_env}, capture_output=True, text=True,
        timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    secret = result.stdout.removesuffix("\n")
    assert "\n" not in secret and secret.startswith(api_tokens.TOKEN_PREFIX), result.stdout
    assert api_tokens.find_token(secret).name == "Careers site DE"
    assert "shown once" in result.stderr
