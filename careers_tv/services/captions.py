"""Captions: an uploaded SRT or WebVTT file becomes a clean WebVTT track in object storage.

`to_webvtt` is pure (bytes in, text out) so it is tested without a database. The cue structure
is read here, strictly, because pysubs2's readers are lenient in ways we must refuse: they glue
a WebVTT cue identifier or NOTE block to the previous cue's text, drop a trailing line that is
only a number ("2024"), and accept impossible times such as 00:75:00. pysubs2 names the
formats we do not take (ASS, SAMI, TTML, MicroDVD…) and writes the WebVTT output.

Captions live under `videos/<public_id>/captions/`, beside the versioned media prefixes that a
re-transcode replaces, so a new transcode keeps them. Each save writes a new key: players and
CDNs never see a half-replaced file under an old URL.
"""

from __future__ import annotations

import codecs
import html
import io
import logging
import re
import secrets
import unicodedata
from dataclasses import dataclass, field

import pysubs2
from pysubs2.formats import autodetect_format
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db
from ..i18n import N_
from ..models import Caption, Video
from ..storage import Storage, get_storage
from .videos import VideoError

log = logging.getLogger(__name__)

MAX_CAPTION_BYTES = 1024 * 1024
# Longer than any event replay; a cue past this is a typo (or an hour/minute mix-up).
MAX_CUE_MS = 12 * 3600 * 1000
CONTENT_TYPE = "text/vtt"

# Languages a caption may be in, with their names in their own language (the track label).
CAPTION_LANGUAGES: dict[str, str] = {
    "fr": "Français",
    "en": "English",
    "de": "Deutsch",
    "es": "Español",
    "it": "Italiano",
    "nl": "Nederlands",
    "pt": "Português",
}
MAX_LABEL_LENGTH = 64

OTHER_FORMATS = {
    "ass": "Advanced SubStation (ASS)", "ssa": "SubStation (SSA)", "sami": "SAMI",
    "ttml": "TTML", "microdvd": "MicroDVD", "mpl2": "MPL2", "tmp": "TMPlayer",
    "json": "JSON", "whisper_jax": "Whisper",
}


class CaptionError(VideoError):
    """A caption file or request we cannot accept; the message is for people."""


# -- reading ------------------------------------------------------------------------------

_TIMING = re.compile(r"^\s*(?P<start>[0-9:.,]+)\s*-->\s*(?P<end>[0-9:.,]+)(?:\s+.*)?$")
# SRT writes 00:00:01,000; some tools write a dot or drop leading zeros of the hour.
_SRT_TIME = re.compile(r"^(\d{1,3}):(\d{1,2}):(\d{1,2})[,.](\d{3})$")
# WebVTT: hours are optional, milliseconds always have three digits.
_VTT_TIME = re.compile(r"^(?:(\d{1,3}):)?(\d{2}):(\d{2})\.(\d{3})$")
_VTT_NON_CUE = ("NOTE", "STYLE", "REGION")
_EXPECTED = {"srt": "00:00:01,000 --> 00:00:03,500", "vtt": "00:00:01.000 --> 00:00:03.500"}
_NOT_TEXT = N_("This is not a caption file (it is not text). Choose an SRT or WebVTT file.")


@dataclass
class _Cue:
    line: int  # where its timing is, for messages
    start: int  # milliseconds
    end: int
    text: list[str] = field(default_factory=list)


def to_webvtt(data: bytes, filename: str) -> str:
    """Check an SRT or WebVTT file and return it as clean WebVTT; CaptionError if unfit."""
    if len(data) > MAX_CAPTION_BYTES:
        raise CaptionError(N_("This caption file is too large: the limit is %(size)d KiB."),
                           size=MAX_CAPTION_BYTES // 1024)
    text = _decode(data)
    if not text.strip():
        raise CaptionError(N_("This caption file is empty."))
    fmt = _detect(text, filename)
    cues = _read_cues(text, fmt)
    for number, cue in enumerate(cues, 1):
        if cue.end <= cue.start:
            raise CaptionError(
                N_("Line %(line)d: caption %(number)d ends (%(end)s) before it starts "
                   "(%(start)s)."),
                line=cue.line, number=number, end=_clock(cue.end), start=_clock(cue.start))
        if cue.end > MAX_CUE_MS:
            raise CaptionError(
                N_("Line %(line)d: caption %(number)d ends at %(end)s, later than any video "
                   "here; check the hours and minutes."),
                line=cue.line, number=number, end=_clock(cue.end))
    subs = pysubs2.SSAFile()
    for cue in cues:
        clean = _clean_text("\n".join(cue.text))
        if clean:  # a cue with nothing left to show is noise in the player
            subs.append(pysubs2.SSAEvent(start=cue.start, end=cue.end,
                                         text=clean.replace("\n", r"\N")))
    if not subs.events:
        raise CaptionError(N_("This caption file has timings but no caption text."))
    # keep_ssa_tags: the text is already final; do not let the writer interpret braces.
    return subs.to_string("vtt", keep_ssa_tags=True)


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)  # Windows Notepad's "Unicode"
    elif b"\x00" in data:
        raise CaptionError(_NOT_TEXT)
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
    raise CaptionError(_NOT_TEXT)


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
        raise CaptionError(N_("This file is in the %(format)s subtitle format. Export it as SRT "
                              "or WebVTT from your subtitle tool and upload that instead."),
                           format=OTHER_FORMATS[other])
    name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    raise CaptionError(N_("“%(name)s” does not look like a caption file: no caption timings "
                          "found. Choose an SRT or WebVTT file."), name=name[:80])


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
                raise CaptionError(
                    N_("Line %(line)d: caption %(number)s has no timing. A timing looks like "
                       "%(example)s."),
                    line=start_line, number=lines[0].strip(), example=_EXPECTED[fmt])
            if not cues:
                raise CaptionError(
                    N_("Line %(line)d: there is text before the first caption. An SRT file "
                       "starts with a caption number and its timing."), line=start_line)
            cues[-1].text.extend(lines)  # a blank line inside a caption's text
            continue
        elif timing_at > 1 or (timing_at == 1 and not lines[0].strip().isdigit()):
            raise CaptionError(
                N_("Line %(line)d: expected a caption number and a timing such as "
                   "%(example)s, found “%(found)s”."),
                line=start_line, example=_EXPECTED[fmt], found=lines[0][:60])
        line_number = start_line + timing_at
        start, end = _parse_timing(lines[timing_at], fmt, line_number)
        cue = _Cue(line=line_number, start=start, end=end, text=lines[timing_at + 1:])
        if any("-->" in line for line in cue.text):
            bad = next(i for i, line in enumerate(cue.text) if "-->" in line)
            raise CaptionError(
                N_("Line %(line)d: two timings in one caption; a blank line must separate "
                   "captions."), line=line_number + 1 + bad)
        cues.append(cue)
    if not cues:
        raise CaptionError(N_("This caption file has no captions."))
    return cues


def _parse_timing(line: str, fmt: str, line_number: int) -> tuple[int, int]:
    match = _TIMING.match(line)
    times = match and (_parse_time(match["start"], fmt), _parse_time(match["end"], fmt))
    if not times or None in times:
        raise CaptionError(N_("Line %(line)d: “%(found)s” is not a valid timing. A timing looks "
                              "like %(example)s."),
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


# -- storing ------------------------------------------------------------------------------

_DELETE_AFTER_COMMIT = "careers_tv.captions.delete_after_commit"
_DELETE_AFTER_ROLLBACK = "careers_tv.captions.delete_after_rollback"


def caption_key(video: Video, language: str) -> str:
    return f"videos/{video.public_id}/captions/{language}-{secrets.token_hex(6)}.vtt"


def check_language(language: str) -> str:
    language = (language or "").strip().lower()
    if language not in CAPTION_LANGUAGES:
        raise CaptionError(N_("Captions in “%(language)s” are not supported; choose one of "
                              "%(languages)s."),
                           language=language[:8], languages=", ".join(CAPTION_LANGUAGES))
    return language


def captions_for(video: Video) -> list[Caption]:
    """The video's captions, its own language first, then by language code."""
    return sorted(video.captions, key=lambda c: (c.language != video.language, c.language))


def caption_for(video: Video, language: str) -> Caption | None:
    return next((c for c in video.captions if c.language == language), None)


def save_caption(video: Video, language: str, label: str | None, data: bytes,
                 filename: str) -> Caption:
    """Add (or replace) the video's captions in `language`; the caller commits.

    The new file is written now under a new key. The file it replaces is deleted once the
    commit succeeds; if the transaction rolls back instead, the new file is deleted and the
    old one stays in use. A crash between the two leaves an unreferenced file, never a
    caption row pointing at nothing.
    """
    language = check_language(language)
    label = (label or "").strip()[:MAX_LABEL_LENGTH] or CAPTION_LANGUAGES[language]
    vtt = to_webvtt(data, filename)
    storage = get_storage()
    key = caption_key(video, language)
    storage.put_stream(key, io.BytesIO(vtt.encode("utf-8")), CONTENT_TYPE)
    _on_rollback_delete(storage, key)
    caption = caption_for(video, language)
    if caption is None:
        caption = Caption(language=language, label=label, storage_key=key)
        video.captions.append(caption)
    else:
        _on_commit_delete(storage, caption.storage_key)
        caption.label, caption.storage_key = label, key
    db.session.flush()
    return caption


def delete_caption(video: Video, language: str) -> None:
    """Remove the video's captions in `language`; the file goes once the caller commits."""
    caption = caption_for(video, (language or "").strip().lower())
    if caption is None:
        raise CaptionError(N_("This video has no captions in that language."))
    _on_commit_delete(get_storage(), caption.storage_key)
    video.captions.remove(caption)  # delete-orphan: the row goes at the flush
    db.session.flush()


def _on_commit_delete(storage: Storage, key: str) -> None:
    db.session.info.setdefault(_DELETE_AFTER_COMMIT, []).append((storage, key))


def _on_rollback_delete(storage: Storage, key: str) -> None:
    db.session.info.setdefault(_DELETE_AFTER_ROLLBACK, []).append((storage, key))


def _delete_quietly(pending) -> None:
    for storage, key in pending:
        try:
            storage.delete(key)
        except Exception:  # an orphaned caption file is harmless; a failed request is not
            log.exception("could not delete caption file %s", key)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(_DELETE_AFTER_ROLLBACK, None)
    _delete_quietly(session.info.pop(_DELETE_AFTER_COMMIT, ()))


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the outermost transaction rolled back
        session.info.pop(_DELETE_AFTER_COMMIT, None)
        _delete_quietly(session.info.pop(_DELETE_AFTER_ROLLBACK, ()))


# -- reading stored tracks ----------------------------------------------------------------


@dataclass(frozen=True)
class Cue:
    """One caption as a reader sees it: when it starts and ends (ms) and its plain text."""

    start: int
    end: int
    text: str


def read_cues(vtt: str) -> list[Cue]:
    """The cues of a WebVTT track we stored, as plain text (markup dropped, entities read).

    The same strict reader as uploads, so a transcript shows exactly what the player shows.
    """
    cues = []
    for cue in _read_cues(vtt.replace("\r\n", "\n"), "vtt"):
        text = re.sub(r"</?[ibu]>", "", _clean_text("\n".join(cue.text)))
        if text:
            cues.append(Cue(cue.start, cue.end, html.unescape(text)))
    return cues
