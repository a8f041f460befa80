from flask import abort, render_template, request
from flask_login import current_user

from ..models import Role, VideoStatus
from ..services import editorial
from ..services import schedule as schedule_service
from . import bp
from .access import role_required
from .forms import LogoutForm
from .status import LABELS, LIVE


@bp.get("/")
@role_required(Role.CONTRIBUTOR)
def dashboard():
    wanted = request.args.get("status") or None
    mine = request.args.get("mine") == "1"
    try:
        status = VideoStatus(wanted) if wanted else None
    except ValueError:
        abort(400, "unknown status")
    return render_template(
        "portal/dashboard.html",
        videos=editorial.dashboard_videos(current_user, status, mine),
        counts=editorial.status_counts(current_user, mine),
        current_status=status,
        mine=mine,
        is_editor=editorial.is_editor(current_user),
        labels=LABELS,
        live=LIVE,
        expiring=schedule_service.expiring_consents(days=30)
        if editorial.is_editor(current_user) else [],
        logout_form=LogoutForm(),
    )
