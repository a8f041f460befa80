"""/api/v1/openapi.json, built from the operations' declarations, and its reference page."""

from __future__ import annotations

from importlib.metadata import version

from flask import jsonify, render_template, url_for

from ..links import site_url
from . import bp, spec
from .uploads import OPENAPI_PATHS as TUS_PATHS


def build() -> dict:
    document = spec.document(site_url("/api/v1").rstrip("/"), version("careers-tv"))
    document["paths"].update(TUS_PATHS)
    document["tags"].append({"name": "Uploads", "description": (
        "Resumable uploads (tus 1.0.0: core, creation, expiration, termination). Any tus "
        "client works; authenticate with the same bearer token (upload scope).")})
    return document


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(build())


@bp.get("/docs")
def reference():
    """The document rendered for people (Swagger UI, served from our own static files)."""
    return render_template("api/reference.html", spec_url=url_for("api.openapi_json"))
