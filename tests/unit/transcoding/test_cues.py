"""Timed words become cues a viewer can read: two lines of 42 at most, 1–7 s, cut at sentences."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from transcoding import subtitles
from transcoding.cues import (
    MAX_LINE,
    MAX_SECONDS,
    MIN_SECONDS,
    Cue,
    Word,
    cues_from_words,
    to_webvtt,
)


def spoken(text: str, start: float = 0.0, per_word: float = 0.35, gap: float = 0.05) -> list[Word]:
    """The text's words, one after the other at a speaking pace."""
    words, t = [], start
    for token in text.split():
        words.append(Word(" " + token, t, t + per_word))
        t += per_word + gap
    return words


def test_each_sentence_is_its_own_cue():
    cues = cues_from_words(spoken("I joined three years ago. My team builds the payment app."))
    assert [c.text for c in cues] == ["I joined three years ago.",
                                      "My team builds the payment app."]


def test_a_long_sentence_is_cut_at_its_comma_and_broken_into_two_balanced_lines():
    text = ("When I arrived from Lyon with my family, nobody on the team knew me, but everyone "
            "made time to explain how the platform works and why it matters to our clients.")
    cues = cues_from_words(spoken(text, per_word=0.2))
    assert " ".join(c.text for c in cues) == text
    for cue in cues:
        assert len(cue.lines) <= 2 and all(len(line) <= MAX_LINE for line in cue.lines)
    # as few cues as fit, no word left alone on screen, the line broken after the comma
    assert len(cues) == 2
    assert cues[0].lines[0] == "When I arrived from Lyon with my family,"


def test_of_two_ways_to_cut_a_sentence_the_one_at_its_clause_end_wins():
    text = ("Our office in Lisbon is open to everyone, and on Fridays we cook together for the "
            "whole floor before the weekly demo.")
    cues = cues_from_words(spoken(text, per_word=0.2))
    assert [c.text for c in cues] == [
        "Our office in Lisbon is open to everyone,",
        "and on Fridays we cook together for the whole floor before the weekly demo."]
    two_lines = [c for c in cues if len(c.lines) == 2]
    assert two_lines and all(abs(len(c.lines[0]) - len(c.lines[1])) <= 16 for c in two_lines)


def test_a_pause_ends_a_cue_and_a_short_one_stays_a_second_on_screen():
    words = spoken("Hello") + spoken("and welcome", start=3.0)
    cues = cues_from_words(words)
    assert [c.text for c in cues] == ["Hello", "and welcome"]
    assert cues[0].end - cues[0].start == MIN_SECONDS


def test_a_slow_speaker_gets_a_new_cue_every_seven_seconds_at_most():
    cues = cues_from_words(spoken("so we we we " * 6, per_word=0.6, gap=0.3))
    assert len(cues) > 1
    assert all(c.end - c.start <= MAX_SECONDS for c in cues)


def test_the_webvtt_passes_the_caption_checks_and_reads_back_the_same():
    cues = cues_from_words(spoken("Fish & chips <3 --> ok. Second sentence here."))
    vtt = to_webvtt(cues)
    assert vtt.startswith("WEBVTT\n\n00:00:00.000 --> ")
    clean = subtitles.to_webvtt(vtt.encode(), "draft.vtt")
    assert [c.text for c in subtitles.read_cues(clean)] == [c.text for c in cues]


def test_no_words_no_cues():
    assert cues_from_words([Word("  ", 0, 1)]) == []
    assert to_webvtt([]) == "WEBVTT\n"


_token = st.text(alphabet="abcdefghijklmnopqrstuvwxyzé,.?'", min_size=1, max_size=14)


@st.composite
def _speech(draw) -> list[Word]:
    words, t = [], draw(st.floats(0, 5))
    for token in draw(st.lists(_token, min_size=1, max_size=80)):
        t += draw(st.floats(0, 1.5))
        length = draw(st.floats(0.05, 1.2))
        words.append(Word(token, t, t + length))
        t += length
    return words


@settings(max_examples=300, deadline=None)
@given(_speech())
def test_whatever_the_words_the_rules_hold(words):
    cues = cues_from_words(words)
    assert " ".join(c.text for c in cues) == " ".join(w.text for w in words)
    for cue, following in zip(cues, [*cues[1:], None], strict=True):
        assert cue.end >= cue.start
        assert cue.end - cue.start <= MAX_SECONDS + 1e-9
        if following is not None:
            assert cue.end <= following.start
        assert 1 <= len(cue.lines) <= 2
        if " " in cue.text:  # a single long word cannot be broken
            assert all(len(line) <= MAX_LINE or " " not in line for line in cue.lines)


def test_cue_text_joins_its_lines():
    assert Cue(0, 1, ("a b", "c")).text == "a b c"
