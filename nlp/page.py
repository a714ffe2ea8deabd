"""Find the criteria lists inside a whole registry page saved as text, and the registry fields it shows.

A criteria block given alone is used whole. A page (ClinicalTrials.gov classic or new rendering, an
aggregator page) is searched for the "Inclusion Criteria" heading under its "Eligibility" label, and the
block ends where the page goes on to other matters (registry fields, locations, sponsors).

>>> from nlp.textmap import normalize
>>> block = locate_criteria(normalize("Inclusion Criteria:\\n- adults"))
>>> (block.start, block.is_page)
(0, False)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache

from . import resources
from .sections import INCLUSION, EXCLUSION, classify_heading, _HEADING_INLINE, _section_of
from .textmap import MappedText

_AGE_VALUE = r"\d+\s*(?:Years?|Months?|Weeks?|Days?|Hours?|Minutes?)"
_PAGE_FIELDS = [
    ("range", re.compile(rf"Ages?\s+Eligible\s+for\s+Study:?\s*\|?\s*(?P<min>{_AGE_VALUE})\s*(?:to|-)\s*(?P<max>{_AGE_VALUE})", re.I)),
    ("min", re.compile(rf"Ages?\s+Eligible\s+for\s+Study:?\s*\|?\s*(?P<min>{_AGE_VALUE})\s+and\s+(?:older|over)", re.I)),
    ("max", re.compile(rf"Ages?\s+Eligible\s+for\s+Study:?\s*\|?\s*(?:up\s+to|[a-z]*\s*to)\s+(?P<max>{_AGE_VALUE})", re.I)),
    ("min", re.compile(rf"Minimum\s+(?:Eligible\s+)?Age(?:\s*&\s*Unit\s+of\s+Time)?\s*:?\s*\|?\s*(?P<min>{_AGE_VALUE}|N/A)", re.I)),
    ("max", re.compile(rf"Maximum\s+(?:Eligible\s+)?Age(?:\s*&\s*Unit\s+of\s+Time)?\s*:?\s*\|?\s*(?P<max>{_AGE_VALUE}|N/A)", re.I)),
    ("range", re.compile(rf"^(?P<min>{_AGE_VALUE})\s+-\s+(?P<max>{_AGE_VALUE})\s*\(", re.M)),
    ("sex", re.compile(r"(?:Sexes|Genders?)\s+Eligible\s+for\s+Study:?\s*\|?\s*(?P<sex>All|Both|Female|Male)\b", re.I)),
    ("sex", re.compile(r"(?:Eligible\s+Sex|^Sex|^Gender)\s*:?\s*\|?\s*(?P<sex>All|Both|Female|Male)\b", re.I | re.M)),
    ("sex", re.compile(r"\)\s*(?P<sex>All|Female|Male)\s+Sexes", re.I)),
    ("healthy", re.compile(r"Accepts\s+Healthy\s+Volunteers\s*:?\s*\|?\s*(?P<healthy>Yes|No)\b", re.I)),
    ("healthy", re.compile(r"(?P<healthy>Does\s+not\s+accept|Accepts)\s+healthy\s+volunteers", re.I)),
]
_BARE_AGE = re.compile(rf"^\s*(?P<age>{_AGE_VALUE}|N/A)\s*$", re.I)
_BARE_SEX = re.compile(r"^\s*(?P<sex>ALL|FEMALE|MALE|BOTH)\s*$", re.I)
_BARE_BOOL = re.compile(r"^\s*(?P<b>Yes|No)\s*$", re.I)


@dataclass
class Block:
    start: int
    end: int
    is_page: bool
    registry: dict = field(default_factory=dict)  # raw page fields: minimum_age, maximum_age, sex, healthy
    notes: list[str] = field(default_factory=list)


@lru_cache(maxsize=1)
def _page_rules() -> dict:
    with resources.patterns_path("page.json").open(encoding="utf-8") as fh:
        data = json.load(fh)
    return {
        "markers": [re.compile(p, re.I | re.M) for p in data["page_markers"]],
        "stops": [re.compile(p, re.I) for p in data["stop_lines"]],
        "labels": [re.compile(p, re.I) for p in data["eligibility_labels"]],
        "not_criteria": [re.compile(p, re.I) for p in data["not_criteria_labels"]],
    }


def _line_spans(text: str, start: int = 0) -> list[tuple[int, int]]:
    spans = []
    pos = start
    for line in text[start:].split("\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def _heading_at(line: str) -> str | None:
    h = classify_heading(line)
    if h is not None:
        return h[0]
    m = _HEADING_INLINE.match(line.strip())
    return _section_of(m.group("kw")) if m else None


def locate_criteria(mapped: MappedText) -> Block:
    """Where the criteria are in ``mapped.text``: the whole text, or one block of a page."""
    text = mapped.text
    rules = _page_rules()
    lines = _line_spans(text)
    heads = [(i, _heading_at(text[s:e])) for i, (s, e) in enumerate(lines)]
    heads = [(i, kind) for i, kind in heads if kind in (INCLUSION, EXCLUSION)]
    first = heads[0][0] if heads else None
    before = text[: lines[first][0]] if first is not None else text
    is_page = any(p.search(before) for p in rules["markers"]) or (first is not None and len(before) > 1500)
    if not is_page:
        return Block(0, len(text), False)
    registry = page_registry_fields(text)
    if not heads:
        return Block(0, len(text), True, registry, ["no criteria heading found in the page; whole text used"])
    chosen = _choose_start(text, lines, heads, rules)
    end_line = _block_end(text, lines, chosen, rules)
    start = lines[chosen][0]
    end = lines[end_line - 1][1] if end_line > chosen else lines[chosen][1]
    notes = []
    later = [i for i, kind in heads if i >= end_line and kind == INCLUSION]
    earlier = [i for i, kind in heads if i < chosen and kind == INCLUSION]
    if later or earlier:
        notes.append(f"{1 + len(later) + len(earlier)} criteria blocks on the page; "
                     f"used the one at line {chosen + 1}")
    if "minimum_age" not in registry and "maximum_age" not in registry:
        registry.update(_bare_fields_after(text, lines, end_line))
    return Block(start, end, True, registry, notes)


def _choose_start(text: str, lines, heads, rules) -> int:
    """The first inclusion heading under an eligibility label and not inside a description."""
    inclusion = [i for i, kind in heads if kind == INCLUSION] or [heads[0][0]]
    for i in inclusion:
        label = None
        for j in range(i - 1, max(-1, i - 12), -1):
            line = text[lines[j][0]:lines[j][1]].strip()
            if not line:
                continue
            if any(p.match(line) for p in rules["not_criteria"]):
                label = "description"
                break
            if any(p.match(line) for p in rules["labels"]):
                label = "eligibility"
                break
        if label == "eligibility":
            return i
    for i in inclusion:
        j = i - 1
        while j >= 0 and not text[lines[j][0]:lines[j][1]].strip():
            j -= 1
        prev = text[lines[j][0]:lines[j][1]].strip() if j >= 0 else ""
        if not any(p.match(prev) for p in rules["not_criteria"]):
            return i
    return inclusion[0]


def _block_end(text: str, lines, start: int, rules) -> int:
    """Index of the first line after the block."""
    seen_exclusion = False
    for i in range(start + 1, len(lines)):
        line = text[lines[i][0]:lines[i][1]].strip()
        if not line:
            continue
        kind = _heading_at(line)
        if kind == EXCLUSION:
            seen_exclusion = True
            continue
        if kind == INCLUSION and seen_exclusion:
            return i
        if any(p.match(line) for p in rules["stops"]) or _BARE_AGE.match(line):
            return i
    return len(lines)


def _bare_fields_after(text: str, lines, end_line: int) -> dict:
    """Registry values printed as bare lines after the criteria ("18 Years", "65 Years", "ALL", "No")."""
    values = []
    for i in range(end_line, min(end_line + 8, len(lines))):
        line = text[lines[i][0]:lines[i][1]].strip()
        if line:
            values.append(line)
    out: dict = {}
    ages = []
    k = 0
    while k < len(values) and _BARE_AGE.match(values[k]) and len(ages) < 2:
        ages.append(values[k])
        k += 1
    if not ages:
        return out
    out["minimum_age"] = ages[0]
    if len(ages) == 2:
        out["maximum_age"] = ages[1]
    if k < len(values) and _BARE_SEX.match(values[k]):
        out["sex"] = values[k]
        k += 1
        if k < len(values) and _BARE_BOOL.match(values[k]):
            out["healthy_volunteers"] = values[k]
    return out


def page_registry_fields(text: str) -> dict:
    """Registry fields a page shows: ``{"minimum_age": "18 Years", "sex": "All", ...}`` (raw strings).

    >>> page_registry_fields("Ages Eligible for Study: | 18 Years to 70 Years (Adult) |")
    {'minimum_age': '18 Years', 'maximum_age': '70 Years'}
    """
    out: dict = {}
    for kind, pattern in _PAGE_FIELDS:
        m = pattern.search(text)
        if not m:
            continue
        groups = m.groupdict()
        if groups.get("min") and "minimum_age" not in out:
            out["minimum_age"] = groups["min"]
        if groups.get("max") and "maximum_age" not in out:
            out["maximum_age"] = groups["max"]
        if groups.get("sex") and "sex" not in out:
            out["sex"] = groups["sex"]
        if groups.get("healthy") and "healthy_volunteers" not in out:
            h = groups["healthy"].lower()
            out["healthy_volunteers"] = "no" if h.startswith("does not") else ("yes" if h == "accepts" else h)
    return out
