from flask import Blueprint

bp = Blueprint("api", __name__)

from . import channels, uploads  # noqa: E402,F401
