"""Watch, embed and transcript pages of one video."""

from . import bp  # noqa: F401
