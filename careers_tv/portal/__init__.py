from flask import Blueprint

bp = Blueprint("portal", __name__)

from . import account, admin, announcements, api_tokens, auth, videos, views  # noqa: E402,F401
