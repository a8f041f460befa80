"""The interface language: from `?lang=`, then the remembered choice, then Accept-Language."""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from flask_babel import get_locale

COOKIE = "lang"


def N_(message: str) -> str:
    """Marks a message for extraction (pybabel knows `N_`); it is translated where it is shown."""
    return message


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    for wanted in (request.args.get("lang"), request.cookies.get(COOKIE)):
        if wanted in languages:
            return wanted
    best = request.accept_languages.best_match(languages)
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


def remember_choice(response: Response) -> Response:
    wanted = request.args.get("lang")
    if wanted in current_app.config["LANGUAGES"] and request.cookies.get(COOKIE) != wanted:
        response.set_cookie(COOKIE, wanted, max_age=365 * 24 * 3600, samesite="Lax",
                            httponly=True,  # read by the server only
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
    if not request.path.startswith(("/api/", "/media/", "/static/")):
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
    return response


def init_i18n(app: Flask) -> None:
    app.after_request(remember_choice)
    app.context_processor(lambda: {"locale": str(get_locale())})
