"""Public pages: home and channels."""

from flask import abort, render_template

from ..services import channels as channel_service
from . import bp


@bp.get("/")
def home():
    channels = channel_service.list_channels()
    latest = {c.id: channel_service.published_videos(c, limit=4) for c in channels}
    return render_template("public/home.html", channels=channels, latest=latest)


@bp.get("/channels/<slug>")
def channel(slug: str):
    found = channel_service.get_channel(slug)
    if found is None:
        abort(404)
    videos = channel_service.published_videos(found)
    return render_template("public/channel.html", channel=found, videos=videos)
