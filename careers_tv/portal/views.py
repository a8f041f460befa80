from flask import render_template
from flask_login import current_user

from ..models import Role
from ..services import videos as video_service
from . import bp
from .access import role_required
from .forms import LogoutForm


@bp.get("/")
@role_required(Role.CONTRIBUTOR)
def dashboard():
    videos = video_service.videos_for_dashboard(current_user)
    return render_template("portal/dashboard.html", videos=videos, logout_form=LogoutForm())
