"""/api/v1/openapi.json, built from the operations' declarations, and its reference page."""

from __future__ import annotations

from importlib.metadata import version

from flask import jsonify, render_template, url_for

from ..links import site_url
from ..services import channels as channel_service
from . import spec
from .blueprint import bp
from .tus_openapi import OPENAPI_PATHS as TUS_PATHS


def _name_channels(document: dict) -> None:
    """The channels a video may be put in, named in the document as they are now (admins
    add channels, so this is read at each request rather than fixed in the models)."""
    slugs = [channel.slug for channel in channel_service.list_channels()]
    for name in ("VideoCreate", "VideoUpdate"):
        field = document["components"]["schemas"][name]["properties"]["channel"]
        for choice in field.get("anyOf", [field]):
            if choice.get("type") == "string":
                choice.pop("pattern", None)
                choice["enum"] = slugs


def build() -> dict:
    document = spec.document(site_url("/api/v1").rstrip("/"), version("careers-tv"))
    _name_channels(document)
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
