"""Chapters as editors type or upload them, and as the player and crawlers read them back."""

from __future__ import annotations

import pytest

from careers_tv.services import chapters
from careers_tv.services.chapters import ChapterError, parse_text, parse_vtt


@pytest.mark.parametrize("line, start, title", [
    ("0:00 Intro", 0, "Intro"),
    ("1:05 Mon parcours", 65, "Mon parcours"),
    ("1:02:03 Questions", 3723, "Questions"),
    ("00:00:00.000 Début", 0, "Début"),
    ("00:01:05.5 Demi", 65.5, "Demi"),
    ("0:01:05,250 Virgule", 65.25, "Virgule"),
    ("75:30 Sans les heures", 4530, "Sans les heures"),
    ("  2:00   -   Tiret  ", 120, "Tiret"),
    ("2:00 – Tiret demi-cadratin", 120, "Tiret demi-cadratin"),
    ("2:00 | Barre", 120, "Barre"),
    ("2:00\tTabulation", 120, "Tabulation"),
    ("2:00 10 ans chez nous", 120, "10 ans chez nous"),
    ("2:00 Q&A <en direct>", 120, "Q&A <en direct>"),
])
def test_one_typed_line_gives_its_start_in_seconds_and_its_title(line, start, title):
    assert parse_text(line) == [{"start": start, "title": title}]


def test_several_lines_blank_ones_and_windows_line_ends():
    text = "0:00 Intro\r\n\r\n1:05 Mon parcours\r\n   \n1:02:03 Questions\n"
    assert parse_text(text, duration=4000) == [
        {"start": 0, "title": "Intro"}, {"start": 65, "title": "Mon parcours"},
        {"start": 3723, "title": "Questions"}]


@pytest.mark.parametrize("text", [None, "", "   ", "\n\n \r\n"])
def test_nothing_typed_means_no_chapters(text):
    assert parse_text(text) is None


def test_the_first_chapter_may_start_after_the_beginning():
    assert parse_text("0:30 Après le générique") == [{"start": 30, "title": "Après le générique"}]


@pytest.mark.parametrize("text, message", [
    ("Intro 0:00", "Line 1: start the line with the chapter's time"),
    ("Intro", "Line 1: start the line with the chapter's time"),
    ("0:00 Intro\n- 1:00 Suite", "Line 2: start the line with the chapter's time"),
    ("1:5 Intro", "Line 1: “1:5” is not a time; write it like 1:05"),
    ("1h05 Intro", "Line 1: “1h05” is not a time"),
    ("1:02:3 Intro", "Line 1: “1:02:3” is not a time"),
    ("0:00Intro", "Line 1: “0:00” is not a time"),
    ("0:75 Intro", "Line 1: “0:75” is not a time: minutes and seconds go up to 59."),
    ("1:60:00 Intro", "Line 1: “1:60:00” is not a time"),
    ("0:00", "Line 1: give the chapter a title after its time."),
    ("0:00 Intro\n1:00 - ", "Line 2: give the chapter a title after its time."),
    ("0:10 A\n0:05 B", "Line 2: each chapter starts after the one before (0:05 is not after "
                       "0:10)."),
    ("0:10 A\n\n0:10 B", "Line 3: each chapter starts after the one before"),
    ("0:00 " + "x" * 101, "Line 1: a chapter title has at most 100 characters (this one has "
                          "101)."),
    ("0:00 A\x1b[31m", "Line 1: remove the control characters"),
    ("0:00 A\x00", "Line 1: remove the control characters"),
    ("\x00\x01\x02", "Line 1: start the line with the chapter's time"),
])
def test_typed_junk_is_refused_with_the_line_and_the_reason(text, message):
    with pytest.raises(ChapterError) as refused:
        parse_text(text)
    assert str(refused.value).startswith(message)


def test_a_title_of_exactly_100_characters_is_kept():
    assert parse_text("0:00 " + "é" * 100)[0]["title"] == "é" * 100


def test_times_must_fall_within_the_video():
    assert parse_text("0:00 A\n4:59 B", duration=300.2)[-1]["start"] == 299
    with pytest.raises(ChapterError, match=r"Line 2: 5:00 is not before the end of the video "
                                           r"\(5:00\)"):
        parse_text("0:00 A\n5:00 B", duration=300)
    assert parse_text("0:00 A\n59:00 B", duration=None)[-1]["start"] == 3540  # unknown: no cap


def test_at_most_a_hundred_chapters():
    lines = [f"{n // 60}:{n % 60:02d} Part {n}" for n in range(101)]
    assert len(parse_text("\n".join(lines[:100]))) == 100
    with pytest.raises(ChapterError, match=r"At most 100 chapters \(there are 101\)"):
        parse_text("\n".join(lines))


def test_a_huge_text_is_refused_before_it_is_read():
    with pytest.raises(ChapterError, match="too long"):
        parse_text("0:00 A\n" * 5000)


def test_a_pasted_webvtt_file_is_read_as_one():
    text = "WEBVTT\n\n00:00:00.000 --> 00:01:00.000\nIntro\n"
    assert parse_text(text) == [{"start": 0, "title": "Intro"}]


# -- WebVTT chapters files ------------------------------------------------------------------

VTT = """\ufeffWEBVTT - chapters of the forum
Kind: chapters

NOTE written by the editor

STYLE
::cue { color: red }

intro
00:00.000 --> 01:05.000
Intro &amp; <b>accueil</b>

00:01:05.000 --> 00:10:00.000 line:0
Mon parcours
en deux lignes

1:02:03.250 --> 1:10:00.000
Questions
"""


def test_a_webvtt_chapters_file_gives_each_cue_start_and_text():
    assert parse_vtt(VTT.replace("\n", "\r\n").encode()) == [
        {"start": 0, "title": "Intro & accueil"},
        {"start": 65, "title": "Mon parcours en deux lignes"},
        {"start": 3723.25, "title": "Questions"}]


@pytest.mark.parametrize("data, message", [
    (b"", "This is not a WebVTT file"),
    (b"1\n00:00:01,000 --> 00:00:02,000\nSRT\n", "This is not a WebVTT file"),
    (b"WEBVTTX\n\n00:00.000 --> 00:01.000\nA\n", "This is not a WebVTT file"),
    (b"WEBVTT\n\nNOTE only a note\n", "This WebVTT file has no cues"),
    (b"WEBVTT\n\n00:00:01,000 --> 00:00:02,000\nA\n", "Line 3: a cue timing looks like"),
    (b"WEBVTT\n\n00:00:01.000 -> 00:00:02.000\nA\n", "This WebVTT file has no cues"),
    (b"WEBVTT\n\n00:61:01.000 --> 00:62:02.000\nA\n", "Line 3: a cue timing looks like"),
    (b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n", "Line 3: give the chapter a title"),
    (b"WEBVTT\n\n00:00:05.000 --> 00:00:09.000\nA\n\n00:00:01.000 --> 00:00:02.000\nB\n",
     "Line 6: each chapter starts after the one before"),
    (b"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n\xff\xfe\n", "This chapters file is not UTF-8"),
    (b"WEBVTT\n\n" + b"x" * 300_000, "This chapters file is too large: the limit is 256 KiB."),
])
def test_a_bad_chapters_file_is_refused_with_the_reason(data, message):
    with pytest.raises(ChapterError) as refused:
        parse_vtt(data)
    assert str(refused.value).startswith(message)


def test_a_file_chapter_past_the_end_of_the_video_is_refused():
    with pytest.raises(ChapterError, match=r"Line 6: 1:02:03.250 is not before the end of the "
                                           r"video \(10:00\)"):
        parse_vtt(b"WEBVTT\n\n00:00.000 --> 00:01.000\nA\n\n1:02:03.250 --> 1:03:00.000\nB\n",
                  duration=600)


# -- writing back -----------------------------------------------------------------------------


def test_stored_chapters_are_shown_back_as_typed_and_read_the_same():
    stored = [{"start": 0, "title": "Intro"}, {"start": 65.5, "title": "Mon parcours"},
              {"start": 3723, "title": "Questions"}]
    text = chapters.to_text(stored)
    assert text == "0:00 Intro\n1:05.500 Mon parcours\n1:02:03 Questions"
    assert parse_text(text) == stored
    assert chapters.to_text(None) == ""


def test_the_webvtt_track_runs_each_chapter_to_the_next_and_the_last_to_the_end():
    stored = [{"start": 5, "title": "Intro & <bienvenue>"}, {"start": 65.5, "title": "Suite"}]
    assert chapters.to_vtt(stored, 83.4) == (
        "WEBVTT\n\n"
        "1\n00:00:05.000 --> 00:01:05.500\nIntro &amp; &lt;bienvenue&gt;\n\n"
        "2\n00:01:05.500 --> 00:01:23.400\nSuite\n")
    assert parse_vtt(chapters.to_vtt(stored, 83.4).encode()) == [
        {"start": 5, "title": "Intro & <bienvenue>"}, {"start": 65.5, "title": "Suite"}]


def test_spans_give_each_chapter_its_end():
    stored = [{"start": 0, "title": "A"}, {"start": 10, "title": "B"}]
    assert chapters.spans(stored, 30) == [{"start": 0, "end": 10, "title": "A"},
                                          {"start": 10, "end": 30, "title": "B"}]
    assert chapters.spans(stored, None)[-1]["end"] is None
    assert chapters.spans(None, 30) == []
