"""The embed page as a careers site frames it: the options of its URL, and the card that
replaces the player (never the site's pages) when the video cannot be played."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from careers_tv.clock import utcnow
from careers_tv.models import VideoStatus
from careers_tv.public.player_options import start_time
from tests.factories import VideoFactory, channel
from tests.functional.test_watch import BASE, storage, video  # noqa: F401 - fixtures


def page(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def assert_no_site_chrome(html):
    assert html.select_one(".site-header, header, footer") is None
    assert html.find("input", attrs={"type": "search"}) is None  # the site's search
    assert html.find(attrs={"hreflang": True}) is None  # the language links


def test_a_withdrawn_video_s_embed_is_a_card_linking_to_its_channel(client, session):
    withdrawn = VideoFactory(title="Withdrawn", status=VideoStatus.UNPUBLISHED,
                             channel=channel("mission-handicap"),
                             published_at=utcnow(), poster_key="videos/w/v1/poster.jpg")
    session.commit()
    response = client.get(f"/embed/{withdrawn.public_id}", headers={"Accept-Language": "en"})
    assert response.status_code == 410
    # A careers site frames it like any embed.
    assert "X-Frame-Options" not in response.headers
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"].split("; ")
    html = page(response)
    assert_no_site_chrome(html)
    assert html.h1.get_text(strip=True) == "This video is no longer available"
    link = html.select_one(".embed-card a")
    assert link["href"] == f"{BASE}/channels/mission-handicap"
    assert (link["target"], link["rel"]) == ("_blank", ["noopener"])
    assert "Disability Inclusion" in link.get_text()  # the channel, in English
    # Nothing of the video itself: not its title, not its poster.
    assert "Withdrawn" not in html.get_text()
    assert html.find("img") is None and "poster" not in response.get_data(as_text=True)

    french = page(client.get(f"/embed/{withdrawn.public_id}?lang=fr"))
    assert french.h1.get_text(strip=True) == "Cette vidéo n’est plus disponible"


def test_an_unknown_video_s_embed_is_a_card_linking_home(client, session):
    draft = VideoFactory(title="Draft")
    session.commit()
    for public_id in ("no-such-video", draft.public_id):
        response = client.get(f"/embed/{public_id}", headers={"Accept-Language": "en"})
        assert response.status_code == 404
        html = page(response)
        assert_no_site_chrome(html)
        assert html.h1.get_text(strip=True) == "There is no video at this address"
        link = html.select_one(".embed-card a")
        assert link["href"] == f"{BASE}/" and link["target"] == "_blank"


def test_the_embed_s_options_reach_the_player(client, video):  # noqa: F811
    url = f"/embed/{video.public_id}?autoplay=1&t=1m30s&loop=1&captions=en&controls=0"
    html = page(client.get(url))
    player = html.select_one("video")
    assert player.has_attr("autoplay") and player.has_attr("muted")
    assert player.has_attr("loop")
    assert player["data-start"] == "90.0"
    assert player["data-captions"] == "en"
    assert html.select_one("[data-player]")["data-controls"] == "0"
    assert html.select_one("[data-embed-id]")["data-embed-id"] == video.public_id
    scripts = [s["src"] for s in html.find_all("script", src=True)]
    assert "/static/js/embed-api.js" in scripts


@pytest.mark.parametrize("query", [
    "", "autoplay=maybe&loop=2&controls=nope&captions=de&t=soon",
    "captions=fr%22%3E&t=-5", "t=1e400", "t=99999999999", "autoplay=&t=&captions=",
])
def test_options_the_embed_does_not_understand_are_ignored(client, video, query):  # noqa: F811
    response = client.get(f"/embed/{video.public_id}?{query}")
    assert response.status_code == 200
    html = page(response)
    player = html.select_one("video")
    for attribute in ("autoplay", "muted", "loop", "data-start", "data-captions"):
        assert not player.has_attr(attribute), attribute
    assert not html.select_one("[data-player]").has_attr("data-controls")


def test_the_watch_page_reads_the_same_start_times(client, video):  # noqa: F811
    html = page(client.get(f"/videos/{video.public_id}?t=1:05"))
    assert html.select_one("video")["data-start"] == "65.0"
    assert not html.select_one("video").has_attr("autoplay")  # embed options only


@pytest.mark.parametrize(("value", "seconds"), [
    ("90", 90), ("90.5", 90.5), ("1m30s", 90), ("1m30", 90), ("2m", 120), ("45s", 45),
    ("1h2m3s", 3723), ("1:30", 90), ("1:02:03", 3723), (" 12 ", 12), ("1M30S", 90),
    ("", 0), (None, 0), ("soon", 0), ("-3", 0), ("1m-3s", 0), ("nan", 0), ("inf", 0),
    ("1:75", 0), ("90000", 0), ("m", 0), ("s", 0),
])
def test_start_times_in_the_forms_people_write_them(value, seconds):
    assert start_time(value) == seconds
