"""Resumable uploads: the tus 1.0.0 protocol at /api/v1/uploads.

Core protocol plus the creation, termination and expiration extensions, for tus-js-client
in the portal and for API clients. This module speaks HTTP; services/uploads/ decides what
an upload is. Authentication is either an API token with the upload scope (`Authorization:
Bearer`, no CSRF: browsers never send one on their own), or the portal's session cookie with
CSRF in the X-CSRFToken header: the views are exempt from the global CSRF check only to run it
themselves, after lifting Flask's request size cap for PATCH (the global check would read the
body first, under that cap).
"""

from __future__ import annotations

import base64
import binascii
import re
from functools import wraps

from flask import Response, abort, current_app, g, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import ClientDisconnected
from werkzeug.http import http_date

from ..extensions import csrf, db, login_manager
from ..models import Role, Scope, Upload, UploadStatus, User
from ..services import uploads as upload_service
from ..storage import StorageError
from . import auth
from .blueprint import bp

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,expiration,termination"
OFFSET_OCTET_STREAM = "application/offset+octet-stream"
# Well under the 8 KiB a header may take in gunicorn (or nginx) before they refuse the request.
MAX_METADATA_HEADER = 4096
_METADATA_KEY = re.compile(r"[!-+\--~]+")  # printable ASCII without space or comma
_DIGITS = re.compile(r"[0-9]{1,19}")


def _collection_path() -> str:
    return url_for("api.uploads")


@bp.after_app_request
def _tus_headers(response: Response) -> Response:
    path = _collection_path()
    if request.path == path or request.path.startswith(path + "/"):
        response.headers["Tus-Resumable"] = TUS_VERSION
        if response.status_code == 412:
            response.headers["Tus-Version"] = TUS_VERSION
    return response


def _options() -> Response:
    response = Response(status=204)
    response.headers["Tus-Version"] = TUS_VERSION
    response.headers["Tus-Extension"] = TUS_EXTENSIONS
    response.headers["Tus-Max-Size"] = str(upload_service.max_bytes())
    return response


def tus_request(view):
    """The checks every tus request passes, in order: protocol version, login, then (for
    PATCH) the body's type and size cap, then CSRF."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if request.method == "OPTIONS":
            return _options()
        if request.headers.get("Tus-Resumable") != TUS_VERSION:
            abort(412, _("This server speaks tus %(version)s; send Tus-Resumable: %(version)s.",
                         version=TUS_VERSION))
        if auth.sends_token():
            g.uploader = auth.require(Scope.UPLOAD).user
        elif current_user.is_authenticated and current_user.is_active:
            g.uploader = current_user._get_current_object()
        else:
            return login_manager.unauthorized()
        if not g.uploader.has_role(Role.CONTRIBUTOR):
            abort(403)
        if request.method == "PATCH":
            if request.mimetype != OFFSET_OCTET_STREAM:
                abort(415, _("Send the bytes as %(type)s.", type=OFFSET_OCTET_STREAM))
            # The tus maximum caps an upload, not Flask's cap for forms.
            request.max_content_length = upload_service.max_bytes()
        if not auth.sends_token():
            csrf.protect()
        try:
            return view(*args, **kwargs)
        except upload_service.UploadError as exc:
            db.session.rollback()
            _refuse(exc)
        except StorageError:
            db.session.rollback()
            current_app.logger.exception("storage failed during a tus %s", request.method)
            abort(503, _("File storage is unavailable right now; the upload will resume."))

    return csrf.exempt(wrapped)


def _uploader() -> User:
    return g.uploader


def _refuse(exc: upload_service.UploadError):
    """The refusal a person can read, with the status the tus client acts on (each kind of
    refusal carries both: services/uploads/errors.py)."""
    abort(exc.status, _(exc.message, **exc.params))


def _header_int(name: str) -> int:
    value = request.headers.get(name, "")
    if not _DIGITS.fullmatch(value):
        abort(400, _("The %(header)s header must be a whole number of bytes.", header=name))
    return int(value)


def parse_metadata(header: str) -> dict[str, str]:
    """Upload-Metadata: comma-separated `key base64(value)` pairs (the value is optional)."""
    if len(header) > MAX_METADATA_HEADER:
        abort(400, _("The Upload-Metadata header is too long."))
    metadata: dict[str, str] = {}
    for pair in header.split(","):
        pair = pair.strip()
        if not pair:
            continue
        key, _space, encoded = pair.partition(" ")
        if not _METADATA_KEY.fullmatch(key) or key in metadata:
            abort(400, _("Upload-Metadata has a bad or repeated key."))
        try:
            value = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            abort(400, _("Upload-Metadata values must be base64."))
        metadata[key] = value.decode("utf-8", errors="replace")
    return metadata


def _encode_metadata(metadata: dict[str, str]) -> str:
    return ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in metadata.items()
    )


def _progress_headers(response: Response, upload: Upload) -> Response:
    response.headers["Upload-Offset"] = str(upload.offset)
    if upload.status is UploadStatus.RECEIVING and upload.expires_at is not None:
        response.headers["Upload-Expires"] = http_date(upload.expires_at)
    return response


class _Body:
    """The request body, with a client that went away seen as a connection error."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        try:
            return self._stream.read(size)
        except ClientDisconnected as exc:
            raise ConnectionAbortedError("the client went away mid-request") from exc


@bp.route("/uploads", methods=["OPTIONS", "POST"], endpoint="uploads")
@tus_request
def create_upload():
    if "Upload-Defer-Length" in request.headers:
        abort(400, _("The upload's length must be known when it starts."))
    length = _header_int("Upload-Length")
    metadata = parse_metadata(request.headers.get("Upload-Metadata", ""))
    upload = upload_service.create_upload(_uploader(), length, metadata)
    response = Response(status=201)
    response.headers["Location"] = url_for("api.upload", upload_id=upload.id)
    return _progress_headers(response, upload)


@bp.route("/uploads/<upload_id>", methods=["OPTIONS", "HEAD", "PATCH", "DELETE"],
          endpoint="upload")
@tus_request
def upload_resource(upload_id: str):
    upload = upload_service.get_upload(upload_id, _uploader())
    if request.method == "HEAD":
        response = Response(status=200)
        response.headers["Upload-Length"] = str(upload.length)
        response.headers["Cache-Control"] = "no-store"
        if upload.upload_metadata:
            response.headers["Upload-Metadata"] = _encode_metadata(upload.upload_metadata)
        return _progress_headers(response, upload)
    if request.method == "DELETE":
        upload_service.terminate(upload)
        return Response(status=204)
    offset = _header_int("Upload-Offset")
    upload = upload_service.append(upload, offset, _Body(request.stream), request.content_length)
    return _progress_headers(Response(status=204), upload)
