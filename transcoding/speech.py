"""Speech to text: the engine interface the captions draft uses, and faster-whisper behind it.

An engine turns a piece of 16 kHz mono audio into timed words. `draft()` (below) feeds it a
file's audio piece by piece (transcoding/audio.py), so memory stays bounded whatever the
length, and cuts the words into cues (transcoding/cues.py). Another engine (a cloud API,
whisper.cpp) is one more class with the same three members, chosen by `load_engine`; the job
does not change.

Nothing is downloaded: the model is a local CTranslate2 Whisper directory (`CAPTIONS_MODEL`).
An English-only model (`tiny.en`, `small.en`…) never drafts another language: Whisper forced to
write English on French speech gives fluent nonsense, worse than no draft.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from . import audio
from .cues import Cue, Word, cues_from_words
from .errors import Cancelled, MediaError

# Called with the fraction done (0..1); return False to stop the draft.
ProgressCallback = Callable[[float], bool | None]


class SpeechModelError(RuntimeError):
    """The configured model cannot be used (missing, unreadable, wrong kind); an English
    template naming the setting, with its values, for the portal to translate and show."""

    def __init__(self, template: str, **params: str) -> None:
        self.template = template
        self.params = params
        super().__init__(template % params if params else template)


class NoModelForLanguage(SpeechModelError):
    """The engine cannot transcribe the video's language (an English-only model, French)."""


class SpeechEngine(Protocol):
    # The languages it can write (ISO 639-1), or None for any Whisper knows.
    languages: frozenset[str] | None

    def detect_language(self, samples: np.ndarray) -> str: ...

    def words(self, samples: np.ndarray, *, language: str, prompt: str | None) -> Iterator[Word]:
        """The piece's words, timed from the piece's start, as they are recognised."""
        ...


class FasterWhisperEngine:
    """faster-whisper (CTranslate2) on a local model directory."""

    def __init__(self, model_dir: Path, device: str = "auto") -> None:
        from faster_whisper import WhisperModel

        if not (model_dir / "model.bin").is_file():
            raise SpeechModelError(
                "CAPTIONS_MODEL is %(path)s, which is not a CTranslate2 Whisper model folder "
                "(it has no model.bin).", path=str(model_dir))
        threads = min(4, os.cpu_count() or 1)
        try:
            self.model = WhisperModel(str(model_dir), device=device, compute_type="int8",
                                      cpu_threads=threads)
        except Exception as exc:  # CTranslate2 says what it could not read; keep its words
            raise SpeechModelError("The speech model in CAPTIONS_MODEL (%(path)s) cannot be "
                                   "loaded: %(reason)s", path=str(model_dir),
                                   reason=str(exc)[:300]) from exc
        self.languages = None if self.model.model.is_multilingual else frozenset({"en"})

    def detect_language(self, samples: np.ndarray) -> str:
        language, _probability, _all = self.model.detect_language(samples)
        return language

    def words(self, samples: np.ndarray, *, language: str, prompt: str | None) -> Iterator[Word]:
        segments, _info = self.model.transcribe(
            samples, language=language, initial_prompt=prompt or None, word_timestamps=True,
            beam_size=5, vad_filter=True, condition_on_previous_text=False)
        for segment in segments:
            for word in segment.words or ():
                yield Word(word.word, float(word.start), float(word.end))


_engines: dict[tuple[str, str], SpeechEngine] = {}
_engines_lock = threading.Lock()


def load_engine(model_dir: str | Path, device: str = "auto") -> SpeechEngine:
    """The engine for a model folder, loaded once per process (a model is tens of MB to GB)."""
    path = Path(model_dir).expanduser()
    if not str(model_dir).strip() or not path.is_dir():
        raise SpeechModelError("No speech model is configured: CAPTIONS_MODEL (%(path)s) must "
                               "name a local CTranslate2 Whisper model folder.",
                               path=str(model_dir) or "unset")
    if device not in ("cpu", "cuda", "auto"):
        raise SpeechModelError("CAPTIONS_DEVICE must be cpu, cuda or auto, not %(device)s.",
                               device=device)
    key = (str(path.resolve()), device)
    with _engines_lock:
        if key not in _engines:
            _engines[key] = FasterWhisperEngine(path, device)
        return _engines[key]


@dataclass(frozen=True)
class Draft:
    language: str
    cues: list[Cue]
    words: int
    audio_seconds: float


def check_language(engine: SpeechEngine, language: str | None) -> None:
    if language and engine.languages is not None and language not in engine.languages:
        raise NoModelForLanguage("No %(language)s speech model is configured: CAPTIONS_MODEL "
                                 "is an English-only model.", language=language)


def draft(path: Path, duration: float, engine: SpeechEngine, *, language: str | None,
          prompt: str | None = None, on_progress: ProgressCallback | None = None,
          chunk_seconds: float = audio.CHUNK_SECONDS) -> Draft:
    """Caption cues for the speech in a local media file.

    `language` is the video's (ISO 639-1); None lets a multilingual engine detect it from the
    first piece. NoModelForLanguage before any decoding when the engine cannot write it;
    MediaError when the file has no sound; Cancelled when `on_progress` returns False.
    """
    check_language(engine, language)
    words: list[Word] = []
    seconds = 0.0
    for piece in audio.pieces(path, chunk_seconds):
        if language is None:
            language = engine.detect_language(piece.samples)
            check_language(engine, language)
        for word in engine.words(piece.samples, language=language, prompt=prompt):
            words.append(Word(word.text, word.start + piece.offset, word.end + piece.offset))
            _report(on_progress, (piece.offset + word.end) / duration if duration else 0)
        seconds = piece.offset + piece.seconds
        _report(on_progress, seconds / duration if duration else 0)
    if language is None:
        raise MediaError("This video has no sound, so there is nothing to caption.")
    return Draft(language, cues_from_words(words), len(words), seconds)


def _report(on_progress: ProgressCallback | None, fraction: float) -> None:
    if on_progress is not None and on_progress(min(1.0, max(0.0, fraction))) is False:
        raise Cancelled("the captions draft was stopped")


def prompt_from(hints: Iterable[str | None]) -> str | None:
    """Names and words the speech is likely to hold (the speaker, the entity, the tags), as
    Whisper's initial prompt: it spells them as given rather than by ear."""
    seen: list[str] = []
    for hint in hints:
        hint = (hint or "").strip()
        if hint and hint not in seen:
            seen.append(hint)
    return ", ".join(seen)[:400] + "." if seen else None
