import sqlalchemy as sa
from werkzeug.security import check_password_hash

from careers_tv.models import User


def test_create_user_takes_the_password_from_the_environment(app, session, monkeypatch):
    monkeypatch.setenv("TV_USER_PASSWORD", "correct horse battery staple")
    result = app.test_cli_runner().invoke(
        args=["tv", "create-user", "Admin@Example.com", "--role", "admin"])
    assert result.exit_code == 0, result.output
    assert "created admin@example.com (admin)" in result.output
    user = session.scalar(sa.select(User).where(User.email == "admin@example.com"))
    assert user.role.value == "admin"
    assert check_password_hash(user.password_hash, "correct horse battery staple")
    assert "correct horse" not in result.output


def test_create_user_prompts_when_no_password_is_set(app, session, monkeypatch):
    monkeypatch.delenv("TV_USER_PASSWORD", raising=False)
    result = app.test_cli_runner().invoke(
        args=["tv", "create-user", "ed@example.com", "--role", "editor"],
        input="a long enough password\na long enough password\n")
    assert result.exit_code == 0, result.output
    assert session.scalar(sa.select(User.role).where(User.email == "ed@example.com")).value == \
        "editor"


def test_create_user_refuses_a_short_password_a_duplicate_and_a_bad_role(app, session,
                                                                        monkeypatch):
    runner = app.test_cli_runner()
    monkeypatch.setenv("TV_USER_PASSWORD", "short")
    result = runner.invoke(args=["tv", "create-user", "a@example.com", "--role", "admin"])
    assert result.exit_code != 0 and "at least 12 characters" in result.output
    monkeypatch.setenv("TV_USER_PASSWORD", "long enough password")
    assert runner.invoke(args=["tv", "create-user", "a@example.com", "--role", "admin"]) \
        .exit_code == 0
    result = runner.invoke(args=["tv", "create-user", "A@example.com", "--role", "editor"])
    assert result.exit_code != 0 and "already exists" in result.output
    result = runner.invoke(args=["tv", "create-user", "b@example.com", "--role", "owner"])
    assert result.exit_code != 0


def test_seed_command_is_idempotent(app, session):
    runner = app.test_cli_runner()
    assert "0 created, 4 in all" in runner.invoke(args=["tv", "seed"]).output
