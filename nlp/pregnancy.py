"""Pregnancy and breastfeeding as criteria, and pregnancy-test requirements; not mere mentions.

"Pregnant or nursing women" (one pregnancy and one lactation constraint), "Not pregnant or nursing"
(negated), "negative serum pregnancy test" (a test, result negative). Not: "to avoid pregnancy", "desire
to become pregnant" is kept (a stated plan is a criterion), "nursing home".
"""

from __future__ import annotations

import re

from spacy.tokens import Span

from .context import negated_before
from .rules import MatcherRule

# words before "pregnancy" that make it the object of contraception, not a criterion
_NOT_A_STATE = {"avoid", "avoiding", "prevent", "preventing", "prevention", "fathering", "father", "causing",
                "cause", "terminate", "termination", "conceive", "during", "throughout"}
# a pregnancy that is described, not screened on: its complications or precautions, several fetuses ("Multifetal
# pregnancy" in an obstetric trial, "Medical conditions complicating pregnancy", "follow pregnancy precautions")
_DESCRIBED_BEFORE = {"multifetal", "multiple", "twin", "complicating", "complicated", "follow"}
_DESCRIBED_AFTER = {"complications", "complication", "precautions", "precaution", "outcome", "outcomes", "loss",
                    "losses", "registry", "induced"}
# "Should a woman become pregnant while participating ...": what happens then, not a criterion
_SHOULD_BECOME = re.compile(r"\W*(?:should|if)\s+(?:a|the|any)?\s*(?:woman|women|participant|subject|patient|female)?"
                            r"\s*(?:become|becomes|becoming)\b", re.IGNORECASE)
_NOT_NURSING = {"home", "homes", "facility", "facilities", "staff", "care", "student", "students", "assistant"}
_NEGATION = {"no", "not", "non", "without", "neither", "nor"}
_RESULT = re.compile(r"\b(negative|positive)\b", re.IGNORECASE)


def _sentence_start(text: str, pos: int) -> int:
    return max(text.rfind(ch, 0, pos) for ch in ".;\n") + 1


def _negated(span: Span) -> bool:
    if span[0].lower_.startswith(("non-", "non")) and span[0].lower_ not in ("none",):
        return span[0].lower_ in ("non-pregnant", "nonpregnant", "non-lactating", "nonlactating", "non-nursing",
                                  "non-breastfeeding", "non-breast-feeding")
    return negated_before(span.doc, span.start, _NEGATION, 4)


def build(span: Span, rule: MatcherRule, context: dict) -> dict | None:
    doc = span.doc
    before = {t.lower_ for t in doc[max(0, span.start - 3):span.start]}
    after = {t.lower_ for t in doc[span.end:span.end + 1]}
    found = {"kind": rule.kind, "rule": rule.id, "start": span.start_char, "end": span.end_char,
             "negated": _negated(span),
             "parts": [{"role": "condition", "start": span.start_char, "end": span.end_char}]}
    if rule.id == "preg.state":
        if before & _NOT_A_STATE or after & {"test", "tests", "testing", "prevention"}:
            return None
        if {t.lower_ for t in doc[max(0, span.start - 1):span.start]} & _DESCRIBED_BEFORE or \
                after & _DESCRIBED_AFTER or _SHOULD_BECOME.match(doc.text, _sentence_start(doc.text, span.start_char)):
            return None
        found["test"] = False
    elif rule.id == "preg.test":
        found["test"] = True
        window = doc[max(0, span.start - 4):min(len(doc), span.end + 4)].text
        m = _RESULT.search(window)
        found["test_result"] = m.group(1).lower() if m else None
        found["negated"] = False
    else:  # lactation
        if span[-1].lower_ == "nursing" and after & _NOT_NURSING:
            return None
    return found


_PLAN = re.compile(r"\b(?:plans?|planning|planned|desire|desires|wish|wishes|wishing|intend|intends|intending|intention)"
                   r"\s+(?:to\s+)?(?:become|get|be)?\s*$", re.IGNORECASE)


def is_plan(text: str, found: dict) -> bool:
    """Whether a pregnancy constraint is a stated plan ("plan to become pregnant")."""
    return found["kind"] == "pregnancy" and not found.get("test") and \
        _PLAN.search(text, max(0, found["start"] - 30), found["start"]) is not None
