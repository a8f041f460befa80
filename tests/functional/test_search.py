"""Search: /search?q= and services.search, on PostgreSQL (the test database) and on SQLite."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from flask_migrate import upgrade

from careers_tv import create_app
from careers_tv.clock import utcnow
from careers_tv.extensions import db
from careers_tv.models import Tag, VideoStatus, Visibility
from careers_tv.services import search as search_service
from careers_tv.services.captions import delete_caption, save_caption
from careers_tv.services.channels import seed_channels
from tests.factories import VideoFactory

VTT = "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nJ'ai rejoint l'équipe <i>cybersécurité</i>\n"


def published(**fields):
    fields.setdefault("published_at", utcnow())
    return VideoFactory(status=VideoStatus.PUBLISHED, description=fields.pop("description", ""),
                        **fields)


def page(response):
    assert response.status_code == 200
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def titles(response) -> list[str]:
    return [h.get_text(" ", strip=True) for h in page(response).select(".search-result-title")]


def found(query: str, **kwargs) -> list[str]:
    return [hit.video.title for hit in search_service.search(query, **kwargs).items]


@pytest.fixture
def ctx(app_ctx, session):
    """The test session inside an app context (caption files are read from storage)."""
    return session


@pytest.mark.parametrize("query", ["temoignage", "TÉMOIGNAGE", "Témoignage", "témoignâge"])
def test_accents_and_case_do_not_matter_in_the_query(ctx, query):
    published(title="Témoignage d'une ingénieure")
    assert found(query) == ["Témoignage d'une ingénieure"]


@pytest.mark.parametrize("query", ["ingénieure", "INGENIEURE", "ingenieure"])
def test_accents_and_case_do_not_matter_in_the_text(ctx, query):
    published(title="Ingenieure reseau a Paris")
    assert found(query) == ["Ingenieure reseau a Paris"]


def test_the_last_word_is_found_as_it_is_typed(ctx):
    published(title="Portrait d'une ingénieure")
    assert found("portrait ingé") == ["Portrait d'une ingénieure"]
    assert found("ingé portrait") == []  # only the last word may be cut short
    assert found("portrait ingé", language="en") == []  # factories make French videos


@pytest.mark.parametrize("field, value", [
    ("description", "Une journée avec l'équipe de cybersécurité à La Défense."),
    ("speaker_name", "Hélène Cybersécurité"),
    ("speaker_title", "Responsable cybersécurité"),
])
def test_each_text_field_is_searched(ctx, field, value):
    published(title="Sans rapport", **{field: value})
    assert found("cybersecurite") == ["Sans rapport"]


def test_tags_are_searched_and_a_renamed_tag_is_found_by_its_new_label(ctx):
    tag = Tag(slug="numerique", label="Numérique")
    video = published(title="Sans rapport")
    video.tags.append(tag)
    ctx.flush()
    assert found("numerique") == ["Sans rapport"]
    tag.label = "Digital"
    ctx.flush()
    assert found("numerique") == []
    assert found("digital") == ["Sans rapport"]


def test_caption_text_is_searched_until_the_captions_are_deleted(ctx):
    video = published(title="Sans rapport")
    save_caption(video, "fr", None, VTT.encode(), "captions.vtt")
    assert found("cybersecurite") == ["Sans rapport"]
    assert found("i") == []  # the markup of a cue is not text
    delete_caption(video, "fr")
    assert found("cybersecurite") == []


def test_an_edited_title_is_found_by_its_new_words_only(ctx):
    video = published(title="Ancien titre")
    video.title = "Nouveau titre"
    ctx.flush()
    assert found("ancien") == []
    assert found("nouveau") == ["Nouveau titre"]


@pytest.mark.parametrize("status", [s for s in VideoStatus if s is not VideoStatus.PUBLISHED])
def test_unpublished_videos_are_never_found(ctx, status):
    VideoFactory(title="Cybersécurité en coulisses", status=status)
    assert found("cybersecurite") == []


def test_unlisted_videos_are_never_found(ctx, client):
    published(title="Cybersécurité en privé", visibility=Visibility.UNLISTED)
    assert found("cybersecurite") == []
    assert titles(client.get("/search?q=cybersecurite")) == []


def test_a_title_match_ranks_above_a_description_match(ctx):
    # The description match is newer, so only the ranking can put the title match first.
    published(title="Trois métiers", description="Parcours en alternance à Lyon",
              published_at=utcnow())
    published(title="L'alternance à Paris", published_at=utcnow() - timedelta(days=30))
    assert found("alternance") == ["L'alternance à Paris", "Trois métiers"]


def test_results_page_shows_highlighted_title_excerpt_channel_and_date(ctx, client):
    published(title="Rencontre avec une ingénieure", poster_key="videos/x/poster.jpg",
              description="Elle raconte son métier d'ingénieure réseau et ses projets.")
    ctx.commit()
    html = page(client.get("/search?q=Ingenieure&lang=en"))
    result = html.select_one(".search-result")
    assert [m.get_text() for m in result.select(".search-result-title mark")] == ["ingénieure"]
    assert [m.get_text() for m in result.select(".search-result-excerpt mark")] == ["ingénieure"]
    assert "Testimonials" in result.select_one(".search-result-meta").get_text()
    assert result.select_one(".search-result-meta time")["datetime"]
    assert result.img["src"].endswith("/videos/x/poster.jpg")
    assert result.a["href"].startswith("/videos/")
    assert "1 video found" in html.select_one(".search-count").get_text()


def test_highlighting_escapes_what_the_text_holds(ctx, client):
    published(title="<script>alert(1)</script> Cybersécurité & co",
              description="<b>Cybersécurité</b> à l'honneur")
    ctx.commit()
    response = client.get("/search?q=cybersecurite")
    body = response.get_data(as_text=True)
    assert "<script>alert" not in body and "<b>" not in body
    result = page(response).select_one(".search-result")
    assert result.select_one(".search-result-title").get_text() == \
        "<script>alert(1)</script> Cybersécurité & co"
    assert result.select_one(".search-result-title mark").get_text() == "Cybersécurité"
    assert result.select_one(".search-result-excerpt").get_text().startswith("<b>")


@pytest.mark.parametrize("query", [
    "'", '"', "\\", "&", "|", "!", ":*", "a & b | !c", "ingé:*", "'cyber'", "(", ")", "<->",
    "cyber\\'", "%", "_", "*", "--", "NEAR(a b)", '"cyber', "cyber OR", "AND", "²", "l'é",
])
def test_odd_characters_never_break_the_page(ctx, client, query):
    published(title="Cybersécurité")
    ctx.commit()
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    assert found(query) is not None


def test_a_word_among_odd_characters_is_still_found(ctx, client):
    published(title="Cybersécurité")
    ctx.commit()
    assert titles(client.get("/search", query_string={"q": "'cyber' & !|:*"})) == \
        ["Cybersécurité"]


def test_an_empty_query_shows_the_form_only(client):
    html = page(client.get("/search?q=+++"))
    assert html.select_one("form[role=search] label[for=search-q]")
    assert html.select_one("#search-q")["value"] == ""
    assert not html.select(".search-count, .search-result")


def test_a_query_without_results_says_so(client):
    html = page(client.get("/search?q=introuvable&lang=en"))
    assert "No video found for “introuvable”." in html.select_one(".search-count").get_text()


def test_a_very_long_query_is_cut(ctx, client):
    published(title="Cybersécurité")
    ctx.commit()
    html = page(client.get("/search", query_string={"q": "cyber " + "x" * 5000}))
    assert len(html.select_one("#search-q")["value"]) == 200
    assert html.select(".search-count")


def test_results_come_in_pages(ctx, client):
    for day in range(13):
        published(title=f"Alternance {day}", published_at=utcnow() - timedelta(days=day))
    ctx.commit()
    first = page(client.get("/search?q=alternance&lang=en"))
    assert len(first.select(".search-result")) == 10
    assert "13 videos found" in first.select_one(".search-count").get_text()
    assert not first.select(".search-pagination a[rel=prev]")
    second_url = first.select_one(".search-pagination a[rel=next]")["href"]
    second = page(client.get(second_url))
    assert [t for t in titles(client.get(second_url))] == \
        ["Alternance 10", "Alternance 11", "Alternance 12"]
    assert second.select_one(".search-pagination a[rel=prev]")
    assert not second.select(".search-pagination a[rel=next]")
    beyond = page(client.get("/search?q=alternance&page=99"))
    assert not beyond.select(".search-result")
    assert page(client.get("/search?q=alternance&page=abc")).select(".search-result")


def test_the_language_filter_keeps_videos_in_that_language(ctx, client):
    published(title="Alternance à Paris", language="fr")
    published(title="Apprenticeship in Alternance", language="en")
    ctx.commit()
    assert titles(client.get("/search?q=alternance&language=en")) == \
        ["Apprenticeship in Alternance"]
    assert len(titles(client.get("/search?q=alternance&language=xx"))) == 2


# -- the embedded default: SQLite and FTS5 -------------------------------------------------

def test_search_works_on_sqlite_including_videos_from_before_the_migration(tmp_path):
    app = create_app({"TESTING": True,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'tv.sqlite3'}",
                      "STORAGE_URL": (tmp_path / "media").as_uri()})
    with app.app_context():
        upgrade(revision="730e433d824a")  # a database from before search existed
        seed_channels()
        channel_id = db.session.scalar(sa.text("SELECT id FROM channels LIMIT 1"))
        now = utcnow()
        db.session.execute(sa.text(
            "INSERT INTO videos (public_id, channel_id, title, description, language, "
            "visibility, status, progress, media_version, created_at, updated_at, published_at) "
            "VALUES ('old1', :channel, 'Témoignage ancien', '', 'fr', 'public', 'published', "
            "0, 0, :now, :now, :now)"), {"channel": channel_id, "now": now})
        db.session.commit()
        upgrade()
        assert found("temoignage") == ["Témoignage ancien"]

        video = published(title="Ingénieure réseau", speaker_name="Zoë Martin")
        published(title="Ingénieure en privé", visibility=Visibility.UNLISTED)
        published(title="Ancienne", description="Ingénieure aussi")
        save_caption(video, "fr", None, VTT.encode(), "captions.vtt")
        db.session.commit()
        assert found("INGE") == ["Ingénieure réseau", "Ancienne"]
        assert found("zoe") == ["Ingénieure réseau"]
        assert found("cybersecurite") == ["Ingénieure réseau"]
        results = search_service.search("ingenieure reseau")
        assert results.total == 1
        assert str(results.items[0].title) == "<mark>Ingénieure</mark> <mark>réseau</mark>"
        for odd in ['"', "*", "NEAR(", "a OR", "^", ":", "'"]:
            assert search_service.search(odd).total == 0

        video.title = "Développeuse"
        db.session.commit()
        assert found("developpeuse") == ["Développeuse"]
        db.session.delete(video)
        db.session.commit()
        assert found("developpeuse") == []
        assert app.test_client().get("/search?q=ancienne").status_code == 200
        db.session.remove()
