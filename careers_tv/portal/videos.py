"""Portal video pages: upload, edit, captions, poster, publish."""

from . import bp  # noqa: F401
