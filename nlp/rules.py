"""Rule data: the lexicon (``patterns/lexicon.jsonl``) and matcher rules (``patterns/rules.*.jsonl``).

One frozen dataclass per rule kind; the allowed keys come from its fields and an unknown key is an error
naming file and line, so a typo can never silently disable a rule.
"""

from __future__ import annotations

import json
from dataclasses import MISSING, dataclass, fields
from functools import lru_cache
from typing import Any

from . import resources
from .errors import EligexError


@dataclass(frozen=True)
class LexiconEntry:
    """A term for the SpanRuler: ``{"id": "cmp.ge.at_least", "label": "CMP_PRE", "pattern": "at least",
    "norm": ">=", "example": "at least 18 years old"}``."""

    id: str
    label: str
    pattern: Any  # a phrase (str) or a token pattern (list of dicts)
    example: str
    norm: str | None = None


@dataclass(frozen=True)
class MatcherRule:
    """A token-pattern rule for spaCy's Matcher, producing constraints of ``kind``.

    ``at_item_start``: the match must open the item ("Postmenopausal women ...", "Under 21").
    ``requires`` names a context the item must have (``"age_heading"``: the item stands under an "Age:"
    heading, as in the old PDQ layout).
    """

    id: str
    kind: str
    pattern: list
    example: str
    requires: str | None = None
    at_item_start: bool = False  # the match must start the item (after punctuation only)
    variable: str | None = None  # the catalogue variable a rule states without naming it ("grade >= 2")
    note: str | None = None


def _load_jsonl(name: str, cls: type) -> tuple:
    allowed = {f.name for f in fields(cls)}
    required = {f.name for f in fields(cls) if f.default is MISSING}
    path = resources.patterns_path(name)
    rows = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            where = f"patterns/{name}"
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise EligexError("E040", path=where, line=lineno, detail=f"not valid JSON ({exc.msg})") from None
            if not isinstance(data, dict):
                raise EligexError("E040", path=where, line=lineno, detail="expected a JSON object")
            unknown = set(data) - allowed
            if unknown:
                raise EligexError("E040", path=where, line=lineno,
                                  detail=f"unknown keys {sorted(unknown)} (allowed: {sorted(allowed)})")
            missing = required - set(data)
            if missing:
                raise EligexError("E040", path=where, line=lineno, detail=f"missing keys {sorted(missing)}")
            if data["id"] in seen:
                raise EligexError("E040", path=where, line=lineno, detail=f"duplicate rule id {data['id']!r}")
            seen.add(data["id"])
            rows.append(cls(**data))
    return tuple(rows)


@lru_cache(maxsize=None)
def lexicon() -> tuple[LexiconEntry, ...]:
    return _load_jsonl("lexicon.jsonl", LexiconEntry)


@lru_cache(maxsize=None)
def matcher_rules(kind: str) -> tuple[MatcherRule, ...]:
    return _load_jsonl(f"rules.{kind}.jsonl", MatcherRule)


@lru_cache(maxsize=None)
def lexicon_norms() -> dict[str, str | None]:
    """Rule id → normalised value ("cmp.ge.at_least" → ">=")."""
    return {e.id: e.norm for e in lexicon()}
