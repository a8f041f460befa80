"""Audience insight: the view flush keeps a row per video and day, and the portal charts it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from bs4 import BeautifulSoup

from careers_tv.models import Role, Video, VideoStatus, ViewDay
from careers_tv.services import insight, view_counts
from tests.factories import UserFactory, VideoFactory, channel
from tests.functional.portal_helpers import login
from tests.sql import statements_for

TODAY = view_counts.utc_today()


def published(**fields) -> Video:
    return VideoFactory(status=VideoStatus.PUBLISHED, published_at=datetime.now(UTC), **fields)


def days_of(session, video_id: int) -> dict[date, int]:
    session.expire_all()
    return dict(session.execute(sa.select(ViewDay.day, ViewDay.views)
                                .where(ViewDay.video_id == video_id)).all())


def number(text: str) -> int:
    """A figure as the page prints it, whatever the locale's grouping separator."""
    return int(re.sub(r"\D", "", text))


def chart_table(page: BeautifulSoup, chart_id: str) -> tuple[list[str], dict[date, list[int]]]:
    """The visually hidden table next to a chart: its column heads and its rows by day."""
    table = page.find("table", attrs={"data-chart": chart_id})
    assert table is not None and "visually-hidden" in table["class"]
    heads = [th.get_text(strip=True) for th in table.thead.find_all("th")][1:]
    rows = {}
    for tr in table.tbody.find_all("tr"):
        day = date.fromisoformat(tr.th.time["datetime"])
        rows[day] = [number(td.get_text()) for td in tr.find_all("td")]
    return heads, rows


def add_views(video: Video, day: date, views: int) -> None:
    from careers_tv.extensions import db

    db.session.add(ViewDay(video_id=video.id, day=day, views=views))


# The flush --------------------------------------------------------------------------------

def test_flushes_add_up_per_day_and_yesterday_stays_yesterday(app, session, pending):
    video = published()
    other = published()
    session.commit()
    yesterday = TODAY - timedelta(days=1)
    with app.app_context():
        pending.hset(view_counts.PENDING, mapping={str(video.id): 3, str(other.id): 1})
        assert view_counts.flush_views(day=yesterday) == 4
        pending.hset(view_counts.PENDING, mapping={str(video.id): 2})
        assert view_counts.flush_views(day=TODAY) == 2
        pending.hset(view_counts.PENDING, mapping={str(video.id): 5, str(other.id): 4})
        assert view_counts.flush_views(day=TODAY) == 9
    assert days_of(session, video.id) == {yesterday: 3, TODAY: 7}
    assert days_of(session, other.id) == {yesterday: 1, TODAY: 4}
    assert session.get(Video, video.id).view_count == 10  # the total moves with the days


def test_one_upsert_for_all_the_videos_of_a_flush(app, session, pending):
    from tests.sql import sql_statements

    videos = [published() for _ in range(5)]
    session.commit()
    pending.hset(view_counts.PENDING, mapping={str(v.id): 1 for v in videos})
    with app.app_context(), sql_statements(app) as statements:
        assert view_counts.flush_views() == 5
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT INTO VIEW_DAYS")]
    assert len(inserts) == 1 and "ON CONFLICT" in inserts[0].upper()
    assert all(days_of(session, v.id) == {TODAY: 1} for v in videos)


def test_a_video_deleted_before_the_flush_does_not_lose_the_others(app, session, pending):
    kept, gone = published(), published()
    session.commit()
    gone_id = gone.id
    pending.hset(view_counts.PENDING, mapping={str(kept.id): 2, str(gone_id): 3})
    session.delete(gone)
    session.commit()
    with app.app_context():
        assert view_counts.flush_views() == 2
    assert days_of(session, kept.id) == {TODAY: 2}
    assert days_of(session, gone_id) == {}


def test_the_embedded_counter_writes_the_day_too(app, session):
    video = published()
    session.commit()
    counter = view_counts.DirectViewCounter()
    yesterday = TODAY - timedelta(days=1)
    with app.app_context():
        assert counter.count(video.id, "viewer-a", day=yesterday)
        assert counter.count(video.id, "viewer-b")
        assert counter.count(video.id, "viewer-c")
        assert not counter.count(video.id, "viewer-c")
    assert days_of(session, video.id) == {yesterday: 1, TODAY: 2}


# The queries ------------------------------------------------------------------------------

def test_daily_views_fill_the_empty_days(app, session):
    video = published()
    session.flush()
    add_views(video, TODAY, 4)
    add_views(video, TODAY - timedelta(days=6), 2)
    add_views(video, TODAY - timedelta(days=7), 99)  # outside a week
    session.flush()
    with app.test_request_context():
        week = insight.daily_views(video, days=7, today=TODAY)
    assert [d for d, _ in week] == [TODAY - timedelta(days=n) for n in range(6, -1, -1)]
    assert [v for _, v in week] == [2, 0, 0, 0, 0, 0, 4]


def test_top_videos_of_the_month_leave_last_month_out(app, session):
    start = date(2026, 11, 1)
    hit, steady, old = published(), published(), published()
    session.flush()
    add_views(hit, date(2026, 10, 31), 1000)  # last month: does not count
    add_views(hit, date(2026, 11, 1), 5)
    add_views(hit, date(2026, 11, 30), 5)
    add_views(steady, date(2026, 11, 15), 7)
    add_views(old, date(2026, 10, 15), 500)
    add_views(old, date(2026, 12, 1), 500)  # next month neither
    session.flush()
    with app.test_request_context():
        top = insight.top_videos(start)
        assert [(t.video.id, t.views) for t in top] == [(hit.id, 10), (steady.id, 7)]
        assert [t.video.id for t in insight.top_videos(start, limit=1)] == [hit.id]
        assert insight.top_videos(date(2026, 10, 1))[0].views == 1000
    assert insight.month_start(date(2026, 11, 28)) == start


# The portal -------------------------------------------------------------------------------

def test_an_editor_sees_views_per_channel_and_the_top_videos(client, session):
    editor = UserFactory(role=Role.EDITOR)
    testimonial = published(channel=channel("temoignages"), title="Ana at the forum")
    live = published(channel=channel("sogelive"), title="Sogelive replay")
    session.flush()
    add_views(testimonial, TODAY, 12)
    add_views(testimonial, TODAY - timedelta(days=29), 3)
    add_views(testimonial, TODAY - timedelta(days=30), 50)  # 31 days ago: off the chart
    add_views(live, TODAY, 1234)
    session.commit()
    login(client, editor)

    response = client.get("/portal/?lang=en")
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    svg = page.find("svg", id="channel-views")
    assert svg["role"] == "img" and "Testimonials" in svg["aria-label"]
    assert svg.title.get_text() == svg["aria-label"]
    heads, rows = chart_table(page, "channel-views")
    assert heads[:2] == ["Testimonials", "Sogelive"]
    assert len(rows) == 30 and min(rows) == TODAY - timedelta(days=29) and max(rows) == TODAY
    assert rows[TODAY][:2] == [12, 1234]
    assert rows[TODAY - timedelta(days=29)][:2] == [3, 0]
    assert sum(r[0] for r in rows.values()) == 15
    assert [li.get_text(strip=True) for li in page.select(".chart-legend li")][:2] == \
        ["Testimonials", "Sogelive"]

    # This month's views only: the older rows count if today is late enough in the month.
    month = TODAY.replace(day=1)
    testimonial_month = 12 + sum(v for d, v in [(TODAY - timedelta(days=29), 3),
                                                (TODAY - timedelta(days=30), 50)] if d >= month)
    top = [[td.get_text(strip=True) for td in tr.find_all("td")]
           for tr in page.select("table.top-videos tbody tr")]
    assert [(title, name, number(views)) for title, name, views in top] == [
        ("Sogelive replay", "Sogelive", 1234),
        ("Ana at the forum", "Testimonials", testimonial_month),
    ]
    top_links = page.select("table.top-videos tbody a")
    assert top_links[0]["href"] == f"/portal/videos/{live.public_id}"


def test_a_contributor_does_not_see_the_audience(client, session):
    contributor = UserFactory(role=Role.CONTRIBUTOR)
    mine = published(created_by=contributor)
    session.flush()
    add_views(mine, TODAY, 8)
    session.commit()
    login(client, contributor)
    page = BeautifulSoup(client.get("/portal/").get_data(as_text=True), "html.parser")
    assert page.find(id="channel-views") is None and page.select("table.top-videos") == []
    assert page.find(id="audience-title") is None


def test_the_video_page_charts_its_own_views(client, session):
    contributor = UserFactory(role=Role.CONTRIBUTOR)
    video = published(created_by=contributor, view_count=42)
    other = published()
    session.flush()
    add_views(video, TODAY - timedelta(days=2), 5)
    add_views(other, TODAY - timedelta(days=2), 700)
    session.commit()
    login(client, contributor)  # the owner may view the page, so sees its views
    page = BeautifulSoup(client.get(f"/portal/videos/{video.public_id}?lang=en")
                         .get_data(as_text=True), "html.parser")
    assert "42 views in all" in page.select_one(".view-total").get_text()
    svg = page.find("svg", id="video-views")
    assert svg["role"] == "img" and svg["aria-label"]
    assert len(svg.select("rect")) == 1
    _, rows = chart_table(page, "video-views")
    assert len(rows) == 30 and rows[TODAY - timedelta(days=2)] == [5]
    assert sum(r[0] for r in rows.values()) == 5


def test_the_french_dashboard_charts_in_french(client, session):
    editor = UserFactory(role=Role.EDITOR)
    session.commit()
    login(client, editor)
    page = BeautifulSoup(client.get("/portal/?lang=fr").get_data(as_text=True), "html.parser")
    assert page.find(id="audience-title").get_text() == "Audience"
    assert "Témoignages" in page.find("svg", id="channel-views")["aria-label"]
    assert "Aucune vue" in page.select_one(".audience").get_text()
    video = published(view_count=3)
    session.commit()
    page = BeautifulSoup(client.get(f"/portal/videos/{video.public_id}?lang=fr")
                         .get_data(as_text=True), "html.parser")
    assert page.select_one(".view-total").get_text() == "3 vues en tout"
    assert page.find("svg", id="video-views")["aria-label"].startswith(
        "Vues par jour de cette vidéo (du ")


def test_the_dashboard_statements_do_not_grow_with_the_videos(app, client, session):
    editor = UserFactory(role=Role.EDITOR)
    session.commit()
    login(client, editor)
    channels = ["temoignages", "sogelive", "mission-handicap", "corporate"]

    def with_views(n: int) -> int:
        for i in range(n):
            video = published(channel=channel(channels[i % 4]))
            session.flush()
            add_views(video, TODAY, i + 1)
            add_views(video, TODAY - timedelta(days=1 + i % 29), 2)
        session.commit()
        return statements_for(app, client, "/portal/")

    one = with_views(1)
    thirty = with_views(29)
    assert thirty == one
