"""Counting the SQL statements a piece of work runs (query counts must not grow with data)."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from careers_tv.extensions import db


@contextmanager
def sql_statements(app):
    """Yields the list of statements run on the app's engine inside the block."""
    statements: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", note)


def statements_for(app, client, path: str) -> int:
    """How many statements one successful GET of `path` runs."""
    with sql_statements(app) as statements:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(statements)
