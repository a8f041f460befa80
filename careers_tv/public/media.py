"""Media files of the embedded default (LocalStorage), with HTTP Range support.

In production media is served by the object store or a CDN (`MEDIA_BASE_URL`), never here.
Published media under `videos/` is public; anything else needs a valid presigned URL.
"""

from flask import abort, request, send_file

from ..storage import InvalidKey, get_storage
from ..storage.base import guess_content_type
from ..storage.local import LocalStorage
from .blueprint import bp

PUBLIC_PREFIXES = ("videos/",)


@bp.get("/media/<path:key>")
def media(key: str):
    storage = get_storage()
    if not isinstance(storage, LocalStorage):
        abort(404)
    if not key.startswith(PUBLIC_PREFIXES):
        expires = request.args.get("expires", "")
        signature = request.args.get("signature", "")
        if not storage.verify_signature(key, expires, signature):
            abort(403)
    try:
        path = storage.path_for(key)
    except InvalidKey:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=guess_content_type(key), conditional=True, max_age=3600)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
