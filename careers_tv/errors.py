"""Errors: JSON for the API (and any client asking for JSON), a page for people."""

from __future__ import annotations

from flask import Flask, abort, jsonify, redirect, render_template, request, url_for
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


def _holds_nul() -> bool:
    """NUL in the address, the query or a form: no text column can store it (PostgreSQL
    refuses it outright), and no person typed it."""
    if "\x00" in request.path:
        return True
    values = list(request.args.values())
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values += list(request.form.values())
    return any("\x00" in value for value in values)


def register_error_handlers(app: Flask) -> None:
    @app.before_request
    def refuse_nul():
        if _holds_nul():
            abort(400, _("The request holds a NUL character, which no field accepts."))

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
