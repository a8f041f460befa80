"""Portal video pages: upload, the video's page (preview, details, captions, poster), and the
editorial actions (publish now or later, unpublish, retry, delete). Roles are checked here on
every route; what may happen to a video in which state is decided in services.editorial."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from wtforms.fields.choices import SelectChoice

from ..announce.compose import MAX_WEIGHTED_LENGTH
from ..clock import utcnow
from ..extensions import db
from ..models import Role, VideoStatus
from ..services import caption_drafts, editorial, insight
from ..services import captions as caption_service
from ..services import channels as channel_service
from ..services import chapters as chapter_service
from ..services import videos as video_service
from ..storage import get_storage
from .access import role_required
from .blueprint import bp
from .forms import (
    ActionForm,
    CaptionForm,
    PosterForm,
    PublishForm,
    ScheduleForm,
    VideoForm,
)
from .status import draft_info, draft_label, draft_note, status_label, status_note


def _channel_choices():
    locale = str(get_locale())
    return [SelectChoice(str(c.id), c.name(locale)) for c in channel_service.list_channels()]


def _video_or_404(public_id: str):
    video = video_service.get_video(public_id)
    if video is None:
        abort(404)
    if not editorial.can_view(current_user, video):
        abort(403)
    return video


def _editable_or_403(public_id: str):
    video = _video_or_404(public_id)
    if not editorial.can_edit(current_user, video):
        abort(403)
    return video


def _timezone() -> ZoneInfo:
    return ZoneInfo(current_app.config["PORTAL_TIMEZONE"])


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _back(video, anchor: str = ""):
    return redirect(url_for("portal.video", public_id=video.public_id) + anchor)


def _message(exc: video_service.VideoError) -> str:
    """The service's refusal in the reader's language (services mark their msgids N_)."""
    return _(exc.message, **exc.params)


def _refused(video, exc: video_service.VideoError, anchor: str = ""):
    flash(_message(exc), "error")
    return _back(video, anchor)


def _apply(video, change, done: str, anchor: str = ""):
    """Make one editorial change: committed and confirmed, or refused with the reason."""
    try:
        change()
        db.session.commit()
    except video_service.VideoError as exc:  # CaptionError included
        db.session.rollback()
        return _refused(video, exc, anchor)
    except IntegrityError:  # two people saved the same thing at the same moment
        db.session.rollback()
        flash(_("Someone changed this video at the same moment. Check the page and try "
                "again."), "error")
        return _back(video, anchor)
    flash(done, "success")
    return _back(video, anchor)


@bp.route("/videos/new", methods=["GET", "POST"])
@role_required(Role.CONTRIBUTOR)
def new_video():
    """The metadata form; the page's script posts it, then sends the file with tus."""
    form = VideoForm()
    form.channel.choices = _channel_choices()
    if form.validate_on_submit():
        channel = editorial.get_channel_by_id(form.channel.data)
        fields = form.metadata()
        try:
            video = editorial.start_upload(channel, fields.pop("title"), current_user,
                                           tags=form.tags.data, **fields)
        except video_service.VideoError as exc:
            form.title.errors = [*form.title.errors, _message(exc)]
        else:
            db.session.commit()
            page = url_for("portal.video", public_id=video.public_id)
            if _wants_json():
                return jsonify(video=video.public_id, video_url=page,
                               upload_url=url_for("portal.upload_file",
                                                  public_id=video.public_id)), 201
            return redirect(url_for("portal.upload_file", public_id=video.public_id))
    if request.method == "POST" and _wants_json():
        return jsonify(error={"code": "invalid_form", "message": _("Check the form."),
                              "fields": form.errors}), 400
    status = 400 if request.method == "POST" else 200
    return render_template("portal/video_new.html", form=form), status


@bp.get("/videos/<public_id>/upload")
@role_required(Role.CONTRIBUTOR)
def upload_file(public_id: str):
    """Send (or resume sending) the file of a video that is waiting for it."""
    video = _editable_or_403(public_id)
    if video.status not in (VideoStatus.UPLOADING, VideoStatus.DRAFT):
        flash(_("This video already has its file."), "info")
        return _back(video)
    return render_template("portal/video_upload.html", video=video)


@bp.get("/videos/<public_id>")
@role_required(Role.CONTRIBUTOR)
def video(public_id: str):
    video = _video_or_404(public_id)
    form = VideoForm(obj=video, formdata=None)
    form.channel.choices = _channel_choices()
    form.channel.data = video.channel_id
    form.tags.data = ", ".join(t.label for t in video.tags)
    form.chapters.data = chapter_service.to_text(video.chapters)
    return _video_page(video, form)


def _video_page(video, form: VideoForm, status: int = 200):
    """The video's page, its details form as given (a refused one keeps what was typed)."""
    storage = get_storage()
    master = editorial.master_key(video)
    local_publish_at = (video.publish_at.astimezone(_timezone()).replace(tzinfo=None)
                        if video.publish_at else None)
    return render_template(
        "portal/video.html",
        video=video,
        form=form,
        can_edit=editorial.can_edit(current_user, video),
        is_editor=editorial.is_editor(current_user),
        status_label=status_label(video.status),
        master_url=storage.public_url(master) if master and video.renditions else None,
        poster_url=storage.public_url(video.poster_key) if video.poster_key else None,
        candidates=[(key, storage.public_url(key))
                    for key in editorial.poster_candidates(video)],
        captions=[(c, storage.public_url(c.storage_key))
                  for c in caption_service.captions_for(video)],
        unreviewed_only=caption_service.only_unreviewed(video),
        caption_form=CaptionForm(formdata=None),
        poster_form=PosterForm(formdata=None),
        publish_form=PublishForm(formdata=None),
        schedule_form=ScheduleForm(formdata=None, publish_at=local_publish_at),
        action_form=ActionForm(formdata=None),
        timezone=current_app.config["PORTAL_TIMEZONE"],
        announcement=editorial.announcement_preview(video),
        max_post_length=MAX_WEIGHTED_LENGTH,
        daily_views=insight.daily_views(video, days=30),
    ), status


@bp.post("/videos/<public_id>/details")
@role_required(Role.CONTRIBUTOR)
def update_video(public_id: str):
    video = _editable_or_403(public_id)
    form = VideoForm()
    form.channel.choices = _channel_choices()
    valid = form.validate()
    chapters = _chapters(form, video) if valid else None
    if not valid or form.chapters.errors or form.chapters_file.errors:
        # Shown again with the reasons at their fields, nothing typed lost.
        flash(_("The details are not saved: correct what is marked below."), "error")
        return _video_page(video, form, 400)
    channel = editorial.get_channel_by_id(form.channel.data)

    def change():
        editorial.update_metadata(video, channel=channel, tags=form.tags.data,
                                  **form.metadata())
        editorial.set_chapters(video, chapters)

    return _apply(video, change, _("Details saved."), "#details")


def _chapters(form: VideoForm, video) -> list[dict] | None:
    """The chapters the form gives (an uploaded file wins over the text); a refusal is put
    on the field it concerns."""
    upload = form.chapters_file.data
    field = form.chapters_file if upload and upload.filename else form.chapters
    try:
        if field is form.chapters_file:
            data = upload.stream.read(chapter_service.MAX_FILE_BYTES + 1)
            return chapter_service.parse_vtt(data, video.duration_seconds)
        return chapter_service.parse_text(form.chapters.data, video.duration_seconds)
    except chapter_service.ChapterError as exc:
        field.errors = [*field.errors, _(exc.message, **exc.params)]
        return None


@bp.get("/videos/status.json")
@role_required(Role.CONTRIBUTOR)
def videos_status():
    """Live status for the dashboard and the video page (polled every few seconds)."""
    ids = [i for i in request.args.get("ids", "").split(",") if i][:200]
    videos = editorial.videos_by_public_ids(current_user, ids)
    return jsonify(videos=[{
        "id": v.public_id,
        "status": v.status.value,
        "status_label": status_label(v.status),
        "progress": v.progress,
        "message": status_note(v),
        "captions": draft_info(v),
    } for v in videos])


@bp.post("/videos/<public_id>/captions")
@role_required(Role.EDITOR)
def add_caption(public_id: str):
    video = _video_or_404(public_id)
    form = CaptionForm()
    if not form.validate():
        flash(_("Choose a caption file (SRT or WebVTT) and its language."), "error")
        return _back(video, "#captions")
    upload = form.file.data
    data = upload.stream.read(caption_service.max_caption_bytes() + 1)
    return _apply(video, lambda: caption_service.save_caption(
        video, form.language.data, None, data, upload.filename, reviewed_by=current_user),
        _("Captions saved."), "#captions")


@bp.post("/videos/<public_id>/captions/draft")
@role_required(Role.EDITOR)
def redraft_captions(public_id: str):
    video = _video_or_404(public_id)
    if not ActionForm().validate():
        abort(400)
    return _apply(video, lambda: caption_drafts.redraft(video),
                  _("The captions draft is queued; it appears here when it is ready."),
                  "#captions")


@bp.post("/videos/<public_id>/captions/<language>/delete")
@role_required(Role.EDITOR)
def delete_caption(public_id: str, language: str):
    video = _video_or_404(public_id)
    if not ActionForm().validate():
        abort(400)
    return _apply(video, lambda: caption_service.delete_caption(video, language),
                  _("Captions removed."), "#captions")


@bp.post("/videos/<public_id>/poster")
@role_required(Role.EDITOR)
def choose_poster(public_id: str):
    video = _video_or_404(public_id)
    form = PosterForm()
    if not form.validate():
        abort(400)
    return _apply(video, lambda: editorial.choose_poster(video, form.key.data),
                  _("Poster changed."), "#poster")


def _captions_confirmed(video, form) -> bool:
    """Publishing without captions leaves deaf and hard-of-hearing viewers out, and a speech
    model's unreviewed draft misspells names and words: ask first."""
    if not video.captions:
        if form.without_captions.data:
            return True
        flash(_("This video has no captions. Add them, or tick “Publish without captions” to "
                "confirm."), "warning")
        return False
    if caption_service.only_unreviewed(video) and not form.unreviewed_captions.data:
        flash(_("This video's only captions are an automatic draft no one has reviewed. "
                "Review them, or tick “Publish with automatic captions no one has reviewed” "
                "to confirm."), "warning")
        return False
    return True


@bp.post("/videos/<public_id>/publish")
@role_required(Role.EDITOR)
def publish(public_id: str):
    video = _video_or_404(public_id)
    form = PublishForm()
    if not form.validate():
        abort(400)
    if not _captions_confirmed(video, form):
        return _back(video, "#publish")
    return _apply(video, lambda: editorial.publish_now(video, utcnow().date()),
                  _("Published. The announcement on X goes out shortly."), "#publish")


@bp.post("/videos/<public_id>/schedule")
@role_required(Role.EDITOR)
def schedule(public_id: str):
    video = _video_or_404(public_id)
    form = ScheduleForm()
    if not form.validate():
        flash(_("Give a date and a time to schedule the video."), "error")
        return _back(video, "#publish")
    if not _captions_confirmed(video, form):
        return _back(video, "#publish")
    at = form.publish_at.data.replace(tzinfo=_timezone()).astimezone(UTC)
    return _apply(video, lambda: editorial.schedule(video, at, utcnow()), _("Scheduled."),
                  "#publish")


@bp.post("/videos/<public_id>/unpublish")
@role_required(Role.EDITOR)
def unpublish(public_id: str):
    video = _video_or_404(public_id)
    if not ActionForm().validate():
        abort(400)
    return _apply(video, lambda: editorial.unpublish(video),
                  _("Unpublished: the video is no longer public."), "#publish")


@bp.post("/videos/<public_id>/retry")
@role_required(Role.CONTRIBUTOR)
def retry(public_id: str):
    video = _editable_or_403(public_id)
    if not ActionForm().validate():
        abort(400)
    return _apply(video, lambda: editorial.retry(video), _("The transcode is queued again."))


@bp.post("/videos/<public_id>/delete")
@role_required(Role.EDITOR)
def delete(public_id: str):
    video = _video_or_404(public_id)
    if not ActionForm().validate():
        abort(400)
    title = video.title
    editorial.delete(video)
    db.session.commit()
    flash(_("“%(title)s” is deleted, with all its files.", title=title), "success")
    return redirect(url_for("portal.dashboard"))


def when(value: datetime | None) -> str:
    """A UTC time as the team reads it (the portal's time zone)."""
    if value is None:
        return ""
    return value.astimezone(_timezone()).strftime("%Y-%m-%d %H:%M")


bp.add_app_template_filter(when, "portal_time")
bp.add_app_template_filter(status_note, "status_note")
bp.add_app_template_filter(draft_label, "draft_label")
bp.add_app_template_filter(draft_note, "draft_note")
