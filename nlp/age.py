"""Turn an age match into bounds: which number is the lower bound, which the upper, inclusive or not.

A match is a span of tokens tagged by the lexicon (comparators, numbers, units, cues); the rule only
says where an age is. The reading of the bounds is the same for every rule:

- a comparator before a number applies to it ("> 18"), one after it too ("18 or older");
- two numbers joined by a range word are a closed interval ("18-65", "between 18 and 65");
- a number's unit is the unit after it, else the unit of the next number ("18 to 65 years"), else years.
"""

from __future__ import annotations

import re

from spacy.tokens import Span

from .bounds import interval
from .context import comparator_start
from .numbers import parse_number
from .registry import age_in_years
from .rules import MatcherRule, lexicon_norms

# Rules that hold no age cue of their own read a bare duration as an age only when nothing around it
# says it is a duration: "for 6 months to 2 years", "5 years or more since diagnosis".
_CUED = re.compile(r"\.(?:cue|old|heading|the_age|the_ages|agecmp|cmp_cue|agepost|continuation)\b|\.post_age$|"
                   r"\.cue_after$")
_CONDITIONAL_AGE = re.compile(r"\b(?:for|in)\s+(?:the\s+)?(?:patients?|participants?|subjects?|adolescents?|children|"
                              r"minors?|those|individuals|persons|people)\s*(?:who\s+are\s+|aged\s+|age\s+)?$",
                              re.IGNORECASE)
_CONSENT = re.compile(r"\b(?:consent|assent|guardian|parent)", re.IGNORECASE)
# words that may follow "18 years or old" (any other word makes "old" an adjective of it: "or old TB")
_AFTER_OLD = {"and", "or", "at", "on", "in", "with", "who", "of", "age", "inclusive", "to", "but", "are", "is",
              "were", "was", "patients", "participants", "subjects", "men", "women", "males", "females"}
_BEFORE_DURATION = {
    "within", "for", "last", "past", "since", "duration", "expectancy", "survival", "history", "ago", "least",
    "after", "before", "prior", "previous", "every", "over", "during", "interval", "period", "lasting",
}
_AFTER_DURATION = {
    "before", "after", "prior", "ago", "since", "following", "post", "from", "of", "duration", "apart",
    "earlier", "later", "beyond", "previously", "preceding", "until", "between",
}
# After a number with no unit, only these may follow an age ("patients over 65 and ...");
# "more than 2 cigarettes", "< 9 g/dL" are not ages.
_AFTER_BARE_NUMBER = {"and", "or", "with", "who", "at", "in", "of", "are", "is", "must", "should", "may", "can",
                      "will", "were", "if", "but", "without", "having", "that", "on"}
# Sub-headings of the old PDQ layout under which a bare "At least 3 months" is not an age.
_OTHER_TOPIC = re.compile(
    r"expectancy|performance|hemat|hepatic|renal|cardi|pulmon|therap|chemo|radio|surg|endocrine|biologic|disease|"
    r"medication|neuro|immun|concurrent|prior|other|lab|blood|status|tumor|cancer|histolog",
    re.I,
)
_PLAUSIBLE_YEARS = 125.0
_OTHER_AGES = {"gestational", "gestation", "postmenstrual", "post-menstrual", "conceptional", "corrected", "bone",
               "mental", "developmental", "skeletal", "fetal", "onset", "diagnosis"}
_AT_EVENT = re.compile(r"(?:at|of) (?:diagnosis|onset|first|the time of diagnosis|menarche|menopause)")
_HEADING_AGE = re.compile(r"\bages?\b", re.I)
# What an age in weeks or days may be the age of, other than the participant: "an acute (less than 4 week old)
# injury", "an injury over 4 weeks old"
_OLD_THINGS = {"injury", "injuries", "fracture", "fractures", "wound", "wounds", "lesion", "lesions", "tear", "tears",
               "rupture", "burn", "burns", "ulcer", "ulcers", "infarct", "infarction", "thrombus", "thrombosis",
               "clot", "hematoma", "haematoma", "scar", "scars", "tattoo", "tattoos", "trauma", "dislocation",
               "sprain", "bruise", "laceration", "incision", "symptoms", "symptom", "sample", "samples", "specimen",
               "specimens", "biopsy", "scan", "culture"}
# Rules whose single number has no comparator of its own and means a minimum: "Hospitalized adult (18 years
# old)", the age at which adulthood starts. A comparator lost from the text is not guessed: the COVID-19
# corpus' "Age  18 years old" (its "≥" lost on export, the spaces kept) stays unread.
_BARE_MINIMUM = (".adult_bare",)



def _atom_spans(span: Span) -> list[Span]:
    atoms = span.doc._.eligex_atoms or []
    return [a for a in atoms if a.start >= span.start and a.end <= span.end]


def _events(span: Span) -> list[tuple[str, object, int, int, str | None]]:
    """(kind, payload, start_char, end_char, label) in text order: numbers and lexicon atoms."""
    norms = lexicon_norms()
    by_start = {a.start: a for a in _atom_spans(span)}
    events = []
    i = span.start
    while i < span.end:
        atom = by_start.get(i)
        if atom is not None:
            events.append((atom.label_, norms.get(atom.id_), comparator_start(atom), atom.end_char, atom.id_))
            i = atom.end
            continue
        token = span.doc[i]
        if token.like_num:
            value = parse_number(token.text)
            if value is not None:
                events.append(("NUM", value, token.idx, token.idx + len(token.text), token.text))
        i += 1
    return events


def _joined_to_age(span: Span) -> bool:
    """"Age < 18 or > 65 years": a comparator joined by or/and to an age statement just before it."""
    doc = span.doc
    # the joining word may be the comparator's own first word ("or greater than 25 years")
    joint = span.start if doc[span.start].lower_ in ("or", "and") and span.start + 1 < span.end else span.start - 1
    if joint < 0 or doc[joint].lower_ not in ("or", "and", ","):
        return False
    for t in reversed(doc[max(0, joint - 7):joint]):
        if t.text in ".;:":
            return False
        if t.ent_type_ in ("AGE_CUE", "OLD"):
            return True
    return False


def _age_label_before(span: Span) -> bool:
    """"Age: Patients with CF: 5 and over; Healthy volunteers: 18 and over": an "Age:" label earlier in the
    item introduces the groups' ages."""
    doc = span.doc
    return any(t.ent_type_ == "AGE_CUE" and t.i + 1 < span.start and doc[t.i + 1].text == ":"
               for t in doc[:span.start])


def build(span: Span, rule: MatcherRule, context: dict) -> dict | None:
    """The age constraint a match states, as a plain dict with offsets into the doc's text; ``None``
    when the match is not an age after all."""
    if rule.requires == "age_heading" and not any(_HEADING_AGE.search(h) for h in context.get("heading", [])):
        return None
    if rule.requires == "previous_age" and (not _joined_to_age(span) or any(t.like_num and t.is_alpha for t in span)):
        return None  # "... or older and at least one ...": a count, not a second age
    doc = span.doc
    if rule.requires == "age_label" and not _age_label_before(span):
        return None
    cued = bool(_CUED.search(rule.id))
    core = next((t.idx for t in span if t.ent_type_.startswith("CMP") or t.like_num or t.ent_type_ == "BETWEEN"),
                span.start_char)
    if _CONDITIONAL_AGE.search(doc.text[max(0, core - 40):core]) and (
            _CONSENT.search(doc.text) or doc.text[:core].count("(") > doc.text[:core].count(")")):
        # "consent from parent or guardian for patients < 18 years of age", "Lansky 40-100% (in patients under 12
        # years of age)": the age says when another requirement applies, not who is eligible
        return None
    if span[-1].lower_ == "old" and len(span) > 1 and span[-2].lower_ == "or" and span.end < len(doc) and \
            doc[span.end].is_alpha and \
            doc[span.end].lower_ not in _AFTER_OLD:
        return None  # "TB within previous 3 years or old TB": "old" describes the next noun
    if not cued:
        # the two words before the statement proper (after any person noun the rule starts with)
        first = next((t.i for t in span if t.ent_type_.startswith("CMP") or t.like_num or t.ent_type_ == "BETWEEN"),
                     span.start)
        window_start = max(span.start, first - 2) if first > span.start else max(0, first - 2)
        before = {t.lower_ for t in doc[window_start:first]}
        after = {t.lower_ for t in doc[span.end:span.end + 2]}
        if before & _BEFORE_DURATION or after & _AFTER_DURATION:
            return None
        headings = context.get("heading", [])
        if headings and _OTHER_TOPIC.search(headings[-1]) and not _HEADING_AGE.search(headings[-1]):
            return None
        if span.end < len(doc):
            nxt = doc[span.end]
            if not (nxt.is_punct or nxt.lower_ in _AFTER_BARE_NUMBER or nxt.ent_type_ in ("OLD", "PERSON")):
                if span[-1].ent_type_ != "AGE_UNIT" or nxt.is_alpha and nxt.ent_type_ == "":
                    return None

    # "gestational age 20-30 weeks", "bone age", "age at diagnosis >= 16": not the participant's age now
    before_cue = {t.lower_ for t in doc[max(0, span.start - 3):span.start]} | {t.lower_ for t in span}
    if before_cue & _OTHER_AGES:
        return None
    if any(t.ent_type_ == "AGE_UNIT" and t.lower_.startswith(("week", "day", "wk")) for t in span) and \
            {t.lower_ for t in doc[max(0, span.start - 3):span.end + 2]} & _OLD_THINGS:
        return None  # "an injury over 4 weeks old": the age of the injury
    after_text = " ".join(t.lower_ for t in doc[span.end:span.end + 3])
    if _AT_EVENT.match(after_text):
        return None
    for k in range(max(0, span.start - 2), span.start + 1):
        # "onset of disease at age 16 or older", "diagnosed at 40 years or younger"
        if k < len(doc) and doc[k].lower_ == "at" and \
                {t.lower_ for t in doc[max(0, k - 4):k]} & {"onset", "diagnosis", "diagnosed"}:
            return None

    values: list[dict] = []
    pending: str | None = None
    parts: list[dict] = []
    first_part: int | None = None
    last_part: int | None = None
    for kind, payload, start, end, ident in _events(span):
        significant = True
        if kind in ("CMP_PRE", "CMP_AGE_PRE"):
            pending = payload
            parts.append({"role": "comparator", "start": start, "end": end})
        elif kind == "NUM":
            values.append({"value": payload, "text": ident, "start": start, "end": end, "op": pending, "unit": None})
            pending = None
            parts.append({"role": "value", "start": start, "end": end})
        elif kind in ("CMP_POST", "CMP_AGE_POST"):
            if values:
                values[-1]["op"] = payload
            parts.append({"role": "comparator", "start": start, "end": end})
        elif kind == "AGE_UNIT":
            if values and values[-1]["unit"] is None:
                values[-1]["unit"] = (payload, start, end)
            parts.append({"role": "unit", "start": start, "end": end})
        elif kind in ("AGE_CUE", "OLD"):
            parts.append({"role": "variable", "start": start, "end": end})
        elif kind in ("RANGE", "BETWEEN"):
            significant = kind == "RANGE" and bool(values)
        else:  # PERSON, SEX: the subject, not part of the age statement
            significant = False
        if significant:
            first_part = start if first_part is None else first_part
            last_part = end
    if rule.id.endswith(".birth_range") and len(values) == 1:
        # "from birth to < 18 years of age": birth is age 0
        birth = next(t for t in span if t.lower_ == "birth")
        values.insert(0, {"value": 0, "text": birth.text, "start": birth.idx, "end": birth.idx + len(birth.text),
                          "op": None, "unit": values[0]["unit"]})
        first_part = birth.idx
    if rule.id.endswith(_BARE_MINIMUM) and len(values) == 1 and values[0]["op"] is None:
        values[0]["op"] = ">="
    if not values or len(values) > 2 or first_part is None:
        return None

    # A unit stated once serves both numbers: "18 to 65 years".
    for k, v in enumerate(values):
        if v["unit"] is None:
            later = [w["unit"] for w in values[k + 1:] if w["unit"] is not None]
            earlier = [w["unit"] for w in values[:k] if w["unit"] is not None]
            v["unit"] = later[0] if later else (earlier[-1] if earlier else None)

    bounds = interval(values)
    if bounds is None:
        return None
    lower, upper = bounds

    unit_of = lambda v: v["unit"][0] if v["unit"] else "years"  # noqa: E731
    years = {}
    for name, bound in (("lower", lower), ("upper", upper)):
        if bound is not None:
            y = age_in_years(float(bound[0]["value"]), unit_of(bound[0]))
            if not 0 <= y <= _PLAUSIBLE_YEARS:
                return None
            years[name] = y
    if "lower" in years and "upper" in years and years["lower"] > years["upper"]:
        return None

    main = upper[0] if upper is not None else lower[0]
    unit = unit_of(main)
    found: dict = {
        "kind": "age", "rule": rule.id, "start": first_part, "end": last_part,
        "unit": unit, "unit_stated": main["unit"] is not None, "parts": parts,
    }
    for name, bound in (("lower", lower), ("upper", upper)):
        if bound is None:
            continue
        v, inclusive = bound
        entry = {"value": v["value"], "inclusive": inclusive, "text": v["text"], "start": v["start"], "end": v["end"]}
        if unit_of(v) != unit:
            entry["unit"] = unit_of(v)
        found[name] = entry
    return found


# an age whose comparator the text lost, its spaces left: "Age  18 years old", "Males or females  18 years of age"
_LOST_AGE = re.compile(r"\b(?:age[ds]?|patients|adults?|males?|females?|subjects|participants|men|women)\s?  "
                       r"(?P<num>\d{1,3})\s*(?:years?|yrs?|yo)\b", re.IGNORECASE)


def lost_ages(text: str, found: list[dict]) -> list[tuple[int, int]]:
    """Where ``text`` states an age whose comparator was lost (COVID-19 era exports drop "≥" and keep its
    spaces), outside the ages ``found``: no side can be told, so these are warned of, not read.

    >>> lost_ages("Age  18 years old", [])
    [(0, 13)]
    """
    if "  " not in text:
        return []
    return [(m.start(), m.end()) for m in _LOST_AGE.finditer(text)
            if not any(f["kind"] == "age" and f["start"] <= m.start("num") < f["end"] for f in found)]

