"""Admin pages: users and channels."""

from . import bp  # noqa: F401
