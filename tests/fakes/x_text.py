"""X's weighted length of a post's text, and the text as X echoes it (URLs through t.co).

Rules (twitter-text v3): NFC-normalised; code points 0-4351, 8192-8205, 8208-8223 and 8242-8247
weigh 1, every other code point 2; each `http(s)://` URL weighs 23 (trailing punctuation
`.,;:!?'")]}` is not part of a URL). Where this differs from twitter-text: emoji sequences joined
by ZWJ count per code point (stricter), and bare domains such as `example.com` are not recognised
as URLs (counted as their characters).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

MAX_WEIGHTED_LENGTH = 280
URL_WEIGHT = 23
_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_URL_TAIL = ".,;:!?'\")]}"


def _url_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _URL.finditer(text):
        url = match.group().rstrip(_URL_TAIL)
        spans.append((match.start(), match.start() + len(url)))
    return spans


def weighted_length(text: str) -> int:
    """X's weighted length of `text` (see the module docstring for the rules)."""
    text = unicodedata.normalize("NFC", text)
    total, position = 0, 0
    for start, end in _url_spans(text):
        total += _weigh(text[position:start]) + URL_WEIGHT
        position = end
    return total + _weigh(text[position:])


def _weigh(chunk: str) -> int:
    return sum(1 if any(lo <= ord(c) <= hi for lo, hi in _LIGHT_RANGES) else 2 for c in chunk)


def shorten_urls(text: str) -> str:
    """The text as X echoes it: every URL replaced by a t.co link."""
    pieces, position = [], 0
    for start, end in _url_spans(text):
        digest = hashlib.sha256(text[start:end].encode()).hexdigest()[:10]
        pieces += [text[position:start], f"https://t.co/{digest}"]
        position = end
    return "".join(pieces + [text[position:]])
