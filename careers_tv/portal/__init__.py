"""The staff portal (login required): upload, edit, review, publish, jobs, announcements."""

from . import account, admin, announcements, api_tokens, auth, videos, views  # noqa: F401
from .blueprint import bp

__all__ = ["bp"]
