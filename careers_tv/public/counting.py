"""The player's beacon: a view starts (counted once per viewer and half hour)."""

from flask import abort, request

from ..extensions import csrf
from ..models import VideoStatus
from ..services import videos as video_service
from ..services.view_counts import count_view
from .blueprint import bp


@bp.post("/videos/<public_id>/views")
@csrf.exempt  # public pages carry no session; the worst a forged beacon does is one view
def views(public_id: str):
    video = video_service.get_video(public_id)
    if video is None or video.status is not VideoStatus.PUBLISHED:
        abort(404)
    count_view(video, request.remote_addr or "", request.user_agent.string)
    return "", 204, {"Cache-Control": "no-store"}
