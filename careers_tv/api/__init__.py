"""The JSON API at /api/v1: the catalogue, videos, tus uploads, and the OpenAPI document."""

from . import catalogue, http, openapi, uploads, videos  # noqa: F401 - the routes
from .blueprint import bp

__all__ = ["bp"]
