"""How soon does the watch page show a picture, and how much does it fetch that nobody watches?

Usage: python bench/player.py [--seconds 180] [--size 1920x1080] [--runs 5]
                              [--buffer-seconds 30] [--mbit 10] [--rtt-ms 40] [--window 10]
                              [--viewport 1280x800] [--no-returning]

Sets up its own PostgreSQL database (dropped at the end) and a scratch folder (removed), makes a
`--seconds` clip at `--size` with ffmpeg (moving test pattern with noise, a tone), puts it
through the real transcode job (the whole ladder, poster, storyboard; local storage in the
scratch folder) and publishes it. Then serves the app twice, as production does (`gunicorn -c
deploy/gunicorn.conf.py`, 2 workers), on the same database and media:
  current    PLAYER_BUFFER_SECONDS = `--buffer-seconds` (the setting's default, 30)
  baseline   PLAYER_BUFFER_SECONDS = 0: hls.js's own buffer (the page before issue 16)
Debian's Chromium (Playwright, headless) reaches both only through bench/throttle_proxy.py:
`--mbit` Mbit/s shared by everything the page fetches, `--rtt-ms` added to every request and
to every new connection. Each run, for both servers in turn (interleaved, so drift on the
machine hits both alike), opens the watch page in a fresh browser context (empty cache, no
stored preference, new connections), starts playback muted at DOMContentLoaded, as a viewer
clicking play at once, and keeps the page open `--window` seconds after navigation began:
  ttff            navigation start to the first video frame presented (requestVideoFrameCallback;
                  the `playing` event when there is none), in the page's own clock
  bytes           every byte the proxy delivered to the browser in the window (page, scripts,
                  poster, storyboard, playlists, segments); `media_bytes` only playlists and
                  segments
  ratio           bytes / the bytes of `--window` seconds of the rung playing at the window's
                  end (its init segment and its segments up to that time, the last one pro rata,
                  plus the same of the audio rendition): 1 would be fetching only what was shown
A returning viewer (unless `--no-returning`): a first visit in the same context plays for
3 s and leaves (the player keeps its bandwidth estimate), the HTTP cache is emptied, and the
measured visit follows, so its start level comes from the estimate.

How to read it: the ratio of one server against the other (`bytes_vs_baseline`,
`ttff_vs_baseline`) is the figure to compare; absolute values move with the machine's load. In
`--window` seconds the line carries at most mbit x window / 8 MB: once a rung's bitrate is a
sizeable share of the line, any player that fetches ahead is limited by the line, not by its
buffer, and both servers come out alike. `buffered_ahead_s` (seconds of video buffered past the
playing position at the window's end) and `hls_buffer` (what the page gave hls.js:
maxBufferLength, maxMaxBufferLength, maxBufferSize; `buffer_capped` when maxMaxBufferLength is
at most `--buffer-seconds`) show whether the cap is in effect. hls.js's own defaults are 30 s,
600 s and 60 MB: it fills up to 60 MB, up to 600 s, whichever comes first. Goal of issue 16:
ratio <= 3.
Human lines on stderr; the last stdout line is one JSON object of the figures.
"""
# ruff: noqa: E402 (sys.path is fixed before the imports below, see there)

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
# The repository's root first: the benches import as `bench.…`, the clip from tests/.
sys.path.insert(0, str(BENCH.parent))

import argparse
import json
import os
import statistics
import time
from contextlib import ExitStack

from bench.harness import ROOT, free_port, gunicorn, log, scratch
from bench.player_visit import PHASES, Viewer, Visit, rung_seconds_bytes
from bench.throttle_proxy import ThrottledProxy
from tests.media import make_landscape

GOAL_RATIO = 3.0


def parse_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(n) for n in text.lower().split("x"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 1280x720)") from exc
    return width, height


# -- the video -----------------------------------------------------------------------------


def publish_clip(env: dict[str, str], clip: Path) -> tuple[str, list[str]]:
    """Schema, channels, the clip through the real transcode job, published; returns its
    public id and its rungs."""
    os.environ.update(env)
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from careers_tv import create_app
    from careers_tv.extensions import db
    from careers_tv.handlers import install as install_job_handlers
    from careers_tv.jobs import dispatch
    from careers_tv.models import Job
    from careers_tv.services import videos as video_service
    from careers_tv.services.channels import get_channel, seed_channels

    app = create_app()
    install_job_handlers(app)  # the transcode runs in this process (`dispatch.execute`)
    with app.app_context():
        upgrade()
        seed_channels()
        video = video_service.create_video(
            get_channel("temoignages"), "Léa, analyste risques : trois minutes avec l'équipe",
            speaker_name="Léa Martin", speaker_title="Analyste risques")
        video_service.stage_original(video, clip, "lea.mp4")
        video_service.queue_transcode(video)
        db.session.commit()
        job_id = db.session.scalar(sa.select(Job.id).where(Job.video_id == video.id))
        outcome = dispatch.execute(job_id, "player-bench")  # here, not through a worker
        db.session.expire_all()
        video = video_service.get_video(video.public_id)
        if outcome != "done":
            raise RuntimeError(f"the transcode ended {outcome}: {video.status_text}")
        video_service.publish(video)
        db.session.commit()
        public_id = video.public_id
        rungs = [r.name for r in sorted(video.renditions, key=lambda r: -r.height)]
        db.session.remove()
        db.engine.dispose()  # the bench keeps no connection to the database it drops
    return public_id, rungs


# -- figures -------------------------------------------------------------------------------


def quartiles(values: list[float]) -> tuple[float, float]:
    """(p50, p75); one value is both."""
    if len(values) == 1:
        return values[0], values[0]
    cuts = statistics.quantiles(values, n=4, method="inclusive")
    return cuts[1], cuts[2]


def phase_figures(visits: list[Visit], window: float) -> dict:
    """One server's figures over its measured visits (medians where not said)."""
    first = [v for v in visits if not v.returning]
    back = [v for v in visits if v.returning]
    ttff = [v.ttff_ms for v in first]
    p50, p75 = quartiles(ttff)
    figures = {
        "ttff_p50_ms": round(p50), "ttff_p75_ms": round(p75),
        "ttff_ms_runs": [round(t) for t in ttff],
        "bytes_first_10s": round(statistics.median(v.bytes for v in first)),
        "media_bytes_first_10s": round(statistics.median(v.media_bytes for v in first)),
        "rung_10s_bytes": round(statistics.median(v.rung_bytes for v in first)),
        "bytes_first_10s_ratio": round(statistics.median(v.ratio for v in first), 2),
        "media_bytes_first_10s_ratio": round(
            statistics.median(v.media_bytes / v.rung_bytes for v in first), 2),
        "buffered_ahead_s": round(statistics.median(v.buffered_ahead for v in first), 1),
        "position_s": round(statistics.median(v.position for v in first), 1),
        "rung_played": statistics.mode(v.rung for v in first),
        "segments_first_10s": first[len(first) // 2].segments,
        "hls_buffer": first[0].hls_buffer,
        "player_css_px": first[0].player_size,
    }
    if back:
        p50, p75 = quartiles([v.ttff_ms for v in back])
        figures.update({
            "returning_ttff_p50_ms": round(p50), "returning_ttff_p75_ms": round(p75),
            "returning_bytes_first_10s_ratio": round(statistics.median(v.ratio for v in back),
                                                     2),
            "returning_rung_played": statistics.mode(v.rung for v in back),
        })
    return figures


def compare(current: dict, baseline: dict, buffer_seconds: int) -> dict:
    """The current server's figures as they are, the baseline's prefixed, and the ratios."""
    figures = dict(current)
    figures.update({f"baseline_{key}": value for key, value in baseline.items()})
    figures["ttff_vs_baseline"] = round(current["ttff_p50_ms"] / baseline["ttff_p50_ms"], 2)
    figures["bytes_vs_baseline"] = round(
        current["bytes_first_10s"] / baseline["bytes_first_10s"], 2)
    # hls.js buffers ahead up to maxMaxBufferLength s (and maxBufferSize bytes): capped when
    # the page brings that down to the setting.
    buffer = current["hls_buffer"] or {}
    figures["buffer_capped"] = buffer.get("maxMaxBufferLength", 1e9) <= buffer_seconds
    figures["goal_bytes_first_10s_ratio"] = GOAL_RATIO
    figures["meets_goal"] = current["bytes_first_10s_ratio"] <= GOAL_RATIO
    figures["baseline_meets_goal"] = baseline["bytes_first_10s_ratio"] <= GOAL_RATIO
    return figures


def report(name: str, figures: dict) -> None:
    line = (f"{name:9} first frame p50 {figures['ttff_p50_ms']:6.0f} ms  p75 "
            f"{figures['ttff_p75_ms']:6.0f} ms  | first 10 s: "
            f"{figures['bytes_first_10s'] / 1e6:5.1f} MB = "
            f"{figures['bytes_first_10s_ratio']:4.2f}x 10 s of {figures['rung_played']}"
            f" ({figures['rung_10s_bytes'] / 1e6:.2f} MB), {figures['buffered_ahead_s']:4.1f} s"
            f" ahead, hls.js {figures['hls_buffer']}")
    if "returning_ttff_p50_ms" in figures:
        line += (f"  | returning: p50 {figures['returning_ttff_p50_ms']:.0f} ms, "
                 f"{figures['returning_bytes_first_10s_ratio']:.2f}x of "
                 f"{figures['returning_rung_played']}")
    log(line)


# -- main ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180.0, help="the clip's length")
    parser.add_argument("--size", type=parse_size, default=(1920, 1080), help="the clip's size")
    parser.add_argument("--runs", type=int, default=5, help="visits per server and kind")
    parser.add_argument("--buffer-seconds", type=int, default=30,
                        help="PLAYER_BUFFER_SECONDS of the current server")
    parser.add_argument("--mbit", type=float, default=10.0, help="the line, Mbit/s")
    parser.add_argument("--rtt-ms", type=float, default=40.0, help="added round-trip time")
    parser.add_argument("--window", type=float, default=10.0,
                        help="seconds after navigation during which bytes are counted")
    parser.add_argument("--viewport", type=parse_size, default=(1280, 800))
    parser.add_argument("--no-returning", action="store_true",
                        help="skip the returning viewer's visits")
    args = parser.parse_args()
    with scratch("bench-player-") as (folder, database_url):
        figures = run(args, folder, database_url)
    print(json.dumps(figures))


def run(args, folder: Path, database_url: str) -> dict:
    started = time.monotonic()
    # Nothing of the caller's deployment: no bucket, no CDN, no broker, no X credentials.
    env = {key: value for key, value in os.environ.items()
           if key not in ("STORAGE_URL", "MEDIA_BASE_URL", "S3_ENDPOINT_URL", "CELERY_BROKER_URL",
                          "PROMETHEUS_MULTIPROC_DIR", "RATELIMIT_STORAGE_URI",
                          "PLAYER_BUFFER_SECONDS") and not key.startswith("X_")}
    env.update({
        "DATABASE_URL": database_url,
        "CAREERS_TV_INSTANCE": str(folder / "instance"),
        "STORAGE_URL": (folder / "media").as_uri(),
        "SECRET_KEY": "bench-secret-not-for-production",
        "WEB_CONCURRENCY": "2",
    })
    width, height = args.size
    log(f"making a {args.seconds:g} s {width}x{height} clip...")
    clip = make_landscape(folder, duration=args.seconds, size=args.size, name="clip.mp4")
    log(f"transcoding it through the transcode job... ({time.monotonic() - started:.0f} s)")
    transcode_started = time.monotonic()
    public_id, rungs = publish_clip(env, clip)
    transcode_s = time.monotonic() - transcode_started
    log(f"  {', '.join(rungs)} in {transcode_s:.0f} s; published as {public_id}")

    buffers = {"current": args.buffer_seconds, "baseline": 0}
    with ExitStack() as stack:
        proxy = stack.enter_context(ThrottledProxy(args.mbit * 1e6, args.rtt_ms / 1000))
        pages = {}
        for phase in PHASES:
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            server_env = {**env, "PUBLIC_BASE_URL": base,
                          "PLAYER_BUFFER_SECONDS": str(buffers[phase])}
            stack.enter_context(gunicorn("app:app", server_env, folder / f"{phase}.log",
                                         port=port, config=ROOT / "deploy" / "gunicorn.conf.py"))
            pages[phase] = f"{base}/videos/{public_id}?lang=en"
        viewer = stack.enter_context(Viewer(proxy, args.viewport, args.window))
        log(f"line {args.mbit:g} Mbit/s, +{args.rtt_ms:g} ms a round trip; {args.runs} runs "
            f"per server (current: PLAYER_BUFFER_SECONDS={args.buffer_seconds}, baseline: 0)"
            + ("" if args.no_returning else ", first and returning visits"))
        for phase in PHASES:
            viewer.warm_up(pages[phase])  # imports, templates, Chromium's own start
        visits: dict[str, list[Visit]] = {phase: [] for phase in PHASES}
        kinds = [False] if args.no_returning else [False, True]
        for number in range(args.runs):
            for returning in kinds:
                for phase in PHASES:
                    visit = viewer.visit(pages[phase], returning=returning)
                    visits[phase].append(visit)
                    log(f"  run {number + 1} {phase:8} {'returning' if returning else 'first':9}"
                        f" {visit.describe()}")
        sizes: dict[str, int] = {}  # asked of the servers, so while they serve
        for phase in PHASES:
            for visit in visits[phase]:
                visit.rung_bytes = rung_seconds_bytes(visit, args.window, sizes)
    per_phase = {phase: phase_figures(visits[phase], args.window) for phase in PHASES}
    for phase in PHASES:
        report(phase, per_phase[phase])
    figures = {
        "video_seconds": args.seconds, "size": f"{width}x{height}", "rungs": rungs,
        "runs": args.runs, "window_s": args.window, "line_mbit_s": args.mbit,
        "rtt_ms": args.rtt_ms, "viewport": "x".join(map(str, args.viewport)),
        "buffer_seconds": args.buffer_seconds, "transcode_s": round(transcode_s, 1),
    }
    figures.update(compare(per_phase["current"], per_phase["baseline"], args.buffer_seconds))
    figures["bench_s"] = round(time.monotonic() - started, 1)
    log(f"current against baseline: first frame {figures['ttff_vs_baseline']:.2f}x, bytes in "
        f"the first {args.window:g} s {figures['bytes_vs_baseline']:.2f}x; goal ratio <= "
        f"{GOAL_RATIO:g}: {'met' if figures['meets_goal'] else 'missed'} "
        f"({figures['bytes_first_10s_ratio']:.2f}x, baseline "
        f"{figures['baseline_bytes_first_10s_ratio']:.2f}x)")
    return figures


if __name__ == "__main__":
    main()
