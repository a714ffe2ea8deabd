"""Negation of constraints with negspacy's NegEx on the blank pipeline, with a criterion-specific termset.

"No myocardial infarction within the past 6 months" (negated), "unwilling to practice birth control"
(negated: the refusal form of the requirement), "no more than 10 mg/day" (a comparator, not a negation). The
flag is set on the constraint; its bounds are never rewritten. Each constraint is represented to NegEx by
the span of its subject (the event, variable, method or condition), so a negation must come before the
subject in the same scope, as NegEx defines it (Chapman et al., J Biomed Inform 2001).
"""

# no `from __future__ import annotations`: spaCy resolves the factory's type hints at runtime

import json
import re
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from . import resources
from .extensions import doc_text
from .logic import subject

NEGATION_KEY = "eligex_negex"
# Kinds whose negation NegEx decides. Thresholds, pregnancy and lactation keep their own table-tested rules
# (nlp/measurement.py, nlp/pregnancy.py): NegEx over thresholds changed nothing on the dev split, and a
# "negative pregnancy test" is a required result, not a negation.
_NEGEX_KINDS = ("window", "contraception", "dose", "condition")


@lru_cache(maxsize=1)
def termset() -> dict:
    """The NegEx termset of ``patterns/negation.json`` (negspacy's four lists)."""
    with resources.patterns_path("negation.json").open(encoding="utf-8") as fh:
        data = json.load(fh)
    return {k: data[k] for k in ("pseudo_negations", "preceding_negations", "following_negations", "termination")}


@lru_cache(maxsize=1)
def _triggers():
    """Any negation trigger of the termset: without one, NegEx cannot negate anything in a text."""
    import re

    ts = termset()
    words = sorted({t.lower() for key in ("preceding_negations", "following_negations") for t in ts[key]},
                   key=len, reverse=True)
    # boundaries are any non-alphanumeric character: the tokenizer splits "non-pregnant" at its hyphen
    return re.compile(r"(?<![^\W_])(?:" + "|".join(r"\s+".join(map(re.escape, w.split())) for w in words) +
                      r")(?![^\W_])", re.IGNORECASE)


@lru_cache(maxsize=1)
def _triggers_by_letter():
    """``_triggers()`` for the lower case of an ASCII text, matched case-sensitively, the triggers grouped by
    their first letter and the boundary before a trigger read after that letter (``(?<![^\\W_].)``: the
    character before it is no letter or digit), so a search skips to the letters triggers start with.
    None if a trigger does not start with an ASCII letter or digit, or is not ASCII."""
    import re

    ts = termset()
    words = sorted({t.lower() for key in ("preceding_negations", "following_negations") for t in ts[key]},
                   key=len, reverse=True)
    if not all(w.isascii() and w[:1].isalnum() for w in words):
        return None
    groups: dict[str, list[str]] = {}
    for w in words:
        alt = r"\s+".join(map(re.escape, w.split()))
        groups.setdefault(alt[0], []).append(alt[1:])
    return re.compile("(?:" + "|".join(f"{c}(?<![^\\W_].)(?:{'|'.join(rests)})" for c, rests in groups.items()) +
                      r")(?![^\W_])")


def _has_trigger(text: str) -> bool:
    """``_triggers().search(text) is not None``."""
    fast = _triggers_by_letter()
    if fast is not None and text.isascii():
        return fast.search(text.lower()) is not None
    return _triggers().search(text) is not None


@lru_cache(maxsize=1)
def sentence_starters() -> frozenset[str]:
    """Capitalised words that start a new statement in run-on text (``patterns/negation.json``)."""
    with resources.patterns_path("negation.json").open(encoding="utf-8") as fh:
        return frozenset(json.load(fh)["sentence_starters"])


def negation_possible(text: str) -> bool:
    """Whether ``text`` holds a negation trigger of the termset (without one, NegEx negates nothing)."""
    return _has_trigger(text)


def _subject(doc: Doc, found: dict) -> Span | None:
    text = doc_text(doc)
    start, end = subject(text, found)
    if found["kind"] == "window":
        start = _after_own_trigger(text, start, end)
    return doc.char_span(start, end, alignment_mode="expand")


def _after_own_trigger(text: str, start: int, end: int) -> int:
    """Where an event starts after a negation written inside it ("free of any acute illness", "Must have not
    received any cancer treatment", "if no electrolyte panel is available"): NegEx reads a trigger before the
    subject only."""
    import re

    pseudo = _pseudo()
    cut = start
    for m in _triggers().finditer(text, start, end):
        if any(w.lower() not in _BEFORE_OWN_TRIGGER for w in text[start:m.start()].split()):
            break  # "Diabetes without complications": the event comes first, the negation qualifies it
        if m.end() < end and not pseudo.match(text, m.start()) and \
                " ".join(m.group().lower().split()) in _OWN_TRIGGERS:
            cut = m.end()
    if cut == start:
        return start
    rest = re.match(r"\s*", text[cut:end])
    return cut + rest.end() if cut + rest.end() < end else start


# a negation an event may open with (a bare "not" or "is not" negates the words after it: "vaccine not foreseen
# by the protocol", "infection that is not resolved")
_OWN_TRIGGERS = {"free of", "no", "without", "never", "none", "absence of", "lack of", "has not", "have not", "had not",
                 "did not", "unwilling to"}
_OTHER_PREDICATE = re.compile(r"\b(?:have|has|had|is|are|was|were|with|who|which|that)\b", re.IGNORECASE)
_BEFORE_OWN_TRIGGER = {"must", "have", "has", "had", "be", "been", "is", "are", "was", "were", "if", "should", "who",
                       "which", "that", "and", "or", "the", "patients", "subjects", "participants", "there", "will"}
# "Unable to stand or sit upright for at least 30 minutes": an inability negates the window it opens (not a
# NegEx trigger: "inability to communicate (coma, profound dementia)" does not negate the coma)
# ("inability to refrain from NSAID use for 5 days": the use, not negated)
_UNABLE = re.compile(r"\b(?:unable|inability)\s+to\b(?!\s+(?:refrain|abstain|stop|discontinue|withhold|avoid|cease|"
                     r"interrupt|wash)\b)", re.IGNORECASE)


def _unable(text: str, start: int, subject: Span) -> bool:
    """Whether an inability in the clause of a window starting at ``start`` opens its event or a short list it
    ends ("Unable to stand or sit upright"), not another statement ("Unable to take oral medication or have a
    malabsorption syndrome")."""
    clause = max(text.rfind(ch, 0, start) for ch in ".;:\n") + 1
    m = _UNABLE.search(text, clause, subject.end_char)
    return m is not None and (m.end() > subject.start_char or (
        len(text[m.end():subject.start_char].split()) <= 3
        and not _OTHER_PREDICATE.search(text, m.end(), subject.start_char)))


@lru_cache(maxsize=1)
def _pseudo():
    import re

    words = sorted(termset()["pseudo_negations"], key=len, reverse=True)
    return re.compile("|".join(r"\s+".join(map(re.escape, w.split())) for w in words), re.IGNORECASE)


@Language.factory("eligex_negation", requires=["doc._.eligex_found"])
class NegationComponent:
    """Set ``negated`` on every constraint found in the doc by running negspacy's ``Negex`` over their
    subject spans (the lexicon's atoms in ``doc.ents`` are done with by now and are put back after)."""

    def __init__(self, nlp: Language, name: str) -> None:
        from negspacy.negation import Negex

        self.negex = Negex(nlp, name, neg_termset=termset(), ent_types=[], extension_name=NEGATION_KEY,
                           chunk_prefix=[])

    def __call__(self, doc: Doc) -> Doc:
        found = doc._.eligex_found
        text = doc_text(doc)
        if not any(f["kind"] in _NEGEX_KINDS for f in found) or not (_has_trigger(text) or _UNABLE.search(text)):
            return doc
        subjects = [(_subject(doc, f), f) for f in found]
        spans = filter_spans([Span(doc, s.start, s.end, label="SUBJECT") for s, _ in subjects if s is not None])
        atoms = doc.ents
        # NegEx scopes end at a sentence: "Not pregnant or nursing. Fertile patients must use contraception"
        tokens = list(doc)
        tokens[0].is_sent_start = True
        starters = sentence_starters()
        prev = tokens[0]
        for token in tokens[1:]:
            token.is_sent_start = not token.is_punct and (
                prev.text in (".", ";") or (token.text in starters and prev.is_lower and prev.is_alpha))
            prev = token
        doc.ents = spans
        self.negex(doc)
        negated = {(s.start, s.end) for s in doc.ents if s._.get(NEGATION_KEY)}
        for span, f in subjects:
            if span is None:
                continue
            hit = any(a <= span.start and span.end <= b for a, b in negated) or \
                any(span.start <= a and b <= span.end for a, b in negated)
            if f["kind"] == "window" and not hit:
                hit = _unable(text, f["start"], span)
            if f["kind"] in _NEGEX_KINDS:
                # a condition's own rule may have negated it already ("HIV negative")
                f["negated"] = hit or (f["kind"] == "condition" and f["negated"])
        doc.ents = atoms
        return doc
