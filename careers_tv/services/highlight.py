"""Search terms and the HTML that shows where they matched: escaped text, matches in <mark>.

Matching here mirrors the index: words compared without case or accents ("ingé" is the start
of "Ingénieure"), every query word whole except the last, which may be the start of a word
(the visitor may still be typing it). Nothing from a title, a description or a caption
reaches the page unescaped.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from markupsafe import Markup, escape

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12
EXCERPT_LENGTH = 220
# Letters and digits; everything else (quotes, &, |, !, :, *, backslashes…) separates words,
# so no character of a query ever reaches a query language as syntax.
_WORD = re.compile(r"[^\W_]+")
# Letters that Unicode does not decompose but that people type without their ligature or
# stroke, as PostgreSQL's unaccent rules also write them.
_LIGATURES = {"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "đ": "d", "ł": "l", "ı": "i"}


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    low = ch.casefold()
    bare = "".join(c for c in unicodedata.normalize("NFKD", low) if not unicodedata.combining(c))
    return "".join(_LIGATURES.get(c, c) for c in bare)


def fold(text: str) -> tuple[str, list[int]]:
    """`text` without case or accents, and for each of its characters the index it came from."""
    out: list[str] = []
    origin: list[int] = []
    for index, ch in enumerate(text):
        folded = ch if ch.isascii() and not ch.isupper() else _fold_char(ch)
        out.append(folded)
        origin.extend([index] * len(folded))
    return "".join(out), origin


def query_terms(query: str) -> list[str]:
    """The words of a query, lowercase, at most MAX_TERMS of them, from its first 200 chars."""
    return _WORD.findall((query or "")[:MAX_QUERY_LENGTH].casefold())[:MAX_TERMS]


class Matcher:
    """Finds the query's words in a text; `last` may be the start of a word."""

    def __init__(self, terms: list[str]):
        folded = [fold(term)[0] for term in terms]
        self.whole = set(folded[:-1])
        self.prefix = folded[-1] if folded else None

    def _matches(self, word: str) -> bool:
        return word in self.whole or (self.prefix is not None and word.startswith(self.prefix))

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) in `text` of each word that matches."""
        folded, origin = fold(text)
        found = []
        for match in _WORD.finditer(folded):
            if self._matches(match.group()):
                found.append((origin[match.start()], origin[match.end() - 1] + 1))
        return found

    def highlight(self, text: str) -> Markup:
        parts: list[str] = []
        position = 0
        for start, end in self.spans(text):
            if start < position:  # a ligature folded into two words: already marked
                continue
            parts.append(escape(text[position:start]))
            parts.append(Markup("<mark>%s</mark>") % text[start:end])
            position = end
        parts.append(escape(text[position:]))
        return Markup("").join(parts)

    def excerpt(self, *texts: str, length: int = EXCERPT_LENGTH) -> Markup:
        """A window of the first text that matches, around its first match; else the start
        of the first text that is not empty."""
        # Caption lines and paragraphs read as one line in an excerpt.
        texts = tuple(" ".join((text or "").split()) for text in texts)
        for text in texts:
            spans = self.spans(text) if text else []
            if spans:
                return self.highlight_window(text, spans[0][0], length)
        first = next((t for t in texts if t), "")
        return self.highlight_window(first, 0, length)

    def highlight_window(self, text: str, around: int, length: int) -> Markup:
        if len(text) <= length:
            return self.highlight(text)
        start = max(0, min(around - length // 4, len(text) - length))
        if start:
            space = text.find(" ", start)
            start = space + 1 if 0 <= space < start + 20 else start
        end = min(len(text), start + length)
        if end < len(text):
            space = text.rfind(" ", start, end)
            end = space if space > start + length // 2 else end
        body = self.highlight(text[start:end])
        return (Markup("…") if start else Markup("")) + body + \
            (Markup("…") if end < len(text) else Markup(""))
