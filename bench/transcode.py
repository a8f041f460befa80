"""How much does our ladder cost, against the ways we could have done it instead?

Usage: python bench/transcode.py [--seconds N] [--keep DIR] [--rounds N]

On a generated 1080p30 source with motion and noise (the worst case for an encoder), runs:
  ours       transcoding.ffmpeg.ladder_command: one decode, split, every rung + storyboard
  single     one hand-written ffmpeg command for the same ladder, without the storyboard
  single_sb  the same hand-written command plus the storyboard output (isolates its cost)
  per_rung   one ffmpeg per rung, each decoding again and encoding its own audio
             (how MediaCMS and PeerTube do it), run one after the other
  lowest / rest  the lowest rung alone (time to first playable), then the other rungs
CPU is each ffmpeg child's own user+system time (os.wait4, via transcoding.runner.run).
Runs are strictly sequential; ours and the single commands run `--rounds` times (default 2),
interleaved, and the minimum counts, so a noisy neighbour or a cold cache penalises neither
side. On a shared VM identical runs still differ by up to ~10 %: use more rounds to decide.
The last line printed is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import m3u8

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/transcode.py`

from transcoding.ffmpeg import MASTER, STORYBOARD_DIR, ladder_command  # noqa: E402
from transcoding.ladder import LadderPlan, plan  # noqa: E402
from transcoding.probe import probe  # noqa: E402
from transcoding.runner import RunStats, run  # noqa: E402

QUIET = ["-nostdin", "-hide_banner", "-v", "error", "-y"]
# Encoding settings written out by hand, as an operator would type them; they mirror
# transcoding/ladder.toml on purpose (only sizes and bitrate caps come from the plan).
X264 = ["-profile:v", "high", "-preset", "veryfast", "-crf", "23",
        "-g", "60", "-keyint_min", "60", "-sc_threshold", "0",
        "-force_key_frames", "expr:gte(t,n_forced*2)"]
AUDIO_FILTER = "loudnorm=I=-16:TP=-1.5:LRA=11,aresample=48000"
AAC = ["-c:a", "aac", "-b:a", "128k", "-ac", "2"]
HLS = ["-f", "hls", "-hls_time", "4", "-hls_playlist_type", "vod", "-hls_segment_type", "fmp4",
       "-hls_flags", "independent_segments"]
STORYBOARD_FILTER = "fps=1/2,scale=160:90,tile=10x10"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def make_source(path: Path, seconds: int) -> float:
    """testsrc2 moves; temporal noise defeats motion prediction, as a dim phone video does."""
    started = time.monotonic()
    run(["ffmpeg", *QUIET,
         "-f", "lavfi", "-i", f"testsrc2=s=1920x1080:r=30:d={seconds},noise=alls=20:allf=t+u",
         "-f", "lavfi", "-i", (f"aevalsrc=0.3*sin(2*PI*220*t)|0.2*sin(2*PI*330*t)"
                               f"+0.05*(random(0)*2-1):s=48000:d={seconds}"),
         # A phone-like file: high profile with CABAC and B-frames, ~20 Mb/s, 1 s GOP, so
         # every variant pays a realistic decode.
         "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-maxrate", "20M",
         "-bufsize", "40M", "-g", "30", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-b:a", "192k", "-movflags", "+faststart", str(path)],
        duration=seconds, niceness=0)
    return time.monotonic() - started


def hand_written(source: Path, ladder: LadderPlan, outdir: Path, storyboard: bool) -> list[str]:
    """The whole ladder in one plain ffmpeg command, as the ffmpeg docs would have you write it."""
    count = len(ladder.rungs)
    branches = count + (1 if storyboard else 0)
    graph = [f"[0:v]split={branches}" + "".join(f"[v{i}]" for i in range(branches))]
    graph += [f"[v{i}]scale={r.width}:{r.height}[o{i}]" for i, r in enumerate(ladder.rungs)]
    graph.append(f"[0:a]{AUDIO_FILTER}[a]")
    if storyboard:
        graph.append(f"[v{count}]{STORYBOARD_FILTER}[sb]")
    argv = ["ffmpeg", *QUIET, "-i", str(source), "-filter_complex", ";".join(graph)]
    for i, rung in enumerate(ladder.rungs):
        argv += ["-map", f"[o{i}]", f"-maxrate:v:{i}", str(rung.max_bitrate),
                 f"-bufsize:v:{i}", str(rung.buffer_size)]
    stream_map = [f"v:{i},agroup:aud,name:{r.name}" for i, r in enumerate(ladder.rungs)]
    argv += ["-map", "[a]", "-c:v", "libx264", *X264, *AAC, *HLS,
             "-hls_segment_filename", str(outdir / "%v" / "seg-%05d.m4s"),
             "-master_pl_name", MASTER,
             "-var_stream_map", " ".join([*stream_map, "a:0,agroup:aud,name:audio,default:yes"]),
             str(outdir / "%v" / "index.m3u8")]
    if storyboard:
        argv += ["-map", "[sb]", "-q:v", "5", "-fps_mode", "vfr",
                 str(outdir / STORYBOARD_DIR / "sheet-%03d.jpg")]
    return argv


def per_rung(source: Path, ladder: LadderPlan, outdir: Path, duration: float) -> RunStats:
    """One process per rung, one after the other; then a master made of their entries."""
    wall = cpu = 0.0
    entries = []
    for rung in ladder.rungs:
        own_master = f"master-{rung.name}.m3u8"
        stats = run(["ffmpeg", *QUIET, "-i", str(source),
                     "-vf", f"scale={rung.width}:{rung.height}", "-af", AUDIO_FILTER,
                     "-c:v", "libx264", *X264, "-maxrate", str(rung.max_bitrate),
                     "-bufsize", str(rung.buffer_size), *AAC, *HLS,
                     "-hls_segment_filename", str(outdir / rung.name / "seg-%05d.m4s"),
                     "-master_pl_name", own_master, "-var_stream_map", f"v:0,a:0,name:{rung.name}",
                     str(outdir / "%v" / "index.m3u8")], duration=duration, niceness=0)
        wall, cpu = wall + stats.wall_seconds, cpu + stats.cpu_seconds
        # Each process's master has the right BANDWIDTH/CODECS for its rung: keep its entry.
        lines = (outdir / own_master).read_text().splitlines()
        entries += [line for line in lines if line and not line.startswith(("#EXTM3U", "#EXT-X-V"))]
    (outdir / MASTER).write_text("\n".join(["#EXTM3U", "#EXT-X-VERSION:7", *entries]) + "\n")
    return RunStats(wall, cpu)


def check_master(outdir: Path, rungs: int) -> None:
    """A playable result: a master with one entry per rung, each a finished VOD playlist."""
    master = m3u8.load(str(outdir / MASTER))
    if len(master.playlists) != rungs:
        sys.exit(f"{outdir.name}: master has {len(master.playlists)} variants, expected {rungs}")
    for entry in master.playlists:
        media = m3u8.load(str(outdir / entry.uri))
        if not entry.stream_info.bandwidth or not media.segments or not media.is_endlist:
            sys.exit(f"{outdir.name}: {entry.uri} is not a complete playlist")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60, help="source length (default 60)")
    parser.add_argument("--keep", type=Path, help="keep the source and outputs in this folder")
    parser.add_argument("--rounds", type=int, default=2, help="runs of ours/single (default 2)")
    args = parser.parse_args()
    scratch = None if args.keep else tempfile.TemporaryDirectory(prefix="bench-transcode-")
    work = args.keep or Path(scratch.name)
    work.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    try:
        source = work / "source.mp4"
        log(f"generating a {args.seconds} s 1080p30 source...")
        generation = make_source(source, args.seconds)
        info = probe(source)
        ladder = plan(info)
        duration = info.duration

        def fresh(name: str) -> Path:
            outdir = work / name
            shutil.rmtree(outdir, ignore_errors=True)
            (outdir / STORYBOARD_DIR).mkdir(parents=True)  # ffmpeg writes sheets, not folders
            return outdir

        def timed(name: str, build, rungs: int) -> RunStats:
            outdir = fresh(name)
            log(f"running {name}...")
            stats = run(build(outdir), duration=duration, niceness=0)
            check_master(outdir, rungs)
            return stats

        count = len(ladder.rungs)
        variants = {
            "ours": lambda out: ladder_command(info, ladder, out),
            "single": lambda out: hand_written(source, ladder, out, storyboard=False),
            "single_sb": lambda out: hand_written(source, ladder, out, storyboard=True),
        }
        samples: dict[str, list[RunStats]] = {name: [] for name in variants}
        for _ in range(max(1, args.rounds)):  # interleaved: ours, single, single_sb, ours...
            for name, build in variants.items():
                samples[name].append(timed(name, build, count))
        best = {name: RunStats(min(s.wall_seconds for s in runs), min(s.cpu_seconds for s in runs))
                for name, runs in samples.items()}

        log("running per_rung...")
        outdir = fresh("per_rung")
        best["per_rung"] = per_rung(source, ladder, outdir, duration)
        check_master(outdir, count)

        # Lowest rung first: publishable on its own, then the rest in a second process.
        lowest_plan = dataclasses.replace(ladder, rungs=ladder.rungs[-1:])
        rest_plan = dataclasses.replace(ladder, rungs=ladder.rungs[:-1])
        best["lowest"] = timed("lowest", lambda out: ladder_command(info, lowest_plan, out), 1)
        best["rest"] = timed("rest", lambda out: ladder_command(info, rest_plan, out), count - 1)
    finally:
        if scratch:
            scratch.cleanup()

    ours = best["ours"]
    lowest, rest = best["lowest"], best["rest"]
    figures = {
        "cpu_ratio_vs_single": ours.cpu_seconds / best["single"].cpu_seconds,
        "wall_ratio_vs_single": ours.wall_seconds / best["single"].wall_seconds,
        "cpu_ratio_vs_single_with_storyboard": ours.cpu_seconds / best["single_sb"].cpu_seconds,
        "wall_ratio_vs_single_with_storyboard": ours.wall_seconds / best["single_sb"].wall_seconds,
        "storyboard_cpu_ratio": best["single_sb"].cpu_seconds / best["single"].cpu_seconds,
        "cpu_ratio_vs_per_rung": ours.cpu_seconds / best["per_rung"].cpu_seconds,
        "wall_ratio_vs_per_rung": ours.wall_seconds / best["per_rung"].wall_seconds,
        "first_playable_ratio": lowest.wall_seconds / ours.wall_seconds,
        "first_playable_extra_cpu_ratio": (lowest.cpu_seconds + rest.cpu_seconds)
        / ours.cpu_seconds,
        "source_seconds": duration,
        "cpu_s_per_video_s": ours.cpu_seconds / duration,
        "source_generation_s": generation,
        "rungs": [rung.name for rung in ladder.rungs],
    }
    for name, stats in best.items():
        figures[f"{name}_cpu_s"] = stats.cpu_seconds
        figures[f"{name}_wall_s"] = stats.wall_seconds
    figures["bench_total_s"] = time.monotonic() - began
    figures = {k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()}

    print(f"source: {duration:g} s 1080p30, generated in {generation:.1f} s; "
          f"rungs {' '.join(figures['rungs'])}")
    print(f"{'variant':<12}{'CPU s':>9}{'wall s':>9}{'CPU/ours':>10}{'wall/ours':>11}")
    for name, stats in best.items():
        print(f"{name:<12}{stats.cpu_seconds:>9.1f}{stats.wall_seconds:>9.1f}"
              f"{stats.cpu_seconds / ours.cpu_seconds:>10.2f}"
              f"{stats.wall_seconds / ours.wall_seconds:>11.2f}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
