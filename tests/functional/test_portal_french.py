"""The portal in French, its default language: pages, and the refusals the services word."""

from __future__ import annotations

import io
from datetime import date, timedelta

from careers_tv.models import Role, Video, VideoStatus
from tests.factories import UserFactory, VideoFactory
from tests.functional.portal_helpers import login, post

FR = {"Accept-Language": "fr-FR,fr;q=0.9"}


def _ready_video(session, storage, **fields):
    video = VideoFactory(status=VideoStatus.READY, **fields)
    session.flush()
    video.media_prefix = f"videos/{video.public_id}/v1-abcdef12/"
    video.poster_key = video.media_prefix + "poster.jpg"
    for name in ("master.m3u8", "poster.jpg"):
        storage.put_stream(video.media_prefix + name, io.BytesIO(b"x"))
    return video


def _says(html: str, french: list[str], english: list[str]) -> None:
    for text in french:
        assert text in html, f"{text!r} missing"
    for text in english:
        assert text not in html, f"{text!r} left in English"


def test_the_portal_pages_speak_french(app, client, session):
    editor = UserFactory(role=Role.EDITOR)
    video = _ready_video(session, app.extensions["storage"])
    session.commit()
    login(client, editor)

    dashboard = client.get("/portal/", headers=FR).get_data(as_text=True)
    _says(dashboard, ["Importer une vidéo", "Toutes les vidéos", "À valider", "Mise à jour"],
          ["Upload a video", "Everyone’s videos", "Ready for review", "Updated"])

    upload = client.get("/portal/videos/new", headers=FR).get_data(as_text=True)
    _says(upload, ["Fichier vidéo", "Langue parlée", "Progression de l’importation",
                   "Nom de l’intervenant·e"],
          ["Video file", "Language spoken", "Upload progress", "Speaker&#39;s name"])

    page = client.get(f"/portal/videos/{video.public_id}", headers=FR).get_data(as_text=True)
    _says(page, ["Aperçu", "Sous-titres", "Publier maintenant", "Publier sans sous-titres"],
          ["Preview", "Captions", "Publish now", "Publish without captions"])


def test_refusals_from_the_services_are_shown_in_french(app, client, session):
    editor = UserFactory(role=Role.EDITOR)
    expired = date.today() - timedelta(days=1)
    video = _ready_video(session, app.extensions["storage"], consent_expires_on=expired)
    session.commit()
    token = login(client, editor)

    response = post(client, f"/portal/videos/{video.public_id}/publish", token,
                    {"without_captions": "y"}, follow_redirects=True, headers=FR)
    _says(response.get_data(as_text=True),
          [f"Le consentement de l’intervenant·e pour cette vidéo prend fin le "
           f"{expired.isoformat()} : elle ne peut pas être publiée"],
          ["consent for this video ends on", "Published."])

    bad_timing = b"1\n00:00:01,000 --> 00:00:xx\nBonjour\n"
    response = post(client, f"/portal/videos/{video.public_id}/captions", token,
                    {"language": "fr", "file": (io.BytesIO(bad_timing), "intro.srt")},
                    content_type="multipart/form-data", follow_redirects=True, headers=FR)
    _says(response.get_data(as_text=True),
          ["Ligne 2 : « 00:00:01,000 --&gt; 00:00:xx » n’est pas un minutage valide."],
          ["is not a valid timing", "Captions saved."])

    # The upload widget shows the tus endpoint's JSON message as it comes.
    response = client.post("/api/v1/uploads", headers={
        **FR, "Tus-Resumable": "1.0.0", "X-CSRFToken": token, "Upload-Length": "0"})
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == (
        "Cette importation ne peut pas être acceptée : le fichier est vide.")

    session.expire_all()
    video = session.get(Video, video.id)
    assert video.status is VideoStatus.READY and not video.captions


def test_a_refused_page_says_why_in_french(client, session):
    user = UserFactory(role=Role.CONTRIBUTOR)
    session.commit()
    login(client, user)
    response = client.get("/portal/admin/users", headers=FR)
    assert response.status_code == 403
    _says(response.get_data(as_text=True), ["Vous ne pouvez pas faire cela"],
          ["Forbidden", "You don't have the permission"])
