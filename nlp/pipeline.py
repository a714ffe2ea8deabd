"""The spaCy pipeline: a blank English pipeline, our tokenizer and rule-based components.

    tokenizer → eligex_lexicon (SpanRuler over patterns/lexicon.jsonl) → eligex_atoms → eligex_age
    → eligex_sex

Each component reads and writes ``doc._.eligex_*`` extensions (declared in ``extensions.py``); the
constraint components append plain dicts to ``doc._.eligex_found``, with character offsets into the
doc's text, so workers can return them without pickling spaCy objects.
"""

# no `from __future__ import annotations` here: spaCy resolves the factories' type hints at runtime
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from . import age as age_rules
from . import sex as sex_rules
from .extensions import register_extensions
from .rules import lexicon, matcher_rules
from .tokenizer import make_tokenizer

LEXICON_KEY = "eligex_lex"


@Language.factory("eligex_atoms")
class AtomTagger:
    """Resolve overlapping lexicon spans (longest first) into ``doc.ents``.

    After it, ``token.ent_type_`` is e.g. ``"CMP_PRE"`` for both tokens of "at least", so the matcher
    rules test atoms with spaCy's native ``ENT_TYPE`` (a blank pipeline has no NER to clash with), and
    ``doc._.eligex_atoms`` holds the chosen spans (their ``id_`` is the lexicon rule id).
    """

    def __init__(self, nlp: Language, name: str, *, spans_key: str = LEXICON_KEY) -> None:
        self.spans_key = spans_key

    def __call__(self, doc: Doc) -> Doc:
        spans = filter_spans(doc.spans.get(self.spans_key, []))
        doc.ents = spans
        doc._.eligex_atoms = spans
        return doc


class _RuleMatcher:
    """A Matcher over ``patterns/rules.<kind>.jsonl``; overlapping matches keep the longest."""

    kind = ""

    def __init__(self, nlp: Language, name: str) -> None:
        self.rules = {r.id: r for r in matcher_rules(self.kind)}
        self.matcher = Matcher(nlp.vocab, validate=True)
        for rule in self.rules.values():
            self.matcher.add(rule.id, [rule.pattern], greedy="LONGEST")

    def matches(self, doc: Doc) -> list[Span]:
        spans = [Span(doc, s, e, label=mid) for mid, s, e in self.matcher(doc)]
        return sorted(filter_spans(spans), key=lambda sp: sp.start)


@Language.factory("eligex_age")
class AgeComponent(_RuleMatcher):
    """Age bounds: "aged 30-60 years", ">= 18 years of age", "Age 18 and over", "older than 65"."""

    kind = "age"

    def __call__(self, doc: Doc) -> Doc:
        context = doc._.eligex_context or {}
        for span in self.matches(doc):
            rule = self.rules[span.label_]
            found = age_rules.build(span, rule, context)
            if found is not None:
                doc._.eligex_found.append(found)
        return doc


@Language.factory("eligex_sex")
class SexComponent(_RuleMatcher):
    """Sex restrictions: "Postmenopausal women ...", "women only", "Sex: female"; not mere mentions."""

    kind = "sex"

    def __call__(self, doc: Doc) -> Doc:
        context = doc._.eligex_context or {}
        for span in self.matches(doc):
            rule = self.rules[span.label_]
            found = sex_rules.build(span, rule, context)
            if found is not None:
                doc._.eligex_found.append(found)
                break  # one restriction per item is all an item can say
        return doc


def build_pipeline() -> Language:
    """A fresh pipeline; no model is downloaded or needed.

    >>> [name for name in build_pipeline().pipe_names]
    ['eligex_lexicon', 'eligex_atoms', 'eligex_age', 'eligex_sex']
    """
    register_extensions()
    nlp = spacy.blank("en")
    nlp.tokenizer = make_tokenizer(nlp)
    ruler = nlp.add_pipe(
        "span_ruler", name="eligex_lexicon",
        config={"spans_key": LEXICON_KEY, "phrase_matcher_attr": "LOWER", "validate": True},
    )
    ruler.add_patterns([{"label": e.label, "pattern": e.pattern, "id": e.id} for e in lexicon()])
    nlp.add_pipe("eligex_atoms")
    nlp.add_pipe("eligex_age")
    nlp.add_pipe("eligex_sex")
    return nlp


@lru_cache(maxsize=1)
def load() -> Language:
    """The shared pipeline of this process (built once)."""
    return build_pipeline()
