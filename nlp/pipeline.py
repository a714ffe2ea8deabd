"""The spaCy pipeline: a blank English pipeline, our tokenizer and rule-based components.

    tokenizer → eligex_lexicon (SpanRuler over patterns/lexicon.jsonl and the variable catalogue)
    → eligex_atoms → eligex_age → eligex_measurement → eligex_dose → eligex_exposure → eligex_pregnancy → eligex_sex
    → eligex_window → eligex_condition → eligex_negation

Each component reads and writes ``doc._.eligex_*`` extensions (declared in ``extensions.py``); the
constraint components append plain dicts to ``doc._.eligex_found``, with character offsets into the
doc's text, so workers can return them without pickling spaCy objects.
"""

# no `from __future__ import annotations` here: spaCy resolves the factories' type hints at runtime
import re
from functools import lru_cache

import spacy
from spacy.attrs import ENT_TYPE, LIKE_NUM, LOWER
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from . import age as age_rules
from . import condition as condition_rules
from . import contraception as contraception_rules
from . import dose as dose_rules
from . import measurement as measurement_rules
from . import negation  # noqa: F401  (registers eligex_negation)
from . import pregnancy as pregnancy_rules
from . import sex as sex_rules
from . import window as window_rules
from .drugs import drugs
from .extensions import doc_text, register_extensions
from .gate import REQUIRES, required_labels, required_words
from .numbers import parse_number
from .rules import lexicon, matcher_rules
from .tokenizer import make_tokenizer

LEXICON_KEY = "eligex_lex"
# Atoms that begin an age statement proper ("aged", "at least", "between"); a subject before them
# ("Patients must be ...") does not make a match longer.
_AGE_CORE = {"AGE_CUE", "CMP_PRE", "CMP_AGE_PRE", "BETWEEN"}
# rule subsets (and the label and word sets that choose them) kept per component: a few hundred occur
_SUBSET_CACHE = 4096
_SHAPE = "eligex_token_shape"


def _token_shape(doc: Doc) -> tuple[frozenset, frozenset]:
    """The entity labels (hashes, 0 for none) and the lower-case words (hashes) of a doc's tokens, read once per
    doc: the atoms are set before the rule components and stay until negation, after them."""
    shape = doc.user_data.get(_SHAPE)
    if shape is None:
        shape = doc.user_data[_SHAPE] = (frozenset(doc.to_array(ENT_TYPE).tolist()),
                                         frozenset(doc.to_array(LOWER).tolist()))
    return shape


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
    """A Matcher over ``patterns/rules.<kind>.jsonl``.

    Candidates are tried longest first; one that its builder rejects (not an age after all) leaves room
    for a shorter reading of the same words, and accepted matches never overlap.
    """

    kind = ""

    def __init__(self, nlp: Language, name: str) -> None:
        self.rules = {r.id: r for r in matcher_rules(self.kind)}
        self.order = {r.id: n for n, r in enumerate(matcher_rules(self.kind))}
        self.vocab = nlp.vocab
        # all the rules in one Matcher (validated once, here; the subsets' Matchers below are built unchecked)
        self.matcher = Matcher(nlp.vocab, validate=True)
        for rule in self.rules.values():
            self.matcher.add(rule.id, [rule.pattern], greedy="LONGEST")
        # What each rule needs of a doc to match at all: an atom label for each of some tokens, a word for each of
        # some others (nlp/gate.py), and a context its builder checks ("age_heading", "previous_variable", ...).
        # A doc is matched only by the rules it can satisfy, in one Matcher per such subset of the rules: the
        # Matcher's work grows with tokens times patterns, and most rules cannot match a given item (a rule
        # opening with any words, "Healthy volunteers: 18 and over" under "Age:", would otherwise start a match
        # at every token of every doc). Rules match on their own (greedy is per rule), so a subset finds the
        # same matches of its rules as all the rules together (tests/test_speed_equivalence.py).
        strings = nlp.vocab.strings
        self.needs = [(rule.id,
                       [frozenset(strings.add(label) for label in need) for need in required_labels(rule.pattern)],
                       [frozenset(strings.add(word) for word in need) for need in required_words(rule.pattern)],
                       rule.requires if rule.requires in REQUIRES else None)
                      for rule in self.rules.values()]
        # the labels and words any rule asks for: a doc's others do not change which rules it can satisfy
        self.labels = frozenset(x for _, needs, _, _ in self.needs for need in needs for x in need)
        self.words = frozenset(w for _, _, needs, _ in self.needs for need in needs for w in need)
        self.requirements = sorted({req for *_, req in self.needs if req})
        self._subsets: dict[tuple, tuple[str, ...]] = {}
        self._matchers: dict[tuple[str, ...], Matcher | int] = {}  # a subset's Matcher, or how often it was seen

    def _raw_matches(self, doc: Doc) -> list[tuple[int, int, int]]:
        all_labels, lowers = _token_shape(doc)
        labels, words = self.labels.intersection(all_labels), self.words.intersection(lowers)
        met = ()
        if self.requirements:
            context = doc._.eligex_context or {}
            names = {self.vocab.strings[h] for h in all_labels if h}
            met = tuple(REQUIRES[req](context, names) for req in self.requirements)
        key = (labels, words, met)
        subset = self._subsets.get(key)
        if subset is None:
            held = {req for req, ok in zip(self.requirements, met) if ok}
            subset = tuple(rid for rid, label_needs, word_needs, req in self.needs
                           if all(not need.isdisjoint(labels) for need in label_needs)
                           and all(not need.isdisjoint(words) for need in word_needs)
                           and (req is None or req in held))
            if len(self._subsets) >= _SUBSET_CACHE:
                self._subsets.clear()
            self._subsets[key] = subset
        if not subset:
            return []
        matcher = self._matchers.get(subset, 0)
        if isinstance(matcher, int):
            # a subset seen once or twice is matched by all the rules, its own kept (building a Matcher costs
            # more than the few docs of a rare subset save)
            if matcher < 2:
                if len(self._matchers) >= _SUBSET_CACHE:
                    self._matchers.clear()
                self._matchers[subset] = matcher + 1
                keep = {self.vocab.strings[rid] for rid in subset}
                return [m for m in self.matcher(doc) if m[0] in keep]
            matcher = Matcher(self.vocab, validate=False)
            for rid in subset:
                matcher.add(rid, [self.rules[rid].pattern], greedy="LONGEST")
            self._matchers[subset] = matcher
        return matcher(doc)

    def matches(self, doc: Doc) -> list[Span]:
        spans = [Span(doc, s, e, label=mid) for mid, s, e in self._raw_matches(doc)]
        spans.sort(key=lambda sp: (-(sp.end - self.core_start(sp)), sp.end - sp.start, sp.start,
                                   self.order[sp.label_]))
        return spans

    def core_start(self, span: Span) -> int:
        """Where the statement proper starts; subject words before it do not make a match longer."""
        return span.start

    def found(self, doc: Doc, build, limit: int | None = None) -> list[dict]:
        context = doc._.eligex_context or {}
        taken: set[int] = set()
        out = []
        for span in self.matches(doc):
            if taken.intersection(range(span.start, span.end)):
                continue
            rule = self.rules[span.label_]
            if rule.at_item_start and any(not t.is_punct for t in doc[:span.start]):
                continue
            result = build(span, rule, context)
            if not result:
                continue
            taken.update(range(span.start, span.end))
            out.extend(result if isinstance(result, list) else [result])
            if limit is not None and len(out) >= limit:
                break
        return sorted(out, key=lambda f: f["start"])


@Language.factory("eligex_age")
class AgeComponent(_RuleMatcher):
    """Age bounds: "aged 30-60 years", ">= 18 years of age", "Age 18 and over", "older than 65"."""

    kind = "age"

    def core_start(self, span: Span) -> int:
        for token in span:
            if token.ent_type_ in _AGE_CORE or token.like_num:
                return token.i
        return span.start

    def __call__(self, doc: Doc) -> Doc:
        doc._.eligex_found.extend(self.found(doc, age_rules.build))
        return doc


@Language.factory("eligex_measurement")
class MeasurementComponent(_RuleMatcher):
    """Thresholds on labs, scores, vitals, organ function and life expectancy: "ANC >= 1,500/mm3",
    "ALT or AST >= 2x ULN", "creatinine clearance < 45 ml/min", "NYHA class III or IV", "ECOG 0-1"."""

    kind = "measurement"

    def __call__(self, doc: Doc) -> Doc:
        found = self.found(doc, measurement_rules.build)
        if any("comparator_lost" in f for f in found):
            doc._.eligex_lost.extend(f for f in found if "comparator_lost" in f)
            found = [f for f in found if "comparator_lost" not in f]
        measurement_rules.share_units(found, doc_text(doc))
        found = measurement_rules.join_bounds(found, doc_text(doc))
        found = measurement_rules.each_component(found, doc_text(doc))
        doc._.eligex_found.extend(found)
        return doc


@Language.factory("eligex_dose")
class DoseComponent(_RuleMatcher):
    """Dose limits on a drug or drug class: "oral prednisone equivalent >10 mg/day", "methotrexate up to
    25 mg/week", "<= 10 mg/day of prednisone or equivalent", "cumulative doxorubicin <= 300 mg/m2"."""

    kind = "dose"

    def __call__(self, doc: Doc) -> Doc:
        if any(a.label_ == "DRUG" for a in doc._.eligex_atoms or []):
            doc._.eligex_found.extend(self.found(doc, dose_rules.build))
        return doc


@Language.factory("eligex_exposure")
class ExposureComponent:
    """Doses of what the drug catalogue does not hold, read by patterns of their own: "more than 5 cigarettes
    per day", "more than 7 drinks per week", "total doses of >=40 and <=80 Gy", "3 to 6 cycles of an induction
    therapy" (``dose.exposures``). No Matcher rules, so the gate never skips it; a cheap test of the text
    comes first."""

    def __init__(self, nlp: Language, name: str) -> None:
        pass

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        if dose_rules.may_expose(text):  # the test exposures() opens with, before the constraints are read
            taken = [f for f in doc._.eligex_found if f["kind"] in ("measurement", "age", "dose")]
            doc._.eligex_found.extend(dose_rules.exposures(text, taken))
        return doc


@Language.factory("eligex_pregnancy")
class PregnancyComponent(_RuleMatcher):
    """Pregnancy and lactation as criteria, pregnancy tests: "Pregnant or nursing women", "negative serum
    pregnancy test"; one constraint of each kind per item."""

    kind = "pregnancy"

    def __call__(self, doc: Doc) -> Doc:
        found = self.found(doc, pregnancy_rules.build)
        seen = set()
        # a stated plan ("Women who plan to become pregnant within 6 months, or are pregnant") gives way to
        # the state itself when the item says both
        for f in sorted(found, key=lambda f: (pregnancy_rules.is_plan(doc_text(doc), f), f["start"])):
            key = (f["kind"], f.get("test"))
            if key not in seen:
                seen.add(key)
                doc._.eligex_found.append(f)
        return doc


@Language.factory("eligex_sex")
class SexComponent(_RuleMatcher):
    """Sex restrictions: "Postmenopausal women ...", "women only", "Sex: female"; not mere mentions."""

    kind = "sex"

    def __call__(self, doc: Doc) -> Doc:
        # one restriction per item is all an item can say
        doc._.eligex_found.extend(self.found(doc, sex_rules.build, limit=1))
        return doc


@Language.factory("eligex_window")
class WindowComponent:
    """Time windows on events: "major surgery within 30 days prior to randomization", "at least 4 weeks since
    prior chemotherapy"; a window right after a pregnancy test, a dose or a threshold becomes that
    constraint's window ("ANC >= 1500/mm3 within 14 days before registration").
    Contraception requirements are found first: their periods are theirs, not windows of their own."""

    def __init__(self, nlp: Language, name: str) -> None:
        pass

    def __call__(self, doc: Doc) -> Doc:
        found = doc._.eligex_found
        text = doc_text(doc)
        may_require = contraception_rules.may_require(text)
        if not (may_require or window_rules.may_hold_window(text)):
            return doc
        context = doc._.eligex_context or {}
        contra = contraception_rules.find(text) if may_require else []
        found.extend(contra)
        # an age or a threshold ("life expectancy of at least 3 months") is not a window
        skip = [(f["start"], f["end"]) for f in found if f["kind"] in ("age", "measurement", "dose", "contraception")]
        owners = [f for f in found if (f["kind"] == "pregnancy" and f.get("test")) or f["kind"] in ("dose", "measurement")]
        spans = [(f["start"], f["end"], f["kind"] == "measurement") for f in owners]
        states = [f for f in found if f["kind"] in ("pregnancy", "lactation") and not f.get("test")]
        windows = window_rules.find(text, skip=skip, attach=spans)
        # "normal organ and marrow function ... within two weeks": one event of a phrase naming lab values makes
        # the phrase the thresholds' window, whatever the other events of the split list are
        # (a spacing between two tests, "two samples at least 3 months apart", dates no threshold)
        labs = {(w["phrase"].start, w["phrase"].end) for w in windows if "attached" not in w and window_rules.lab_window(w)
                and w["phrase"].rule != "win.apart"}
        tests = {(w["phrase"].start, w["phrase"].end) for w in windows if "attached" not in w and window_rules.test_window(w)
                 and w["phrase"].rule != "win.apart"}
        given: set[tuple[int, int]] = set()  # lab phrases whose window went to the thresholds after them
        for w in windows:
            key = (w["phrase"].start, w["phrase"].end)
            if key in given:
                continue
            later = [f for f in owners if f["kind"] == "measurement" and "window" not in f
                     and f["start"] >= w["phrase"].end] if "attached" not in w and key in labs else []
            event = next((p for p in w.get("parts", ()) if p["role"] == "event"), None)
            # "Current (within 3 months prior to enrollment) HbA1c >= 7%": the event read is a threshold's words
            inside = [f for f in owners if f["kind"] in ("measurement", "dose") and "window" not in f and event
                      and f["start"] < event["end"] and event["start"] < f["end"]] if "attached" not in w else []
            # "eGFR < 80% ... based on a serum creatinine result obtained within 2 weeks prior to study
            # intervention": lab results named after the thresholds date them
            earlier = [f for f in owners if f["kind"] == "measurement" and "window" not in f
                       and f["end"] <= w["phrase"].start] if "attached" not in w and not later and key in labs | tests \
                and event is not None and event["start"] >= max((f["end"] for f in owners if f["start"] < w["phrase"].start),
                                                                default=0) else []
            if earlier and key not in labs:
                earlier = [f for f in earlier if not _NEW_SENTENCE.search(text, f["end"], event["start"])]
            if earlier and _ANOTHER_STATEMENT.search(text, max(f["end"] for f in earlier), event["start"]):
                # "Hemoglobin < 9 g/dL, or a positive hepatitis B test result within 3 months"; a test named in
                # the next sentence ("... < 31 weeks were eligible. Consent must have been obtained within 24 hours")
                earlier = []
            if "attached" in w:
                owners[w["attached"]].setdefault("window", w["phrase"])
            elif later:
                # "a recent (within 7 days prior to treatment start) hematological assessment as defined by ANC
                # >= 1.5 x 10^9/L, platelets >= 100 x 10^9/L": the thresholds after it take the window
                for f in later:
                    f["window"] = w["phrase"]
                given.add(key)
            elif inside or earlier:
                for f in inside or earlier:
                    f["window"] = w["phrase"]
                given.add(key)
            elif any(f["start"] <= w["parts"][0]["start"] and w["parts"][0]["end"] <= f["end"] for f in states):
                continue  # "Pregnancy or planning pregnancy within 30 days": the state is its own constraint
            elif _restated_in_brackets(text, w, windows):
                continue  # "... 48 hours prior to visit (if used in the 48 hours prior to the scheduled visit, ...)"
            elif w["event"]["text"] != "unspecified":
                found.append(w)
            else:
                # no event in the item: a PDQ heading may name it ("Chemotherapy:" / "- At least 4 weeks")
                heading = next((h.strip(" :") for h in reversed(context.get("heading") or [])
                                if window_rules.event_type(h) in ("drug", "procedure", "trial_participation", "test")
                                and not window_rules.LIST_HEADING.search(h)),
                               None)
                if heading:
                    w["event"] = {"type": window_rules.event_type(heading), "text": heading}
                    found.append(w)
                elif window_rules.introduces_list(text, w):
                    found.append(w)  # "Excluded within 30 days of study entry:": the window of the items after it
        for owner in owners:
            if "window" not in owner:
                phrase = window_rules.anchor_only(text, owner["end"])
                if phrase is not None:
                    owner["window"] = phrase
        # found dicts stay plain data (workers and the item cache copy them): phrases become dicts
        for f in found:
            for key in ("phrase", "window"):
                if isinstance(f.get(key), window_rules.Phrase):
                    f[key] = f[key].plain()
            if f["kind"] == "contraception":
                f["windows"] = [p.plain() for p in f["windows"]]
        return doc


def _restated_in_brackets(text: str, w: dict, windows: list[dict]) -> bool:
    """Whether window ``w`` stands in brackets and says again the amount of a window written outside them."""
    p = w["phrase"]
    opened = text.rfind("(", 0, p.start)
    if opened < 0 or ")" in text[opened:p.start] or not _RESTATING.match(text, opened + 1):
        return False
    return any(o["phrase"].amount == p.amount and o["phrase"].unit == p.unit and o["phrase"].direction == p.direction
               and o["phrase"].end <= opened for o in windows if o is not w)


# what starts a statement of its own between thresholds and a lab result named after them
_ANOTHER_STATEMENT = re.compile(r"\b(?:or|and|and/or|nor)\b|;", re.IGNORECASE)
_NEW_SENTENCE = re.compile(r"\.(?:\s|$)")

# an aside that says what happens when the criterion is met, or says it again: "(if used in the 48 hours
# prior to the scheduled visit, the visit will be deferred)", "(i.e. ...)"
_RESTATING = re.compile(r"\s*(?:if|i\.\s?e\.?|ie,|that\s+is)\b", re.IGNORECASE)


@Language.factory("eligex_condition")
class ConditionComponent:
    """Diagnoses and history from the condition lexicon: "Diagnosis of rheumatoid arthritis", "History of
    malignancy within 5 years", "uncontrolled hypertension". Aliases match in any case, abbreviations ("RA",
    "SLE", "NSCLC") only as written, the longest first (``condition.lexicon_mentions``: a dictionary of the
    lexicon's word sequences, so ``extract`` can also read items that never reach the pipeline)."""

    def __init__(self, nlp: Language, name: str) -> None:
        condition_rules.conditions()

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        mentions = condition_rules.lexicon_mentions(text)
        if mentions:
            doc._.eligex_found.extend(condition_rules.find(text, mentions, doc._.eligex_found))
        return doc


def build_pipeline() -> Language:
    """A fresh pipeline; no model is downloaded or needed.

    >>> build_pipeline().pipe_names  # doctest: +NORMALIZE_WHITESPACE
    ['eligex_lexicon', 'eligex_atoms', 'eligex_age', 'eligex_measurement', 'eligex_dose', 'eligex_exposure',
     'eligex_pregnancy', 'eligex_sex', 'eligex_window', 'eligex_condition', 'eligex_negation']
    """
    register_extensions()
    nlp = spacy.blank("en")
    # number words of patterns/numbers.json ("sixty-five", "twice") count as numbers for the Matcher
    default_like_num = nlp.vocab.lex_attr_getters[LIKE_NUM]
    nlp.vocab.lex_attr_getters[LIKE_NUM] = lambda text: default_like_num(text) or parse_number(text) is not None
    nlp.tokenizer = make_tokenizer(nlp)
    ruler = nlp.add_pipe(
        "span_ruler", name="eligex_lexicon",
        config={"spans_key": LEXICON_KEY, "phrase_matcher_attr": "LOWER", "validate": True},
    )
    ruler.add_patterns([{"label": e.label, "pattern": e.pattern, "id": e.id} for e in lexicon()])
    # the variable catalogue's aliases: "ALT", "absolute neutrophil count", "New York Heart Association"
    ruler.add_patterns([{"label": "VAR", "pattern": alias, "id": f"var.{v.id}"}
                        for v in measurement_rules.variables().values() for alias in v.aliases])
    # the drug catalogue's names: "prednisone", "mycophenolate mofetil", "strong CYP3A4 inhibitors"
    ruler.add_patterns([{"label": "DRUG", "pattern": alias, "id": f"drug.{d.id}"}
                        for d in drugs().values() for alias in d.aliases])
    nlp.add_pipe("eligex_atoms")
    nlp.add_pipe("eligex_age")
    nlp.add_pipe("eligex_measurement")
    nlp.add_pipe("eligex_dose")
    nlp.add_pipe("eligex_exposure")
    nlp.add_pipe("eligex_pregnancy")
    nlp.add_pipe("eligex_sex")
    nlp.add_pipe("eligex_window")
    nlp.add_pipe("eligex_condition")
    nlp.add_pipe("eligex_negation")
    return nlp


@lru_cache(maxsize=1)
def load() -> Language:
    """The shared pipeline of this process (built once)."""
    return build_pipeline()
