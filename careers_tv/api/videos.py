"""One video: reading it, and for clients with a token creating, editing and publishing it.

A client creates a video (scope `upload`), sends its file to the tus endpoint with the
video's id in the upload's metadata, follows `status` until `ready`, and publishes it (scope
`publish`), now or at a time. The token acts for the admin who made it.
"""

from __future__ import annotations

from flask import abort

from ..clock import utcnow
from ..extensions import db
from ..models import Scope, Visibility
from ..services import channels as channel_service
from ..services import editorial, watching
from ..services import videos as video_service
from ..services.videos import VideoError
from . import auth, schemas, serialize
from .blueprint import bp
from .schemas import PUBLIC_ID_SCHEMA
from .spec import operation

TAG = "Videos"
ID = {"public_id": PUBLIC_ID_SCHEMA}


def _manageable(public_id: str):
    """A video the token's owner may change, whatever its state."""
    user = auth.token_user()
    video = video_service.get_video(public_id)
    if video is None or user is None or not editorial.can_view(user, video):
        abort(404, "no such video")
    return video, user


@operation(bp, "GET", "/videos/<public_id>", summary="One video", tag=TAG,
           response=schemas.Video, errors=(404, 410), path_params=ID, cached=True)
def get_video(public_id: str):
    """A published video (listed or unlisted: whoever has its id may watch it). With a token
    holding the upload or publish scope, also the videos its owner may manage, in any state
    (status, progress, the upload address while it waits for its file)."""
    manager = auth.manager()
    if manager is not None:
        video = video_service.get_video(public_id)
        if video is not None and editorial.can_view(manager, video):
            return serialize.detail(video)
    found = watching.find(public_id)
    if found.gone:
        abort(410, "this video has been withdrawn")
    if found.video is None:
        abort(404, "no published video has this id")
    return serialize.detail(found.video)


def _message(exc: VideoError) -> str:
    return exc.message % exc.params if exc.params else exc.message


def _channel(slug: str):
    channel = channel_service.get_channel(slug)
    if channel is None:
        abort(400, f"no channel is called {slug!r}")
    return channel


def _fields(body: schemas.In, names) -> dict:
    """The metadata the editorial service takes (visibility is set on the row directly)."""
    return {name: getattr(body, name) for name in names if name != "visibility"}


EDITABLE = ("title", "description", "language", "speaker_name", "speaker_title", "entity",
            "country", "consent_reference", "consent_expires_on", "tags", "visibility")


@operation(bp, "POST", "/videos", summary="Create a video, then upload its file", tag=TAG,
           body=schemas.VideoCreate, response=schemas.Video, status=201, scope=Scope.UPLOAD,
           links={name: (target, {"public_id": "$response.body#/id"}) for name, target in (
               ("GetVideo", "get_video"), ("UpdateVideo", "update_video"),
               ("PublishVideo", "publish_video"), ("UnpublishVideo", "unpublish_video"))})
def create_video(body: schemas.VideoCreate):
    """The new video waits for its file: send it to `upload_url` (tus 1.0.0, the same token,
    `video` set to the new id in Upload-Metadata). Transcoding starts when the last byte is in."""
    user = auth.token_user()
    try:
        video = editorial.start_upload(_channel(body.channel), body.title, user,
                                       **_fields(body, EDITABLE[1:]))
    except VideoError as exc:
        abort(400, _message(exc))
    video.visibility = Visibility(body.visibility)
    db.session.commit()
    return serialize.detail(video)


@operation(bp, "PATCH", "/videos/<public_id>", summary="Change a video's details", tag=TAG,
           body=schemas.VideoUpdate, response=schemas.Video, errors=(404, 409), path_params=ID,
           scope=Scope.UPLOAD)
def update_video(public_id: str, body: schemas.VideoUpdate):
    """Only the fields sent change. The uploader may edit until the video is published;
    an editor or admin at any time."""
    video, user = _manageable(public_id)
    if not editorial.can_edit(user, video):
        abort(409, "this video can no longer be changed by its uploader")
    fields = _fields(body, [name for name in EDITABLE if name in body.model_fields_set])
    if "description" in fields and fields["description"] is None:
        fields["description"] = ""
    channel = _channel(body.channel) if body.channel else None
    try:
        editorial.update_metadata(video, channel=channel, **fields)
    except VideoError as exc:
        abort(400, _message(exc))
    if body.visibility is not None:
        video.visibility = Visibility(body.visibility)
    db.session.commit()
    return serialize.detail(video)


@operation(bp, "POST", "/videos/<public_id>/publish", summary="Publish now or at a time",
           tag=TAG, body=schemas.PublishRequest, body_optional=True, response=schemas.Video,
           errors=(404, 409), path_params=ID, scope=Scope.PUBLISH)
def publish_video(public_id: str, body: schemas.PublishRequest):
    """Now (and announced on X once), or at `at`. The video must be ready, scheduled or
    unpublished, and its consent valid then. Needs an editor's or admin's token."""
    video, user = _manageable(public_id)
    if not editorial.is_editor(user):
        abort(403, "publishing needs an editor's or admin's token")
    now = utcnow()
    if body.at is None:
        editorial.publish_now(video, now.date())
    else:
        if body.at.tzinfo is None:
            abort(400, "give the time with its offset, such as 2026-12-01T09:00:00+01:00")
        editorial.schedule(video, body.at, now)
    db.session.commit()
    return serialize.detail(video)


@operation(bp, "POST", "/videos/<public_id>/unpublish", summary="Withdraw a video", tag=TAG,
           response=schemas.Video, errors=(404, 409), path_params=ID, scope=Scope.PUBLISH)
def unpublish_video(public_id: str):
    """A published video is withdrawn (its page answers 410); a scheduled one goes back to
    ready."""
    video, user = _manageable(public_id)
    if not editorial.is_editor(user):
        abort(403, "unpublishing needs an editor's or admin's token")
    editorial.unpublish(video)
    db.session.commit()
    return serialize.detail(video)
