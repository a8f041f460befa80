import pytest

from careers_tv.models import Role
from careers_tv.services import users
from tests.factories import PASSWORD, UserFactory


@pytest.fixture
def admins(session, app_ctx):
    active = UserFactory(role=Role.ADMIN)
    retired = UserFactory(role=Role.ADMIN, active=False)
    session.commit()
    return active, retired


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(session, admins):
    # Reachable only by a race (two admins demoting each other at once), hence tested here.
    last, retired = admins
    with pytest.raises(users.UserError, match="last active admin"):
        users.change_role(retired, last, Role.EDITOR)
    with pytest.raises(users.UserError, match="last active admin"):
        users.set_active(retired, last, False)
    session.expire_all()
    assert last.role is Role.ADMIN and last.active


def test_with_a_second_active_admin_one_may_go(session, admins):
    last, retired = admins
    users.set_active(last, retired, True)
    users.change_role(retired, last, Role.EDITOR)
    session.expire_all()
    assert last.role is Role.EDITOR


def test_a_session_id_names_the_password_and_dies_with_it(session, app_ctx):
    user = UserFactory()
    session.commit()
    old_id = user.get_id()
    assert users.user_for_session(old_id) is user
    users.set_password(user, "another-long-password")
    assert users.user_for_session(old_id) is None
    assert users.user_for_session(user.get_id()) is user
    assert users.user_for_session(str(user.id)) is None  # the bare id is not enough


def test_an_inactive_user_has_no_session(session, app_ctx):
    user = UserFactory(active=False)
    session.commit()
    assert users.user_for_session(user.get_id()) is None


def test_messages_keep_their_placeholders_for_translation(session, app_ctx):
    UserFactory(email="taken@example.com")
    session.commit()
    with pytest.raises(users.UserError) as caught:
        users.create_user("taken@example.com", PASSWORD, Role.EDITOR)
    assert caught.value.message == "A user with the email %(email)s already exists."
    assert str(caught.value) == "A user with the email taken@example.com already exists."
