"""Chapters of a video: read what an editor types or uploads, write them back, serve them.

An editor types one chapter a line ("0:00 Intro", "1:05 Mon parcours", "1:02:03 Questions",
"00:01:05.500 Questions" too), or uploads a WebVTT chapters file (each cue's start and text).
Either becomes the list stored in `videos.chapters`: [{"start": seconds, "title": str}, …] in
increasing order, or None for no chapters.

A chapter runs until the next one starts, the last until the end of the video. The first need
not start at 0:00: the part before it then belongs to no chapter (the player shows no name
there, and the WebVTT track has no cue for it).

Pure text processing (no database, no request), so it is unit-tested on every kind of input.
A refusal is a ChapterError carrying an English template and its values (msgids marked N_),
so the portal shows it translated at the field.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata

from ..i18n import N_

MAX_CHAPTERS = 100
MAX_TITLE = 100
MAX_FILE_BYTES = 256 * 1024
# What the textarea may hold: 100 chapters of 100 characters and their times, with room.
MAX_TEXT = 20_000

# H:MM:SS or M:SS (minutes may exceed 59 without hours: "75:30"), an optional fraction.
_TIME = re.compile(r"^(?:(?P<h>\d{1,2}):(?P<m2>\d{2})|(?P<m>\d{1,3})):(?P<s>\d{2})"
                   r"(?:[.,](?P<f>\d{1,3}))?(?=\s|$|[-–—|])")
# What people put between the time and the title: "0:00 - Intro", "0:00 – Intro", "0:00 | …".
_SEPARATOR = re.compile(r"^[\s\-–—|]+")
# Something that looks meant as a time but is not one ("1:5", "1h05").
_ALMOST_TIME = re.compile(r"^\d[\d:.,hms]*")
# WebVTT: hours optional, minutes and seconds two digits, milliseconds three.
_VTT_TIME = re.compile(r"^(?:(\d{1,3}):)?([0-5]\d):([0-5]\d)\.(\d{3})$")
_VTT_TIMING = re.compile(r"^(\S+)\s+-->\s+(\S+)(?:\s.*)?$")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_TAG = re.compile(r"<[^>]*>")


class ChapterError(ValueError):
    """Chapters we cannot accept, and why, for the editor who typed them.

    `message` is an English msgid with %(name)s placeholders, `params` their values;
    `str()` is the English.
    """

    def __init__(self, message: str, **params) -> None:
        self.message = message
        self.params = params
        super().__init__(message % params if params else message)


# -- times ---------------------------------------------------------------------------------


def format_time(seconds: float) -> str:
    """65 -> '1:05', 3723 -> '1:02:03', 65.5 -> '1:05.500' (what the editor types back)."""
    millis = round(seconds * 1000)
    whole, fraction = divmod(millis, 1000)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    return text + (f".{fraction:03d}" if fraction else "")


def vtt_time(seconds: float) -> str:
    """A WebVTT timestamp, always with hours: 65.5 -> '00:01:05.500'."""
    millis = round(seconds * 1000)
    whole, fraction = divmod(millis, 1000)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{fraction:03d}"


def _number(millis: int) -> int | float:
    """Seconds as stored: a whole number when it is one (tidy JSON), else to the millisecond."""
    return millis // 1000 if millis % 1000 == 0 else millis / 1000


def _typed_time(match: re.Match) -> int | None:
    """Milliseconds of a matched typed time; None if its minutes or seconds are impossible."""
    hours = int(match["h"] or 0)
    minutes = int(match["m2"] if match["h"] is not None else match["m"])
    seconds = int(match["s"])
    if seconds > 59 or (match["h"] is not None and minutes > 59):
        return None
    fraction = int((match["f"] or "0").ljust(3, "0"))
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + fraction


# -- reading -------------------------------------------------------------------------------


def _title(text: str, line: int) -> str:
    title = " ".join(unicodedata.normalize("NFC", text).split())
    if _CONTROLS.search(title):
        raise ChapterError(N_("Line %(line)d: remove the control characters (invisible "
                              "characters such as NUL or escape) from this title."), line=line)
    if not title:
        raise ChapterError(N_("Line %(line)d: give the chapter a title after its time."),
                           line=line)
    if len(title) > MAX_TITLE:
        raise ChapterError(N_("Line %(line)d: a chapter title has at most %(max)d characters "
                              "(this one has %(count)d)."),
                           line=line, max=MAX_TITLE, count=len(title))
    return title


def parse_text(text: str | None, duration: float | None = None) -> list[dict] | None:
    """Chapters typed one a line ("1:05 Mon parcours"); None when there are none.

    A text that starts with WEBVTT (a chapters file pasted in) is read as one.
    """
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if text.lstrip().startswith("WEBVTT"):
        return parse_vtt(text.encode(), duration)
    if len(text) > MAX_TEXT:
        raise ChapterError(N_("The chapters are too long: at most %(max)d characters."),
                           max=MAX_TEXT)
    found: list[tuple[int, int, str]] = []
    for line, raw in enumerate(text.split("\n"), 1):
        stripped = raw.strip()
        if not stripped:
            continue
        match = _TIME.match(stripped)
        start = _typed_time(match) if match else None
        if match and start is None:
            raise ChapterError(N_("Line %(line)d: “%(time)s” is not a time: minutes and "
                                  "seconds go up to 59."), line=line, time=match.group(0))
        almost = _ALMOST_TIME.match(stripped) if start is None else None
        if almost:
            raise ChapterError(N_("Line %(line)d: “%(time)s” is not a time; write it like "
                                  "1:05 or 1:02:03."), line=line, time=almost.group(0))
        if start is None:
            raise ChapterError(N_("Line %(line)d: start the line with the chapter's time, "
                                  "such as “1:05 My career”."), line=line)
        title = _title(_SEPARATOR.sub("", stripped[match.end():], count=1), line)
        found.append((line, start, title))
    return _checked(found, duration)


def parse_vtt(data: bytes, duration: float | None = None) -> list[dict] | None:
    """Chapters from a WebVTT chapters file: each cue's start time and text."""
    if len(data) > MAX_FILE_BYTES:
        raise ChapterError(N_("This chapters file is too large: the limit is %(size)d KiB."),
                           size=MAX_FILE_BYTES // 1024)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ChapterError(N_("This chapters file is not UTF-8 text. Save it as a WebVTT "
                              "(.vtt) file in UTF-8.")) from None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not lines[0].startswith("WEBVTT") or lines[0][6:7] not in ("", " ", "\t"):
        raise ChapterError(N_("This is not a WebVTT file: its first line must be WEBVTT."))
    found: list[tuple[int, int, str]] = []
    for line, block in _blocks(lines):
        timing_at = next((i for i, row in enumerate(block) if "-->" in row), None)
        if timing_at is None:
            continue  # the header's rest, NOTE, STYLE, REGION: no chapter there
        timing_line = line + timing_at
        match = _VTT_TIMING.match(block[timing_at].strip())
        start = _vtt_millis(match.group(1)) if match else None
        end = _vtt_millis(match.group(2)) if match else None
        if start is None or end is None:
            raise ChapterError(N_("Line %(line)d: a cue timing looks like “00:01:05.000 --> "
                                  "00:02:10.000”."), line=timing_line)
        text_lines = block[timing_at + 1:]
        title = html.unescape(_TAG.sub("", " ".join(text_lines)))
        found.append((timing_line, start, _title(title, timing_line)))
    if not found:
        raise ChapterError(N_("This WebVTT file has no cues, so no chapters."))
    return _checked(found, duration)


def _blocks(lines: list[str]):
    """(first line number, lines) for each run of non-blank lines."""
    start, block = 0, []
    for number, row in enumerate(lines, 1):
        if row.strip():
            if not block:
                start = number
            block.append(row)
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def _vtt_millis(value: str) -> int | None:
    match = _VTT_TIME.match(value)
    if not match:
        return None
    hours, minutes, seconds, millis = (int(g or 0) for g in match.groups())
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis


def _checked(found: list[tuple[int, int, str]], duration: float | None) -> list[dict] | None:
    if not found:
        return None
    if len(found) > MAX_CHAPTERS:
        raise ChapterError(N_("At most %(max)d chapters (there are %(count)d)."),
                           max=MAX_CHAPTERS, count=len(found))
    previous = None
    for line, start, _title_text in found:
        if previous is not None and start <= previous:
            raise ChapterError(N_("Line %(line)d: each chapter starts after the one before "
                                  "(%(time)s is not after %(previous)s)."),
                               line=line, time=format_time(start / 1000),
                               previous=format_time(previous / 1000))
        if duration and start >= round(duration * 1000):
            raise ChapterError(N_("Line %(line)d: %(time)s is not before the end of the video "
                                  "(%(duration)s)."), line=line,
                               time=format_time(start / 1000), duration=format_time(int(duration)))
        previous = start
    return [{"start": _number(start), "title": title} for _line, start, title in found]


# -- writing -------------------------------------------------------------------------------


def to_text(chapters: list[dict] | None) -> str:
    """The stored chapters as the editor types them, one a line."""
    return "\n".join(f"{format_time(c['start'])} {c['title']}" for c in chapters or [])


def spans(chapters: list[dict] | None, duration: float | None) -> list[dict]:
    """Each chapter with its end: the next one's start, the last's the video's end.

    A last chapter whose end is not known (no duration, or a stored start past it) gets none.
    """
    chapters = chapters or []
    result = []
    for index, chapter in enumerate(chapters):
        if index + 1 < len(chapters):
            end = chapters[index + 1]["start"]
        else:
            end = duration if duration and duration > chapter["start"] else None
        result.append({"start": chapter["start"], "end": end, "title": chapter["title"]})
    return result


def _cue_text(title: str) -> str:
    # A cue's text cannot hold "-->" nor a blank line; & and < must be escaped.
    return title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(chapters: list[dict] | None, duration: float | None) -> str:
    """A WebVTT chapters track: one cue per chapter, to the next one's start (the last to
    the end of the video, or one second past its start when the duration is unknown)."""
    out = ["WEBVTT", ""]
    for number, span in enumerate(spans(chapters, duration), 1):
        end = span["end"] if span["end"] is not None else span["start"] + 1
        out += [str(number), f"{vtt_time(span['start'])} --> {vtt_time(end)}",
                _cue_text(span["title"]), ""]
    return "\n".join(out)


def clips(chapters: list[dict] | None, duration: float | None, watch_url: str) -> list[dict]:
    """schema.org `Clip`s for a VideoObject's `hasPart` (Google's key moments): whole
    seconds, each with a link that starts the video there (`?t=`)."""
    result = []
    for span in spans(chapters, duration):
        start = int(span["start"])
        clip = {"@type": "Clip", "name": span["title"], "startOffset": start,
                "url": f"{watch_url}?t={start}"}
        if span["end"] is not None:
            clip["endOffset"] = math.ceil(span["end"])
        result.append(clip)
    return result
