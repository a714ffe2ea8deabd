"""Reference data for screening, kept as data in ``patterns/``: default reference ranges and molar masses
(``reference_ranges.jsonl``), dose equivalents (``dose_equivalents.jsonl``), medication frequencies and
the words ignored when matching names (``screen.json``); and the name matching itself.

A criterion's term matches a patient's name when every word of the term (stop words dropped, plurals
folded) is among the words of the name: "stroke" matches "ischemic stroke", "cervical carcinoma in situ"
does not match "basal cell carcinoma".

>>> words("History of cerebrovascular accidents")
('accident', 'cerebrovascular')
>>> reference_range("creatinine", "female")["high"]
1.1
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache

from . import resources
from .rules import _load_jsonl


@dataclass(frozen=True)
class ReferenceRange:
    """``{"id": "ref.ALT", "variable": "ALT", "unit": "U/L", "low": 10, "high": 40, "molar_mass": null,
    "example": "ALT >= 2x ULN"}``: an adult default range in ``unit`` (the source: the ABIM laboratory
    reference ranges); ``by_sex`` overrides it per sex; ``molar_mass`` (g/mol) converts mass and molar
    concentrations of the analyte."""

    id: str
    variable: str
    unit: str | None
    low: float | None
    high: float | None
    molar_mass: float | None
    example: str
    by_sex: dict | None = None


@dataclass(frozen=True)
class DoseEquivalent:
    """A drug of a class and its potency against the class's reference drug: ``factor`` mg of the
    reference per mg of this drug (methylprednisolone 1.25: 4 mg = prednisone 5 mg)."""

    id: str
    drug: str
    aliases: list
    drug_class: str
    reference: str
    factor: float
    example: str


@lru_cache(maxsize=1)
def reference_ranges() -> dict[str, ReferenceRange]:
    return {r.variable: r for r in _load_jsonl("reference_ranges.jsonl", ReferenceRange)}


def reference_range(variable: str, sex: str | None = None) -> dict | None:
    """The default range of ``variable`` (for ``sex`` where it differs), in the range's own unit:
    ``{"low", "high", "unit", "molar_mass", "id"}``; None when the data has no range for it."""
    r = reference_ranges().get(variable)
    if r is None:
        return None
    low, high = (r.by_sex or {}).get(sex or "", (r.low, r.high))
    return {"low": low, "high": high, "unit": r.unit, "molar_mass": r.molar_mass, "id": r.id}


@lru_cache(maxsize=1)
def dose_equivalents() -> tuple[DoseEquivalent, ...]:
    return _load_jsonl("dose_equivalents.jsonl", DoseEquivalent)


@lru_cache(maxsize=1)
def settings() -> dict:
    with resources.patterns_path("screen.json").open(encoding="utf-8") as fh:
        return json.load(fh)


def frequencies() -> dict[str, float]:
    return settings()["frequencies_per_day"]


@lru_cache(maxsize=1)
def _stopwords() -> frozenset:
    return frozenset(settings()["stopwords"])


@lru_cache(maxsize=65536)
def words(text: str) -> tuple[str, ...]:
    """The words of a name that matching compares, sorted: lower case, stop words dropped, a plural's
    final s folded ("infections" → "infection"). A standard code ("code:icd-10:i63") is one word."""
    if text.startswith("code:"):
        return (text.lower(),)
    out = set()
    for w in re.findall(r"[a-z0-9]+", text.lower().replace("'s", "")):
        if w in _stopwords():
            continue
        if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        out.add(w)
    return tuple(sorted(out))


def alternatives(text: str) -> list[str]:
    """An exception or condition naming several things, split into each: "adequately treated cervical
    carcinoma in situ or basal cell carcinomas" → two terms."""
    text = re.sub(r"^\s*(?:with\s+the\s+exception\s+of|except(?:\s+for)?|unless|other\s+than|excluding)\s+", "",
                  text, flags=re.IGNORECASE)
    parts = re.split(r"\s*(?:,|;|\bor\b|\band/or\b)\s*", text)
    return [p for p in parts if words(p)]


__all__ = ["ReferenceRange", "DoseEquivalent", "reference_ranges", "reference_range", "dose_equivalents",
           "settings", "frequencies", "words", "alternatives"]
