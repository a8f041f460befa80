"""Quality of experience: what the players report about playback, summed per video and day.

When a viewer leaves a page where a video played (or failed), static/js/playback-report.js
sends one report: how long the start took, how often and how long the picture stalled
afterwards, how long it played, and the fatal error if there was one. It holds nothing about
the viewer, and nothing about them is kept: no address, no browser, no id but the video's.

Reports are summed like the views (services/view_counts.py): with Redis a report costs one
round trip (a few HINCRBYs in a MULTI) and a beat task adds what piled up to the database
every minute, on the flush's UTC day; the embedded default writes each report at once. The
portal's dashboard reads the sums per day (`daily_quality`).

A median needs the times themselves, or their distribution: startup times are counted in a
fixed histogram (`BUCKETS`, 50 ms wide below 10 s, 1 s wide up to the 120 s a report may
say), one row per non-empty bucket, video and day, and percentiles are read from it with
linear interpolation inside the bucket that holds them, so they are right to within the
bucket's width. The rebuffer ratio is stalled time over stalled plus played time.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import redis
import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import PlaybackDay, StartupBucket, Video
from .view_counts import utc_today

# -- what a report may say ------------------------------------------------------------------

STARTUP_MAX_MS = 120_000  # a start slower than two minutes is a failure, not a start
REBUFFER_COUNT_MAX = 10_000
DAY_MS = 24 * 3600 * 1000  # a page kept open a whole day, playing or stalled all along
FATAL_MAX_LENGTH = 80
FATAL_PATTERN = re.compile(r"[A-Za-z0-9_:-]+")  # hls.js's "networkError:manifestLoadError"
REPORT_MAX_BYTES = 1024  # a real report is about 120 bytes
FIELDS = ("startup_ms", "rebuffer_count", "rebuffer_ms", "watched_ms", "fatal")


class BadReport(ValueError):
    """A report refused, with the reason for the one who sent it (in English, like the API:
    it is read by developers, not shown to viewers)."""


@dataclass(frozen=True)
class Report:
    startup_ms: int | None
    rebuffer_count: int
    rebuffer_ms: int
    watched_ms: int
    fatal: str | None = None


def _whole(data: dict, name: str, high: int, required: bool = True) -> int | None:
    value = data.get(name)
    if value is None and not required:
        return None
    # bool is an int to Python, 1.0 a float: neither is a number of milliseconds here.
    if type(value) is not int or not 0 <= value <= high:
        raise BadReport(f"{name} must be a whole number from 0 to {high}")
    return value


def parse_report(data: Any) -> Report:
    """The report in `data` (decoded JSON), or BadReport saying what is wrong with it."""
    if not isinstance(data, dict):
        raise BadReport("the report must be a JSON object")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise BadReport(f"unknown field: {unknown[0][:40]}")
    startup = _whole(data, "startup_ms", STARTUP_MAX_MS, required=False)
    count = _whole(data, "rebuffer_count", REBUFFER_COUNT_MAX)
    watched = _whole(data, "watched_ms", DAY_MS)
    stalled = _whole(data, "rebuffer_ms", DAY_MS)
    if watched + stalled > DAY_MS:
        raise BadReport("watched_ms and rebuffer_ms add up to more than a day")
    if stalled and not count:
        raise BadReport("rebuffer_ms without a rebuffer_count")
    fatal = data.get("fatal")
    if fatal is not None and (not isinstance(fatal, str) or len(fatal) > FATAL_MAX_LENGTH
                              or not FATAL_PATTERN.fullmatch(fatal)):
        raise BadReport(f"fatal must be up to {FATAL_MAX_LENGTH} letters, digits, _ : or -")
    if startup is None and fatal is None and not watched and not count:
        raise BadReport("the report says nothing: no startup, no playback, no error")
    return Report(startup, count, stalled, watched, fatal)


# -- the startup histogram ------------------------------------------------------------------

FINE_MS, FINE_UNTIL_MS = 50, 10_000
COARSE_MS = 1_000
FINE_BUCKETS = FINE_UNTIL_MS // FINE_MS
BUCKETS = FINE_BUCKETS + (STARTUP_MAX_MS - FINE_UNTIL_MS) // COARSE_MS + 1  # 120 s included


def bucket_of(ms: int) -> int:
    """The histogram bucket that counts a startup of `ms` milliseconds (0 … STARTUP_MAX_MS)."""
    if ms < FINE_UNTIL_MS:
        return ms // FINE_MS
    return FINE_BUCKETS + (min(ms, STARTUP_MAX_MS) - FINE_UNTIL_MS) // COARSE_MS


def bucket_range(bucket: int) -> tuple[int, int]:
    """The milliseconds bucket `bucket` counts, from the first to just before the second."""
    if bucket < FINE_BUCKETS:
        return bucket * FINE_MS, (bucket + 1) * FINE_MS
    low = FINE_UNTIL_MS + (bucket - FINE_BUCKETS) * COARSE_MS
    return low, low + COARSE_MS


def percentile(histogram: dict[int, int], fraction: float) -> float | None:
    """The startup time (ms) that `fraction` (0…1) of the samples in `histogram` (bucket ->
    samples) did not exceed, interpolated inside its bucket; None without samples."""
    total = sum(histogram.values())
    if total <= 0:
        return None
    rank = fraction * total
    seen = 0
    for bucket in sorted(histogram):
        samples = histogram[bucket]
        if samples <= 0:
            continue
        if seen + samples >= rank:
            low, high = bucket_range(bucket)
            return low + (high - low) * (rank - seen) / samples
        seen += samples
    return float(bucket_range(max(histogram))[1])  # only reached through rounding


def rebuffer_ratio(rebuffer_ms: int, watched_ms: int) -> float | None:
    """Stalled time over the time spent playing or stalled; None when there was neither."""
    total = rebuffer_ms + watched_ms
    return rebuffer_ms / total if total > 0 else None


# -- adding reports up ----------------------------------------------------------------------

SUMS = ("reports", "watched_ms", "rebuffer_count", "rebuffer_ms", "fatal_errors")


@dataclass
class Totals:
    """What the reports about one video added up to, before they reach the database."""

    sums: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SUMS, 0))
    startups: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, report: Report) -> None:
        for name, value in _increments(report):
            self.add_field(name, value)

    def add_field(self, name: str, value: int) -> None:
        if name.startswith("b"):
            self.startups[int(name[1:])] += value
        else:
            self.sums[name] += value


def _increments(report: Report) -> list[tuple[str, int]]:
    """The counters one report adds to: the sums, and its startup's histogram bucket."""
    found = [("reports", 1), ("watched_ms", report.watched_ms),
             ("rebuffer_count", report.rebuffer_count), ("rebuffer_ms", report.rebuffer_ms),
             ("fatal_errors", 1 if report.fatal else 0)]
    if report.startup_ms is not None:
        found.append((f"b{bucket_of(report.startup_ms)}", 1))
    return [(name, value) for name, value in found if value]


UPSERT_ROWS = 500  # at most 8 parameters a row: far below SQLite's and PostgreSQL's limits


def _upsert(model, rows: list[dict], keys: list[str], added: list[str]) -> None:
    """Add the `added` columns of `rows` to the existing rows with the same `keys`."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    for start in range(0, len(rows), UPSERT_ROWS):
        statement = insert(model).values(rows[start:start + UPSERT_ROWS])
        db.session.execute(statement.on_conflict_do_update(
            index_elements=[getattr(model, key) for key in keys],
            set_={name: getattr(model, name) + getattr(statement.excluded, name)
                  for name in added},
        ))


def _add(totals: dict[int, Totals], day: date | None = None) -> int:
    """Write `totals` (video id -> Totals) to `day`'s rows in one transaction; returns the
    number of reports written. A video deleted since its reports came is left out."""
    day = day or utc_today()
    existing = set(db.session.scalars(sa.select(Video.id).where(Video.id.in_(list(totals)))))
    ids = sorted(existing & set(totals))  # a fixed order: no deadlock between flushes
    days = [{"video_id": i, "day": day, **totals[i].sums} for i in ids if totals[i].sums["reports"]]
    buckets = [{"video_id": i, "day": day, "bucket": bucket, "samples": samples}
               for i in ids for bucket, samples in sorted(totals[i].startups.items())
               if samples]
    if days:
        _upsert(PlaybackDay, days, ["video_id", "day"], list(SUMS))
    if buckets:
        _upsert(StartupBucket, buckets, ["video_id", "day", "bucket"], ["samples"])
    db.session.commit()
    return sum(row["reports"] for row in days)


PENDING = "careers_tv:playback:pending"
FLUSHING = "careers_tv:playback:flushing:"


class RedisPlaybackRecorder:
    """Reports summed in one Redis hash (field "<video id>:<counter>") until the flush."""

    def __init__(self, client: redis.Redis):
        self.client = client

    def record(self, video_id: int, report: Report) -> None:
        pipe = self.client.pipeline(transaction=True)  # a report counts whole or not at all
        for name, value in _increments(report):
            pipe.hincrby(PENDING, f"{video_id}:{name}", value)
        pipe.execute()

    def flush(self, day: date | None = None) -> int:
        """Add the reports that piled up to the database; returns how many were added."""
        # As with the views: batches a dead flush left first, then the current one, renamed
        # away so that reports arriving meanwhile start a new batch.
        keys = [k.decode() for k in self.client.scan_iter(f"{FLUSHING}*")]
        batch = f"{FLUSHING}{uuid.uuid4().hex}"
        try:
            self.client.rename(PENDING, batch)
            keys.append(batch)
        except redis.ResponseError:  # nothing pending
            pass
        added = 0
        for key in keys:
            totals: dict[int, Totals] = defaultdict(Totals)
            for name, value in self.client.hgetall(key).items():
                video_id, counter = name.decode().split(":", 1)
                totals[int(video_id)].add_field(counter, int(value))
            if totals:
                added += _add(totals, day)
            self.client.delete(key)
        return added


class DirectPlaybackRecorder:
    """The embedded default: one process, no Redis; each report is written at once."""

    def record(self, video_id: int, report: Report, day: date | None = None) -> None:
        totals = Totals()
        totals.add(report)
        _add({video_id: totals}, day)

    def flush(self, day: date | None = None) -> int:
        return 0


def recorder() -> RedisPlaybackRecorder | DirectPlaybackRecorder:
    """The app's recorder: Redis when the broker is Redis (careers_tv/backends.py)."""
    return current_app.extensions["playback_recorder"]


def record_report(video: Video, report: Report) -> None:
    recorder().record(video.id, report)


def flush_playback(day: date | None = None) -> int:
    """Add the reports that piled up; `day` (default: today in UTC) is for tests and replays."""
    return recorder().flush(day)


# -- what the dashboard shows ---------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """Playback on one day, or over a whole period (`day` None)."""

    day: date | None
    reports: int
    startup_p50_ms: float | None
    startup_p75_ms: float | None
    rebuffer_ratio: float | None
    fatal_errors: int


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    days: list[Figures]  # every day of the period, oldest first, measured or not
    whole: Figures

    @property
    def measured(self) -> list[Figures]:
        """The days with at least one report, newest first: what the dashboard lists."""
        return [figures for figures in reversed(self.days) if figures.reports]


def _figures(day: date | None, sums: dict[str, int], histogram: dict[int, int]) -> Figures:
    return Figures(day=day, reports=sums["reports"],
                   startup_p50_ms=percentile(histogram, 0.50),
                   startup_p75_ms=percentile(histogram, 0.75),
                   rebuffer_ratio=rebuffer_ratio(sums["rebuffer_ms"], sums["watched_ms"]),
                   fatal_errors=sums["fatal_errors"])


def daily_quality(days: int = 30, today: date | None = None) -> Period:
    """Playback on each of the last `days` days (today included) and over all of them, all
    videos together. Two statements, whatever the number of videos."""
    last = today or utc_today()
    first = last - timedelta(days=days - 1)
    empty = dict.fromkeys(SUMS, 0)
    sums: dict[date, dict[str, int]] = {}
    for row in db.session.execute(
            sa.select(PlaybackDay.day, *[sa.func.sum(getattr(PlaybackDay, name)).label(name)
                                         for name in SUMS])
            .where(PlaybackDay.day.between(first, last))
            .group_by(PlaybackDay.day)):
        sums[row.day] = {name: int(getattr(row, name)) for name in SUMS}
    histograms: dict[date, dict[int, int]] = defaultdict(dict)
    whole_histogram: dict[int, int] = defaultdict(int)
    for day, bucket, samples in db.session.execute(
            sa.select(StartupBucket.day, StartupBucket.bucket, sa.func.sum(StartupBucket.samples))
            .where(StartupBucket.day.between(first, last))
            .group_by(StartupBucket.day, StartupBucket.bucket)):
        histograms[day][bucket] = int(samples)
        whole_histogram[bucket] += int(samples)
    span = [first + timedelta(days=n) for n in range(days)]
    whole = {name: sum(day_sums[name] for day_sums in sums.values()) for name in SUMS}
    return Period(first, last,
                  days=[_figures(day, sums.get(day, empty), histograms.get(day, {}))
                        for day in span],
                  whole=_figures(None, whole, whole_histogram))
