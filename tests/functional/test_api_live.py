"""The API served by gunicorn (PostgreSQL, local storage): Schemathesis over every operation
of /api/v1/openapi.json with every check — no 500, every answer as the document says — and
the Python client of docs/api.md, run as written."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from careers_tv.clock import utcnow
from careers_tv.models import Caption, Role, Tag, Video, VideoStatus, Visibility
from careers_tv.services import api_tokens
from careers_tv.services import uploads as upload_service
from careers_tv.storage import get_storage
from tests.browser.live import LiveServer, free_port
from tests.factories import UserFactory, VideoFactory, channel

PROJECT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).parent
CUES = b"WEBVTT\n\n00:00.000 --> 00:02.000\nBonjour et bienvenue.\n"


@pytest.fixture
def live_api(committed, test_env, tmp_path):
    """The app served by gunicorn, with published, unlisted and ready videos, and a token
    holding every scope."""
    admin = UserFactory(role=Role.ADMIN)
    for n in range(3):
        video = VideoFactory(channel=channel(), status=VideoStatus.PUBLISHED,
                             published_at=utcnow() - timedelta(hours=n), created_by=admin,
                             media_prefix=f"videos/st{n}/v1/", duration_seconds=30.0 + n,
                             width=1920, height=1080, country="FR", speaker_name="Ana")
        video.tags = [Tag(slug=f"tag-{n}", label=f"Tag {n}")]
        key = f"videos/st{n}/captions/fr.vtt"
        get_storage().put_stream(key, io.BytesIO(CUES), "text/vtt")
        committed.add(Caption(video=video, language="fr", label="Français", storage_key=key))
    VideoFactory(channel=channel("sogelive"), status=VideoStatus.PUBLISHED,
                 published_at=utcnow(), visibility=Visibility.UNLISTED, created_by=admin)
    ready = VideoFactory(channel=channel(), status=VideoStatus.READY, created_by=admin,
                         media_prefix="videos/ready/v1/")
    waiting = VideoFactory(channel=channel(), status=VideoStatus.UPLOADING, created_by=admin)
    _token, secret = api_tokens.create_token(admin, "schemathesis", ["read", "upload",
                                                                      "publish"])
    committed.commit()
    upload = upload_service.create_upload(admin, 10_000, {"video": waiting.public_id})
    ids = {"ST_READY_VIDEO": ready.public_id, "ST_UPLOAD": upload.id}
    port = free_port()
    server = LiveServer({**test_env, "API_TOKEN_RATE_LIMIT": "100000 per minute",
                         "API_RATE_LIMIT": "100000 per minute",
                         "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}, tmp_path, port=port)
    try:
        server.wait_ready()
        yield server, secret, ids
    finally:
        server.stop()


def test_every_operation_holds_to_the_document(live_api, tmp_path):
    server, secret, ids = live_api
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file",
        str(HERE / "schemathesis.toml"), "run", f"{server.url}/api/v1/openapi.json",
        "--header", f"Authorization: Bearer {secret}",
        "--checks", "all", "--max-examples", "25",
        "--seed", os.environ.get("ST_SEED", "20261128"),  # another seed: ST_SEED=…
        # One worker: with threads, CPython 3.11.7's ast module can fail under schemathesis
        # ("AST constructor recursion depth mismatch", fixed in 3.11.8).
        "--workers", "1", "--request-timeout", "20", "--generation-database", "none",
        "--no-color", "--report", "junit", "--report-dir", str(tmp_path / "report"),
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.functional.schemathesis_hooks",
           "PYTHONPATH": str(PROJECT), **ids}
    result = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True,
                            timeout=600, check=False)
    output = result.stdout + result.stderr
    (tmp_path / "schemathesis.txt").write_text(output)
    assert result.returncode == 0, output[-12000:]
    assert "Tested: 16" in output, output[-3000:]  # every operation, tus included


def docs_client() -> str:
    """The client example of docs/api.md, as a reader would copy it."""
    text = (PROJECT / "docs" / "api.md").read_text()
    block = text.split("<!-- client-example -->")[1].split("<!-- /client-example -->")[0]
    return block.strip().removeprefix("```python").removesuffix("```")


def test_the_documented_client_pages_uploads_and_publishes(live_api, tmp_path, monkeypatch,
                                                        committed):
    server, secret, ids = live_api
    monkeypatch.setenv("CAREERS_TV_API", f"{server.url}/api/v1")
    monkeypatch.setenv("CAREERS_TV_TOKEN", secret)
    client: dict = {"__name__": "docs_client"}
    exec(compile(docs_client(), "docs/api.md", "exec"), client)  # noqa: S102 - our own docs

    listed = [v["title"] for v in client["channel_videos"]("temoignages")]
    assert len(listed) == 3  # the three published, listed ones; not the ready or unlisted
    assert [v["title"] for v in client["channel_videos"]("temoignages", limit=2)] == listed

    original = tmp_path / "interview.mp4"
    original.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    video = client["upload"](str(original), "corporate", "Sent by the documented client",
                             chunk=1024 * 1024)
    assert video["status"] == "queued" and video["channel"]["slug"] == "corporate"
    committed.expire_all()
    row = committed.scalar(sa.select(Video).where(Video.public_id == video["id"]))
    with get_storage().open(row.original_key) as stored:
        assert stored.read() == original.read_bytes()

    assert client["publish"](ids["ST_READY_VIDEO"])["status"] == "published"
    assert len(list(client["channel_videos"]("temoignages"))) == 4
