"""`python -m transcoding probe FILE` and `python -m transcoding ladder INPUT OUTDIR`.

The pipeline without the web app, for operators and benchmarks. The last line printed is
always one JSON object (the result, or {"error": ...} with a non-zero exit status).
"""

from __future__ import annotations

import argparse
import json
import sys

from .errors import Cancelled, MediaError, TranscodeFailed
from .ladder import load_config
from .pipeline import transcode
from .probe import probe


def _progress_bar():
    if not sys.stderr.isatty():
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=100, unit="%", file=sys.stderr,
               bar_format="{l_bar}{bar}| {elapsed}<{remaining}")

    def update(fraction: float) -> None:
        bar.update(round(fraction * 100) - bar.n)

    return update, bar.close


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m transcoding")
    commands = parser.add_subparsers(dest="command", required=True)
    probe_cmd = commands.add_parser("probe", help="describe a media file as JSON")
    probe_cmd.add_argument("file")
    ladder_cmd = commands.add_parser("ladder", help="make the HLS ladder, poster and storyboard")
    ladder_cmd.add_argument("input")
    ladder_cmd.add_argument("outdir")
    ladder_cmd.add_argument("--config", help="a ladder TOML file (default: the built-in one)")
    ladder_cmd.add_argument("--time-limit", type=float, default=None, help="seconds")
    args = parser.parse_args(argv)

    try:
        if args.command == "probe":
            result = probe(args.file).to_dict()
        else:
            update, close = _progress_bar()
            try:
                done = transcode(args.input, args.outdir, config=load_config(args.config),
                                 on_progress=update, time_limit=args.time_limit)
            finally:
                close()
            result = done.to_dict()
    except (MediaError, TranscodeFailed, Cancelled) as exc:
        print(json.dumps({"error": str(exc), "kind": type(exc).__name__}))
        return 2
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
