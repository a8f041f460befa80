"""The announcements on X: what was posted, what failed and why, what waits."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import AnnouncementStatus, Role
from ..services import announcements as announcement_service
from .access import role_required
from .blueprint import bp
from .forms import ActionForm

LABELS = {
    AnnouncementStatus.PENDING: _l("Waiting"),
    AnnouncementStatus.SENDING: _l("Sending"),
    AnnouncementStatus.POSTED: _l("Posted"),
    AnnouncementStatus.FAILED: _l("Failed"),
    AnnouncementStatus.SKIPPED: _l("Not sent"),
}


@bp.get("/announcements")
@role_required(Role.EDITOR)
def announcements():
    wanted = request.args.get("status") or None
    try:
        status = AnnouncementStatus(wanted) if wanted else None
    except ValueError:
        abort(400, "unknown status")
    return render_template(
        "portal/announcements.html",
        announcements=announcement_service.recent(status),
        counts=announcement_service.counts(),
        current_status=status,
        labels=LABELS,
        post_url=announcement_service.post_url,
        credentials_need_renewing=announcement_service.credentials_need_renewing(),
        action_form=ActionForm(formdata=None),
    )


@bp.post("/announcements/<int:announcement_id>/retry")
@role_required(Role.EDITOR)
def retry_announcement(announcement_id: int):
    announcement = announcement_service.get(announcement_id)
    if announcement is None:
        abort(404)
    if not ActionForm().validate():
        abort(400)
    try:
        announcement_service.retry(announcement)
    except ValueError:
        flash(_("Only a failed announcement can be sent again."), "error")
    else:
        db.session.commit()
        flash(_("The announcement will be sent again shortly."), "success")
    return redirect(url_for("portal.announcements"))
