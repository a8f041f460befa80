"""The public site: home, channels, watch, search, feeds, sitemap, oEmbed, embeds, media."""

from . import counting, feeds, health, media, search, views, watch  # noqa: F401 - the routes
from .blueprint import bp

__all__ = ["bp"]
