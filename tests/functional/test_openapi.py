"""/api/v1/openapi.json is a valid OpenAPI 3.1 document, and a client generated from it by
openapi-python-client lists channels, reads a video and creates one against the live API."""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from openapi_spec_validator import validate

from careers_tv.clock import utcnow
from careers_tv.models import Role, Video, VideoStatus
from careers_tv.services import api_tokens
from tests.browser.live import LiveServer, free_port
from tests.factories import UserFactory, VideoFactory, channel

PROJECT = Path(__file__).resolve().parents[2]
CLIENT_PACKAGE = "careers_tv_api_client"


def test_the_document_is_valid_openapi(client):
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)  # raises on the first error (openapi-spec-validator, OpenAPI 3.1)


def test_a_field_that_may_be_left_out_but_not_nulled_has_no_default(client):
    """`VideoUpdate.title` may be absent (unchanged) but never null: no `default: null`;
    a field that null clears keeps its null default."""
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    update = schemas["VideoUpdate"]["properties"]
    for name in ("channel", "title", "language", "visibility", "tags"):
        assert "default" not in update[name], name
    assert update["speaker_name"]["default"] is None
    assert {"type": "null"} in update["speaker_name"]["anyOf"]
    assert "required" not in schemas["VideoUpdate"]


# -- a generated client ----------------------------------------------------------------------


def client_document(document: dict) -> dict:
    """The document without the tus endpoint (/uploads…), the rest as served. The tus PATCH
    sends raw bytes (application/offset+octet-stream), a body openapi-python-client does not
    support (it skips that operation with a warning): a tus client sends those, not a
    generated one. Left out, the generation can fail on any warning."""
    document = json.loads(json.dumps(document))
    document["paths"] = {path: item for path, item in document["paths"].items()
                         if not path.startswith("/uploads")}
    document["tags"] = [tag for tag in document["tags"] if tag["name"] != "Uploads"]
    return document


@pytest.fixture(scope="module")
def generated_client(app, tmp_path_factory):
    """The package openapi-python-client generates from the document (ruff post-hooks
    off: they only format the code, and the test must not depend on them)."""
    with app.test_client() as http:
        document = http.get("/api/v1/openapi.json").get_json()
    folder = tmp_path_factory.mktemp("generated")
    (folder / "doc.json").write_text(json.dumps(client_document(document)))
    (folder / "config.json").write_text(json.dumps({
        "package_name_override": CLIENT_PACKAGE, "post_hooks": []}))
    result = subprocess.run(
        [sys.executable, "-m", "openapi_python_client", "generate", "--path", "doc.json",
         "--output-path", "client", "--meta", "none", "--config", "config.json",
         "--fail-on-warning"],
        cwd=folder, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(folder))  # --meta none: "client" is the package itself
    (folder / "client").rename(folder / CLIENT_PACKAGE)
    try:
        yield importlib.import_module(CLIENT_PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if n.split(".")[0] == CLIENT_PACKAGE]:
            del sys.modules[name]


def test_the_generated_client_needs_httpx_and_attrs_only(generated_client):
    """What it imports besides itself and the standard library: its generator's own
    dependencies, so a careers site installs nothing more to use it."""
    imported = set()
    for source in Path(generated_client.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.add(node.module.split(".")[0])
    assert imported - sys.stdlib_module_names - {"__future__"} == {"httpx", "attrs"}


@pytest.fixture
def live(committed, test_env, tmp_path):
    """gunicorn serving two published videos, and two tokens: read only, and upload."""
    admin = UserFactory(role=Role.ADMIN)
    videos = [VideoFactory(channel=channel(), status=VideoStatus.PUBLISHED, created_by=admin,
                           title=f"Generated client {n}",
                           published_at=utcnow() - timedelta(hours=n))
              for n in range(2)]
    _token, reader = api_tokens.create_token(admin, "generated reader", ["read"])
    _token, uploader = api_tokens.create_token(admin, "generated uploader", ["upload"])
    committed.commit()
    port = free_port()
    server = LiveServer({**test_env, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}, tmp_path,
                        port=port)
    try:
        server.wait_ready()
        yield server, {"reader": reader, "uploader": uploader}, [v.public_id for v in videos]
    finally:
        server.stop()


def api(generated, name: str):
    """The generated module of one operation (its tag's folder, its operationId's file)."""
    for tag in ("catalogue", "videos"):
        try:
            return importlib.import_module(f"{generated.__name__}.api.{tag}.{name}")
        except ModuleNotFoundError:
            continue
    raise AssertionError(f"no generated module for {name}")


def test_a_generated_client_lists_reads_and_creates(generated_client, live, committed):
    server, tokens, public_ids = live
    base = f"{server.url}/api/v1"
    models = importlib.import_module(f"{generated_client.__name__}.models")

    anonymous = generated_client.Client(base_url=base, raise_on_unexpected_status=True)
    channels = api(generated_client, "list_channels").sync(client=anonymous)
    assert isinstance(channels, models.ChannelList)
    assert [c.slug for c in channels.channels][:4] == ["temoignages", "sogelive",
                                                       "mission-handicap", "corporate"]
    assert channels.channels[0].video_count == 2

    reader = generated_client.AuthenticatedClient(base_url=base, token=tokens["reader"],
                                                  raise_on_unexpected_status=True)
    video = api(generated_client, "get_video").sync(public_id=public_ids[1], client=reader)
    assert isinstance(video, models.Video)
    assert video.title == "Generated client 1" and video.status == "published"
    assert video.channel.slug == "temoignages"

    uploader = generated_client.AuthenticatedClient(base_url=base, token=tokens["uploader"],
                                                    raise_on_unexpected_status=True)
    create = api(generated_client, "create_video")
    body = models.VideoCreate.from_dict({"channel": "corporate",
                                         "title": "Made by a generated client",
                                         "tags": ["Alternance"], "language": "en"})
    answer = create.sync_detailed(client=uploader, body=body)
    assert answer.status_code == 201, answer.content
    created = answer.parsed
    assert created.status == "uploading" and created.upload_url
    committed.expire_all()
    row = committed.scalar(sa.select(Video).where(Video.public_id == created.id))
    assert row is not None and row.title == "Made by a generated client"
    assert row.channel.slug == "corporate" and row.language == "en"

    update = models.VideoUpdate.from_dict({"title": "Renamed by a generated client"})
    changed = api(generated_client, "update_video").sync(public_id=created.id,
                                                         client=uploader, body=update)
    assert changed.title == "Renamed by a generated client"
    assert [tag.label for tag in changed.tags] == ["Alternance"]  # only what was sent

    refused = create.sync_detailed(client=reader, body=body)  # the read scope cannot
    assert refused.status_code == 403
    assert refused.parsed.error.code == "forbidden"
