"""What every API answer shares: JSON errors, caching and validators, CORS, rate limits."""

from __future__ import annotations

import hashlib

from flask import Flask, Response, current_app, jsonify, request
from flask_cors import CORS
from flask_login import current_user

from ..extensions import limiter
from ..ratelimit import ip_key
from ..services.cursor_pages import BadCursor
from ..services.videos import VideoError
from .blueprint import bp
from .spec import ValidationFailed

# Public reads: a minute is fresh enough for a publication to show, and CDNs may keep them.
PUBLIC_CACHE = "public, max-age=60"
# With a token the answer may hold what only that token may see.
PRIVATE_CACHE = "private, no-cache"
TUS_ENDPOINTS = ("api.uploads", "api.upload")
EXPOSED_HEADERS = [
    "ETag", "Location", "Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining",
    "X-RateLimit-Reset", "Tus-Resumable", "Tus-Version", "Tus-Extension", "Tus-Max-Size",
    "Upload-Offset", "Upload-Length", "Upload-Expires", "Upload-Metadata",
]
ALLOWED_HEADERS = [
    "Authorization", "Content-Type", "If-None-Match", "Tus-Resumable", "Upload-Length",
    "Upload-Offset", "Upload-Metadata", "X-HTTP-Method-Override",
]


def error(status: int, code: str, message: str, details: list | None = None) -> Response:
    body = {"code": code, "message": message}
    if details:
        body["details"] = details
    response = jsonify(error=body)
    response.status_code = status
    return response


@bp.errorhandler(ValidationFailed)
def _invalid(exc: ValidationFailed):
    return error(400, "invalid_request", str(exc), exc.details)


@bp.errorhandler(BadCursor)
def _bad_cursor(exc: BadCursor):
    return error(400, "invalid_cursor", str(exc))


@bp.errorhandler(VideoError)
def _video_error(exc: VideoError):
    """A state the video is not in (publishing a draft...); bad fields are 400s, refused
    by the views before this."""
    return error(409, "conflict", exc.message % exc.params if exc.params else exc.message)


@bp.after_request
def _caching(response: Response) -> Response:
    if request.endpoint in TUS_ENDPOINTS:
        return response  # the tus endpoint sets its own headers
    response.vary.add("Authorization")
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        response.headers.setdefault("Cache-Control", "no-store")
        return response
    response.headers["Cache-Control"] = (
        PRIVATE_CACHE if "Authorization" in request.headers else PUBLIC_CACHE)
    response.add_etag()  # from the body: whatever changes in it changes the tag
    return response.make_conditional(request)


# -- rate limits -----------------------------------------------------------------------------


def _portal_uploader() -> bool:
    """A portal user uploading through tus: the one place under /api/ a session counts
    (elsewhere the API never loads a user from the session cookie)."""
    return request.endpoint in TUS_ENDPOINTS and current_user.is_authenticated


def rate_key() -> str:
    """Who is counted: a token (by its hash: the secret never reaches the limiter's store),
    else the portal user uploading, else the client's address."""
    header = request.headers.get("Authorization", "")
    if header:
        return "token:" + hashlib.sha256(header.encode()).hexdigest()[:32]
    if _portal_uploader():
        return f"user:{current_user.id}"
    return ip_key()


def rate_limit() -> str:
    config = current_app.config
    if "Authorization" in request.headers or _portal_uploader():
        return config["API_TOKEN_RATE_LIMIT"]
    return config["API_RATE_LIMIT"]


limiter.limit(rate_limit, key_func=rate_key)(bp)


def init_http(app: Flask) -> None:
    origins = [o.strip() for o in app.config["API_CORS_ORIGINS"].split(",") if o.strip()]
    if origins:
        CORS(app, resources={r"/api/v1/*": {"origins": origins}}, supports_credentials=False,
             expose_headers=EXPOSED_HEADERS, allow_headers=ALLOWED_HEADERS, max_age=600)
