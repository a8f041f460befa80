"""The tus endpoint in the OpenAPI document: it speaks headers, so it is described by hand.

The rest of the document is built from the operations' declarations (spec.py); openapi.py
adds these paths to it. The protocol version, the media type and the metadata header's limit
are the endpoint's own (uploads.py), so those cannot differ from what it checks.
"""

from __future__ import annotations

from .uploads import MAX_METADATA_HEADER, OFFSET_OCTET_STREAM, TUS_VERSION


def _header(name: str, description: str, required: bool = True, **schema) -> dict:
    return {"name": name, "in": "header", "required": required, "description": description,
            "schema": {"type": "string", **schema}}


def _errors(*codes: int) -> dict:
    body = {"content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/ApiError"}}}}
    return {str(code): {"description": text, **body} for code, text in (
        (400, "A header is missing or malformed."), (401, "No valid token."),
        (403, "The token lacks the upload scope."), (404, "No such upload (or video)."),
        (409, "Wrong offset, busy, complete, or the video is not waiting for a file."),
        (410, "Cancelled or expired: start again."), (412, "Send Tus-Resumable: 1.0.0."),
        (413, "Larger than Tus-Max-Size."), (415, "Send application/offset+octet-stream."),
        (429, "Too many requests."), (503, "Storage is unavailable; resume later."),
    ) if code in codes}


_TUS = _header("Tus-Resumable", "The protocol version.", enum=[TUS_VERSION])
_OFFSET_HEADER = {"Upload-Offset": {"schema": {"type": "string", "pattern": "^[0-9]+$"},
                                    "description": "Bytes received so far."}}
_SECURITY = [{"token": ["upload"]}]
_UPLOAD_ID = {"name": "upload_id", "in": "path", "required": True,
              "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"}}

OPENAPI_PATHS = {
    "/uploads": {
        "options": {
            "operationId": "upload_capabilities", "tags": ["Uploads"],
            "summary": "What this tus server supports", "security": [{}],
            "responses": {"204": {"description": "Tus-Version, Tus-Extension, Tus-Max-Size."}},
        },
        "post": {
            "operationId": "create_upload", "tags": ["Uploads"],
            "summary": "Start an upload for a video waiting for its file",
            "description": "Upload-Metadata must name the video: `video <base64 of its id>`; "
                           "`filename` and `filetype` are kept too.",
            "parameters": [
                _TUS, _header("Upload-Length", "The file's size in bytes (Tus-Max-Size at most).",
                              pattern="^[1-9][0-9]{0,18}$"),
                _header("Upload-Metadata", "Comma-separated `key base64(value)` pairs.",
                        required=False, maxLength=MAX_METADATA_HEADER),
            ],
            "security": _SECURITY,
            "responses": {
                "201": {"description": "Created: PATCH the bytes to the Location.",
                        "headers": {"Location": {"schema": {"type": "string"}},
                                    **_OFFSET_HEADER}},
                **_errors(400, 401, 403, 404, 409, 412, 413, 429, 503),
            },
        },
    },
    "/uploads/{upload_id}": {
        "head": {
            "operationId": "upload_offset", "tags": ["Uploads"],
            "summary": "How many bytes arrived (to resume)",
            "parameters": [_UPLOAD_ID, _TUS], "security": _SECURITY,
            "responses": {
                "200": {"description": "Upload-Offset and Upload-Length.",
                        "headers": _OFFSET_HEADER},
                **{code: {"description": value["description"]} for code, value in
                   _errors(401, 403, 404, 410, 412, 429).items()},
            },
        },
        "patch": {
            "operationId": "upload_bytes", "tags": ["Uploads"],
            "summary": "Send bytes from Upload-Offset on",
            "parameters": [_UPLOAD_ID, _TUS,
                           _header("Upload-Offset", "Where these bytes start.",
                                   pattern="^[0-9]+$")],
            "requestBody": {"required": True, "content": {
                OFFSET_OCTET_STREAM: {"schema": {"type": "string", "format": "binary"}}}},
            "security": _SECURITY,
            "responses": {
                "204": {"description": "Stored; Upload-Offset is the new offset.",
                        "headers": _OFFSET_HEADER},
                **_errors(400, 401, 403, 404, 409, 410, 412, 413, 415, 429, 503),
            },
        },
        "delete": {
            "operationId": "cancel_upload", "tags": ["Uploads"],
            "summary": "Cancel an upload (its bytes are deleted)",
            "parameters": [_UPLOAD_ID, _TUS], "security": _SECURITY,
            "responses": {"204": {"description": "Cancelled."},
                          **_errors(401, 403, 404, 409, 410, 412, 429, 503)},
        },
    },
}
