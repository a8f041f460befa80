"""What a link may ask of the player: where to start (`t=`), and for embeds `autoplay`, `loop`,
`captions` and `controls`.

Links are written by hand on 22 careers sites and pasted into chats, so a value we do not
understand is ignored (the default applies) rather than refused: a mangled option must never
cost the viewer the video.
"""

from __future__ import annotations

import math
import re

from werkzeug.datastructures import MultiDict

# 90, 90.5, 1m30s, 1h2m3s, 2m, 45s (YouTube's forms), or 1:30 / 1:02:03 (as players write it).
UNITS = re.compile(r"^(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+(?:\.\d+)?)s?)?$")
CLOCK = re.compile(r"^(?:(?P<h>\d+):)?(?P<m>\d{1,2}):(?P<s>\d{1,2}(?:\.\d+)?)$")
LONGEST_START = 24 * 3600  # past a day is a typing slip, not a position in a careers video


def start_time(value: str | None) -> float:
    """Seconds from the start, 0.0 for anything that is not a time."""
    text = (value or "").strip().lower()
    match = (UNITS.match(text) or CLOCK.match(text)) if text else None
    if not match or not any(match.groupdict().values()):
        return 0.0
    parts = match.groupdict()
    if match.re is CLOCK and (float(parts["s"]) >= 60 or (parts["h"] and int(parts["m"]) >= 60)):
        return 0.0  # 1:75 is no time a player shows
    seconds = (int(parts["h"] or 0) * 3600 + int(parts["m"] or 0) * 60
               + float(parts["s"] or 0))
    if not math.isfinite(seconds) or seconds > LONGEST_START:
        return 0.0
    return seconds


def _flag(args: MultiDict, name: str, default: bool) -> bool:
    """`1`/`true` or `0`/`false`; anything else keeps the default."""
    value = (args.get(name) or "").strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    return default


def embed_options(args: MultiDict, caption_languages: list[str]) -> dict:
    """The options of an embed link, for templates/public/_player.html's `player_options`.

    `captions` is kept only when the video has a track in that language.
    """
    captions = (args.get("captions") or "").strip().lower()
    return {
        "autoplay": _flag(args, "autoplay", False),  # always muted: browsers refuse it with sound
        "loop": _flag(args, "loop", False),
        "controls": _flag(args, "controls", True),
        "captions": captions if captions in caption_languages else None,
    }
