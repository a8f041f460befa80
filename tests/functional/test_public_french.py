"""The public site in French for candidates (Accept-Language: fr), and in English on ?lang=en."""

from __future__ import annotations

import io

import pytest

from careers_tv.clock import utcnow
from careers_tv.models import Caption, Tag, VideoStatus
from tests.factories import VideoFactory

FR = {"Accept-Language": "fr-FR,fr;q=0.9"}
VTT = "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nBonjour, je suis ingénieure.\n"


def _says(html: str, shown: list[str], absent: list[str]) -> None:
    for text in shown:
        assert text in html, f"{text!r} missing"
    for text in absent:
        assert text not in html, f"{text!r} shown in the wrong language"


def _in_both_languages(client, url: str, french: list[str], english: list[str],
                       status: int = 200) -> None:
    response = client.get(url, headers=FR)
    assert response.status_code == status
    _says(response.get_data(as_text=True), french, english)
    # A client of its own: the ?lang=en choice is remembered in a cookie.
    english_url = url + ("&" if "?" in url else "?") + "lang=en"
    response = client.application.test_client().get(english_url, headers=FR)
    assert response.status_code == status
    _says(response.get_data(as_text=True), english, french)


@pytest.fixture
def video(app, session):
    """A published video with a tag, captions and media: every part of the watch page shows."""
    found = VideoFactory(status=VideoStatus.PUBLISHED, published_at=utcnow(), language="fr",
                         title="Claire, ingénieure cloud", duration_seconds=83.4,
                         media_prefix="videos/abc/v1-x/", country="FR")
    found.tags.append(Tag(slug="cloud", label="Cloud"))
    key = f"videos/{found.public_id}/captions/fr-test.vtt"
    app.extensions["storage"].put_stream(key, io.BytesIO(VTT.encode()), "text/vtt")
    found.captions.append(Caption(language="fr", label="Français", storage_key=key))
    with app.app_context():  # what runs on commit (the search index) may read storage
        session.commit()
    return found


def test_the_home_page(client, video):
    _in_both_languages(
        client, "/",
        ["Rechercher des vidéos", "Toutes les vidéos de Témoignages", "Durée :"],
        ["Search the videos", "All the videos of Testimonials", "Duration:"])


def test_a_channel_page(client, video):
    _in_both_languages(
        client, "/channels/temoignages",
        ["Filtrer les vidéos", "Toutes les langues", "Afficher", "1 vidéo<"],
        ["Filter the videos", "All languages", "Show<", "1 video<"])


def test_a_channel_page_with_a_filter(client, video):
    _in_both_languages(
        client, "/channels/temoignages?tag=cloud",
        ["Filtres actifs :", "Effacer tous les filtres", "Mot-clé : Cloud"],
        ["Active filters:", "Clear all filters", "Tag: Cloud"])


def test_a_bad_filter_is_refused_in_french(client, video):
    _in_both_languages(
        client, "/channels/temoignages?language=de",
        ["Impossible de répondre à cette adresse", "Langue inconnue : choisissez le français"],
        ["This address cannot be answered", "Unknown language: choose French"], status=400)


def test_the_watch_page_and_its_player(client, video):
    _in_both_languages(
        client, f"/videos/{video.public_id}",
        ["Publiée le", "Transcription", "Version imprimable", "Copier le lien",
         "Lien vers cette vidéo",
         "Qualité", "Sous-titres", "Désactivés", "Position dans la vidéo", "Paramètres",
         "Taille des sous-titres", "Vitesse", "Raccourcis clavier", "Plein écran", "Lecture",
         "La vidéo ne peut pas être lue pour le moment."],
        ["Published on", "Transcript<", "Printable version", "Copy link", "Link to this video",
         "Quality<", "Captions<", ">Off<", "Position in the video", "Settings", "Caption size",
         "Speed<", "Keyboard shortcuts", "Full screen", '"Play"',
         "The video cannot be played at the moment."])


def test_the_transcript_page(client, video):
    _in_both_languages(
        client, f"/videos/{video.public_id}/transcript",
        ["<h1>Transcription", "Retour à la vidéo"],
        ["<h1>Transcript:", "Back to the video"])


def test_the_search_page(client, video):
    _in_both_languages(
        client, "/search?q=ingenieure",
        ["Mots à rechercher", "Langue de la vidéo", "1 vidéo trouvée pour « ingenieure »"],
        ["Words to find", "Language of the video", "1 video found for “ingenieure”"])
    _in_both_languages(
        client, "/search?q=zzzorglub",
        ["Aucune vidéo trouvée pour « zzzorglub ».", "Vérifiez l’orthographe"],
        ["No video found for “zzzorglub”.", "Check the spelling"])


def test_the_404_and_410_pages(client, session):
    _in_both_languages(
        client, "/channels/nope",
        ["Cette page n’existe pas", "L’adresse comporte peut-être une faute de frappe",
         "Rechercher des vidéos"],
        ["This page does not exist", "The address may be mistyped", "Search the videos"],
        status=404)
    withdrawn = VideoFactory(status=VideoStatus.UNPUBLISHED, published_at=utcnow())
    session.commit()
    _in_both_languages(
        client, f"/videos/{withdrawn.public_id}",
        ["Cette vidéo n’est plus disponible", "Cette vidéo a été retirée"],
        ["This video is no longer available", "This video has been withdrawn"], status=410)
