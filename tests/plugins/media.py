"""The generated media corpus: each input is made on first use and kept for the session.

    def test_something(media):
        probe(media.portrait)                          # built once, shared by every test
        media.build(make_landscape, duration=8)        # a variant, cached by its arguments

The time spent generating is printed at the end of the run (per input with `-v`), so the cost
of the corpus in CI stays visible.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests import media as m

T = TypeVar("T")
HOSTILE = "hostile"  # the secret and the files pointing at it share one folder
_corpus_key = pytest.StashKey["MediaCorpus"]()


def _input(maker: Callable[..., Any], **kwargs: Any) -> property:
    return property(lambda self: self.build(maker, **kwargs), doc=maker.__doc__)


class MediaCorpus:
    def __init__(self, root: Path):
        self.root = root
        self.timings: dict[str, float] = {}
        self._built: dict[str, Any] = {}

    def build(self, maker: Callable[..., T], *, folder: str | None = None, **kwargs: Any) -> T:
        """`maker(folder, **kwargs)`, run once per session for these arguments."""
        key = maker.__name__.removeprefix("make_")
        key += "".join(f" {name}={value.name if isinstance(value, Path) else value}"
                       for name, value in sorted(kwargs.items()))
        if key not in self._built:
            where = self.root / (folder or re.sub(r"[^A-Za-z0-9_.=-]+", "_", key))
            where.mkdir(parents=True, exist_ok=True)
            started = time.perf_counter()
            self._built[key] = maker(where, **kwargs)
            self.timings[key] = time.perf_counter() - started
        return self._built[key]

    landscape = _input(m.make_landscape)
    short = _input(m.make_short_clip)
    no_audio = _input(m.make_no_audio)
    portrait = _input(m.make_portrait)
    uhd = _input(m.make_4k)
    hdr = _input(m.make_hdr)
    hdr_hlg = _input(m.make_hdr, transfer="arib-std-b67")
    odd = _input(m.make_odd_dimensions)
    vfr = _input(m.make_vfr)
    interlaced = _input(m.make_interlaced)
    long_gop = _input(m.make_long_gop)
    quiet_then_loud = _input(m.make_quiet_then_loud)
    black_then_fade = _input(m.make_black_then_fade)
    webm = _input(m.make_webm)
    mpegts = _input(m.make_mpegts)
    avi = _input(m.make_avi)
    mxf = _input(m.make_mxf)
    audio_only = _input(m.make_audio_only)
    audio_with_cover = _input(m.make_audio_only, cover=True)
    truncated = _input(m.make_truncated)
    empty = _input(m.make_empty)
    text = _input(m.make_text)
    png = _input(m.make_png_as_mp4)
    pattern_name = _input(m.make_pattern_name)
    pattern_name_png = _input(m.make_pattern_name, content="png")

    @property
    def secret(self) -> tuple[Path, str]:
        """(path, token) of the local file the hostile inputs point at."""
        return self.build(m.make_secret, folder=HOSTILE)

    @property
    def hls_playlist(self) -> Path:
        return self.build(m.make_hls_playlist, folder=HOSTILE, target=self.secret[0])

    @property
    def ffconcat(self) -> Path:
        return self.build(m.make_ffconcat, folder=HOSTILE, target=self.secret[0])


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def media(media_dir, pytestconfig) -> MediaCorpus:
    corpus = MediaCorpus(media_dir)
    pytestconfig.stash[_corpus_key] = corpus
    return corpus


def pytest_terminal_summary(terminalreporter, config) -> None:
    corpus = config.stash.get(_corpus_key, None)
    if corpus is None or not corpus.timings:
        return
    total = sum(corpus.timings.values())
    terminalreporter.write_line(
        f"media corpus: {len(corpus.timings)} inputs generated in {total:.1f} s"
    )
    if config.getoption("verbose") > 0:
        for key, seconds in sorted(corpus.timings.items(), key=lambda item: -item[1]):
            terminalreporter.write_line(f"  {seconds:6.2f} s  {key}")
