"""Fuzzing the subtitle parser (issue 9): whatever bytes arrive, `to_webvtt` answers clean
WebVTT or a SubtitleError, never another exception; what it writes, `read_cues` reads back with
the same text and timings."""

from __future__ import annotations

import codecs
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transcoding.subtitles import MAX_CUE_MS, SubtitleError, read_cues, to_webvtt

FUZZ = settings(max_examples=100, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _clock(ms: int, sep: str) -> str:
    seconds, millis = divmod(ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{sep}{millis:03d}"


# Pieces a hostile or broken caption file is made of: real timings, impossible ones, markup,
# script elements, entities, SSA overrides, header words, stray arrows and control characters.
PIECES = st.sampled_from([
    "WEBVTT", "WEBVTT - title", "NOTE a comment", "STYLE", "REGION", "1", "2", "42", "\n",
    "\n\n", "\r\n", " ", "-->", " --> ", "00:00:01,000 --> 00:00:02,000",
    "00:00:01.000 --> 00:00:02.000", "00:00:02.000 --> 00:00:01.000", "99:99:99,999",
    "00:75:00,000 --> 00:76:00,000", "1:2:3,4", "00:00:01.000 --> 13:00:00.000 align:start",
    "<script>alert(1)</script>", "<script>", "</script>", "<style>x{}</style>", "<b>", "</b>",
    "<i>", "</u>", "<c.yellow>", "</c>", "<v Bob>", "<00:00:01.500>", "<img src=x onerror=a()>",
    "<", ">", "&", "&amp;", "&lt;script&gt;", "&#60;", "{\\an8}", "{", "\\N", "Bonjour",
    "Élodie", "مرحبا", "\u202e", "👩‍💻", "e\u0301", "\x00", "\x07", "\x1b[31m", "\ufeff",
])
CAPTIONISH = st.lists(PIECES, max_size=40).map("".join)
ENCODED = st.one_of(
    CAPTIONISH.map(lambda text: text.encode("utf-8")),
    CAPTIONISH.map(lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le")),
    CAPTIONISH.map(lambda text: text.encode("cp1252", errors="replace")),
    st.binary(max_size=2048),
)
NAMES = st.sampled_from(["captions.srt", "captions.vtt", "../../etc/passwd", "<b>x</b>.srt",
                         "a\\b\\c.vtt", "", "x" * 300])


def _assert_clean(vtt: str) -> None:
    assert vtt.startswith("WEBVTT")
    assert not re.search(r"<\s*/?\s*(script|style|img|c\b|v\b)", vtt, re.I)
    assert "\x00" not in vtt
    for cue in read_cues(vtt):  # what we write, we read again
        assert 0 <= cue.start < cue.end <= MAX_CUE_MS
        assert cue.text.strip()


@FUZZ
@given(data=ENCODED, filename=NAMES)
def test_any_bytes_give_clean_webvtt_or_a_subtitle_error(data, filename):
    try:
        vtt = to_webvtt(data, filename)
    except SubtitleError as exc:
        assert str(exc)  # a message for people
        return
    _assert_clean(vtt)


@FUZZ
@given(text=st.one_of(CAPTIONISH, st.text(max_size=500)))
def test_read_cues_takes_any_text_or_says_why(text):
    try:
        cues = read_cues(text)
    except SubtitleError:
        return
    assert all(isinstance(cue.text, str) for cue in cues)


# Caption text as people write it, without the characters the cleaner rewrites on purpose
# (markup, entities, SSA braces and backslashes) or that split a line.
WORD = st.text(
    alphabet=st.characters(categories=("L", "N", "Pd", "Po", "Ps", "Pe", "So", "Sc"),
                           exclude_characters="<>&{}\\"),
    min_size=1, max_size=12,
).filter(lambda word: "-->" not in word)
LINE = st.lists(WORD, min_size=1, max_size=6).map(" ".join)
CUE_TEXT = st.lists(LINE, min_size=1, max_size=3).map("\n".join)


@st.composite
def cue_lists(draw):
    count = draw(st.integers(min_value=1, max_value=20))
    at, cues = 0, []
    for _ in range(count):
        start = at + draw(st.integers(min_value=0, max_value=600_000))
        end = start + draw(st.integers(min_value=1, max_value=600_000))
        cues.append((start, end, draw(CUE_TEXT)))
        at = draw(st.sampled_from([start, end]))  # overlapping cues are allowed
    return cues


@FUZZ
@given(cues=cue_lists(), fmt=st.sampled_from(["srt", "vtt"]), markup=st.booleans())
def test_a_round_trip_keeps_the_text_and_the_timings(cues, fmt, markup):
    sep = "," if fmt == "srt" else "."
    blocks = []
    for number, (start, end, text) in enumerate(cues, 1):
        shown = text
        if markup:  # kept markup is dropped by read_cues; a script element goes whole
            shown = f"<b>{text}</b><script>alert(1)</script>"
        blocks.append(f"{number}\n{_clock(start, sep)} --> {_clock(end, sep)}\n{shown}")
    source = ("WEBVTT\n\n" if fmt == "vtt" else "") + "\n\n".join(blocks) + "\n"
    vtt = to_webvtt(source.encode("utf-8"), f"captions.{fmt}")
    _assert_clean(vtt)
    assert [(c.start, c.end, c.text) for c in read_cues(vtt)] == cues
