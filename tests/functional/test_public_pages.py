import io

import pytest
from bs4 import BeautifulSoup

from careers_tv import create_app
from careers_tv.models import VideoStatus
from careers_tv.models._types import utcnow
from tests.factories import VideoFactory


def page(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_home_lists_the_four_channels_in_french_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    html = page(response)
    assert html.html["lang"] == "fr"
    names = [h.get_text(strip=True) for h in html.select(".channel-card h2")]
    assert names == ["Témoignages", "Sogelive", "Mission Handicap", "Corporate"]
    links = [a["href"] for a in html.select(".channel-card h2 a")]
    assert links[0] == "/channels/temoignages"
    assert html.h1.get_text() == "Nos métiers en vidéo"


def test_home_speaks_english_when_asked(client):
    html = page(client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}))
    assert html.html["lang"] == "en"
    assert "Testimonials" in [h.get_text(strip=True) for h in html.select(".channel-card h2")]
    assert html.h1.get_text() == "Our careers, in video"


def test_language_switch_is_remembered(client):
    html = page(client.get("/?lang=en", headers={"Accept-Language": "fr"}))
    assert "Disability Inclusion" in html.get_text()
    html = page(client.get("/channels/sogelive", headers={"Accept-Language": "fr"}))
    assert html.html["lang"] == "en"
    assert page(client.get("/?lang=fr")).html["lang"] == "fr"


def test_channel_page_shows_only_published_videos(client, session):
    VideoFactory(title="Visible testimonial", status=VideoStatus.PUBLISHED,
                 published_at=utcnow())
    VideoFactory(title="Draft testimonial", status=VideoStatus.READY)
    session.commit()
    text = page(client.get("/channels/temoignages")).get_text()
    assert "Visible testimonial" in text
    assert "Draft testimonial" not in text


def test_unknown_channel_is_a_404_page(client):
    response = client.get("/channels/nope")
    assert response.status_code == 404
    assert "text/html" in response.content_type


def test_healthz_and_readyz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["checks"] == {"database": "ok", "storage": "ok", "broker": "ok"}


def test_readyz_names_what_is_down(test_env, tmp_path, monkeypatch):
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    app = create_app({"TESTING": True})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    checks = response.get_json()["checks"]
    assert checks["database"] == "ok" and checks["storage"] == "ok"
    assert checks["broker"].startswith("error:")


def test_api_lists_channels_and_answers_errors_in_json(client):
    data = client.get("/api/v1/channels").get_json()
    assert [c["slug"] for c in data["channels"]] == [
        "temoignages", "sogelive", "mission-handicap", "corporate"]
    assert data["channels"][2]["name"] == {"fr": "Mission Handicap", "en": "Disability Inclusion"}
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    response = client.post("/api/v1/channels")
    assert response.status_code in (400, 405)
    assert "error" in response.get_json()


@pytest.mark.parametrize("key", ["videos/x/../../secret", "staging/original.mp4"])
def test_media_route_refuses_traversal_and_private_keys(client, key):
    assert client.get(f"/media/{key}").status_code in (403, 404)


def test_media_route_serves_local_media_with_ranges_and_signed_private_keys(app, client):
    from careers_tv.storage import get_storage

    with app.app_context():
        storage = get_storage()
        storage.put_stream("videos/abc/1/index.m3u8", io.BytesIO(b"#EXTM3U\n" + b"x" * 100))
        storage.put_stream("staging/up1/original", io.BytesIO(b"original bytes"))
        signed = storage.presigned_url("staging/up1/original", expires_in=60)
    response = client.get("/media/videos/abc/1/index.m3u8", headers={"Range": "bytes=0-6"})
    assert response.status_code == 206
    assert response.data == b"#EXTM3U"
    assert response.content_type == "application/vnd.apple.mpegurl"
    assert client.get("/media/staging/up1/original").status_code == 403
    path = signed.split("/media/", 1)[1]
    assert client.get(f"/media/{path}").data == b"original bytes"
    assert client.get(f"/media/{path.replace('signature=', 'signature=0')}").status_code == 403
