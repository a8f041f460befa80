"""The announcements on X: what was posted, what failed and why, what waits."""

from flask import abort, render_template, request
from flask_babel import lazy_gettext as _l

from ..models import AnnouncementStatus, Role
from ..services import announcements as announcement_service
from . import bp
from .access import role_required

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
    )
