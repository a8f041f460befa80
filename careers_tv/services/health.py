"""Readiness: can this process reach the database, the object store and the broker?"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..storage import get_storage


def _database() -> None:
    with db.engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))


def _storage() -> None:
    get_storage().check()


def _broker() -> None:
    celery = current_app.extensions["celery"]
    with celery.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


CHECKS = {"database": _database, "storage": _storage, "broker": _broker}


def readiness() -> tuple[bool, dict[str, str]]:
    """Run every check; a failure is reported by name with a short reason, never raised."""
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # any failure means "not ready"; the reason is shown
            results[name] = f"error: {type(exc).__name__}: {str(exc)[:200]}"
        else:
            results[name] = "ok"
    return all(v == "ok" for v in results.values()), results
