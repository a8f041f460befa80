"""Spoken test media: known English sentences said by Debian's espeak-ng, and word error rate.

The automatic-captions tests and bench/captions.py transcribe these clips and compare the
draft with the text that was spoken. The sentences avoid numbers, which a recogniser may write
as digits ("12") where the reference spells them ("twelve"): that is formatting, not an error.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import jiwer

from .media import AAC, X264, picture, run_ffmpeg

SENTENCES = [
    "I joined the company as a software engineer after my studies in Lyon.",
    "Every morning our team meets for a short call to plan the work of the day.",
    "What I like most here is that people take the time to explain things.",
    "We build the mobile application that our clients use to manage their accounts.",
    "My manager encouraged me to apply for a role in another country.",
    "Working in marketing means listening to customers before writing a single word.",
    "The disability network helped me adapt my workstation from the very first week.",
    "On Fridays we share what we learned with the other teams over lunch.",
    "I was afraid of the interview, but the recruiter made me feel welcome.",
    "If you are curious and like to solve problems, you will feel at home with us.",
    "Our communication team tells the stories of the people who work here.",
    "Security matters to every engineer, not only to the specialists.",
]

# espeak-ng voices of different character, for a corpus that is not one voice at one pace.
VOICES = ["en-us", "en", "en-us+m3", "en+f2", "en-us+f4"]


def speak(text: str, out: Path, voice: str = "en-us", words_per_minute: int = 160,
          gap_ms: int = 0) -> Path:
    """`text` said by espeak-ng as a WAV file; `gap_ms` of silence between its words."""
    command = ["espeak-ng", "-v", voice, "-s", str(words_per_minute), "-w", str(out)]
    if gap_ms:
        command += ["-g", str(max(1, gap_ms // 10))]  # espeak counts 10 ms units
    subprocess.run([*command, text], check=True, capture_output=True, timeout=60)
    return out


def make_spoken_clip(dir: Path, text: str, *, voice: str = "en-us", words_per_minute: int = 160,
                     name: str = "spoken.mp4", size: tuple[int, int] = (640, 360),
                     lead_seconds: float = 0.5) -> Path:
    """A small H.264 + AAC MP4 whose sound is `text` spoken, after `lead_seconds` of silence,
    as a phone testimonial would be."""
    wav = speak(text, dir / (name + ".wav"), voice, words_per_minute)
    out = dir / name
    delay = int(lead_seconds * 1000)
    run_ffmpeg("-f", "lavfi", "-i", picture(size, 25, 600, noise=0), "-i", wav,
               "-filter_complex", f"[1:a]adelay={delay}:all=1,apad=pad_dur=0.5[a]",
               "-map", "0:v", "-map", "[a]", *X264, *AAC, "-ar", "48000", "-shortest", out)
    wav.unlink()
    return out


def word_error_rate(reference: str, hypothesis: str) -> float:
    """WER after lower-casing and dropping punctuation (a caption's commas are not words)."""
    clean = jiwer.Compose([jiwer.ToLowerCase(), jiwer.RemovePunctuation(),
                           jiwer.RemoveMultipleSpaces(), jiwer.Strip(),
                           jiwer.ReduceToListOfListOfWords()])
    return jiwer.wer(reference, hypothesis, reference_transform=clean,
                     hypothesis_transform=clean)
