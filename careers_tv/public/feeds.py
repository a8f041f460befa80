"""Machine-readable views: Atom feeds, the sitemap, oEmbed."""

from . import bp  # noqa: F401
