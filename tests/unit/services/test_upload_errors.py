"""Each refusal of a resumable upload carries the status the tus client acts on and the
sentence people read, in English and in French, exactly as the endpoint has always said it."""

from __future__ import annotations

import pytest
from flask_babel import gettext

from careers_tv.i18n import N_
from careers_tv.models import VideoStatus
from careers_tv.services.uploads import (
    InvalidUpload,
    OffsetMismatch,
    UploadBusy,
    UploadComplete,
    UploadGone,
    UploadNotFound,
    UploadTooLarge,
    VideoNotFound,
    VideoNotWaiting,
)

ID = "0" * 32

REFUSALS = [
    (UploadNotFound(ID), 404, "No such upload.", "Importation introuvable."),
    (UploadGone(ID), 410, "This upload was cancelled or has expired; start it again.",
     "Cette importation a été annulée ou a expiré ; recommencez-la."),
    (UploadBusy(ID), 409,
     "This upload is receiving data from another request; try again shortly.",
     "Cette importation reçoit déjà des données d’une autre requête ; réessayez dans quelques "
     "instants."),
    (UploadComplete(ID), 409, "This upload is complete: the video is being processed.",
     "Cette importation est terminée : la vidéo est en cours de traitement."),
    (OffsetMismatch(40, 10), 409, "The upload is at byte 40, not at byte 10.",
     "L’importation en est à l’octet 40, et non à l’octet 10."),
    (UploadTooLarge(1000), 413, "That is more than the 1000 bytes allowed for this upload.",
     "Cela dépasse les 1000 octets autorisés pour cette importation."),
    (InvalidUpload(N_("the file is empty")), 400,
     "This upload cannot be accepted: the file is empty.",
     "Cette importation ne peut pas être acceptée : le fichier est vide."),
    (VideoNotFound("abc"), 404, "No such video, or not one of yours.",
     "Vidéo introuvable, ou qui ne vous appartient pas."),
    (VideoNotWaiting(VideoStatus.READY), 409, "This video is not waiting for a file.",
     "Cette vidéo n’attend pas de fichier."),
]


@pytest.mark.parametrize(("error", "status", "english", "french"), REFUSALS,
                         ids=[type(refusal[0]).__name__ for refusal in REFUSALS])
def test_each_refusal_has_its_status_and_its_sentence_in_both_languages(
        app, error, status, english, french):
    assert error.status == status
    assert str(error) == english  # logs read English, whatever the request's language
    for language, expected in (("en", english), ("fr", french)):
        with app.test_request_context(headers={"Accept-Language": language}):
            assert gettext(error.message, **error.params) == expected


def test_what_the_refusals_name_stays_readable_in_code():
    assert (OffsetMismatch(40, 10).expected, OffsetMismatch(40, 10).given) == (40, 10)
    assert UploadTooLarge(1000).limit == 1000
    assert VideoNotWaiting(VideoStatus.READY).video_status is VideoStatus.READY
    assert VideoNotWaiting(None).video_status is None
    assert UploadBusy(ID).upload_id == ID
    assert InvalidUpload(N_("the file is empty")).reason == "the file is empty"
