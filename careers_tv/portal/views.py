from babel.numbers import format_decimal, format_percent
from flask import abort, render_template, request
from flask_babel import get_locale
from flask_login import current_user

from ..models import Role, VideoStatus
from ..services import editorial, insight, playback_quality
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
        quality=playback_quality.daily_quality(days=30) if editor else None,
        logout_form=LogoutForm(),
    )


def _audience() -> dict:
    locale = str(get_locale())
    return {
        "series": [{"label": channel.name(locale), "points": points}
                   for channel, points in insight.daily_views_by_channel(days=30)],
        "top": insight.top_videos(insight.month_start(), limit=10),
    }


# -- the playback quality figures, as the dashboard prints them ------------------------------

@bp.app_template_filter("startup_seconds")
def startup_seconds(ms: float | None) -> str:
    """1234.5 -> '1.2 s' ('1,2 s' in French); None (no start measured) -> '—'."""
    if ms is None:
        return "—"
    return format_decimal(ms / 1000, format="0.0", locale=get_locale()) + "\u00a0s"


@bp.app_template_filter("share_percent")
def share_percent(ratio: float | None) -> str:
    """0.0123 -> '1.2%' ('1,2 %' in French), to a tenth of a percent; None -> '—'."""
    if ratio is None:
        return "—"
    return format_percent(round(ratio, 3), locale=get_locale(), decimal_quantization=False)
