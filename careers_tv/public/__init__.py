from flask import Blueprint

bp = Blueprint("public", __name__)

from . import counting, feeds, health, media, search, views, watch  # noqa: E402,F401
