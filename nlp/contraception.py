"""Contraception requirements: who must use it, how strong a method, and for how long.

"Women of child-bearing potential must agree to use an effective contraceptive method while on this trial"
(WOCBP, effective, during the study); "practice birth control during participation in the study and for twelve
months after completing the study infusion" (during, and 12 months after the last dose). The refusal written
in an exclusion list ("unwilling to practice birth control") is the same requirement, flagged as negated by
the negation component. A mention that is no requirement ("use of oral contraceptives") is not one.

>>> [(c["who"], c["method_strength"], [w.direction for w in c["windows"]])
...  for c in find("Women of childbearing potential must use highly effective contraception during the study")]
[('women_of_childbearing_potential', 'highly effective', ['during'])]
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

from . import resources
from .window import Phrase, find_phrases

_CUE = re.compile(
    r"\b(?:contracepti(?:on|ve|ves)|birth[- ]control|barrier\s+(?:method|contraception|protection)s?|"
    r"(?:sexual\s+|heterosexual\s+)?abstinence|abstain\s+from\s+(?:sexual|heterosexual)|condoms?|"
    r"methods?\s+(?:of|to\s+prevent)\s+pregnancy|prevent\s+pregnancy|avoid\s+(?:becoming\s+)?pregnan\w*|"
    r"(?:avoid|prevent)\s+(?:fathering|conceiving|conception))\b",
    re.IGNORECASE,
)
# a requirement, not a mention: a verb of use or agreement, or a word about the method's strength
_REQUIRE = re.compile(
    r"\b(?:use|uses|using|used|practi[cs]e|practi[cs]ing|employ|employing|agree|agrees|agreed|agreement|"
    r"willing|unwilling|must|shall|should|required?|requirement|commit|consent|adhere|take|taking|adopt|"
    r"implement|implementing|utili[sz]e|maintain|continue)\b",
    re.IGNORECASE,
)
_STRONG = re.compile(r"\b(?:must|shall|should|agree|agrees|agreed|willing|unwilling|required?|practi[cs]e|"
                     r"methods?|measures?)\b", re.IGNORECASE)
_NOT_REQUIRED = re.compile(r"\b(?:oral|hormonal|emergency)\s+contraceptives?\b(?!\s+(?:method|methods|measures))",
                           re.IGNORECASE)


@lru_cache(maxsize=1)
def _data() -> dict:
    with resources.patterns_path("contraception.json").open(encoding="utf-8") as fh:
        return json.load(fh)


@lru_cache(maxsize=1)
def _grammar() -> dict:
    data = _data()

    def alt(phrases):
        return "|".join(r"\s+".join(re.escape(w) for w in p.split())
                        for p in sorted(set(phrases), key=len, reverse=True))

    return {
        "who": [(who, re.compile(r"\b(?:" + alt(phrases) + r")\b", re.IGNORECASE))
                for who, phrases in data["who"].items()],
        "strength": re.compile(r"\b(?P<s>" + alt(data["method_strength"]) + r")\b", re.IGNORECASE),
        "during": re.compile(r"\b(?:" + alt(data["during"]) + r")\b", re.IGNORECASE),
    }


def _who(text: str) -> str:
    found = [who for who, rx in _grammar()["who"] if rx.search(text)]
    if "women_of_childbearing_potential" in found and "men_with_partners" in found:
        return "all_participants"
    return found[0] if found else "unspecified"


def find(text: str) -> list[dict]:
    """The contraception requirement of one item (at most one), with offsets into ``text``."""
    g = _grammar()
    cue = next((m for m in _CUE.finditer(text) if not _NOT_REQUIRED.fullmatch(m.group())), None)
    if cue is None:
        return []
    if not _REQUIRE.search(text) and not g["strength"].search(text):
        return []
    if _NOT_REQUIRED.search(text) and not _STRONG.search(text):
        return []  # "Women taking oral contraceptives" is a medication, not a requirement
    windows: list[tuple[Phrase, int, int]] = []
    during = g["during"].search(text, max(0, cue.start() - 80))
    if during:
        windows.append((Phrase(during.start(), during.end(), None, None, None, None, "during", "unspecified",
                               None, "contra.during"), during.start(), during.end()))
    for p in find_phrases(text):
        if p.direction == "after" or (p.anchor in ("last_dose", "study_end") and p.direction != "before"):
            after = Phrase(p.start, p.end, p.amount, p.amount_text, p.max_amount, p.unit, "after",
                           _after_anchor(p.anchor, p.anchor_text), p.anchor_text, "contra.after")
            windows.append((after, p.start, p.end))
    if not windows:
        # no period stated: a requirement to use contraception holds while in the study
        windows.append((Phrase(cue.start(), cue.end(), None, None, None, None, "during", "unspecified", None,
                               "contra.implied"), cue.start(), cue.end()))
    strength = g["strength"].search(text)
    start = min([cue.start()] + [s for _, s, _ in windows] + ([strength.start()] if strength else []))
    end = max([cue.end()] + [e for _, _, e in windows])
    parts = [{"role": "method", "start": cue.start(), "end": cue.end()}]
    parts += [{"role": "window", "start": s, "end": e} for _, s, e in windows if (s, e) != (cue.start(), cue.end())]
    return [{
        "kind": "contraception", "rule": "contra.requirement", "start": start, "end": end, "negated": False,
        "who": _who(text), "method_strength": strength.group("s").lower() if strength else None,
        "windows": [w for w, _, _ in windows], "parts": parts,
    }]


def _after_anchor(anchor: str, anchor_text: str | None) -> str:
    if anchor in ("treatment_start",):
        return "last_dose"
    if anchor in ("study_entry", "enrollment"):
        return "study_end"
    return anchor
