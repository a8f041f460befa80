import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from careers_tv import create_app
from careers_tv.clock import utcnow
from careers_tv.models import Tag, VideoStatus, Visibility
from tests.factories import VideoFactory, channel


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


# -- listings: home, channel and tag pages -------------------------------------------------

def published(title: str, *, slug: str = "temoignages", hours_ago: float = 0, **fields):
    return VideoFactory(title=title, channel=channel(slug), status=VideoStatus.PUBLISHED,
                        published_at=utcnow() - timedelta(hours=hours_ago), **fields)


def card_titles(html) -> list[str]:
    return [a.get_text(strip=True) for a in html.select(".video-card-title a")]


def test_home_shows_the_four_latest_public_videos_of_each_channel(client, session):
    for n in range(6):
        published(f"Testimonial {n}", hours_ago=n)
    published("Unlisted one", visibility=Visibility.UNLISTED)
    VideoFactory(title="Draft one", status=VideoStatus.READY)
    published("A replay", slug="sogelive", hours_ago=1)
    session.commit()

    html = page(client.get("/"))
    cards = html.select(".channel-card")
    assert card_titles(cards[0]) == [f"Testimonial {n}" for n in range(4)]
    assert card_titles(cards[1]) == ["A replay"]
    assert "Unlisted one" not in html.get_text() and "Draft one" not in html.get_text()
    assert cards[0].find("a", string=re.compile("Témoignages", re.I))["href"] == (
        "/channels/temoignages")
    assert cards[2].select(".video-card") == []
    assert "No video published on this channel yet." in page(
        client.get("/?lang=en")).select(".channel-card")[2].get_text()


def test_a_card_shows_poster_title_link_channel_duration_date_and_speaker(client, session):
    video = published("Ana, engineer", duration_seconds=65.4, speaker_name="Ana Martin",
                      speaker_title="Engineer", poster_key="videos/x/v1-t/poster.jpg",
                      language="en")
    video.published_at = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)
    session.commit()

    card = page(client.get("/channels/temoignages?lang=en")).select_one(".video-card")
    img = card.img
    assert img["src"] == "http://localhost/media/videos/x/v1-t/poster.jpg"
    assert img["width"] == "320" and img["height"] == "180" and img.has_attr("alt")
    link = card.select_one(".video-card-title a")
    assert link["href"] == f"/videos/{video.public_id}"
    text = " ".join(card.get_text(" ").split())
    assert "1:05" in text and "Ana Martin, Engineer" in text
    assert "Testimonials" in text and "Mar 5, 2026" in text


def test_a_title_in_the_other_language_is_marked_with_its_lang(client, session):
    published("Our graduate programme", language="en")
    published("Notre programme", language="fr", hours_ago=1)
    session.commit()
    links = page(client.get("/channels/temoignages?lang=fr")).select(".video-card-title a")
    assert [(a.get_text(), a.get("lang")) for a in links] == [
        ("Our graduate programme", "en"), ("Notre programme", None)]


def test_channel_pages_hold_24_newest_first_with_prev_and_next(client, session):
    for n in range(25):
        published(f"Video {n:02d}", hours_ago=n)
    session.commit()

    first = page(client.get("/channels/temoignages"))
    assert card_titles(first) == [f"Video {n:02d}" for n in range(24)]
    assert first.find("link", rel="next")["href"] == "/channels/temoignages?page=2"
    assert first.find("link", rel="prev") is None
    assert first.select_one(".pagination a[rel=next]")["href"] == "/channels/temoignages?page=2"

    second = page(client.get("/channels/temoignages?page=2"))
    assert card_titles(second) == ["Video 24"]
    assert second.find("link", rel="prev")["href"] == "/channels/temoignages"
    assert second.find("link", rel="next") is None

    assert client.get("/channels/temoignages?page=3").status_code == 404
    for bad in ("abc", "0", "-1"):
        response = client.get(f"/channels/temoignages?page={bad}")
        assert response.status_code == 400
        assert "page" in response.get_data(as_text=True).lower()


def test_an_empty_channel_has_a_first_page_only(client, session):
    assert client.get("/channels/corporate").status_code == 200
    assert client.get("/channels/corporate?page=2").status_code == 404


def tagged(video, *labels):
    video.tags = [Tag(slug=label.lower(), label=label) for label in labels]
    return video


def test_channel_filters_by_tag_language_and_country_and_shows_them_removable(client, session):
    finance = Tag(slug="finance", label="Finance")
    published("Paris finance", language="fr", country="FR").tags = [finance]
    published("London finance", language="en", country="GB", hours_ago=1).tags = [finance]
    published("Paris IT", language="fr", country="FR", hours_ago=2)
    session.commit()

    html = page(client.get("/channels/temoignages?lang=en"))
    form = html.select_one("form.catalogue-filters")
    assert form["method"] == "get"
    assert [o["value"] for o in form.select("select[name=tag] option")] == ["", "finance"]
    assert [o.get_text() for o in form.select("select[name=country] option")] == [
        "All countries", "France", "United Kingdom"]

    assert card_titles(page(client.get("/channels/temoignages?tag=finance"))) == [
        "Paris finance", "London finance"]
    assert card_titles(page(client.get("/channels/temoignages?language=en"))) == [
        "London finance"]
    assert card_titles(page(client.get("/channels/temoignages?country=fr"))) == [
        "Paris finance", "Paris IT"]

    html = page(client.get("/channels/temoignages?lang=en&tag=finance&country=FR&language="))
    assert card_titles(html) == ["Paris finance"]
    active = html.select(".active-filters li")
    assert [" ".join(li.get_text(" ").split()) for li in active] == [
        "Tag: Finance Remove Tag: Finance", "Country: France Remove Country: France"]
    remove_tag = active[0].a["href"]
    assert remove_tag == "/channels/temoignages?country=FR"
    assert card_titles(page(client.get(remove_tag))) == ["Paris finance", "Paris IT"]
    assert html.select_one("select[name=tag] option[selected]")["value"] == "finance"

    empty = page(client.get("/channels/temoignages?lang=en&tag=finance&country=DE"))
    assert card_titles(empty) == [] and "No video matches these filters" in empty.get_text()


@pytest.mark.parametrize("query", ["language=de", "country=France", "country=1"])
def test_a_filter_no_video_can_have_is_a_400_with_a_message(client, query):
    response = client.get(f"/channels/temoignages?lang=en&{query}")
    assert response.status_code == 400
    assert page(response).h1.get_text() == "This address cannot be answered"
    text = page(response).get_text()
    assert "language" in text.lower() or "country" in text.lower()


def test_tag_page_lists_the_public_videos_with_that_tag(client, session):
    published("Tagged on one channel").tags = [Tag(slug="alternance", label="Alternance")]
    session.flush()
    tag = session.scalar(sa.select(Tag).where(Tag.slug == "alternance"))
    published("Tagged elsewhere", slug="sogelive", hours_ago=1).tags = [tag]
    published("Unlisted tagged", visibility=Visibility.UNLISTED).tags = [tag]
    published("Not tagged")
    VideoFactory(title="Draft", status=VideoStatus.READY).tags = [
        Tag(slug="secret", label="Secret")]
    session.commit()

    response = client.get("/tags/alternance?lang=en")
    assert response.status_code == 200
    html = page(response)
    assert "Alternance" in html.h1.get_text()
    assert card_titles(html) == ["Tagged on one channel", "Tagged elsewhere"]
    assert client.get("/tags/nope").status_code == 404
    assert client.get("/tags/secret").status_code == 404  # only a draft carries it
    assert client.get("/tags/alternance?page=2").status_code == 404


def test_pages_name_their_canonical_address_and_language_alternates(client, session):
    html = page(client.get("/channels/sogelive?lang=en&page=1&tag=&language=fr"))
    links = {(link.get("hreflang"), link["href"])
             for link in html.find_all("link", rel=["canonical", "alternate"])
             if link.get("type") != "application/atom+xml"}  # the feed is another alternate
    assert links == {
        (None, "http://localhost/channels/sogelive?language=fr"),
        ("fr", "http://localhost/channels/sogelive?language=fr&lang=fr"),
        ("en", "http://localhost/channels/sogelive?language=fr&lang=en"),
        ("x-default", "http://localhost/channels/sogelive?language=fr"),
    }
    assert html.find("meta", attrs={"name": "description"})["content"].startswith("Replays")
    home = page(client.get("/?lang=fr"))
    assert home.find("link", rel="canonical")["href"] == "http://localhost/"
    assert home.find("meta", attrs={"name": "description"})["content"]


def test_the_language_switch_keeps_the_page_and_filters(client):
    html = page(client.get("/channels/temoignages?language=fr&lang=fr"))
    switch = html.select_one(".lang-switch a[hreflang=en]")
    assert switch["href"] == "/channels/temoignages?language=fr&lang=en"


def test_listings_are_cacheable_and_revalidate_with_their_etag(client, session):
    published("First").tags = [Tag(slug="first", label="First")]
    session.commit()
    for path in ("/", "/channels/temoignages", "/tags/first"):
        response = client.get(path)
        assert response.headers["Cache-Control"] in ("public, max-age=60", "max-age=60, public")
        etag = response.headers["ETag"]
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b""
        other_language = client.get(path + "?lang=en", headers={"If-None-Match": etag})
        assert other_language.status_code == 200
        assert other_language.headers["ETag"] != etag

    etag = client.get("/channels/temoignages").headers["ETag"]
    published("Second, newer")
    session.commit()
    response = client.get("/channels/temoignages", headers={"If-None-Match": etag})
    assert response.status_code == 200 and "Second, newer" in response.get_data(as_text=True)


def test_the_404_page_is_friendly_and_leads_home_and_to_search(client):
    response = client.get("/channels/nope?lang=en")
    assert response.status_code == 404
    html = page(response)
    assert html.h1.get_text() == "This page does not exist"
    hrefs = [a["href"] for a in html.select("main a")]
    assert "/" in hrefs and "/search" in hrefs
    assert html.find("link", rel="canonical") is None
    assert html.select_one("header form[role=search]")["action"] == "/search"
