"""Decide whether a sex match is a restriction ("Postmenopausal women with ...", "women only",
"Sex: female") or a mere mention ("male or female", "women of child-bearing potential must ...",
"Pregnant women", "female partners")."""

from __future__ import annotations

import re

from spacy.tokens import Span

from .rules import MatcherRule

_SEX_ATOMS = {"SEX_F": "female", "SEX_M": "male"}
# Words that make a sex word part of a pregnancy, contraception or partner statement, not a restriction.
_MENTION_CONTEXT = re.compile(
    r"child-?bearing|reproductive|pregnan|lactat|breast|nursing|contracept|partner|sterili|fertile|birth|"
    r"menstruat|potential|capable|conceive|father|impregnat|sperm|condom|barrier|sexually|abstinen|"
    r"heterosexual"
)
_MODAL_AFTER = {"must", "should", "will", "may", "need", "needs", "agree", "agrees", "cannot", "shall", "can",
                "are", "is"}
_MENTION_WINDOW = 14  # tokens after the sex word that are read for a pregnancy/contraception context
_COORDINATORS = {"and", "or", "and/or", "/", ",", "&", "nor", "as", "well"}
_RESTRICTING_CLAUSE = re.compile(
    r"(?:who|that) (?:are|is|have|has|were) (?:post-?menopausal|pre-?menopausal|peri-?menopausal|aged|between|"
    r"\d|diagnosed|scheduled|undergoing|receiving|treated|hospitali[sz]ed|eligible|at least|older|over|with)|"
    r"(?:are|is) (?:aged|between|\d|at least|older|over)"
)
_HEADING_SEX = re.compile(r"\b(?:sex|gender)\b", re.I)


def build(span: Span, rule: MatcherRule, context: dict) -> dict | None:
    """The sex restriction a match states, as a plain dict, or ``None`` for a mention."""
    if rule.requires == "sex_heading" and not any(_HEADING_SEX.search(h) for h in context.get("heading", [])):
        return None
    doc = span.doc
    sex_tokens = [t for t in span if t.ent_type_ in _SEX_ATOMS]
    if not sex_tokens:
        return None
    token = sex_tokens[0]
    value = _SEX_ATOMS[token.ent_type_]
    other = "SEX_M" if value == "female" else "SEX_F"

    # "male or female", "men and women", "women, or men with ...": both sexes are subjects
    for t in doc[max(0, token.i - 4):token.i + 5]:
        if t.ent_type_ == other:
            between = doc[min(t.i, token.i) + 1:max(t.i, token.i)]
            if all(b.lower_ in _COORDINATORS or b.ent_type_ in ("PERSON", "") for b in between):
                return None
    window = " ".join(t.lower_ for t in doc[token.i + 1:token.i + 1 + _MENTION_WINDOW])
    window += " " + " ".join(t.lower_ for t in doc[max(0, span.start - 1):token.i])
    if _MENTION_CONTEXT.search(window):
        return None
    nxt = doc[span.end].lower_ if span.end < len(doc) else ""
    if nxt in _MODAL_AFTER:
        # "Women must use ...", "Men are required to ...": a requirement on one sex, not a restriction;
        # "Women who are postmenopausal" still restricts
        after = " ".join(t.lower_ for t in doc[span.end:span.end + 4])
        if not _RESTRICTING_CLAUSE.match(after):
            return None
    section = context.get("section")
    if section == "exclusion":
        # In an exclusion list only a whole item ("Male patients", "Men") excludes a sex.
        rest = [t for t in doc if not t.is_punct and not (span.start <= t.i < span.end)]
        if rest:
            return None
    start = token.idx
    end = token.idx + len(token.text)
    # keep the words that make the restriction explicit ("women only", "Sex: female")
    if rule.id in ("sex.only", "sex.only_pre", "sex.field", "sex.sex_word"):
        start, end = span.start_char, span.end_char
    return {
        "kind": "sex", "rule": rule.id, "start": start, "end": end, "value": value,
        "parts": [{"role": "value", "start": token.idx, "end": token.idx + len(token.text)}],
    }
