"""Timed words → caption cues, cut the way subtitle guidelines ask; and cues → WebVTT text.

A pure function of the words (from the speech engine's word timestamps), unit-tested on its
own. The rules are the common ground of the BBC's, Netflix's and the DCMP's guidelines: at most
two lines of at most 42 characters; a cue on screen 1 to 7 seconds; a new cue at the end of a
sentence and after a pause, and, when a cue must be cut mid-sentence, at a clause end (a comma,
a semicolon, a colon) rather than between any two words; a line broken where the two halves
are closest in length, after punctuation when that costs little.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_LINE = 42
MAX_LINES = 2
MIN_SECONDS = 1.0
MAX_SECONDS = 7.0
# Silence longer than this between two words ends a cue: the speaker has stopped.
PAUSE_SECONDS = 0.7
# What a cut costs beyond the cue it adds: between two words of a clause, and leaving a cue of
# a word or two on screen (a sentence's own short end is no cost: it is the whole sentence).
MID_CLAUSE_COST = 0.6
SHORT_CUE_CHARACTERS = 16
SHORT_CUE_COST = 0.5
MAX_WORDS = 42  # no cue of two 42-character lines holds more
SENTENCE_ENDS = (".", "?", "!", "…")
CLAUSE_ENDS = (",", ";", ":", "—", "–")


@dataclass(frozen=True)
class Word:
    text: str
    start: float
    end: float


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.lines)


def cues_from_words(words: Iterable[Word]) -> list[Cue]:
    """The words (in order, timed) as cues; words without text are dropped."""
    clean = [Word(w.text.strip(), w.start, max(w.end, w.start)) for w in words]
    groups = _groups([w for w in clean if w.text])
    cues = [Cue(g[0].start, g[-1].end, _lines([w.text for w in g])) for g in groups]
    return _timed(cues)


def _joined(words: Sequence[Word]) -> str:
    return " ".join(w.text for w in words)


def _fits(words: Sequence[Word]) -> bool:
    """Whether the words can be shown as at most two lines of MAX_LINE characters, on screen
    at most MAX_SECONDS."""
    if len(words) > 1 and words[-1].end - words[0].start > MAX_SECONDS:
        return False
    texts = [w.text for w in words]
    return len(words) == 1 or all(len(line) <= MAX_LINE for line in _lines(texts))


def _groups(words: list[Word]) -> list[list[Word]]:
    """Sentences (and stretches between pauses), each cut into the best cues it can make."""
    groups: list[list[Word]] = []
    run: list[Word] = []
    for word in words:
        if run and word.start - run[-1].end > PAUSE_SECONDS:
            groups += _split(run)
            run = []
        run.append(word)
        if word.text.endswith(SENTENCE_ENDS):
            groups += _split(run)
            run = []
    if run:
        groups += _split(run)
    return groups


def _split(run: list[Word]) -> list[list[Word]]:
    """The cues of one sentence: the fewest that fit, cut at clause ends where possible, no
    scrap of a word or two left alone (a shortest-path over the places it can be cut)."""
    n = len(run)
    best: list[tuple[float, int]] = [(0.0, 0)] + [(float("inf"), 0)] * n
    for j in range(1, n + 1):
        for i in range(j - 1, max(-1, j - MAX_WORDS - 1), -1):
            piece = run[i:j]
            if not _fits(piece):
                break  # a longer piece (smaller i) fits no better
            cost = best[i][0] + 1.0
            if j < n and not run[j - 1].text.endswith(CLAUSE_ENDS):
                cost += MID_CLAUSE_COST
            if len(piece) < n and len(_joined(piece)) < SHORT_CUE_CHARACTERS:
                cost += SHORT_CUE_COST
            if cost < best[j][0]:
                best[j] = (cost, i)
    cuts, j = [], n
    while j > 0:
        i = best[j][1]
        cuts.append(run[i:j])
        j = i
    return cuts[::-1]


def _lines(texts: list[str]) -> tuple[str, ...]:
    """One line if it fits, else the two lines whose longer one is shortest, a break after
    punctuation preferred when it makes the longer line at most a few characters longer."""
    whole = " ".join(texts)
    if len(whole) <= MAX_LINE or len(texts) == 1:
        return (whole,)
    best: tuple[float, int] | None = None
    for i in range(1, len(texts)):
        first, second = " ".join(texts[:i]), " ".join(texts[i:])
        score = float(max(len(first), len(second)))
        if texts[i - 1].endswith(SENTENCE_ENDS + CLAUSE_ENDS):
            score -= 6
        if best is None or score < best[0]:
            best = (score, i)
    assert best is not None
    i = best[1]
    return (" ".join(texts[:i]), " ".join(texts[i:]))


def _timed(cues: list[Cue]) -> list[Cue]:
    """Each cue at least MIN_SECONDS on screen where the next one leaves room, at most
    MAX_SECONDS, never overlapping the next."""
    timed: list[Cue] = []
    for i, cue in enumerate(cues):
        following = cues[i + 1].start if i + 1 < len(cues) else None
        end = max(cue.end, cue.start + MIN_SECONDS)
        end = min(end, cue.start + MAX_SECONDS)
        if following is not None:
            end = min(end, following)
        timed.append(Cue(cue.start, max(end, cue.start), cue.lines))
    return timed


def _clock(seconds: float) -> str:
    ms = max(0, round(seconds * 1000))
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{ms:03d}"


def to_webvtt(cues: Iterable[Cue]) -> str:
    """The cues as a WebVTT file (the caption service still passes it through its checks)."""
    blocks = ["WEBVTT"]
    for cue in cues:
        if cue.end > cue.start:
            blocks.append(f"{_clock(cue.start)} --> {_clock(cue.end)}\n"
                          + "\n".join(html.escape(line, quote=False) for line in cue.lines))
    return "\n\n".join(blocks) + "\n"
