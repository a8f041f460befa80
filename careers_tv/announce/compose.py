"""The text of a post announcing a video, within X's length rules.

X counts a post in *weighted* characters (twitter-text): 280 at most, every URL counts 23, and
CJK characters and emoji count 2. `twitter_text.parse_tweet` does that counting, so what we
measure is what X will measure. When a post is too long it is shortened gracefully: the title is
cut on a word (with "…"), then the speaker's job title and name and the hashtag go; the link is
never touched. The templates live in templates.toml (per channel, per language), with each
channel's `native_video` flag.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from twitter_text import parse_tweet

MAX_WEIGHTED_LENGTH = 280
ELLIPSIS = "…"
MIN_TITLE = 24  # characters of title worth keeping before the speaker is dropped
TEMPLATES = Path(__file__).with_name("templates.toml")
LANGUAGES = ("fr", "en")


@dataclass(frozen=True)
class Post:
    text: str
    weighted_length: int
    shortened: bool


@dataclass(frozen=True)
class Parts:
    """What a post is made of, before the template puts it together."""

    title: str
    channel: str
    link: str
    speaker_name: str = ""
    speaker_title: str = ""
    hashtag: str = ""


def weighted_length(text: str) -> int:
    return parse_tweet(text).weightedLength


def fits(text: str) -> bool:
    return weighted_length(text) <= MAX_WEIGHTED_LENGTH


@cache
def _templates() -> dict[str, dict[str, str | bool]]:
    with TEMPLATES.open("rb") as file:
        return tomllib.load(file)


def template_for(channel_slug: str, language: str) -> str:
    language = language if language in LANGUAGES else "fr"
    templates = _templates()
    return templates.get(channel_slug, {}).get(language) or templates["default"][language]


def wants_native_video(channel_slug: str) -> bool:
    """Does this channel's post carry the short clip as a native video (templates.toml)?"""
    return _templates().get(channel_slug, {}).get("native_video") is True


def clean(text: str | None) -> str:
    """One line of plain text: no control characters, runs of spaces collapsed."""
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") and c != "\u200d"
                   else c for c in text)
    return re.sub(r"\s+", " ", text).strip()


def _hashtag(tag: str) -> str:
    tag = re.sub(r"[^\w]", "", clean(tag))
    return f" #{tag}" if tag else ""


def _speaker(name: str, title: str) -> str:
    if name and title:
        return f", {name}, {title}"
    return f", {name}" if name else ""


def _render(template: str, parts: Parts, title: str, name: str, job: str, tag: str) -> str:
    return template.format(title=title, speaker=_speaker(name, job), hashtag=_hashtag(tag),
                           channel=parts.channel, link=parts.link)


def _shorter_titles(title: str, overflow: int):
    """The title cut on ever earlier words, then (one long word, or a script without spaces)
    on ever earlier characters; each with the ellipsis. A character weighs 2 at most, so the
    first `overflow // 2` characters to go need not be tried one by one."""
    words = title.split(" ")
    for count in range(len(words) - 1, 0, -1):
        yield " ".join(words[:count]).rstrip(",;:.-–—") + ELLIPSIS
    for end in range(len(title) - max(1, overflow // 2), 0, -1):
        yield title[:end] + ELLIPSIS
    yield ELLIPSIS


def compose(template: str, parts: Parts) -> Post:
    """The post for `parts` with `template`, as long as it may be and never longer."""
    title = clean(parts.title)
    name, job, tag = clean(parts.speaker_name), clean(parts.speaker_title), parts.hashtag
    full = _render(template, parts, title, name, job, tag)
    if fits(full):
        return Post(full, weighted_length(full), shortened=False)
    # What goes first when the post is too long: a shorter title is better than no speaker,
    # but a title cut to a few words says little, so below that the extras go first.
    keep = min(len(title), MIN_TITLE)
    for extras in ((name, job, tag), (name, "", tag), ("", "", tag), ("", "", "")):
        overflow = weighted_length(_render(template, parts, title, *extras)) - MAX_WEIGHTED_LENGTH
        last = extras == ("", "", "")
        for shorter in (title, *_shorter_titles(title, max(overflow, 0))):
            if len(shorter) < keep and not last:
                break
            text = _render(template, parts, shorter, *extras)
            if fits(text):
                return Post(text, weighted_length(text), shortened=True)
    raise ValueError("the template alone is longer than a post may be")


def announcement_text(video, link: str, language: str | None = None) -> Post:
    """The post for a published video, in `language` (default: the video's)."""
    language = language or video.language
    channel = video.channel
    parts = Parts(title=video.title, channel=channel.name(language), link=link,
                  speaker_name=video.speaker_name or "", speaker_title=video.speaker_title or "",
                  hashtag=channel.hashtag or "")
    return compose(template_for(channel.slug, language), parts)
