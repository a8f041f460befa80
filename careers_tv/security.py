"""Security headers on every response: a Content-Security-Policy that lets the player work and
nothing else, no framing except the embed page, no MIME sniffing, HSTS in production.

The policy is built once per app: the only variable part is where media comes from (object
storage or a CDN, which hls.js fetches with XHR and the poster and storyboard are drawn from).
A response that already carries one of these headers keeps it, so a view with a reason to
differ can say so itself.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request

# The embed page is framed by careers sites and partners (EMBED_FRAME_ANCESTORS says which).
EMBEDDABLE = frozenset({"public.embed"})
# Swagger UI writes <style> elements and style attributes as it renders: that page alone
# accepts inline styles (it shows no user content but the API's own description).
INLINE_STYLES = frozenset({"api.reference"})

PERMISSIONS_POLICY = ("camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
                      "browsing-topics=()")
HSTS = "max-age=31536000; includeSubDomains"


def origin(url: str | None) -> str | None:
    """`https://cdn.example.com:8443` from any URL under it; None for what is not http(s)."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def media_origins(config, storage=None) -> list[str]:
    """Where the browser fetches media from, besides this site.

    MEDIA_BASE_URL (a CDN or the bucket's public address) for published media; with S3, the
    endpoint too, which presigned URLs (the portal's previews) and public URLs without
    MEDIA_BASE_URL point at. Local storage serves /media from this site, under
    PUBLIC_BASE_URL: listed too, in case the site is reached by another name (localhost vs
    127.0.0.1), which would make it another origin.
    """
    found = [origin(config.get("MEDIA_BASE_URL"))]
    if (config.get("STORAGE_URL") or "").startswith("s3://"):
        # The storage knows the endpoint boto3 resolved when S3_ENDPOINT_URL is unset (AWS).
        endpoint = config.get("S3_ENDPOINT_URL") or getattr(storage, "endpoint_url", None)
        found.append(origin(endpoint))
    elif not config.get("MEDIA_BASE_URL"):
        found.append(origin(config.get("PUBLIC_BASE_URL")))
    return list(dict.fromkeys(o for o in found if o))  # unique, in order


def content_security_policy(media: list[str], frame_ancestors: str = "'none'",
                            inline_styles: bool = False) -> str:
    media_sources = " ".join(["'self'", *media])
    directives = [
        "default-src 'self'",
        "script-src 'self'",  # JSON-LD is a data block (type=application/ld+json), not run
        "style-src 'self'" + (" 'unsafe-inline'" if inline_styles else ""),
        f"img-src {media_sources} data:",
        f"media-src {media_sources} blob:",  # blob: hls.js feeds the element through MSE
        f"connect-src {media_sources}",  # hls.js loads playlists and segments with XHR
        "worker-src 'self' blob:",  # hls.js runs its demuxer in a worker made from a blob
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        f"frame-ancestors {frame_ancestors}",
    ]
    return "; ".join(directives)


class Policies:
    """The app's three policies, built once from its config."""

    def __init__(self, config, storage=None):
        media = media_origins(config, storage)
        self.default = content_security_policy(media)
        self.embed = content_security_policy(media, config["EMBED_FRAME_ANCESTORS"])
        self.inline_styles = content_security_policy(media, inline_styles=True)

    def for_endpoint(self, endpoint: str | None) -> str:
        if endpoint in EMBEDDABLE:
            return self.embed
        if endpoint in INLINE_STYLES:
            return self.inline_styles
        return self.default


def set_security_headers(response: Response) -> Response:
    policies: Policies = current_app.extensions["security_policies"]
    headers = response.headers
    headers.setdefault("Content-Security-Policy", policies.for_endpoint(request.endpoint))
    if request.endpoint not in EMBEDDABLE:
        headers.setdefault("X-Frame-Options", "DENY")  # for browsers without frame-ancestors
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    # Only over https (behind nginx, as gunicorn's forwarded_allow_ips makes it seen): HSTS
    # sent over plain http is ignored by browsers, and in development would pin localhost.
    if current_app.config["PRODUCTION"] and request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_security(app: Flask) -> None:
    """After init_storage: the S3 endpoint is read from the storage."""
    app.extensions["security_policies"] = Policies(app.config, app.extensions.get("storage"))
    app.after_request(set_security_headers)
