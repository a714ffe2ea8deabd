"""Numbers as written: digits, decimals, thousands separators and number words, kept with their text.

>>> parse_number("100,000"), parse_number("1.5"), parse_number("twelve"), parse_number("3x")
(100000, 1.5, 12, None)

A comma before one or two digits after at most two is a decimal comma ("1,5 x ULN", "8,5 g/dL"), unless it
joins two consecutive whole numbers, which are a list ("ECOG 0,1 or 2"); "100,00" (a thousands separator
with a digit lost) is not read at all.

>>> parse_number("1,5"), parse_number("38,3"), parse_number("0,1"), parse_number("100,00")
(1.5, 38.3, None, None)
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

from . import resources

_NUMERIC = re.compile(r"^\d{1,3}(?:[,\u2009 ]\d{3})+(?:\.\d+)?$|^\d+(?:\.\d+)?$|^\.\d+$")
_DECIMAL_COMMA = re.compile(r"^\d{1,2},\d{1,2}$")


@lru_cache(maxsize=1)
def _words() -> dict[str, float]:
    with resources.patterns_path("numbers.json").open(encoding="utf-8") as fh:
        return json.load(fh)["words"]


def parse_number(text: str) -> int | float | None:
    """The value of a number as written, or ``None`` when ``text`` is not one number."""
    raw = text.strip()
    if _DECIMAL_COMMA.match(raw):
        whole, fraction = raw.split(",")
        return None if int(fraction) == int(whole) + 1 else float(raw.replace(",", "."))
    if _NUMERIC.match(raw):
        clean = re.sub(r"[,\u2009 ]", "", raw)
        value = float(clean)
        return int(value) if value.is_integer() and "." not in clean else value
    return _words().get(raw.lower())
