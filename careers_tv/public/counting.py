"""The player's beacons: a view starts (counted once per viewer and half hour); the viewer
leaves, and the player reports how playback went (services/playback_quality.py)."""

import json

from flask import abort, current_app, jsonify, request

from ..extensions import csrf
from ..models import VideoStatus
from ..services import playback_quality
from ..services import videos as video_service
from ..services.view_counts import count_view
from .blueprint import bp

NO_STORE = {"Cache-Control": "no-store"}


def _published(public_id: str):
    video = video_service.get_video(public_id)
    if video is None or video.status is not VideoStatus.PUBLISHED:
        abort(404)
    return video


@bp.post("/videos/<public_id>/views")
@csrf.exempt  # public pages carry no session; the worst a forged beacon does is one view
def views(public_id: str):
    video = _published(public_id)
    count_view(video, request.remote_addr or "", request.user_agent.string)
    return "", 204, NO_STORE


def _refused(status: int, message: str):
    # Read by whoever wrote the sender, so JSON in English as the API answers, not a page.
    response = jsonify(error={"code": status, "message": message})
    response.status_code = status
    response.headers.update(NO_STORE)
    return response


@bp.post("/videos/<public_id>/playback")
@csrf.exempt  # as the view beacon: no session here, and a forged report is one report
def playback(public_id: str):
    """One report per page (navigator.sendBeacon, JSON). Neither the address nor the browser
    of the sender is looked at: the report is all that is kept, summed."""
    video = _published(public_id)
    limit = playback_quality.REPORT_MAX_BYTES
    if (request.content_length or 0) > limit:
        return _refused(413, f"a report is at most {limit} bytes")
    if request.mimetype != "application/json":
        return _refused(415, "a report is sent as application/json")
    body = request.stream.read(limit + 1)  # bounded even when no length was announced
    if len(body) > limit:
        return _refused(413, f"a report is at most {limit} bytes")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return _refused(400, "the report is not valid JSON")
    try:
        report = playback_quality.parse_report(data)
    except playback_quality.BadReport as exc:
        return _refused(400, str(exc))
    playback_quality.record_report(video, report)
    if report.fatal:
        current_app.logger.info("playback failed on %s: %s", video.public_id, report.fatal)
    return "", 204, NO_STORE
