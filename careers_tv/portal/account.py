"""Staff account pages: password change."""

from . import bp  # noqa: F401
