"""Which constraint components can match an item, read off their own rules, so the others are skipped.

A Matcher rule can only match a doc that has, for every token of its pattern that must occur (no ``OP``,
or ``+``), a token of that entity label (the lexicon atoms of ``eligex_atoms``). A rule that ``requires``
a context the item does not have is rejected by its builder whatever it matches. A component none of
whose rules can match finds nothing, so skipping it changes no record (the full corpus output is
byte-identical with the gate on; see README, Speed).

>>> required_labels([{"ENT_TYPE": "VAR"}, {"LIKE_NUM": True}, {"ENT_TYPE": {"IN": ["CMP_PRE"]}, "OP": "*"}])
[frozenset({'VAR'})]
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable

from spacy.language import Language
from spacy.tokens import Doc

from .rules import MatcherRule

# ops under which a pattern token may match nothing
_OPTIONAL_OPS = ("?", "*", "!")


def required_labels(pattern: list[dict]) -> list[frozenset[str]]:
    """For each token a pattern needs, the entity labels one of which that token must carry."""
    out = []
    for token in pattern:
        if _optional(token.get("OP")):
            continue
        ent = token.get("ENT_TYPE")
        if isinstance(ent, str) and ent:
            out.append(frozenset([ent]))
        elif isinstance(ent, dict) and set(ent) == {"IN"} and ent["IN"]:
            out.append(frozenset(ent["IN"]))
    return out


def required_words(pattern: list[dict]) -> list[frozenset[str]]:
    """For each token a pattern needs, the lower-case forms one of which that token must have (a ``LOWER``
    value as written, an ``ORTH`` or ``TEXT`` value lower-cased: a token's ``LOWER`` is its text's lower case).

    >>> [sorted(need) for need in required_words([{"LOWER": {"IN": ["class", "classes"]}}, {"ORTH": "(", "OP": "?"},
    ...                                              {"TEXT": "Grade"}])]
    [['class', 'classes'], ['grade']]
    """
    out = []
    for token in pattern:
        if _optional(token.get("OP")):
            continue
        for attr, lower in (("LOWER", False), ("ORTH", True), ("TEXT", True)):
            value = token.get(attr)
            if isinstance(value, str):
                values = [value]
            elif isinstance(value, dict) and set(value) == {"IN"} and value["IN"]:
                values = value["IN"]
            else:
                continue
            out.append(frozenset(v.lower() if lower else v for v in values))
    return out


def _optional(op) -> bool:
    """Whether a pattern token under ``op`` may match nothing."""
    return op in _OPTIONAL_OPS or (isinstance(op, str) and op.startswith("{") and op[1:2] in ("0", ","))


def _age_heading(context: dict, labels: set[str]) -> bool:
    from .age import _HEADING_AGE

    return any(_HEADING_AGE.search(h) for h in context.get("heading") or [])


@lru_cache(maxsize=4096)
def _heading_names_variable(last_heading: str) -> bool:
    from .measurement import _heading_variable

    return _heading_variable({"heading": [last_heading]}) is not None


def _variable_heading(context: dict, labels: set[str]) -> bool:
    # a variable in the item serves the rule; else the heading must name one (measurement.build)
    headings = context.get("heading") or []
    return "VAR" in labels or bool(headings and _heading_names_variable(headings[-1]))


# what a rule's ``requires`` adds, as its builder checks it (age.build, measurement.build); a name not
# listed here adds nothing, so a new kind of requirement can never make the gate skip a rule wrongly
REQUIRES: dict[str, Callable[[dict, set[str]], bool]] = {
    "age_heading": _age_heading,
    "variable_heading": _variable_heading,
    # age._joined_to_age: an AGE_CUE or OLD atom before the joined comparator
    "previous_age": lambda context, labels: bool(labels & {"AGE_CUE", "OLD"}),
    # measurement._previous_variable: a VAR atom before it (or one in the match itself)
    "previous_variable": lambda context, labels: "VAR" in labels,
    # age._age_label_before: an "Age:" label (an AGE_CUE atom) earlier in the item
    "age_label": lambda context, labels: "AGE_CUE" in labels,
    # meas.percentile: "percentile(s)"/"centile(s)" in the item (a PCTL atom)
    "percentile": lambda context, labels: "PCTL" in labels,
}


class ComponentGate:
    """Whether any rule of a Matcher component can match a doc with these atom labels and context."""

    def __init__(self, rules: list[MatcherRule]) -> None:
        self.rules = [(required_labels(r.pattern), REQUIRES.get(r.requires or "")) for r in rules]

    def can_match(self, labels: set[str], context: dict) -> bool:
        for needs, requirement in self.rules:
            if all(not need.isdisjoint(labels) for need in needs) and \
                    (requirement is None or requirement(context, labels)):
                return True
        return False


@lru_cache(maxsize=8)
def _plan(nlp: Language) -> tuple:
    plan = []
    for name, proc in nlp.pipeline:
        rules = getattr(proc, "rules", None)
        gate = ComponentGate(list(rules.values())) if isinstance(rules, dict) and rules else None
        plan.append((name, proc, gate))
    return tuple(plan)


def run_gated(nlp: Language, docs: list[Doc]) -> list[Doc]:
    """Run ``nlp``'s components over ``docs`` (each over all of them before the next), skipping for a doc the
    rule components that cannot match it (its context is ``doc._.eligex_context``)."""
    plan = _plan(nlp)
    docs = list(docs)
    verdicts: list[tuple | None] = [None] * len(docs)
    for n, (_, proc, gate) in enumerate(plan):
        for k, doc in enumerate(docs):
            if gate is not None:
                if verdicts[k] is None:
                    context = doc._.eligex_context or {}
                    labels = frozenset(span.label_ for span in doc._.eligex_atoms or ())
                    verdicts[k] = _verdicts(plan, labels, context.get("section"),
                                            tuple(context.get("heading") or ()))
                if not verdicts[k][n]:
                    continue
            docs[k] = proc(doc)
    return docs


@lru_cache(maxsize=65536)
def _verdicts(plan: tuple, labels: frozenset, section: str | None, heading: tuple) -> tuple:
    """Per component of ``plan``, whether it can match: the same few label sets and headings recur."""
    context = {"section": section, "heading": list(heading)}
    set_labels = set(labels)
    return tuple(gate is None or gate.can_match(set_labels, context) for _, _, gate in plan)
