"""Alembic is the only source of the schema: it must agree with the models, on both engines."""

import subprocess
import sys

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from careers_tv.extensions import db
from careers_tv.services.channels import DEFAULT_CHANNELS, list_channels, seed_channels


def test_models_and_migrations_agree_on_postgresql(app):
    with app.app_context(), db.engine.connect() as conn:
        assert conn.dialect.name == "postgresql"
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_migrations_build_the_embedded_sqlite_database(tmp_path):
    database = tmp_path / "embedded.sqlite3"
    env = {"DATABASE_URL": f"sqlite:///{database}", "CAREERS_TV_INSTANCE": str(tmp_path),
           "PATH": "/usr/bin:/bin", "FLASK_APP": "app"}
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], env=env, check=True,
                   capture_output=True)
    engine = sa.create_engine(f"sqlite:///{database}")
    tables = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    assert {"channels", "videos", "renditions", "captions", "users", "uploads",
            "announcements", "jobs", "alembic_version"} <= tables


def test_seeding_is_idempotent_and_keeps_admin_edits(session):
    channels = {c.slug: c for c in list_channels()}
    assert set(channels) == {"temoignages", "sogelive", "mission-handicap", "corporate"}
    assert channels["temoignages"].name("fr") == "Témoignages"
    assert channels["temoignages"].name("en") == "Testimonials"
    assert all(c.description("fr") and c.description("en") for c in channels.values())

    channels["corporate"].name_en = "Group"
    session.commit()
    assert seed_channels() == 0
    assert len(list_channels()) == len(DEFAULT_CHANNELS)
    assert {c.slug: c for c in list_channels()}["corporate"].name_en == "Group"


def test_announcements_are_one_per_video_and_account(session):
    import pytest

    from careers_tv.models import Announcement
    from tests.factories import VideoFactory

    video = VideoFactory()
    session.add(Announcement(video=video, account="default"))
    session.flush()
    session.add(Announcement(video=video, account="default"))
    with pytest.raises(sa.exc.IntegrityError):
        session.flush()
