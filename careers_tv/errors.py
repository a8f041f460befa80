"""Errors: JSON for the API (and any client asking for JSON), a page for people."""

from __future__ import annotations

from flask import Flask, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import login_manager


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _json_error(code: int, name: str, message: str):
    slug = name.lower().replace(" ", "_")
    response = jsonify(error={"code": slug, "message": message})
    response.status_code = code
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if wants_json():
            response = _json_error(exc.code or 500, exc.name, exc.description or exc.name)
            for header in ("Allow", "WWW-Authenticate", "Retry-After"):
                if exc.get_response().headers.get(header):
                    response.headers[header] = exc.get_response().headers[header]
            return response
        if isinstance(exc, CSRFError):
            exc.description = _("The form expired or was not sent from this site. Please retry.")
        return render_template("error.html", error=exc), exc.code

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return http_error(InternalServerError())

    @login_manager.unauthorized_handler
    def unauthorized():
        if wants_json():
            return _json_error(401, "Unauthorized", "authentication required")
        return redirect(url_for("portal.login", next=request.full_path.rstrip("?")))
