from flask import Blueprint

bp = Blueprint("public", __name__)

from . import health, media, views  # noqa: E402,F401
