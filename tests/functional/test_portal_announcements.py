"""The portal's page of announcements on X."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from careers_tv.models import Announcement, AnnouncementStatus, Job, Role, VideoStatus
from tests.factories import UserFactory, VideoFactory
from tests.functional.portal_helpers import login, post

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


def test_a_failed_announcement_can_be_sent_again(client, session):
    editor = UserFactory(role=Role.EDITOR)
    video = VideoFactory(status=VideoStatus.PUBLISHED, published_at=datetime.now(UTC))
    session.flush()
    failed = Announcement(video_id=video.id, status=AnnouncementStatus.FAILED, attempts=6,
                          text="Nouvelle vidéo https://tv.example.net/videos/x",
                          error="X stayed unavailable after 6 attempts: 503")
    session.add(failed)
    session.commit()
    token = login(client, editor)
    assert "Send again" in client.get("/portal/announcements", headers=EN).get_data(as_text=True)
    response = post(client, f"/portal/announcements/{failed.id}/retry", token)
    assert response.status_code == 302
    session.expire_all()
    row = session.get(Announcement, failed.id)
    assert (row.status, row.error, row.attempts) == (AnnouncementStatus.PENDING, None, 0)
    assert row.text.startswith("Nouvelle vidéo")  # the same post is sent
    jobs = session.scalars(sa.select(Job).where(Job.kind == "announce")).all()
    assert [j.payload["announcement_id"] for j in jobs] == [failed.id]

    again = post(client, f"/portal/announcements/{failed.id}/retry", token,
                 follow_redirects=True, headers=EN)
    assert "Only a failed announcement can be sent again." in again.get_data(as_text=True)
    assert post(client, "/portal/announcements/999999/retry", token).status_code == 404
