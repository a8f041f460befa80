"""The playback report's rules and the startup histogram's arithmetic."""

from __future__ import annotations

import random

import pytest

from careers_tv.services.playback_quality import (
    BUCKETS,
    DAY_MS,
    BadReport,
    Report,
    Totals,
    bucket_of,
    bucket_range,
    parse_report,
    percentile,
    rebuffer_ratio,
)

GOOD = {"startup_ms": 640, "rebuffer_count": 1, "rebuffer_ms": 900, "watched_ms": 42_000}


# The report ---------------------------------------------------------------------------------

def test_a_report_is_read_with_its_optional_fields():
    assert parse_report(GOOD) == Report(640, 1, 900, 42_000, None)
    failed = {"startup_ms": None, "rebuffer_count": 0, "rebuffer_ms": 0, "watched_ms": 0,
              "fatal": "networkError:manifestLoadError"}
    assert parse_report(failed).fatal == "networkError:manifestLoadError"
    assert parse_report({**GOOD, "startup_ms": 0}).startup_ms == 0
    assert parse_report({**GOOD, "startup_ms": 120_000}).startup_ms == 120_000
    assert parse_report({"rebuffer_count": 0, "rebuffer_ms": 0, "watched_ms": 5}).startup_ms is None


@pytest.mark.parametrize(("change", "message"), [
    ({"startup_ms": -1}, "startup_ms must be a whole number from 0 to 120000"),
    ({"startup_ms": 120_001}, "startup_ms must be a whole number from 0 to 120000"),
    ({"startup_ms": 12.5}, "startup_ms must be a whole number"),
    ({"startup_ms": 640.0}, "startup_ms must be a whole number"),
    ({"startup_ms": "640"}, "startup_ms must be a whole number"),
    ({"startup_ms": True}, "startup_ms must be a whole number"),
    ({"rebuffer_count": 10_001}, "rebuffer_count must be a whole number from 0 to 10000"),
    ({"rebuffer_count": None}, "rebuffer_count must be a whole number"),
    ({"watched_ms": DAY_MS + 1}, f"watched_ms must be a whole number from 0 to {DAY_MS}"),
    ({"watched_ms": [1]}, "watched_ms must be a whole number"),
    ({"rebuffer_ms": -5}, "rebuffer_ms must be a whole number"),
    ({"watched_ms": DAY_MS, "rebuffer_ms": 1}, "add up to more than a day"),
    ({"rebuffer_count": 0}, "rebuffer_ms without a rebuffer_count"),
    ({"fatal": ""}, "fatal must be up to 80"),
    ({"fatal": "x" * 81}, "fatal must be up to 80"),
    ({"fatal": "network error"}, "fatal must be up to 80"),
    ({"fatal": "<script>"}, "fatal must be up to 80"),
    ({"fatal": "réseau"}, "fatal must be up to 80"),
    ({"fatal": 3}, "fatal must be up to 80"),
    ({"user_agent": "Mozilla/5.0"}, "unknown field: user_agent"),
])
def test_a_wrong_field_is_refused_with_its_reason(change, message):
    with pytest.raises(BadReport, match=message.replace(".", r"\.")):
        parse_report({**GOOD, **change})


@pytest.mark.parametrize("data", [[], "report", 3, None])
def test_a_report_is_an_object(data):
    with pytest.raises(BadReport, match="must be a JSON object"):
        parse_report(data)


def test_a_field_left_out_is_refused_and_an_empty_report_too():
    with pytest.raises(BadReport, match="watched_ms must be"):
        parse_report({"startup_ms": 5, "rebuffer_count": 0, "rebuffer_ms": 0})
    with pytest.raises(BadReport, match="says nothing"):
        parse_report({"startup_ms": None, "rebuffer_count": 0, "rebuffer_ms": 0,
                      "watched_ms": 0, "fatal": None})


# The histogram ------------------------------------------------------------------------------

def test_buckets_are_50_ms_below_ten_seconds_then_one_second_up_to_two_minutes():
    assert bucket_of(0) == 0 and bucket_range(0) == (0, 50)
    assert bucket_of(49) == 0 and bucket_of(50) == 1
    assert bucket_range(bucket_of(9_999)) == (9_950, 10_000)
    assert bucket_range(bucket_of(10_000)) == (10_000, 11_000)
    assert bucket_range(bucket_of(119_999)) == (119_000, 120_000)
    assert bucket_of(120_000) == BUCKETS - 1
    for ms in [0, 1, 731, 9_999, 10_000, 10_999, 65_432, 120_000]:
        low, high = bucket_range(bucket_of(ms))
        assert low <= ms < high
    # Every bucket follows the one before, with no gap and no overlap.
    assert all(bucket_range(b)[1] == bucket_range(b + 1)[0] for b in range(BUCKETS - 1))


def histogram_of(times: list[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for ms in times:
        found[bucket_of(ms)] = found.get(bucket_of(ms), 0) + 1
    return found


def test_no_sample_no_percentile():
    assert percentile({}, 0.5) is None
    assert percentile({3: 0}, 0.5) is None


def test_one_sample_is_its_buckets_middle_at_the_median():
    assert percentile(histogram_of([730]), 0.5) == 725
    assert percentile(histogram_of([730]), 0.75) == 737.5
    assert percentile(histogram_of([15_200]), 0.5) == 15_500


def test_percentiles_interpolate_inside_the_bucket_that_holds_them():
    # 4 starts at 100–149 ms, 4 at 1000–1049 ms: the median ends the first bucket, p75 is
    # halfway through the second.
    histogram = {2: 4, 20: 4}
    assert percentile(histogram, 0.5) == 150
    assert percentile(histogram, 0.75) == 1_025
    assert percentile(histogram, 1.0) == 1_050
    assert percentile(histogram, 0.0) == 100


def test_percentiles_are_within_a_bucket_of_the_exact_ones():
    rng = random.Random(16)
    times = [min(120_000, int(rng.lognormvariate(7, 0.8))) for _ in range(5_000)]
    ordered = sorted(times)
    histogram = histogram_of(times)
    for fraction in (0.5, 0.75, 0.95):
        exact = ordered[int(fraction * len(ordered)) - 1]
        low, high = bucket_range(bucket_of(exact))
        assert abs(percentile(histogram, fraction) - exact) <= high - low


def test_the_rebuffer_ratio_is_stalled_over_stalled_and_played():
    assert rebuffer_ratio(0, 0) is None
    assert rebuffer_ratio(0, 60_000) == 0
    assert rebuffer_ratio(1_000, 9_000) == 0.1
    assert rebuffer_ratio(5_000, 0) == 1


def test_totals_add_up_reports_and_their_startup_buckets():
    totals = Totals()
    totals.add(Report(640, 1, 900, 42_000, None))
    totals.add(Report(660, 0, 0, 10_000, None))
    totals.add(Report(None, 0, 0, 0, "mediaError:bufferAppendError"))
    assert totals.sums == {"reports": 3, "watched_ms": 52_000, "rebuffer_count": 1,
                           "rebuffer_ms": 900, "fatal_errors": 1}
    assert dict(totals.startups) == {12: 1, 13: 1}
