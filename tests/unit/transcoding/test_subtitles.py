"""Subtitles: SRT or WebVTT in, clean WebVTT out, or a refusal that says why."""

from __future__ import annotations

import codecs
import subprocess
import sys
from pathlib import Path

import pysubs2
import pytest

from transcoding import subtitles
from transcoding.subtitles import SubtitleError, to_webvtt

ROOT = Path(__file__).resolve().parents[3]

SRT = """1
00:00:01,000 --> 00:00:03,500
Bonjour, je m'appelle Élodie.

2
00:00:04,000 --> 00:00:06,250
Je suis <i>chargée de recrutement</i>
à Paris.

3
00:01:02,003 --> 01:00:00,000
{\\an8}Merci & à bientôt !
"""

SRT_CUES = [
    ("00:00:01.000 --> 00:00:03.500", "Bonjour, je m'appelle Élodie."),
    ("00:00:04.000 --> 00:00:06.250", "Je suis <i>chargée de recrutement</i>\nà Paris."),
    ("00:01:02.003 --> 01:00:00.000", "Merci &amp; à bientôt !"),
]


def cues(vtt: str) -> list[tuple[str, str]]:
    """(timing, text) of each cue of a WebVTT file, whatever its identifiers."""
    assert vtt.startswith("WEBVTT\n\n")
    found = []
    for block in vtt.split("\n\n")[1:]:
        lines = block.strip("\n").split("\n")
        if not lines[0]:
            continue
        timing_at = next(i for i, line in enumerate(lines) if "-->" in line)
        found.append((lines[timing_at], "\n".join(lines[timing_at + 1:])))
    return found


# -- conversion ---------------------------------------------------------------------------

def test_srt_becomes_webvtt_cue_by_cue():
    vtt = to_webvtt(SRT.encode(), "interview.srt")
    assert cues(vtt) == SRT_CUES
    # An independent reader agrees on the times.
    assert [(e.start, e.end) for e in pysubs2.SSAFile.from_string(vtt)] == [
        (1000, 3500), (4000, 6250), (62003, 3600000)]


def test_windows_line_endings_and_a_utf8_bom_are_read():
    data = codecs.BOM_UTF8 + SRT.replace("\n", "\r\n").encode()
    assert cues(to_webvtt(data, "interview.srt")) == SRT_CUES


def test_cp1252_srt_from_windows_tools_keeps_its_accents():
    data = SRT.replace("\n", "\r\n").encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the point of the test: this is not UTF-8
    vtt = to_webvtt(data, "sous-titres.srt")
    assert "Élodie" in vtt and "chargée" in vtt and "à bientôt" in vtt


def test_utf16_from_notepad_is_read():
    data = SRT.encode("utf-16")
    assert cues(to_webvtt(data, "interview.srt")) == SRT_CUES


def test_webvtt_comes_through_with_the_same_cues():
    source = """WEBVTT - Interview

NOTE written by the agency

intro
00:01.000 --> 00:03.500 align:start position:10%
Hello, I'm <b>Sam</b>.

NOTE a comment between cues

second-cue
00:00:04.000 --> 00:00:06.000
Numbers on their own line stay:
2024
"""
    assert cues(to_webvtt(source.encode(), "captions.vtt")) == [
        ("00:00:01.000 --> 00:00:03.500", "Hello, I'm <b>Sam</b>."),
        ("00:00:04.000 --> 00:00:06.000", "Numbers on their own line stay:\n2024"),
    ]


def test_the_content_decides_not_the_name():
    assert cues(to_webvtt(SRT.encode(), "captions.vtt")) == SRT_CUES
    vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHi\n"
    assert cues(to_webvtt(vtt.encode(), "captions.txt")) == [
        ("00:00:01.000 --> 00:00:02.000", "Hi")]


def test_script_and_foreign_markup_are_stripped_and_text_escaped():
    srt = ("1\n00:00:01,000 --> 00:00:02,000\n"
           "<script>alert('x')</script>Hello <img src=x onerror=alert(1)>"
           "<font color=\"red\">world</font> <u>now</u>\n"
           "a < b &lt;script&gt; <b onclick=\"x()\">bold</b> <i>open\n")
    [(_, text)] = cues(to_webvtt(srt.encode(), "x.srt"))
    assert text == ("Hello world <u>now</u>\n"
                    "a &lt; b &lt;script&gt; <b>bold</b> <i>open</i>")


def test_cues_come_out_in_time_order():
    srt = ("1\n00:00:05,000 --> 00:00:06,000\nSecond\n\n"
           "2\n00:00:01,000 --> 00:00:02,000\nFirst\n")
    assert [text for _, text in cues(to_webvtt(srt.encode(), "x.srt"))] == ["First", "Second"]


ASS = """[Script Info]
ScriptType: v4.00+

[V4+ Styles]
Format: Name, Fontname, Fontsize
Style: Default,Arial,20

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,Hello
"""


@pytest.mark.parametrize(("data", "message"), [
    (b"", "This caption file is empty."),
    (b"\n  \r\n\t\n", "This caption file is empty."),
    (codecs.BOM_UTF8, "This caption file is empty."),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a caption file (it is not text)"),
    (bytes(range(1, 32)) * 4, "not a caption file (it is not text)"),
    (b"Dear team, here are the captions you asked for.\n",
     "does not look like a caption file"),
    (ASS.encode(), "Advanced SubStation (ASS) subtitle format. Export it as SRT or WebVTT"),
    (b"1\n00:00:01,000 --> 00:00:0\nHello\n", "Line 2: “00:00:01,000 --> 00:00:0” is not a valid"),
    (b"1\n00:00:01 --> 00:00:02\nHello\n", "Line 2: “00:00:01 --> 00:00:02” is not a valid"),
    (b"1\n00:00:01,000 --> 00:75:00,000\nHello\n", "is not a valid timing"),
    (b"1\n00:00:05,000 --> 00:00:02,000\nHello\n",
     "Line 2: caption 1 ends (00:00:02.000) before it starts (00:00:05.000)."),
    (b"1\n00:00:05,000 --> 00:00:05,000\nHello\n", "caption 1 ends (00:00:05.000) before"),
    (b"1\n00:00:01,000 --> 99:00:00,000\nHello\n", "later than any video here"),
    (b"1\n00:00:01,000 --> 00:00:02,000\nHi\n\n2\nHello\n",
     "Line 5: caption 2 has no timing."),
    (b"1\n00:00:01,000 --> 00:00:02,000\nHi\n00:00:03,000 --> 00:00:04,000\nThere\n",
     "Line 4: two timings in one caption"),
    (b"Title of the film\n\n1\n00:00:01,000 --> 00:00:02,000\nHi\n",
     "Line 1: there is text before the first caption."),
    (b"1\n00:00:01,000 --> 00:00:02,000\n<script>steal()</script>\n",
     "has timings but no caption text"),
    (b"WEBVTT\n\nNOTE nothing else\n", "This caption file has no captions."),
    (b"WEBVTT\n\n00:00:01,000 --> 00:00:02,000\nHi\n", "is not a valid timing. A timing looks "
     "like 00:00:01.000 --> 00:00:03.500"),
    (b"1\n00:00:01,000 --> 00:00:02,000\n" + b"x" * subtitles.MAX_CAPTION_BYTES,
     "too large: the limit is 1024 KiB"),
])
def test_unfit_files_are_refused_with_a_readable_message(data, message):
    with pytest.raises(SubtitleError) as refused:
        to_webvtt(data, "captions.srt")
    assert message in str(refused.value)


def test_a_refusal_carries_its_english_template_and_values_for_translation():
    with pytest.raises(SubtitleError) as refused:
        to_webvtt(b"1\n00:00:05,000 --> 00:00:02,000\nHello\n", "captions.srt")
    exc = refused.value
    assert exc.template == ("Line %(line)d: caption %(number)d ends (%(end)s) before it starts "
                            "(%(start)s).")
    assert exc.params == {"line": 2, "number": 1, "end": "00:00:02.000",
                          "start": "00:00:05.000"}
    assert str(exc) == exc.template % exc.params
    with pytest.raises(SubtitleError) as refused:
        to_webvtt(b"", "captions.srt")
    assert (refused.value.template, refused.value.params) == ("This caption file is empty.", {})


def test_the_parser_loads_nothing_of_the_platform():
    """transcoding/ knows nothing of Flask or the database: a worker imports it alone."""
    code = ("import sys, transcoding.subtitles; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('careers_tv', 'flask', 'sqlalchemy')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=ROOT).stdout.strip()
    assert loaded == "[]"
