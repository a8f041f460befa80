"""Subtitles: an SRT or WebVTT file becomes clean WebVTT, and a WebVTT track is read back.

Pure text processing (bytes or text in, text or cues out), so it is tested without a database
or a request, and imports nothing of careers_tv. The cue structure is read here, strictly,
because pysubs2's readers are lenient in ways we must refuse: they glue a WebVTT cue identifier
or NOTE block to the previous cue's text, drop a trailing line that is only a number ("2024"),
and accept impossible times such as 00:75:00. pysubs2 names the formats we do not take (ASS,
SAMI, TTML, MicroDVD…) and writes the WebVTT output.

A refusal is a SubtitleError carrying an English template and its values, as MediaError does,
so whoever shows it to people translates the template first.
"""

from __future__ import annotations

import codecs
import html
import re
import unicodedata
from dataclasses import dataclass, field

import pysubs2
from pysubs2.formats import autodetect_format

MAX_CAPTION_BYTES = 1024 * 1024
# Longer than any event replay; a cue past this is a typo (or an hour/minute mix-up).
MAX_CUE_MS = 12 * 3600 * 1000

OTHER_FORMATS = {
    "ass": "Advanced SubStation (ASS)", "ssa": "SubStation (SSA)", "sami": "SAMI",
    "ttml": "TTML", "microdvd": "MicroDVD", "mpl2": "MPL2", "tmp": "TMPlayer",
    "json": "JSON", "whisper_jax": "Whisper",
}


class SubtitleError(ValueError):
    """A subtitle file we cannot accept, and why, in words for the person who sent it.

    `template` is an English sentence with %(name)s placeholders and `params` their values, so
    whoever shows it can translate the template first (pybabel extracts the first argument of
    `SubtitleError(...)`); `str()` is the English.
    """

    def __init__(self, template: str, **params) -> None:
        self.template = template
        self.params = params
        super().__init__(template % params if params else template)


# -- reading ------------------------------------------------------------------------------

_TIMING = re.compile(r"^\s*(?P<start>[0-9:.,]+)\s*-->\s*(?P<end>[0-9:.,]+)(?:\s+.*)?$")
# SRT writes 00:00:01,000; some tools write a dot or drop leading zeros of the hour.
_SRT_TIME = re.compile(r"^(\d{1,3}):(\d{1,2}):(\d{1,2})[,.](\d{3})$")
# WebVTT: hours are optional, milliseconds always have three digits.
_VTT_TIME = re.compile(r"^(?:(\d{1,3}):)?(\d{2}):(\d{2})\.(\d{3})$")
_VTT_NON_CUE = ("NOTE", "STYLE", "REGION")
_EXPECTED = {"srt": "00:00:01,000 --> 00:00:03,500", "vtt": "00:00:01.000 --> 00:00:03.500"}


@dataclass
class _Cue:
    line: int  # where its timing is, for messages
    start: int  # milliseconds
    end: int
    text: list[str] = field(default_factory=list)


def to_webvtt(data: bytes, filename: str) -> str:
    """Check an SRT or WebVTT file and return it as clean WebVTT; SubtitleError if unfit."""
    if len(data) > MAX_CAPTION_BYTES:
        raise SubtitleError("This caption file is too large: the limit is %(size)d KiB.",
                            size=MAX_CAPTION_BYTES // 1024)
    text = _decode(data)
    if not text.strip():
        raise SubtitleError("This caption file is empty.")
    fmt = _detect(text, filename)
    cues = _read_cues(text, fmt)
    for number, cue in enumerate(cues, 1):
        if cue.end <= cue.start:
            raise SubtitleError(
                "Line %(line)d: caption %(number)d ends (%(end)s) before it starts "
                "(%(start)s).",
                line=cue.line, number=number, end=_clock(cue.end), start=_clock(cue.start))
        if cue.end > MAX_CUE_MS:
            raise SubtitleError(
                "Line %(line)d: caption %(number)d ends at %(end)s, later than any video "
                "here; check the hours and minutes.",
                line=cue.line, number=number, end=_clock(cue.end))
    subs = pysubs2.SSAFile()
    for cue in cues:
        clean = _clean_text("\n".join(cue.text))
        if clean:  # a cue with nothing left to show is noise in the player
            subs.append(pysubs2.SSAEvent(start=cue.start, end=cue.end,
                                         text=clean.replace("\n", r"\N")))
    if not subs.events:
        raise SubtitleError("This caption file has timings but no caption text.")
    # keep_ssa_tags: the text is already final; do not let the writer interpret braces.
    return subs.to_string("vtt", keep_ssa_tags=True)


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)  # Windows Notepad's "Unicode"
    elif b"\x00" in data:
        encodings = ()  # NUL bytes: not text in any encoding we take
    else:
        # UTF-8 (with or without BOM) first; subtitle tools on Windows still write cp1252.
        encodings = ("utf-8-sig", "cp1252")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
        if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t\f" for ch in text):
            break  # control characters: a binary file that happened to decode
        return text
    raise SubtitleError(
        "This is not a caption file (it is not text). Choose an SRT or WebVTT file.")


def _detect(text: str, filename: str) -> str:
    """'vtt' or 'srt' from the content; the name only helps word the refusal."""
    first = text.lstrip().split("\n", 1)[0]
    if first == "WEBVTT" or first.startswith(("WEBVTT ", "WEBVTT\t")):
        return "vtt"
    if "-->" in text:
        return "srt"
    try:
        other = autodetect_format(text[:10000])
    except pysubs2.Pysubs2Error:
        other = None
    if other in OTHER_FORMATS:
        raise SubtitleError("This file is in the %(format)s subtitle format. Export it as SRT "
                            "or WebVTT from your subtitle tool and upload that instead.",
                            format=OTHER_FORMATS[other])
    name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    raise SubtitleError("“%(name)s” does not look like a caption file: no caption timings "
                        "found. Choose an SRT or WebVTT file.", name=name[:80])


def _blocks(text: str):
    """(first line number, lines) for each run of non-blank lines."""
    start, lines = 0, []
    for number, line in enumerate(text.split("\n"), 1):
        if line.strip():
            if not lines:
                start = number
            lines.append(line.rstrip())
        elif lines:
            yield start, lines
            lines = []
    if lines:
        yield start, lines


def _read_cues(text: str, fmt: str) -> list[_Cue]:
    cues: list[_Cue] = []
    for start_line, lines in _blocks(text):
        timing_at = next((i for i, line in enumerate(lines) if "-->" in line), None)
        if fmt == "vtt":
            if timing_at is None or lines[0].split(maxsplit=1)[0] in _VTT_NON_CUE:
                continue  # the header, comments, styles, regions: nothing a viewer reads
            # Lines before the timing are the cue's identifier (or a header missing its
            # blank line).
        elif timing_at is None:
            if lines[0].strip().isdigit():
                raise SubtitleError(
                    "Line %(line)d: caption %(number)s has no timing. A timing looks like "
                    "%(example)s.",
                    line=start_line, number=lines[0].strip(), example=_EXPECTED[fmt])
            if not cues:
                raise SubtitleError(
                    "Line %(line)d: there is text before the first caption. An SRT file "
                    "starts with a caption number and its timing.", line=start_line)
            cues[-1].text.extend(lines)  # a blank line inside a caption's text
            continue
        elif timing_at > 1 or (timing_at == 1 and not lines[0].strip().isdigit()):
            raise SubtitleError(
                "Line %(line)d: expected a caption number and a timing such as "
                "%(example)s, found “%(found)s”.",
                line=start_line, example=_EXPECTED[fmt], found=lines[0][:60])
        line_number = start_line + timing_at
        start, end = _parse_timing(lines[timing_at], fmt, line_number)
        cue = _Cue(line=line_number, start=start, end=end, text=lines[timing_at + 1:])
        if any("-->" in line for line in cue.text):
            bad = next(i for i, line in enumerate(cue.text) if "-->" in line)
            raise SubtitleError(
                "Line %(line)d: two timings in one caption; a blank line must separate "
                "captions.", line=line_number + 1 + bad)
        cues.append(cue)
    if not cues:
        raise SubtitleError("This caption file has no captions.")
    return cues


def _parse_timing(line: str, fmt: str, line_number: int) -> tuple[int, int]:
    match = _TIMING.match(line)
    times = match and (_parse_time(match["start"], fmt), _parse_time(match["end"], fmt))
    if not times or None in times:
        raise SubtitleError("Line %(line)d: “%(found)s” is not a valid timing. A timing looks "
                            "like %(example)s.",
                            line=line_number, found=line.strip()[:60], example=_EXPECTED[fmt])
    return times


def _parse_time(value: str, fmt: str) -> int | None:
    match = (_VTT_TIME if fmt == "vtt" else _SRT_TIME).match(value)
    if match is None:
        return None
    hours, minutes, seconds, millis = (int(part or 0) for part in match.groups())
    if minutes > 59 or seconds > 59:
        return None
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis


def _clock(ms: int) -> str:
    seconds, millis = divmod(ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


# -- cleaning -----------------------------------------------------------------------------

# What a script or style element holds is not caption text: drop it whole.
_SCRIPT = re.compile(r"<\s*(script|style)\b[^>]*>.*?(<\s*/\s*\1\s*>|$)", re.I | re.S)
_SSA_OVERRIDE = re.compile(r"\{\\[^}]*\}")  # {\an8} and friends, common in SRT files
_TAG = re.compile(r"<\s*/?\s*[A-Za-z!?][^<>]*>")
# Only WebVTT's italic, bold and underline survive, rewritten bare (no class, no attribute).
_KEPT_TAG = re.compile(r"^<\s*(/?)\s*([ibu])(?![\w-])[^>]*>$", re.I)


def _clean_text(text: str) -> str:
    """Cue text with only <i>, <b>, <u> as markup and everything else as escaped text."""
    text = _SSA_OVERRIDE.sub("", _SCRIPT.sub("", text))
    out: list[str] = []
    open_tags: list[str] = []
    position = 0
    for match in _TAG.finditer(text):
        out.append(_escape(text[position:match.start()]))
        position = match.end()
        kept = _KEPT_TAG.match(match.group())
        if kept is None:
            continue
        closing, name = kept.group(1) == "/", kept.group(2).lower()
        if not closing:
            open_tags.append(name)
            out.append(f"<{name}>")
        elif name in open_tags:  # a closing tag with no opening one is dropped
            while open_tags:
                top = open_tags.pop()
                out.append(f"</{top}>")
                if top == name:
                    break
    out.append(_escape(text[position:]))
    out.extend(f"</{name}>" for name in reversed(open_tags))
    lines = (line.strip() for line in "".join(out).split("\n"))
    cleaned = "\n".join(line for line in lines if line)
    # A cue whose only content is markup shows nothing.
    return cleaned if re.sub(r"</?[ibu]>", "", cleaned).strip() else ""


def _escape(fragment: str) -> str:
    # Entities in the source (&amp; in WebVTT) are read first, so nothing is escaped twice.
    return html.escape(html.unescape(fragment), quote=False)


# -- reading a clean track back -----------------------------------------------------------


@dataclass(frozen=True)
class Cue:
    """One caption as a reader sees it: when it starts and ends (ms) and its plain text."""

    start: int
    end: int
    text: str


def read_cues(vtt: str) -> list[Cue]:
    """The cues of a WebVTT track (one we stored), as plain text (markup dropped, entities
    read); SubtitleError if it is not one.

    The same strict reader as uploads, so a transcript shows exactly what the player shows.
    """
    cues = []
    for cue in _read_cues(vtt.replace("\r\n", "\n"), "vtt"):
        text = re.sub(r"</?[ibu]>", "", _clean_text("\n".join(cue.text)))
        if text:
            cues.append(Cue(cue.start, cue.end, html.unescape(text)))
    return cues
