"""X's JSON answers and error shapes, shared by the fake's endpoints."""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Response

TITLES = {400: "Invalid Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
          429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
          503: "Service Unavailable", 504: "Gateway Timeout"}


class XError(Exception):
    """Raised by an endpoint: answered with `problem(status, detail, message)`."""

    def __init__(self, status: int, detail: str, message: str | None = None):
        super().__init__(detail)
        self.status, self.detail, self.message = status, detail, message


def json_response(payload: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(payload), status=status, mimetype="application/json")


def problem(status: int, detail: str, message: str | None = None) -> Response:
    """X's problem JSON; 400s also carry `errors` with the reason, like X's invalid requests."""
    title = TITLES.get(status, "Error")
    if status == 400:
        body = {"errors": [{"message": message or detail}], "title": title,
                "detail": "One or more parameters to your request was invalid.",
                "type": "https://api.twitter.com/2/problems/invalid-request", "status": 400}
    else:
        body = {"title": title, "type": "about:blank", "status": status, "detail": detail}
    return json_response(body, status)
