"""The JSON API at /api/v1: the catalogue, videos, tus uploads, and the OpenAPI document."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from . import catalogue, http, openapi, uploads, videos  # noqa: E402,F401
from .http import init_http as init_app  # noqa: E402,F401
