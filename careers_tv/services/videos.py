"""Videos as the portal sees them."""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..models import Role, User, Video


def videos_for_dashboard(user: User, limit: int = 100) -> list[Video]:
    """Editors and admins see every video; contributors see their own."""
    query = sa.select(Video).order_by(Video.updated_at.desc()).limit(limit)
    if not user.has_role(Role.EDITOR):
        query = query.where(Video.created_by_id == user.id)
    return list(db.session.scalars(query))
