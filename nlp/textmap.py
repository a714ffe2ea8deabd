"""Normalise text for matching while every offset still points into the ORIGINAL input.

Nothing here rewrites the text that offsets are reported for: a normalised view is built together with a
piecewise map back to the original, so ``DAS28\\>3.2`` is matched as ``DAS28>3.2`` and reported as written.

>>> m = normalize("ALT \\\\> 2x ULN")
>>> m.text
'ALT > 2x ULN'
>>> m.span(4, 5)
(4, 6)
"""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from dataclasses import dataclass

from .numbers import parse_number


def may_hold_stem(text: str, stems) -> bool:
    """False when a pattern all of whose matches hold one of ``stems`` (lower case) cannot match ``text``: an
    ASCII text whose lower case holds none of them. The cheap test a case-blind regex's scan is skipped by.

    >>> [may_hold_stem(t, ("pregnan",)) for t in ("Pregnant women", "ECOG 0-1", "Grossesse à terme")]
    [True, False, True]
    """
    if text.isascii():
        low = text.lower()
        return any(stem in low for stem in stems)
    return True

# One alternation, scanned once. Each named group is a kind of rewrite.
_REWRITES = re.compile(
    r"(?P<crlf>\r\n?)"
    r"|(?P<escape>\\[!-/:-@\[-`{-~])"  # Markdown backslash escape: keep the escaped character
    r"|(?P<entity>&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});)"
    r"|(?P<sup>[\u2070\u00b9\u00b2\u00b3\u2074-\u2079]+)"  # 10\u2079/L: a power written as superscript
    r"|(?P<slash>[<>]\s?(?:/|or)\s?=(?:\s?to\b)?)"  # ">/=", "< / =", "> or = to": one comparator
    r"|(?P<char>[\u02c2\u02c3\u2265\u2264\u2267\u2266\u2a7e\u2a7d\uff1e\uff1c\uff1d\u2013\u2014\u2012\u2010\u2011\u2212"
    r"\u00a0\u2007\u2009\u202f\u2002\u2003\u200a\u3000\u200b\u200c\u200d\ufeff\u2018\u2019\u201c\u201d"
    r"\u00d7\u2022\u25cf\u25aa\u25e6\u2027\u00b7\u2032\u00ad\u00ba])"
)

# Characters mapped to their plain equivalents; the comparator rewrites change the length (>= is two
# characters), which the offset map absorbs.
_CHAR_MAP = {
    "\u2265": ">=", "\u2267": ">=", "\u2a7e": ">=",
    "\u2264": "<=", "\u2266": "<=", "\u2a7d": "<=",
    "\uff1e": ">", "\uff1c": "<", "\uff1d": "=", "\u02c3": ">", "\u02c2": "<",
    "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2010": "-", "\u2011": "-", "\u2212": "-",
    "\u00a0": " ", "\u2007": " ", "\u2009": " ", "\u202f": " ", "\u2002": " ", "\u2003": " ",
    "\u200a": " ", "\u3000": " ",
    "\u200b": "", "\u200c": "", "\u200d": "", "\ufeff": "", "\u00ad": "",
    "\u2018": "'", "\u2019": "'", "\u2032": "'", "\u201c": '"', "\u201d": '"',
    "\u00d7": "x", "\u00ba": "\u00b0",  # "38ºC": an ordinal sign written for the degree sign
    "\u2022": "\u2022", "\u25cf": "\u2022", "\u25aa": "\u2022", "\u25e6": "\u2022", "\u2027": "\u2022",
    "\u00b7": "\u2022",
}


_SUPERSCRIPTS = str.maketrans("\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079", "0123456789")


@dataclass(frozen=True)
class MappedText:
    """A normalised text with a map from its offsets to the offsets of ``original``.

    ``pieces`` are ``(norm_start, norm_end, orig_start, orig_end)`` for every stretch where the normalised
    text differs from the original; between pieces the two run in step. ``parent`` chains maps: an item's
    text maps into the normalised criteria, which maps into the original input.
    """

    text: str
    original: str
    pieces: tuple[tuple[int, int, int, int], ...] = ()
    parent: "MappedText | None" = None
    base: int = 0  # offset of this text's origin within the parent's normalised text

    def _local_start(self, i: int) -> int:
        if not self.pieces:
            return self.base + i
        k = bisect_right(self._starts, i) - 1
        if k < 0:
            return self.base + i
        ns, ne, os_, oe = self.pieces[k]
        if i < ne:
            return self.base + os_
        return self.base + oe + (i - ne)

    def _local_end(self, i: int) -> int:
        """Map an exclusive end offset: the end of the character at ``i - 1``."""
        if i <= 0:
            return self._local_start(0)
        if not self.pieces:
            return self.base + i
        k = bisect_right(self._starts, i - 1) - 1
        if k < 0:
            return self.base + i
        ns, ne, os_, oe = self.pieces[k]
        if i - 1 < ne:
            return self.base + oe
        return self.base + oe + (i - ne)

    @property
    def _starts(self) -> list[int]:
        starts = self.__dict__.get("_starts_cache")
        if starts is None:
            starts = [p[0] for p in self.pieces]
            object.__setattr__(self, "_starts_cache", starts)
        return starts

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map ``[start, end)`` of this text to ``[start, end)`` of the original input."""
        if end <= start:
            s = self._local_start(start)
            if self.parent is not None:
                s = self.parent.span(s, s)[0]
            return s, s
        if self.pieces or end <= 0:
            s, e = self._local_start(start), self._local_end(end)
        else:
            s, e = self.base + start, self.base + end  # no rewrites here: the two run in step
        if self.parent is not None:
            return self.parent.span(s, e)
        return s, e

    def evidence(self, start: int, end: int) -> dict:
        """``{"start", "end", "text"}`` of a span of this text, in original offsets and characters."""
        s, e = self.span(start, end)
        return {"start": s, "end": e, "text": self.root.original[s:e]}

    @property
    def root(self) -> "MappedText":
        node = self
        while node.parent is not None:
            node = node.parent
        return node

    def sub(self, start: int, end: int, *, collapse_wraps: bool = True) -> "MappedText":
        """A view of ``text[start:end]``; hard line wraps (newline plus indentation, or the run of spaces a
        wrap left where newlines were removed) and a few spaces inside a line become one space.

        >>> m = normalize("a long item\\n     wrapped here")
        >>> m.sub(0, len(m.text)).text
        'a long item wrapped here'
        """
        # each item's view is asked for twice, by the segmenter and by extraction: made once (views are immutable)
        subs = self.__dict__.get("_subs_cache")
        if subs is None:
            subs = {}
            object.__setattr__(self, "_subs_cache", subs)
        key = (start, end, collapse_wraps)
        view = subs.get(key)
        if view is None:
            view = subs[key] = self._sub(start, end, collapse_wraps)
        return view

    def _sub(self, start: int, end: int, collapse_wraps: bool) -> "MappedText":
        piece = self.text[start:end]
        if not collapse_wraps or ("\n" not in piece and "  " not in piece):
            return MappedText(piece, self.root.original, (), self, start)
        out: list[str] = []
        pieces: list[tuple[int, int, int, int]] = []
        pos = 0
        n = 0
        for m in _WRAP.finditer(piece):
            out.append(piece[pos:m.start()])
            n += m.start() - pos
            pieces.append((n, n + 1, m.start(), m.end()))
            out.append(" ")
            n += 1
            pos = m.end()
        out.append(piece[pos:])
        return MappedText("".join(out), self.root.original, tuple(pieces), self, start)


# (two or three spaces inside a line are one too, "Insulin requirement  >1.0 U/kg/day"; not before a number, where
# they mark a lost comparator: "Age  18 years")
_WRAP = re.compile(r"[ \t]*\n[ \t\n]*|(?<=\S) {4,}(?=\S)|(?<=\S) {2,3}(?=[^\s\d])")

# "#" used as a line break (Valx exports): "Inclusion Criteria:#   1. Male ...#   2. ..."
_HASH_BREAK = re.compile(r"#(?=\s|[A-Z(*\-\u2022]|$)")


def _uses_hash_breaks(text: str) -> bool:
    return "\n" not in text and len(_HASH_BREAK.findall(text)) >= 2


def normalize(original: str) -> MappedText:
    """Normalise ``original`` for matching: line endings, Markdown escapes, HTML entities, Unicode
    comparators, dashes and spaces, ``#`` line breaks. Offsets map back through ``MappedText.span``.

    >>> m = normalize("Ccr \\\\< 45 ml/min &amp; age \u2265 18")
    >>> m.text
    'Ccr < 45 ml/min & age >= 18'
    >>> m.evidence(22, 27)["text"]
    '\u2265 18'
    """
    hash_breaks = _uses_hash_breaks(original)
    echoes = bool(_ECHO_HINT.search(original))
    if not hash_breaks and not echoes and not _REWRITES.search(original):
        return MappedText(original, original)
    out: list[str] = []
    pieces: list[tuple[int, int, int, int]] = []
    pos = 0
    n = 0
    pattern = _PATTERNS[(hash_breaks, echoes)]
    for m in pattern.finditer(original):
        kind = m.lastgroup
        raw = m.group()
        if kind == "crlf":
            rep = "\n"
        elif kind == "escape":
            rep = raw[1]
        elif kind == "entity":
            rep = html.unescape(raw)
            if rep == raw:  # not a known entity: leave it as written
                continue
            rep = "".join(_CHAR_MAP.get(c, c) for c in rep)
        elif kind == "hash":
            rep = "\n"
        elif kind == "echo":
            word = raw[:raw.index("(")].rstrip()
            if parse_number(word) != parse_number(raw[raw.index("(") + 1:-1]):
                continue  # "two (3)": not the same number; leave it as written
            rep = word
        elif kind == "sup":
            rep = "^" + raw.translate(_SUPERSCRIPTS)
        elif kind == "slash":
            rep = raw[0] + "="
        else:
            rep = _CHAR_MAP[raw]
        out.append(original[pos:m.start()])
        n += m.start() - pos
        pieces.append((n, n + len(rep), m.start(), m.end()))
        out.append(rep)
        n += len(rep)
        pos = m.end()
    out.append(original[pos:])
    return MappedText("".join(out), original, tuple(pieces))


_HASH = r"|(?P<hash>#(?=\s|[A-Z(*\-\u2022]|$))"
_ECHO = (
    r"|(?P<echo>\b(?i:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
    r"(?:[- ](?i:one|two|three|four|five|six|seven|eight|nine))?\s*\(\d{1,3}\))"  # "six (6)": one number
)
_ECHO_HINT = re.compile(r"[A-Za-z] ?\(\d{1,3}\)")
# the rewrites a text needs: "#" line breaks and "six (6)" only where the text has them (the number-word
# alternation is costly to try at every word)
_PATTERNS = {
    (False, False): _REWRITES,
    (True, False): re.compile(_REWRITES.pattern + _HASH),
    (False, True): re.compile(_REWRITES.pattern + _ECHO),
    (True, True): re.compile(_REWRITES.pattern + _ECHO + _HASH),
}
