from flask import Blueprint

bp = Blueprint("portal", __name__)

from . import account, admin, announcements, auth, videos, views  # noqa: E402,F401
