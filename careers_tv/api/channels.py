from flask import jsonify

from ..services import channels as channel_service
from . import bp


def _channel_json(channel):
    return {
        "slug": channel.slug,
        "name": {"fr": channel.name_fr, "en": channel.name_en},
        "description": {"fr": channel.description_fr, "en": channel.description_en},
    }


@bp.get("/channels")
def channels():
    return jsonify(channels=[_channel_json(c) for c in channel_service.list_channels()])
