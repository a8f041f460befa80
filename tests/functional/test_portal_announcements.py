"""The portal's page of announcements on X."""

from __future__ import annotations

from datetime import UTC, datetime

from careers_tv.models import Announcement, AnnouncementStatus, Role, VideoStatus
from tests.factories import UserFactory, VideoFactory
from tests.functional.portal_helpers import login

EN = {"Accept-Language": "en"}


def test_editors_see_what_was_posted_and_why_something_failed(client, session):
    editor = UserFactory(role=Role.EDITOR)
    posted = VideoFactory(title="Forum Paris", status=VideoStatus.PUBLISHED,
                          published_at=datetime.now(UTC))
    failed = VideoFactory(title="Mission Handicap day", status=VideoStatus.PUBLISHED,
                          published_at=datetime.now(UTC))
    session.flush()
    session.add_all([
        Announcement(video_id=posted.id, status=AnnouncementStatus.POSTED, post_id="1850",
                     text="Nouvelle vidéo : Forum Paris https://tv.example.net/videos/x"),
        Announcement(video_id=failed.id, status=AnnouncementStatus.FAILED,
                     error="The X credentials were refused: renew them."),
    ])
    session.commit()
    login(client, editor)
    page = client.get("/portal/announcements", headers=EN).get_data(as_text=True)
    assert "Forum Paris" in page and "https://x.com/i/web/status/1850" in page
    assert "The X credentials were refused: renew them." in page
    only_failed = client.get("/portal/announcements?status=failed",
                             headers=EN).get_data(as_text=True)
    assert "Mission Handicap day" in only_failed and "Forum Paris" not in only_failed
    assert client.get("/portal/announcements?status=nonsense").status_code == 400


def test_contributors_do_not_see_the_announcements(client, session):
    user = UserFactory(role=Role.CONTRIBUTOR)
    session.commit()
    login(client, user)
    assert client.get("/portal/announcements").status_code == 403
    assert "/portal/announcements" not in client.get("/portal/").get_data(as_text=True)
