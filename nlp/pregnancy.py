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
_NOT_NURSING = {"home", "homes", "facility", "facilities", "staff", "care", "student", "students", "assistant"}
_NEGATION = {"no", "not", "non", "without", "neither", "nor"}
_RESULT = re.compile(r"\b(negative|positive)\b", re.IGNORECASE)


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
