"""Absolute public addresses, from PUBLIC_BASE_URL: for feeds, the sitemap, oEmbed and posts
on X. A leaf module, so that every layer (services, jobs, announce) may use it."""

from __future__ import annotations

from flask import current_app


def site_url(path: str = "/") -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def watch_url(video) -> str:
    return site_url(f"/videos/{video.public_id}")


def embed_url(video) -> str:
    return site_url(f"/embed/{video.public_id}")


def channel_url(channel) -> str:
    return site_url(f"/channels/{channel.slug}")
