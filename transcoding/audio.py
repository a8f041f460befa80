"""A local media file's first audio stream as 16 kHz mono samples, a bounded piece at a time.

Speech models read 16 kHz mono float samples. A two-hour replay is 115 million of them
(460 MB as float32), so ffmpeg's output is read in pieces of at most `chunk_seconds`, each cut
at the quietest moment near its end, so a word is not split between two pieces. ffmpeg opens
the one local file it is given, as every ffmpeg run here does (`file:` URL, protocol and
format allow-lists).
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import MediaError, TranscodeFailed
from .probe import FORMAT_WHITELIST, PROTOCOL_WHITELIST, file_url

SAMPLE_RATE = 16_000
CHUNK_SECONDS = 600.0
# Where a piece may end: the quietest QUIET_WINDOW in its last SEARCH_SECONDS.
SEARCH_SECONDS = 20.0
QUIET_WINDOW = 0.2


@dataclass(frozen=True)
class Piece:
    offset: float  # seconds from the file's start
    samples: np.ndarray  # float32, -1..1, SAMPLE_RATE a second

    @property
    def seconds(self) -> float:
        return len(self.samples) / SAMPLE_RATE


def decode_command(path: Path) -> list[str]:
    """ffmpeg: the file's first audio stream → raw 16 kHz mono little-endian int16 on stdout."""
    return ["ffmpeg", "-nostdin", "-hide_banner", "-v", "error",
            "-protocol_whitelist", PROTOCOL_WHITELIST, "-format_whitelist", FORMAT_WHITELIST,
            "-i", file_url(path), "-map", "0:a:0", "-vn", "-sn", "-dn",
            "-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "s16le", "-acodec", "pcm_s16le",
            "pipe:1"]


def quietest_cut(samples: np.ndarray) -> int:
    """Where to end a full piece: the middle of its quietest window near the end."""
    window = int(QUIET_WINDOW * SAMPLE_RATE)
    search = min(len(samples), int(SEARCH_SECONDS * SAMPLE_RATE))
    if search < 2 * window:
        return len(samples)
    tail = samples[len(samples) - search:]
    usable = len(tail) // window * window
    energy = np.square(tail[:usable].reshape(-1, window)).mean(axis=1)
    quietest = int(np.argmin(energy))
    return len(samples) - search + quietest * window + window // 2


def pieces(path: Path, chunk_seconds: float = CHUNK_SECONDS) -> Iterator[Piece]:
    """The file's audio in pieces of at most `chunk_seconds`, in order, covering it all.

    MediaError if the file has no audio ffmpeg can read; TranscodeFailed if ffmpeg fails on
    the way."""
    chunk = int(chunk_seconds * SAMPLE_RATE)
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(decode_command(path), stdout=subprocess.PIPE, stderr=stderr,
                                   stdin=subprocess.DEVNULL)
        assert process.stdout is not None
        pending = np.zeros(0, dtype=np.float32)
        offset = 0  # samples handed out so far
        ended = False
        try:
            while not ended:
                wanted = (chunk - len(pending)) * 2
                data = process.stdout.read(wanted)
                ended = len(data) < wanted
                usable = len(data) // 2 * 2
                if usable:
                    fresh = np.frombuffer(data[:usable], dtype="<i2").astype(np.float32)
                    pending = np.concatenate([pending, fresh / 32768.0])
                if ended:
                    break  # the last piece comes once ffmpeg is known to have succeeded
                cut = quietest_cut(pending)
                yield Piece(offset / SAMPLE_RATE, pending[:cut])
                offset += cut
                pending = pending[cut:]
        finally:
            if not ended:  # the reader stopped early: ffmpeg is not needed any more
                process.kill()
            process.wait()
        if process.returncode != 0:
            stderr.seek(0)
            said = stderr.read()[-2000:].decode(errors="replace").strip()
            if "matches no streams" in said or "does not contain any stream" in said:
                raise MediaError("This video has no sound, so there is nothing to caption.")
            raise TranscodeFailed(f"ffmpeg exited with {process.returncode}: {said}")
    if len(pending):
        yield Piece(offset / SAMPLE_RATE, pending)
