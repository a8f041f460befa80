"""Every benchmark of bench/ runs as documented (docs/hardening.md), at its smallest: each
goes its whole way (its own database, gunicorn or workers, ffmpeg) and prints its figures as
one JSON object on its last line. No figure is judged here — timing belongs in bench/ — only
that there is one, of the right kind, so a bench that breaks is found by `make test`."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def bench(name: str, *options: str, timeout: float = 300) -> dict:
    """`python bench/NAME.py OPTIONS`; its exit code must be 0; the JSON figures."""
    result = subprocess.run([sys.executable, f"bench/{name}.py", *options], cwd=ROOT,
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, (result.stdout[-2000:], result.stderr[-4000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def ratios(figures: dict, *names: str) -> None:
    for name in names:
        value = figures[name]
        assert isinstance(value, int | float) and math.isfinite(value) and value > 0, name


def test_transcode():
    figures = bench("transcode", "--seconds", "2", "--rounds", "1")
    ratios(figures, "cpu_ratio_vs_single", "cpu_ratio_vs_per_rung", "first_playable_ratio",
           "cpu_s_per_video_s")
    assert figures["rungs"] == ["1080p", "720p", "480p", "360p", "240p"]


@pytest.mark.worker
def test_web():
    figures = bench("web", "--seconds", "1", "--videos", "3", "--connections", "4")
    ratios(figures, "bare_rps", "channel_rps_ratio", "watch_rps_ratio", "feed_rps_ratio",
           "channel_p99_ms", "watch_p99_ms")


@pytest.mark.worker
def test_announce():
    figures = bench("announce", "--publishes", "2")
    assert figures["publishes"] == 2 and figures["exactly_once"] is True
    ratios(figures, "p50_ms", "p95_ms")


def test_upload():
    figures = bench("upload", "--size", "20M", "--chunk", "4M", "--part", "5M")
    assert figures["size_bytes"] == 20 * 1024**2 and figures["patches"] == 5
    ratios(figures, "tus_mb_s", "raw_mb_s", "throughput_ratio")


@pytest.mark.worker
def test_transcode_queue():
    figures = bench("transcode_queue", "--uploads", "1", "--duration", "2",
                    "--size", "320x180")
    assert figures["uploads"] == 1
    ratios(figures, "throughput_ratio_2_vs_1", "median_latency_ratio_2_vs_1")


@pytest.mark.worker
def test_load():
    figures = bench("load", "--rate", "5", "--seconds", "2", "--videos", "5",
                    "--clip-seconds", "4", "--web-concurrency", "1")
    assert figures["baseline"]["all"]["requests"] > 0
    assert figures["baseline"]["public"]["errors"] == 0


def test_player():
    figures = bench("player", "--seconds", "20", "--size", "1280x720", "--runs", "1",
                    timeout=600)
    assert figures["runs"] == 1 and figures["rungs"][0] == "720p"
    ratios(figures, "ttff_p50_ms", "ttff_p75_ms", "baseline_ttff_p50_ms", "ttff_vs_baseline",
           "returning_ttff_p50_ms", "bytes_first_10s", "rung_10s_bytes",
           "bytes_first_10s_ratio", "baseline_bytes_first_10s_ratio", "bytes_vs_baseline")
    for prefix in ("", "baseline_"):
        # What played is one of the ladder's rungs, and its segments came through the line.
        assert figures[f"{prefix}rung_played"] in figures["rungs"]
        assert figures[f"{prefix}segments_first_10s"].get(figures[f"{prefix}rung_played"])
        assert isinstance(figures[f"{prefix}meets_goal"], bool)
