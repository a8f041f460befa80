"""Test data, built with factory_boy on the current `db.session`."""

from __future__ import annotations

import factory
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from careers_tv.extensions import db
from careers_tv.models import Channel, Role, User, Video, VideoStatus

PASSWORD = "a-long-test-password"
_PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


class _SessionProxy:
    """factory_boy keeps a reference to the session; tests swap `db.session`, so look it up."""

    def __getattr__(self, name):
        return getattr(db.session, name)


class Base(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session = _SessionProxy()
        sqlalchemy_session_persistence = "flush"


class UserFactory(Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password_hash = _PASSWORD_HASH
    role = Role.CONTRIBUTOR
    display_name = factory.Faker("name")


def channel(slug: str = "temoignages") -> Channel:
    return db.session.scalar(sa.select(Channel).where(Channel.slug == slug))


class VideoFactory(Base):
    class Meta:
        model = Video

    channel = factory.LazyFunction(channel)
    title = factory.Faker("sentence", nb_words=5)
    description = factory.Faker("paragraph")
    status = VideoStatus.DRAFT
