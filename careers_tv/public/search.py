"""The search page: /search?q=…[&language=fr|en][&page=N]."""

from __future__ import annotations

from flask import render_template, request

from ..services import search as search_service
from ..services.highlight import MAX_QUERY_LENGTH
from ..storage import get_storage
from .blueprint import bp

PER_PAGE = 10
MAX_PAGE = 500  # past this nobody is reading; keeps OFFSET small
LANGUAGES = ("fr", "en")


def _page() -> int:
    try:
        return max(1, min(int(request.args.get("page", 1)), MAX_PAGE))
    except ValueError:  # a hand-edited link: the first page rather than an error
        return 1


@bp.get("/search")
def search():
    query = " ".join(request.args.get("q", "").split())[:MAX_QUERY_LENGTH]
    language = request.args.get("language", "")
    language = language if language in LANGUAGES else ""
    results = None
    if query:
        results = search_service.search(query, language=language or None, limit=PER_PAGE,
                                        offset=(_page() - 1) * PER_PAGE)
    return render_template("public/search.html", query=query, language=language,
                           languages=LANGUAGES, results=results, storage=get_storage())
