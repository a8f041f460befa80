from flask import Blueprint

bp = Blueprint("portal", __name__)

from . import auth, views  # noqa: E402,F401
