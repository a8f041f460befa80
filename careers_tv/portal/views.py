from flask import abort, render_template, request
from flask_babel import get_locale
from flask_login import current_user

from ..models import Role, VideoStatus
from ..services import editorial, insight
from ..services import schedule as schedule_service
from .access import role_required
from .blueprint import bp
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
    editor = editorial.is_editor(current_user)
    return render_template(
        "portal/dashboard.html",
        videos=editorial.dashboard_videos(current_user, status, mine),
        counts=editorial.status_counts(current_user, mine),
        current_status=status,
        mine=mine,
        is_editor=editor,
        labels=LABELS,
        live=LIVE,
        expiring=schedule_service.expiring_consents(days=30) if editor else [],
        # Contributors see only their own videos: the audience of the whole site is not theirs.
        audience=_audience() if editor else None,
        logout_form=LogoutForm(),
    )


def _audience() -> dict:
    locale = str(get_locale())
    return {
        "series": [{"label": channel.name(locale), "points": points}
                   for channel, points in insight.daily_views_by_channel(days=30)],
        "top": insight.top_videos(insight.month_start(), limit=10),
    }
