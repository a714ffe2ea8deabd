"""Time windows: an event with an amount of time, a direction and an anchor.

"Myocardial infarction within the past 6 months" (6 months before, anchor unspecified), "major surgery within
30 days prior to randomization" (before randomization), "at least 4 weeks since prior chemotherapy" (since),
"Day -28 to Day -1" (before), "planned surgery within the next 3 months" (after). The cues, units and anchors
are data (``patterns/windows.json``); this module is pure functions over an item's normalised text.

>>> [(w.amount, w.unit, w.direction, w.anchor) for w in find_phrases("Surgery within 14 days before enrollment")]
[(14, 'days', 'before', 'enrollment')]
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from . import resources
from .logic import EXCEPTION, exception_spans
from .numbers import parse_number

# "one or more relapses" is one event, and "stools/day", "copies/mL" are rates, not lists
_SPLIT = re.compile(r"\s*,(?!\d{3}\b)\s*(?:and/or\s+|and\s+|or\s+)?|\s+and/or\s+|\s+and\s+or\s+|"
                    r"\s+or\s+(?!(?:more|less|fewer|greater|longer)\b)|\s+and\s+|"
                    r"\s*/\s*(?!(?:day|d|week|wk|month|mo|year|yr|hours?|hr|h|min|dose|cycle|kg|m2|ml|l|dl|ul|µl|mm3)\b)",
                    re.IGNORECASE)
# words that make a clause more than a list of events: "infection requiring hospitalization"
_NO_SPLIT = {"requiring", "required", "who", "which", "that", "with", "due", "because", "including", "such",
             "except", "unless", "if", "when", "where", "resulting", "leading", "of"}
_EXAMPLES_LIST = re.compile(r"\b(?:requir\w*\s+(?:treatment|therapy)\s+with|such\s+as|including)\s+[\w-]+(?:\s+[\w-]+)?\s*$",
                            re.IGNORECASE)
_TREATED_WITH = re.compile(r"\b(?:treated|treatment|therapy|therapies)\s+with\s+(?P<drug>[\w-]+(?:\s+[\w-]+){0,2})\s*$",
                           re.IGNORECASE)
_CLAUSE_VERBS = {"had", "has", "have", "was", "were", "is", "are", "received", "receiving", "underwent", "undergone",
                 "did", "does", "experienced", "developed"}
# what goes before an event in a criterion and is not the event: "Patients who have had", "History of"
_LEAD = re.compile(
    r"(?:(?:patients?|subjects?|participants?|individuals?|persons?|people|women|men|adults?|children|those)"
    r"\s+(?:who\s+|that\s+|with\s+)?(?:(?:have|has|had|are|is|were|was|will|must|should|may|can|cannot|might|did|do|does)\s+)*(?:not\s+)?"
    r"(?:(?:had|been|have|received|receiving|receive|receives|undergone|underwent|experienced|taken|taking|used|using|"
    r"participated|participating|require|required|requiring|be|being)\s+)?(?:in\s+|on\s+)?)?"
    r"(?:(?:no|not|without|free\s+of|absence\s+of|never|any|a|an|the|known|documented|prior|previous|recent|current|active|concurrent|"
    r"history\s+of|hx\s+of|h/o|evidence\s+of|use\s+of|receipt\s+of|treatment\s+with|therapy\s+with|"
    r"exposure\s+to|participation\s+in|presence\s+of|diagnosis\s+of|occurrence\s+of|episode\s+of|"
    r"initiation\s+of|start\s+of|starting|initiating|administration\s+of|participated\s+in|participating\s+in|"
    r"already|currently|concurrent|to\s+(?:discontinue|stop|withhold|hold|avoid|abstain\s+from|refrain\s+from)|"
    r"received|receiving|receive|receives|had|has|have|undergone|underwent|use|used|using|taken|taking|but|and|or|also|"
    r"including|of)(?:\s+|$))*",
    re.IGNORECASE,
)


_TAIL = re.compile(r"(?:\s+(?:for\s+(?:a|the|an?\s+overall|a\s+total)\s+(?:duration|period|time)(?:\s+of)?|taken|used|received|administered|given|performed|done|occurring|must|should|"
                   r"requires?|required|(?:are|is)\s+(?:not\s+)?(?:allowed|permitted|prohibited|excluded)|"
                   r"completed|signed|started|stopped|discontinued|finished|ended|"
                   r"be|been|was|were|is|are|has|have|had|which|that|diagnosed|last|dose|doses|anticipated|of|in|at|for|a|an|the))+$",
                   re.IGNORECASE)


@dataclass(frozen=True)
class Phrase:
    """One window phrase in a text: "within the past 6 months", "at least 4 weeks since"."""

    start: int
    end: int
    amount: float | None
    amount_text: str | None
    max_amount: float | None
    unit: str | None
    direction: str
    anchor: str
    anchor_text: str | None
    rule: str
    # where the event is written when the phrase names it after itself ("since prior chemotherapy")
    event_after: bool = False
    interval: tuple[float | None, float | None] | None = field(default=None, compare=False)

    def plain(self) -> dict:
        """The phrase as plain data: its offsets and its window."""
        return {"start": self.start, "end": self.end, "window": self.as_window()}

    def as_window(self) -> dict:
        w: dict = {"amount": self.amount, "unit": self.unit, "direction": self.direction, "anchor": self.anchor}
        if self.amount_text is not None and parse_number(self.amount_text) is not None \
                and not re.fullmatch(r"[\d.]+", self.amount_text):
            w["amount_text"] = self.amount_text
        if self.max_amount is not None:
            w["max_amount"] = self.max_amount
        if self.anchor_text:
            w["anchor_text"] = self.anchor_text
        w["interval_days"] = interval_days(self)
        return w


@lru_cache(maxsize=1)
def _data() -> dict:
    with resources.patterns_path("windows.json").open(encoding="utf-8") as fh:
        return json.load(fh)


def _alt(phrases) -> str:
    """A regex alternation, longest first, with flexible whitespace."""
    out = []
    for p in sorted(set(phrases), key=len, reverse=True):
        out.append(r"\s+".join(re.escape(w) for w in p.split()))
    return "|".join(out)


@lru_cache(maxsize=1)
def _grammar() -> dict:
    data = _data()
    words = {w: v for w, v in _number_words().items() if isinstance(v, (int, float)) and float(v).is_integer()}
    number = r"\d+(?:\.\d+)?|" + _alt(words) + r"|an?|half(?:\s+an?)?"  # "in the past half year"
    unit_of = {form: unit for unit, forms in data["units"].items() for form in forms}
    short = {f for f in unit_of if len(f) <= 2}
    long_units = _alt(f for f in unit_of if f not in short)
    short_units = _alt(short)
    # one-letter units only in lower case: "1.5 D" is a dioptre, "24h" and "28 d" are times
    unit = rf"(?:{long_units})\b|(?<=\d)(?-i:{short_units})\b|(?<=\d\s)(?-i:{short_units})\b(?![-/])"
    cue_of = {}
    for cue in data["cues"]:
        for phrase in cue["left"]:
            cue_of.setdefault(phrase.lower(), (cue["id"], cue["direction"]))
    left = _alt(cue_of)
    amount = (rf"(?P<n>{number})(?:\s*\(\s*\d+\s*\))?"
              rf"(?:\s*(?:-|to|or|and)\s*(?P<n2>\d+(?:\.\d+)?|{_alt(words)}))?")
    # An amount with its unit is found first; the cue before it is then read backwards from it (one pass of
    # a small regex instead of trying ~150 cues at every character).
    core = re.compile(
        rf"(?<![\w.,])(?:(?P<period>a\s+period\s+of|a\s+minimum\s+of)\s+)?"
        rf"{amount}\s*(?:-\s*)?(?:(?:continuous|consecutive)\s+)?(?P<unit>{unit})(?:\s*\(\s*\d+\s*(?:{long_units})\s*\))?",
        re.IGNORECASE,
    )
    left_tail = re.compile(rf"(?<![\w-])(?P<left>{left})\s*$", re.IGNORECASE)
    bare = re.compile(
        rf"(?<![\w-])(?P<left>within\s+(?:the\s+)?(?:past|last|previous|preceding|prior|next|following|upcoming)|"
        rf"in\s+(?:the\s+)?(?:past|last|previous|preceding|prior|next|upcoming|following)|within|"
        rf"during\s+the\s+(?:past|last|previous|preceding|prior|next)|over\s+the\s+(?:past|last|next))\s+"
        rf"(?P<unit>year|month|week|day)\b",
        re.IGNORECASE,
    )
    paren_for = re.compile(
        rf"[(;,]\s*(?P<n>\d+(?:\.\d+)?|{_alt(words)})\s*(?:-\s*)?(?P<unit>{long_units})\s+for\s+", re.IGNORECASE)
    may_hold = re.compile(
        rf"(?:{long_units})\b|\d\s*-?\s*(?-i:{short_units})\b|{PERIOD_STEMS}|prior|before|"
        r"\b(?:year|month|week|day)\b|wash",
        re.IGNORECASE)
    # may_hold in parts for an ASCII text (may_hold_window): the long units in its lower case, matched
    # case-sensitively (a search that skips to the letters they start with), the short units after a number
    # as written, "on study" where an "on" is, and the other stems as substrings
    low_units = {f.lower() for f in unit_of if f not in short}
    bounded = [w for w in ("year", "month", "week", "day") if w not in low_units]
    may_hold_low = re.compile(rf"(?:{_alt(low_units)})\b" + (rf"|\b(?:{'|'.join(bounded)})\b" if bounded else ""))
    may_hold_short = re.compile(rf"\d\s*-?\s*(?:{short_units})\b")
    right_words = {k: [w.lower() for w in v] for k, v in data["right"].items()}
    anchors = {phrase.lower(): anchor for anchor, phrases in data["anchors"].items() for phrase in phrases}
    return {
        "period_stems": re.compile(PERIOD_STEMS, re.IGNORECASE),
        "opening": re.compile(  # "One year of stable diabetes care", "5 years of suffering from other malignancies"
            rf"(?:^|(?<=\n))[ \t]*(?P<n>\d+(?:\.\d+)?|{_alt(words)})\s*(?:-\s*)?(?P<unit>{long_units})\s+of\s+"
            r"(?!age\b|life\b|follow|treatment\s+free)", re.IGNORECASE),
        "core": core, "left_tail": left_tail, "bare": bare, "paren_for": paren_for, "may_hold": may_hold,
        "may_hold_low": may_hold_low, "may_hold_short": may_hold_short,
        "during": re.compile(r"(?<![\w-])(?:" + _alt(data["during"]) + r")(?![\w-])", re.IGNORECASE), "unit_of": unit_of, "cue_of": cue_of,
        "right": re.compile(
            r"\s*(?P<word>" + _alt(w for ws in right_words.values() for w in ws) + r")\b\s*", re.IGNORECASE),
        "right_kind": {w: k for k, ws in right_words.items() for w in ws},
        "anchor_re": re.compile(r"(?P<a>" + _alt(anchors) + r")(?![\w-])", re.IGNORECASE),
        "anchors": anchors,
        "since_verbs": re.compile(r"\b(?:" + _alt(data["since_verbs"]) + r")\b", re.IGNORECASE),
        "day_notation": re.compile(
            r"\b[Dd]ay\s*-\s*(?P<a>\d+)\s*(?:to|through|-|and)\s*[Dd]ay\s*(?P<neg>-)?\s*(?P<b>\d+)\b"),
    }


@lru_cache(maxsize=1)
def _number_words() -> dict:
    with resources.patterns_path("numbers.json").open(encoding="utf-8") as fh:
        return json.load(fh)["words"]


def _norm(words: str) -> str:
    return re.sub(r"\s+", " ", words.lower())


def _value(text: str) -> float | None:
    if text.lower() in ("a", "an"):
        return 1
    if text.lower().startswith("half"):
        return 0.5
    return parse_number(text)


_PRODUCT_NOUN = (r"(?:drugs?|treatments?|interventions?|medications?|medicines?|therap(?:y|ies)|products?|vaccines?|"
                 r"agents?|regimens?)")
_VISITS = re.compile(r"[ \t]+visits?(?:\(s\))?(?![\w-])(?!\s*\d)", re.IGNORECASE)
_DOSE_WORD = re.compile(r"(?:dose|dosing|administration|infusion|injection)$", re.IGNORECASE)
_OF_PRODUCT = re.compile(rf"\s+of\s+(?:the\s+|any\s+)?(?:(?:study|investigational|trial|protocol)[ \t]+)?"
                         rf"{_PRODUCT_NOUN}(?:[ \t]+(?:treatment|administration|therapy))?(?![\w-])", re.IGNORECASE)
_PRODUCT = re.compile(rf"[ \t]+{_PRODUCT_NOUN}(?:[ \t]+(?:treatment|administration|therapy))?(?![\w-])",
                      re.IGNORECASE)


def window_anchor(text: str, pos: int, kind: str) -> str:
    """The anchor written at ``pos`` read as the anchor of a window of direction ``kind`` ("study
    participation" after "before" is the study's start)."""
    return _anchor_after(text, pos, kind, _grammar())[0]


def _anchor_after(text: str, pos: int, kind: str, g: dict) -> tuple[str, str | None, int]:
    """(anchor, anchor text, end) for the anchor written at ``pos`` after "prior to", "after", ...."""
    m = g["anchor_re"].match(text, pos)
    if m is None:
        # "their last dose", "the baseline": an article the catalogue does not spell out
        art = _ARTICLE.match(text, pos)
        m = g["anchor_re"].match(text, art.end()) if art else None
    if m:
        anchor = g["anchors"][re.sub(r"\s+", " ", m.group("a").lower())]
        # "for 12 months following treatment" is after its end; "after the first dose", "after study
        # entry" keep the anchor they name
        named_start = re.search(r"first|start|initiat|begin|entry|enrol|random|screen|baseline|day\s*1|cycle",
                                m.group("a"), re.I)
        if kind == "after" and anchor in ("treatment_start", "study_entry") and not named_start:
            if re.search(r"\b(?:treatment|therapy|infusion|drug|medication|dos)", m.group("a"), re.I):
                anchor = "last_dose"
            elif anchor == "study_entry":
                anchor = "study_end"
        if kind != "after" and anchor in ("last_dose", "study_end") and \
                not re.search(r"last|final|end|complet|discontinu|stop|exit|leav", m.group("a"), re.I):
            anchor = {"last_dose": "treatment_start", "study_end": "study_entry"}[anchor]
        end = m.end()
        # "the first dose of study intervention", "the last administration of the investigational product":
        # the product named after a dose is part of the anchor, not an event
        if anchor in ("treatment_start", "last_dose") and _DOSE_WORD.search(m.group("a")):
            more = _OF_PRODUCT.match(text, end)
            end = more.end() if more else end
        # "the start of the study drug treatment", "the end of the study treatment": the study's product, not
        # the study, is the anchor
        elif anchor in ("study_entry", "study_end") and re.search(r"(?:study|trial)$", m.group("a"), re.I):
            more = _PRODUCT.match(text, end)
            visit = _VISITS.match(text, end)
            if visit:
                # "prior to study visit(s)": which visit is not said
                return "unspecified", text[pos:visit.end()], visit.end()
            if more:
                ended = re.search(r"last|final|end|complet|discontinu|stop", m.group("a"), re.I)
                anchor, end = ("last_dose" if ended else "treatment_start"), more.end()
        return anchor, text[pos:end] if end != m.end() else m.group("a"), end
    # "starting ibrutinib", "the start of Cycle 1 Day 1", "initiating therapy": the start of treatment
    m = _STARTING.match(text, pos)
    if m and kind != "after":
        inner = g["anchor_re"].match(text, m.end())
        if inner and g["anchors"][re.sub(r"\s+", " ", inner.group("a").lower())] not in ("treatment_start", "last_dose",
                                                                                         "study_end"):
            return _anchor_after(text, m.end(), kind, g)
        words = re.match(r"[\w-]+(?:[ \t]+[\w-]+){0,3}", text[m.end():m.end() + 50])
        end = m.end() + (words.end() if words else 0)
        return "treatment_start", text[pos:end], end
    # "within 7 days of the extension study Baseline Visit": a visit named after a few words of its own
    m = _QUALIFIED_VISIT.match(text, pos)
    if m:
        words = list(re.finditer(r"[\w'-]+[ \t]+", text[m.start("words"):m.end()]))
        for w in words:  # the fewest words before a visit the catalogue knows
            inner = g["anchor_re"].match(text, m.start("words") + w.end())
            name = inner and g["anchors"][re.sub(r"\s+", " ", inner.group("a").lower())]
            if name in ("baseline", "randomization", "enrollment") or (
                    name == "screening" and re.search(r"visit|v\d", inner.group("a"), re.I)):
                anchor = g["anchors"][re.sub(r"\s+", " ", inner.group("a").lower())]
                return anchor, text[pos:inner.end()], inner.end()
    # "prior to the first contrast agent injection": the first administration of what the trial gives
    m = _FIRST_ADMINISTRATION.match(text, pos)
    if m:
        return ("treatment_start" if kind != "after" or not re.search(r"\blast\b", m.group(), re.I) else "last_dose"), \
            m.group(), m.end()
    # "prior to the scheduled BNCT", "after proposed transplantation": the trial's own procedure
    m = _SCHEDULED.match(text, pos)
    if m:
        anchor, _, end = _anchor_after(text, m.end("mod"), kind, g)  # "the planned start of study treatment"
        if anchor != "unspecified":
            return anchor, text[pos:end], end
        if not _NOT_TREATMENT.search(m.group()):
            return "treatment_start", m.group(), m.end()
    # an anchor the catalogue does not know: keep its words, call it unspecified
    m = _ANCHOR_WORDS.match(text, pos, min(len(text), pos + 60))
    if m and kind in ("before", "after"):
        return "unspecified", m.group(), m.end()
    return "unspecified", None, pos


_FIRST_ADMINISTRATION = re.compile(r"(?:the\s+)?first\s+(?:(?!(?:of|to|and|or|in)\b)[\w-]+[ \t]+){1,3}"
                                   r"(?:dose|dosing|injection|infusion|administration|vaccination)\b", re.IGNORECASE)
_QUALIFIED_VISIT = re.compile(r"(?:the|this|their|each)\s+(?P<words>(?:(?!(?:of|to|with|and|or|for|in|at|on|by|from|"
                              r"prior|before|after)\b)[\w'-]+[ \t]+){1,3})", re.IGNORECASE)
_SCHEDULED = re.compile(r"(?P<mod>(?:the\s+)?(?:scheduled|planned|proposed|intended)\s+)"
                        r"(?!(?:and|or|to|for|in|of|at|by|with|visit)\b)[\w-]+"
                        r"(?:[ \t]+(?!(?:and|or|to|for|in|at|by|with|if|unless|as|is|are|was|will)\b)[\w-]+){0,2}",
                        re.IGNORECASE)
_NOT_TREATMENT = re.compile(r"\b(?:study|visit|assessment|sampl\w*|test\w*|evaluation|exam\w*|scan|pharmacokinetic|"
                            r"PK|measurement|blood|draw)\b", re.IGNORECASE)
_ARTICLE = re.compile(r"(?:the|their|his|her|its|each|a)\s+", re.IGNORECASE)
_APART = re.compile(r"\s+apart\b", re.IGNORECASE)  # "two values more than 1 month apart": a spacing (since)
_MENOPAUSAL = re.compile(r"\s*(?:of\s+)?(?:post|peri)?[\s-]*menopaus", re.IGNORECASE)


# Every "during the study" phrase of patterns/windows.json and patterns/contraception.json holds one of
# these (tests/test_data_integrity.py checks it), so a text without one has no such period.
PERIOD_STEMS = r"during|throughout|while|duration|\bon\s+(?:study|treatment|trial)"
# the plain words of PERIOD_STEMS and may_hold's other cues, and its one phrase
_MAY_HOLD_STEMS = ("during", "throughout", "while", "duration", "prior", "before", "wash")
_ON_STUDY = re.compile(r"\bon\s+(?:study|treatment|trial)")


def may_hold_window(text: str) -> bool:
    """Whether ``text`` can hold a window at all: one of the catalogue's time units, a period of the study
    or an anchor cue. The finders read nothing else, so a text without one has no window to find."""
    g = _grammar()
    if not text.isascii():
        return g["may_hold"].search(text) is not None
    # an ASCII text: its lower case matched case-sensitively says what the case-blind pattern says
    low = text.lower()
    for stem in _MAY_HOLD_STEMS:
        if stem in low:
            return True
    return g["may_hold_short"].search(text) is not None or g["may_hold_low"].search(low) is not None or \
        ("on" in low and _ON_STUDY.search(low) is not None)


def find_phrases(text: str, skip: list[tuple[int, int]] = ()) -> list[Phrase]:
    """Every window phrase in ``text``, left to right; phrases whose amount lies in a ``skip`` span (an age,
    a threshold) are not windows."""
    g = _grammar()
    out: list[Phrase] = []

    def skipped(s: int, e: int) -> bool:
        return any(s < b and a < e for a, b in skip)

    low = text.lower()
    # each scan below needs a word the text may not hold at all: a cheap look first
    for m in (g["day_notation"].finditer(text) if "day" in low else ()):
        a, b = int(m.group("a")), int(m.group("b")) * (-1 if m.group("neg") else 1)
        out.append(Phrase(m.start(), m.end(), a, m.group("a"), None, "days", "before", "unspecified", None,
                          "win.day_notation", interval=(-a, b)))
    for m in _amounts(text, g):
        if skipped(m.start("n"), m.end("unit")) or any(p.start <= m.start("n") < p.end for p in out):
            continue
        if _MENOPAUSAL.match(text, m.end("unit")):
            continue  # "< 1 year post-menopausal", "12 months postmenopausal": a state that says who, not a window
        apart = _APART.match(text, m.end("unit"))
        phrase = _phrase(text, m, g)
        if phrase is not None and apart:
            # "two blood samples drawn at least 3 months apart": the least time between the tests (since)
            phrase = replace(phrase, end=max(phrase.end, apart.end()), direction="since",
                                         anchor="unspecified", anchor_text=None, rule="win.apart")
        if phrase is not None:
            out.append(phrase)
    for m in (g["during"].finditer(text) if g["period_stems"].search(text) else ()):
        # "Use of systemic corticosteroids during the study": the event's window is the study itself
        if skipped(m.start(), m.end()) or any(p.start < m.end() and m.start() < p.end for p in out):
            continue
        if _FUTURE.search(text[max(0, m.start() - 80):m.start()]):
            continue  # "plans to receive during the study" is an intention, not an exposure window
        out.append(Phrase(m.start(), m.end(), None, None, None, None, "during", "unspecified", None, "win.during"))
    for m in (g["paren_for"].finditer(text) if any(p.direction in ("since", "before") for p in out) else ()):
        # "(6 weeks for nitrosoureas or mitomycin C)" after "at least 4 weeks since prior chemotherapy"; after
        # "within 21 days prior to receipt of study medication" it is a recency with the same anchor
        if skipped(m.start(), m.end()) or any(p.start < m.end() and m.start() < p.end for p in out):
            continue
        main = next((p for p in reversed(out) if p.end <= m.start() and p.direction in ("since", "before")), None)
        if main is None or (main.direction == "before" and not re.fullmatch(
                r"[^()]*" if main.rule == "win.paren_for" else r"\s*\([^()]*", text[main.end:m.start("n")])):
            continue
        unit = g["unit_of"][m.group("unit").lower()]
        anchor, anchor_text = ("unspecified", None) if main.direction == "since" else (main.anchor, main.anchor_text)
        out.append(Phrase(m.start("n"), m.end(), _value(m.group("n")), m.group("n"), None, unit, main.direction,
                          anchor, anchor_text, "win.paren_for", event_after=True))
    for m in g["opening"].finditer(text):
        # an item that opens with its duration: the event after it has lasted that long (since)
        unit = g["unit_of"][m.group("unit").lower()]
        if skipped(m.start(), m.end()) or any(p.start < m.end() and m.start() < p.end for p in out) or \
                unit in ("minutes", "hours"):
            continue  # "30 minutes of morning stiffness": how long a symptom lasts
        out.append(Phrase(m.start("n"), m.end(), _value(m.group("n")), m.group("n"), None,
                          unit, "since", "unspecified", None, "win.opening",
                          event_after=True))
    for m in (g["bare"].finditer(text) if _BARE_UNIT.search(low) else ()):
        if any(p.start < m.end() and m.start() < p.end for p in out) or skipped(m.start(), m.end()):
            continue
        unit = g["unit_of"][m.group("unit").lower()]
        direction = "after" if re.search(r"next|following|upcoming", m.group("left"), re.I) else "before"
        end, anchor, anchor_text = m.end(), "unspecified", None
        r = g["right"].match(text, end)
        if r and g["right_kind"][_norm(r.group("word"))] in ("before", "after"):
            anchor, anchor_text, a_end = _anchor_after(text, r.end(), g["right_kind"][_norm(r.group("word"))], g)
            if anchor_text:
                end = a_end
        out.append(Phrase(m.start(), end, 1, None, None, unit, direction, anchor, anchor_text, "win.bare_unit"))
    out.sort(key=lambda p: p.start)
    for k in range(len(out) - 1):
        # "CT within 45 days and bone scan within 60 days of signing informed consent": one anchor for both
        p, q = out[k], out[k + 1]
        gap = text[p.end:q.start]
        if p.direction == q.direction == "before" and p.anchor == "unspecified" and q.anchor != "unspecified" \
                and p.rule != "win.day_notation" and len(gap) <= 40 and _JOINED.search(gap) \
                and not re.search(r"[;:.]", gap) and not _RIGHT_WORD.search(text, p.start, p.end) \
                and not _RIGHT_WORD.match(gap.lstrip()):
            out[k] = replace(p, anchor=q.anchor)
    return out


# a phrase that names no anchor of its own, joined to the next one
_JOINED = re.compile(r"\b(?:and|or)\b|,")
_RIGHT_WORD = re.compile(r"\b(?:prior|before|after|following|of|from|preceding|since|ago|earlier|until|post)\b", re.I)


class _Amount:
    """An amount with its unit and the cue read before it: the groups of one window phrase."""

    __slots__ = ("core", "left", "left_start", "period")

    def __init__(self, core: re.Match, left: re.Match | None, period: bool) -> None:
        self.core, self.left, self.period = core, left, period
        self.left_start = left.start("left") if left else None

    def group(self, name: str):
        if name == "left":
            return self.left.group("left") if self.left else (self.core.group("period") if self.period is None
                                                                else None)
        if name == "period":
            return self.core.group("period") if self.period else None
        return self.core.group(name)

    def start(self, name: str | None = None) -> int:
        if name is None:
            return self.left_start if self.left_start is not None else self.core.start()
        return self.core.start(name)

    def end(self, name: str | None = None) -> int:
        return self.core.end() if name is None else self.core.end(name)


def _amounts(text: str, g: dict):
    """The amounts of ``text`` left to right, each with the cue written before it, if any."""
    floor = 0
    for core in g["core"].finditer(text):
        head = core.start()
        lo = max(floor, head - 60)
        left = g["left_tail"].search(text, lo, head)
        period = bool(core.group("period"))
        if period:
            # "for a minimum of 4 weeks": a cue may take in the period's words; the earlier start wins, and
            # at the same start the longer cue, as one regex over cue and amount would choose
            whole = g["left_tail"].search(text, lo, core.start("n"))
            if whole is not None and (left is None or whole.start("left") <= left.start("left")):
                left = whole
                period = False if whole.end("left") > head else period
            if left is None and re.sub(r"\s+", " ", core.group("period").lower()) in g["cue_of"]:
                # "a minimum of 3 days": the words are a cue of their own
                period = None
        yield _Amount(core, left, period)
        floor = core.end()


def _phrase(text: str, m: re.Match, g: dict) -> Phrase | None:
    unit = g["unit_of"][re.sub(r"\s+", " ", m.group("unit").lower())]
    amount = _value(m.group("n"))
    if amount is None:
        return None
    if m.group("n").lower() in ("a", "an") and not m.group("left"):
        return None
    max_amount = _value(m.group("n2")) if m.group("n2") else None
    left = re.sub(r"\s+", " ", m.group("left").lower()) if m.group("left") else None
    rule, direction = g["cue_of"][left] if left else ("win.bare", None)
    if m.group("period") and direction is None:
        rule, direction = "win.period", "since"
    end = m.end()
    anchor, anchor_text = "unspecified", None
    event_after = False
    r = g["right"].match(text, end)
    if r is None and text.startswith(".", end) and m.group("unit").lower() in _ABBREVIATED_UNITS:
        r = g["right"].match(text, end + 1)  # "within 3 mos. of SV"
    if r is None:
        # "within 30 days or 5 half-lives, whichever is longer, prior to screening"
        h = _HALF_LIVES.match(text, end)
        r = g["right"].match(text, h.end()) if h.end() > end else None
    right_kind = g["right_kind"][_norm(r.group("word"))] if r else None
    if right_kind == "before" and _norm(r.group("word")) in ("of", "from", "until") and left is None:
        right_kind = None  # "3 months of age", "6 weeks from diagnosis" are not windows by themselves
    if right_kind in ("before", "after"):
        word = _norm(r.group("word"))
        if word == "from" and direction in (None, "since"):
            right_kind = "before"
        anchor, anchor_text, a_end = _anchor_after(text, r.end(), right_kind, g)
        if word in ("of", "from") and anchor == "unspecified":
            anchor_text = None  # "within 6 months of diagnosis": the anchor is the event's own date
        if anchor_text:
            end = a_end
        if direction is None:
            before = text[max(0, m.start() - 60):m.start()]
            if right_kind == "after":
                direction = "after"
            elif g["since_verbs"].search(before):
                direction = "since"
            else:
                direction = "before"
            rule = "win.prior_to" if right_kind == "before" else "win.after"
        elif direction == "after" or (left is not None and left.split()[0] == "for" and right_kind == "after"):
            # "for at least 8 months after the last infusion": a duration after the anchor
            direction = "after"
        elif word in ("of", "after", "from") and anchor == "unspecified" and direction in ("before", None) and \
                (verb_said := _ANCHOR_VERB_BEFORE.search(text, max(0, m.start() - 40), m.start())):
            # "Patients must be enrolled within 72 hours of ICU admission": the admission is the event, the
            # enrollment its anchor
            verb = verb_said.group("verb").lower()
            anchor = "randomization" if verb.startswith("randomi") else "screening" if verb == "screened" else "enrollment"
            anchor_text, end, event_after, direction = None, r.end("word"), True, "before"
            rule = rule if rule != "win.bare" else "win.prior_to"
        elif right_kind == "after" and direction == "before" and anchor == "unspecified" and \
                _ONSET.match(text, r.end()):
            # "no more than 96 hours after onset of symptoms", "within 7 days after discharge": how recent the
            # onset is, the event named after "after"
            anchor_text, end, event_after = None, r.end("word"), True
        elif right_kind == "after" and direction == "before":
            # "within 30 days after the last dose": within N after an anchor
            direction = "after"
        elif right_kind == "after" and direction == "since" and anchor == "unspecified" and \
                _OPENS_ITEM.fullmatch(text, text.rfind("\n", 0, m.start()) + 1, m.start()):
            # "At least two weeks after the chemotherapy" opening an item: the event is the one named after
            anchor_text, end, event_after = None, r.end("word"), True
    elif right_kind == "since":
        direction = "since"
        event_after = True
        end = r.end("word")
        rule = "win.since" if rule == "win.bare" else rule
    elif right_kind == "washout":
        # "a one week wash-out period": the event must have stopped at least that long ago
        direction, end = "since", r.end("word")
        rule = "win.washout"
    elif right_kind == "ago":
        end = r.end("word")
        direction = direction if direction == "since" else "before"
        rule = "win.ago" if rule == "win.bare" else rule
    if direction is None and right_kind is None and left is None and _IN_LAST.search(text, max(0, m.start() - 4), m.start()) \
            and _CLAUSE_END.match(text, end) and not re.search(r"\d", text[max(0, m.start() - 30):m.start()]):
        # "... stroke or transient ischemic attack in 6 months.": in the last N, at the end of a statement (a
        # count before it makes a rate: "> 2 UTI in 6 months")
        direction, rule = "before", "win.in"
    if direction is None:
        return None
    if left == "for" and right_kind is None:
        direction = "since"
    return Phrase(m.start(), end, amount, m.group("n"), max_amount, unit, direction, anchor, anchor_text, rule,
                  event_after=event_after)


_ANCHOR_VERB_BEFORE = re.compile(r"(?:^\W*|\b(?:be|been|are|is|were|was|get|gets)\s+)(?P<verb>enrolled|randomi[sz]ed|registered|"
                                 r"screened|included)\s*$", re.IGNORECASE)
_ONSET = re.compile(r"(?:the\s+)?(?:(?:first\s+|initial\s+)?(?:onset|start|appearance|beginning)\s+of\s+(?:the\s+)?"
                    r"(?:first\s+)?(?:\w+\s+){0,2}(?:symptoms?|illness|disease|signs?|fever|pain|infection)|"
                    r"symptoms?\s+onset|(?:hospital\s+)?discharge|(?:the\s+)?diagnosis|(?:the\s+)?first\s+symptoms?)\b",
                    re.IGNORECASE)
_OPENS_ITEM = re.compile(r"[\s*\-•·\d.)(]*")
_ABBREVIATED_UNITS = {"mos", "mo", "mths", "mth", "yrs", "yr", "wks", "wk", "hrs", "hr", "mins", "min", "y", "d"}
_IN_LAST = re.compile(r"(?<![\w-])in\s+$", re.IGNORECASE)
_CLAUSE_END = re.compile(r"\s*(?:[.;]|\n|$)")
_HALF_LIVES = re.compile(
    r"(?:\s*[(,]?\s*(?:or|and/or)\s+(?:\d+|two|three|four|five|six|seven|ten)\s*-?\s*(?:\(\d+\)\s*)?"
    r"(?:(?:plasma|elimination|terminal)\s+)?half[- ]?li(?:ves|fes|fe)\b(?:\s+of\s+(?:the\s+)?(?:drug|agent|product))?)?"
    r"(?:\s*[(,]?\s*whichever\s+is\s+(?:longer|shorter|greater|later|earlier|more)\s*\)?,?)?",
    re.IGNORECASE)


def interval_days(p: Phrase) -> dict:
    """The window as days relative to its anchor (negative = before it).

    >>> interval_days(find_phrases("within 2 weeks before randomization")[0])
    {'start': -14.0, 'end': 0.0}
    """
    if p.interval is not None:
        return {"start": float(p.interval[0]), "end": float(p.interval[1])}
    if p.amount is None or p.unit is None:
        return {"start": 0.0 if p.direction == "during" else None, "end": None}
    per = _data()["days_per_unit"][p.unit]
    days = float(round(p.amount * per, 2))
    far = float(round(p.max_amount * per, 2)) if p.max_amount is not None else None
    if p.direction == "before":
        return {"start": -(far if far is not None else days), "end": -days if far is not None else 0.0}
    if p.direction == "after":
        return {"start": days if far is not None else 0.0, "end": far if far is not None else days}
    if p.direction == "since":
        return {"start": None, "end": -days}
    return {"start": 0.0, "end": days}  # a period of the study with its length: "throughout the study (3 years)"


def event_type(text: str) -> str:
    """The type of a window's event from its words: "major surgery" → procedure; the first typed word
    decides ("serious infection requiring hospitalization" is a condition), a trial decides first.

    >>> event_type("serious infection requiring hospitalization"), event_type("another interventional trial")
    ('condition', 'trial_participation')
    """
    types = _data()["event_types"]
    words = re.findall(r"[\w-]+", text.lower())
    if set(words) & set(types["trial_participation"]):
        return "trial_participation"
    for w in words:
        for kind in ("test", "measurement", "procedure", "drug", "condition"):
            if w in types[kind]:
                return kind
    return "other"


# a rate or a duration of something else, not a window: "20 h per week", "procedure time less than 1 hour"
_NOT_A_WINDOW = re.compile(r"^\s*(?:/|per\b|a\s+(?:week|day|month)\b|each\b|daily\b|weekly\b)", re.IGNORECASE)
# ("diabetes duration > 5 years" is the diabetes's window; a procedure's or a stay's duration is no event)
_NOT_AN_EVENT = re.compile(r"(?:^|\b(?:procedure|surgery|operation|infusion|treatment|therapy|an(?:a)?esthesia|stay|"
                           r"trial|study|session|visit|test|exercise|flight|travel|expected|the|total|of|a|an|its|their|his|her|this|"
                           r"that|each|any|mean|average|minimum|maximum|short|long|shorter|longer|sleep|"
                           r"minimal|maximal|overall|planned|anticipated|estimated|required|usual)[\s-]+)duration$|"
                           r"\b(?:time|lifespan|life\s+span|life\s+expectancy|survival|wait|return|"
                           r"employed|work(?:ing)?|sleep(?:ing)?|fasting|half-life)$", re.IGNORECASE)
# a commitment to the study's follow-up is no event to screen on: "Available for follow-up for at least 6
# months", "willing to be followed for 6 months" (a follow-up that a patient has had is: "follow-up at least 12 months")
_COMMITMENT = re.compile(r"\b(?:available|availability|willing|willingness|able|agrees?|commit\w*|continue|return)\b"
                         r"[^.;]*\b(?:follow-?up|followup|followed)\b|"
                         # "will do their best to attend the treatment facility daily for 10 days"
                         r"\battend\w*\b[^.;]*\b(?:daily|every\s+day|visits?|sessions?|appointments?)\b",
                         re.IGNORECASE)
# who judges or how, between commas, is no event: "expected to be in place, as judged by the Investigator, for a
# minimum of 3 days"
_ASIDE = re.compile(r"(?:as\s+(?:judged|determined|assessed|defined|documented|confirmed|evaluated)|"
                    r"in\s+the\s+(?:opinion|judge?ment)|according\s+to|per\s+(?:the\s+)?investigator)\b", re.IGNORECASE)
# how long a procedure lasts is not a window on it: "ankle surgery procedures, lasting between 1 and 3 hours"
_LASTING = re.compile(r"\b(?:lasting|lasts?|duration|length|long)\b[^\w]*(?:\w+\s+){0,2}$", re.IGNORECASE)
# where an event written after its window ends: "since prior radiotherapy and recovered", "... drugs No other"
_EVENT_STOP = re.compile(r"\s+and\s+(?:have\s+|has\s+|fully\s+)?recovered\b|\s(?:No|Not|Recovered|Concurrent|At)\s")
_FUTURE = re.compile(r"\b(?:plans?|planned|planning|intends?|intention|likely|expected|anticipated|unless|"
                     r"become\s+pregnant|may\s+require|will\s+require)\b", re.IGNORECASE)
_PLANNED = re.compile(r"(?:planned|planning|plans?|scheduled|expected|anticipated|intends?|intending)\b", re.I)
# the words of an anchor the catalogue does not know: up to four, never a number or a word that starts
# something else ("4 weeks prior and radiotherapy 2 weeks prior", "before any study procedures are performed")
_ANCHOR_STOP = (r"(?!(?:and|or|but|are|is|be|were|was|has|have|prior|before|after|within|unless|except|"
                r"any|no|not)\b)")
_ANCHOR_WORDS = re.compile(rf"(?:the\s+)?{_ANCHOR_STOP}[A-Za-z][\w-]*(?:[ \t]+{_ANCHOR_STOP}[A-Za-z][\w-]*){{0,3}}")
_STARTING = re.compile(r"(?:the\s+)?(?:start(?:ing)?|beginning|initiat(?:ing|ion)|commenc(?:ing|ement)|receiving)\s+"
                       r"(?:of\s+)?(?:the\s+)?", re.IGNORECASE)
# an event is something: words that only say who or how do not make one ("are", "Enrolled", "be screened")
_EMPTY_EVENT = re.compile(
    r"(?:(?:are|is|be|been|being|was|were|has|have|had|current|currently|enrolled|registered|excluded|included|"
    r"screened|eligible|randomi[sz]ed|more|less|greater|fewer|longer|than|equal|\d+|"
    r"of|the|a|an|any|all|who|that|which|must|should|will|can|may|"
    r"subjects?|patients?|participants?|women|men|males?|females?|boys|girls|children|adults?|volunteers?|"
    r"individuals?|persons?|people|or|and|to|in|on|at|for|with|by|from)\b[\s,.;:()-]*)+",
    re.IGNORECASE)
# a new statement in run-on text ("... infection No active alcohol abuse"), where an event cannot reach back
_STATEMENT = re.compile(r"(?<=[a-z0-9)])\s+(?=(?:No|Not|At\s+least|Prior|Concurrent|Recovered|Other|Must|See|"
                        r"Negative|Fertile|Patients|Willing)\b)")
_BARE_UNIT = re.compile(r"\b(?:year|month|week|day)\b")
# "death is imminent within the next 24 hours", "likely to result in death within 3 months": a prognosis (a
# life expectancy), not an event with a window
_PROGNOSIS = re.compile(r"\b(?:death|die|dying|surviv\w*|life\s+expectancy|prognosis|"
                        # a place ("living within two hours", "residence < 45 minutes away"; "living" as the event's last word) or a gestational age
                        r"living(?=[\s,]*$)|distance|commut\w*|drive|driving|travel\w*|"
                        r"gestation\w*|full-term|pre-?term)\b", re.IGNORECASE)
# "Age >= 80 years": an age the age rules did not read is still not a window
_AGE_BEFORE = re.compile(r"\bage[sd]?\b[^\w]*(?:[<>=]+\s*)?$", re.IGNORECASE)
# "over 60 years of age", "21 years old or older": an age after the amount
_AGE_AFTER = re.compile(r"\s*(?:of\s+age|old|of\s+older|or\s+older|or\s+younger)\b", re.IGNORECASE)
_ABBREV = {"e.g", "i.e", "etc", "vs", "approx", "incl", "eg", "ie", "dr", "no", "st"}


_EXAMPLES_AFTER = re.compile(r",?\s+\(?(?:e\.\s?g\.?|i\.\s?e\.?|eg,|ie,|such\s+as|including)[\s,:]", re.IGNORECASE)
_STOP_AFTER = re.compile(r"[;:\n()]|(?<![\w.])(?:[a-z]\.){1,2}[a-z]?\.?|[\w]*\.(?!\w)", re.IGNORECASE)


def _event_after_stop(text: str, start: int, end: int, stops: str = ";:\n()") -> int:
    """Where an event written after its window ends: at ";", ":", a line break, a bracket or a full stop, not at
    the stops of "e.g." or "etc." or a decimal point."""
    examples = _EXAMPLES_AFTER.search(text, start, end)  # "acute macrovascular event e.g. acute coronary syndrome"
    end = examples.start() if examples else end
    for m in _STOP_AFTER.finditer(text, start, end):
        tok = m.group()
        if tok in stops:
            return m.start()
        if tok in ";:\n()":
            continue
        if tok.endswith(".") and tok.lower().rstrip(".") not in _ABBREV and not re.fullmatch(r"(?:[a-z]\.){2,}", tok, re.I):
            return m.end() - 1
    return end


def _clause_start(text: str, pos: int, floor: int) -> int:
    """Where the clause holding ``pos`` starts: after a ";", ":", a line break or a sentence's full stop
    (not the one of "e.g." or "etc.")."""
    cut = max(text.rfind(ch, floor, pos) for ch in ";:\n")
    start = max(floor, cut + 1)
    for m in _STATEMENT.finditer(text, start, pos):
        start = max(start, m.end())
    base = start
    for m in re.finditer(r"([\w.]*)\.\s+(?=[A-Z(])", text[base:pos]):
        word = m.group(1)
        if not word and base + m.start() > 0:
            # the stop right at the floor: its word is before it ("(336 hours). Patients", "counts = or < 500. Potential")
            word = re.search(r"[\w.)\]\"']*$", text[max(0, base + m.start() - 20):base + m.start()]).group()
        if word.lower().rstrip(".") not in _ABBREV and (len(word) > 1 or word[-1:] in ")]\"'"):
            start = max(start, base + m.end())
    return start


def _mask_parens(text: str) -> str:
    """``text`` with closed parenthesised asides blanked (same length): "Surgery or trauma (e.g. contusions,
    abrasions)" lists two events, not four."""
    out = list(text)
    depth, opened = 0, -1
    for i, ch in enumerate(text):
        if ch == "(":
            if depth == 0:
                opened = i
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
            if depth == 0:
                for k in range(opened, i + 1):
                    out[k] = " "
    return "".join(out)


# the most events one window is shared by: a list of short names ("thalidomide, cyclosporine, mycophenolate
# mofetil, 6-mercaptopurine, azathioprine, cyclophosphamide, chlorambucil, or any other immunosuppressants
# within 12 weeks") runs to ten
_MAX_LIST = 10


# "unless completed more than", "unless stopped at least": an exception that says how long ago the event ended
_COMPLETED_SINCE = re.compile(
    r"\bunless\s+(?:(?:it|they|this|treatment|therapy)\s+(?:was|were|is|has\s+been|have\s+been)\s+)?"
    r"(?:completed|stopped|discontinued|finished|ended|terminated)\s*$", re.IGNORECASE)


def _completed_since(text: str, p: Phrase, excepted: list[tuple[int, int]]) -> bool:
    """Whether since-phrase ``p`` closes an exception "unless completed/stopped ..." that starts in one of the
    ``excepted`` spans."""
    cue = _COMPLETED_SINCE.search(text, 0, p.start) if p.direction == "since" else None
    return cue is not None and any(a <= cue.start() < b for a, b in excepted)


def split_events(text: str, start: int, *, from_start: bool = False) -> list[tuple[int, int]]:
    """The events of a list ("surgery, radiation, chemotherapy"), as (start, end) offsets.

    The list is read from its end, back to the first part that is more than a short noun phrase: "is
    unlikely to comply with the protocol, has had drug or alcohol dependence" lists two events. A part with
    a word that governs what follows ("infection requiring hospitalization and IV antibiotics") makes the
    rest one event. Events written after their window ("since prior radiotherapy and no more than 3 prior
    regimens") are read ``from_start``, up to the first part that is more than a short noun phrase.

    >>> t = "Prior surgery, radiation, chemotherapy"
    >>> [t[s:e] for s, e in split_events(t, 0)]
    ['Prior surgery', 'radiation', 'chemotherapy']
    """
    parts = []
    pos = 0
    for m in _SPLIT.finditer(text):
        parts.append((pos, m.start()))
        pos = m.end()
    parts.append((pos, len(text)))
    parts, head_of = _shared_heads(text, [(s, e) for s, e in parts
                                          if text[s:e].strip() and not _ASIDE.match(text[s:e].lstrip())])
    if not parts:
        return [(start, start + len(text))]
    if from_start:
        first: list[tuple[int, int]] = []
        for s, e in parts:
            words = text[head_of.get(s, s):e].split()
            if len(words) > 5 or {w.lower() for w in words} & _NO_SPLIT or len(first) >= _MAX_LIST:
                break
            first.append((s, e))
        return [(start + s, start + e) for s, e in (first or parts[:1])]
    taken: list[tuple[int, int]] = []
    for k in range(len(parts) - 1, -1, -1):
        s, e = parts[k]
        words = text[head_of.get(s, s):e].split()
        if {w.lower() for w in words} & _NO_SPLIT == {"with"} and taken and len(words) <= 5 \
                and event_type(text[s:e]) == "procedure" and all(event_type(text[a:b]) == "procedure" for a, b in taken):
            # "PCI with stent or CABG": a procedure after another is an alternative, not what it is done with
            taken.insert(0, (s, e))
            continue
        if len(taken) >= 6 and {w.lower() for w in words} & _NO_SPLIT:
            break  # a long list of names ends where a governing word is ("agents such as IVIG, ...")
        if {w.lower() for w in words} & _NO_SPLIT:
            # "infection requiring hospitalization" governs the rest: one event from here on; a part that
            # opens with the modifier ("serious infection, i.e., requiring ...") belongs to the noun before it.
            # Further back in a long list, such a part is a clause of its own: the list stops there.
            # ("infection requiring treatment with antibiotics, antivirals, antifungals", "psychotherapy such as
            # CBT, ..., and psychoanalysis": the list after it is the examples' list, all one event)
            if k < len(parts) - 2 and words[0].lower() not in _NO_SPLIT and not _EXAMPLES_LIST.search(text, s, e):
                treated = _TREATED_WITH.search(text, s, e)
                if treated and taken:
                    taken.insert(0, (treated.start("drug"), e))  # "treated with valproate, lamotrigine, or ..."
                break
            j = k
            while words[0].lower() in _NO_SPLIT and j > 0:
                j -= 1
                while j > 0 and text[parts[j][0]:parts[j][1]].strip().lower().rstrip(".") in ("i.e", "e.g", "ie", "eg"):
                    j -= 1
                words = text[parts[j][0]:parts[j][1]].split() or ["-"]
            return [(start + parts[j][0], start + len(text))]
        if len(words) > 5 or len(taken) >= _MAX_LIST:
            break
        if taken and len(words) > 1 and _same_head(words[-1], text[taken[0][0]:taken[0][1]].split()[:1]):
            # "co-existing malignancies or malignancies diagnosed within the last 5 years": the head said again
            # with its own modifier; the window is the second one's
            break
        taken.insert(0, (s, e))
        if words[0].lower() in _CLAUSE_VERBS or (words[0].lower() == "to" and len(words) > 2):
            # "did not receive prior treatment and had surgery", "willingness, and agreement, to discontinue
            # CNS medications/NSAIDs": a new predicate starts the list
            break
    if not taken:
        s, e = parts[-1]
        return [(start + s, start + e)]
    return [(start + s, start + e) for s, e in taken]


def _same_head(last: str, first: list[str]) -> bool:
    a = last.lower().rstrip(".,;:)")
    b = first[0].lower() if first else ""
    return len(a) > 3 and (a == b or a.rstrip("s") == b.rstrip("s"))


_SHAPES = (re.compile(r"\d{1,2}"), re.compile(r"[A-Z]"), re.compile(r"I{1,3}|IV|VI{0,3}"))


def _same_shape(last: str, first: str) -> bool:
    """Whether two list parts meet at alternatives of one label: "B" and "C", "3" and "4", "III" and "IV"."""
    return any(p.fullmatch(last) and p.fullmatch(first) for p in _SHAPES)


def _shared_heads(text: str, parts: list[tuple[int, int]]) -> tuple[list[tuple[int, int]], dict[int, int]]:
    """The parts of a list joined where they share a head: a part of modifiers only takes the next part's
    head ("oral, or inhaled anticholinergics", "stable or unstable angina"), a lone letter or number is the
    previous part's ("Hepatitis B or C", "grade 3 or 4", "class III or IV heart failure"). Also where each joined part's head starts.

    >>> t = "stroke, stable or unstable angina"
    >>> [t[s:e] for s, e in _shared_heads(t, [(0, 6), (8, 14), (18, 33)])[0]]
    ['stroke', 'stable or unstable angina']
    """
    mods = _modifiers()
    out: list[list[int]] = []
    head_of: dict[int, int] = {}
    pending = None  # where a run of modifier-only parts started
    for k, (s, e) in enumerate(parts):
        words = text[s:e].strip()
        if out and pending is None and _same_shape(text[out[-1][0]:out[-1][1]].split()[-1], words.split()[0]):
            out[-1][1] = e
            continue
        if k + 1 < len(parts) and (re.sub(r"\s+", " ", words.lower()) in mods
                                   or all(w in mods for w in words.lower().split())):
            if pending is None:
                pending = s
            continue
        if pending is not None:
            head_of[pending] = s
            s, pending = pending, None
        out.append([s, e])
    return [(s, e) for s, e in out], head_of


@lru_cache(maxsize=1)
def _modifiers() -> frozenset:
    data = _data()["modifiers"]
    return frozenset(w.lower() for w in data["words"] + data["phrases"])


def _qualifies_only(text: str, s: int, e: int) -> bool:
    """Whether ``text[s:e]`` only qualifies an event written elsewhere: "chronic", "recent history"."""
    s, e = _trim(text, s, e)
    return all(w in _modifiers() or w in _QUALIFIED_NOUNS for w in text[s:e].lower().split())


# nouns that, before a window in brackets, only say what kind of event follows ("recent diagnosis (past 6
# months) of bipolar disorder", "use (within 30 days) of systemic steroids")
_QUALIFIED_NOUNS = frozenset({"history", "hx", "diagnosis", "diagnoses", "episode", "episodes", "use", "treatment"})


_WITH_NO = re.compile(r",\s*(?:with\s+no|without(?:\s+any)?)\s+(?!other\b)", re.IGNORECASE)


def _after_with_no(text: str, s: int, e: int) -> tuple[int, int]:
    """An event cut to what follows its last ", with no"/", without" ("stable, with no seizures" → "seizures");
    "diabetes without complications" stays the diabetes."""
    last = None
    for last in _WITH_NO.finditer(text, s, e):
        pass
    if last is None or last.start() == s:
        return s, e
    t = _trim(text, last.end(), e)
    return t if t[1] > t[0] else (s, e)


_COUNT_LEAD = re.compile(r"with\s+(?:\d+|two|three|four|five)\s+(?:or\s+more\s+)?(?=[A-Za-z])", re.IGNORECASE)


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s] in " \t\r\n,;:-*()\"'":
        s += 1
    while e > s and text[e - 1] in " \t\r\n,;:-*(\"'.":
        e -= 1
    count = _COUNT_LEAD.match(text, s, e)  # "with 2 rising PSA values obtained ... apart": how many, not what
    if count and count.end() < e:
        s = count.end()
    m = _LEAD.match(text, s, e)
    if m and m.end() <= e:
        s = m.end()
    m = _TAIL.search(text, s, e)
    if m and m.start() > s:
        e = m.start()
    # a closing parenthesis with no opener in the event ("stroke)") is the end of an aside
    if e > s and text[e - 1] == ")" and "(" not in text[s:e]:
        e -= 1
    # "Oral steroids (planned, or within the past 3 months)": an aside opened after the event and left open
    # up to the window is not the event's
    opened = text.rfind("(", s, e)
    if opened > s and ")" not in text[opened:e] and text[s:opened].strip():
        e = opened
    while e > s and text[e - 1] in " ,;:-(":
        e -= 1
    return s, e


# the window of an item that only introduces a list ("Excluded within 4 weeks of study entry:", "Any of the
# following within 14 days prior to treatment:"): its event is a placeholder for the items under it
_LIST_PLACEHOLDER = re.compile(r"\bfollowing\b(?!.*\bcriteri)|^(?:excluded|allowed|prohibited|not\s+allowed|"
                               r"permitted|not\s+permitted)\b", re.IGNORECASE)


# a heading that introduces a list names no event itself: "Patients will be excluded from the study for the
# following reasons:", "Exclusion criteria"
LIST_HEADING = re.compile(r"\b(?:following|exclu\w*|inclu\w*|criteri\w*)\b", re.IGNORECASE)


def placeholder_event(found: dict) -> bool:
    """Whether a window's event only points at a list ("MASH defined by any of the following"): without the
    list under it, it names nothing to screen for."""
    if not any(p["role"] == "event" for p in found.get("parts", ())):
        return False
    return re.search(r"\bfollowing\W*$", found["event"]["text"], re.IGNORECASE) is not None


def introduces_list(text: str, found: dict) -> bool:
    """Whether the window ``found`` in item ``text`` is the window of the list under the item: the item ends
    with a colon right after the window, and its event is a placeholder (none, a PDQ heading, "the
    following").

    >>> t = "Any of the following within 14 days prior to initiation of study treatment:"
    >>> introduces_list(t, find(t)[0])
    True
    """
    phrase = found["phrase"]
    end = phrase.end if isinstance(phrase, Phrase) else phrase["end"]
    if text[end:].strip(" \t\r\n.)") != ":":
        return False
    has_event = any(p["role"] == "event" for p in found["parts"])
    return not has_event or _LIST_PLACEHOLDER.search(found["event"]["text"]) is not None


# the event of a window that belongs to the lab values stated after it: "Adequate organ function within 7 days
# of enrollment, including the following:", "a recent (within 7 days prior to treatment start) biochemical and
# hematological assessment as defined by ANC >= 1.5 x 10^9/L, ..."
_LAB_EVENT = re.compile(r"\b(?:assessments?|laborator\w*|labs?|values|tests|function|hematolog\w*|haematolog\w*|"
                        r"biochem\w*|chemistr\w*|parameters|results?|blood\s*work)\b", re.IGNORECASE)
# the test that measured a threshold stated before it: "LVEF < 45% on historical ECHO within 6 months", "eGFR < 30,
# derived from a serum creatinine sample obtained within 48 hours"
_TEST_EVENT = re.compile(r"\b(?:samples?|specimens?|ECHO|echocardiogra\w*|MUGA|ECG|EKG|electrocardiogra\w*|measured|"
                         r"measurements?|obtained|derived|documented|screening\s+visit)\b", re.IGNORECASE)


def lab_window(found: dict) -> bool:
    """Whether a window's event names lab values or an organ's function as a whole ("Laboratory values",
    "adequate organ function"): the window is then the window of the thresholds stated with it."""
    return any(p["role"] == "event" for p in found["parts"]) and _LAB_EVENT.search(found["event"]["text"]) is not None


def test_window(found: dict) -> bool:
    """Whether a window's event names the test that measured a threshold ("on historical ECHO")."""
    return any(p["role"] == "event" for p in found["parts"]) and _TEST_EVENT.search(found["event"]["text"]) is not None


def list_item_events(text: str) -> list[tuple[int, int]]:
    """The events a list item names, as (start, end) offsets: the item up to its first aside or full stop.

    >>> t = "Radiation therapy (except electron beam therapy to skin lesions)."
    >>> [t[s:e] for s, e in list_item_events(t)]
    ['Radiation therapy']
    >>> t = "Prior treatment with any JAK inhibitors, or any biologic agents including IL-6 inhibitors (eg, tocilizumab)"
    >>> [t[s:e] for s, e in list_item_events(t)]
    ['JAK inhibitors', 'biologic agents']
    """
    if text.rstrip().endswith(":"):
        return []
    cut = re.search(r"[(;:\[]|\.(?:\s|$)|,?\s+(?:including|such\s+as|e\.g\.|eg,)\s", text)
    s, e = _trim(text, 0, cut.start() if cut else len(text))
    if e <= s:
        return []
    if e - s > 100 or (cut is not None and text[cut.start()] == "("):
        long_list = _long_list(text)
        if long_list:
            return long_list
    if e - s > 100:
        return []
    events = [_trim(text, a, b) for a, b in split_events(text[s:e], s)]
    return [(a, b) for a, b in events if b > a and not _EMPTY_EVENT.fullmatch(text[a:b])]


_LIST_COMMA = re.compile(r"\s*,\s*(?:and\s+|or\s+)?")
_LIST_JOINER = re.compile(r"\s+(?:and|or|and/or)\s+")


def _long_list(text: str) -> list[tuple[int, int]]:
    """A list item that is a long comma list of short names ("Interferon or interleukin therapy, aminoglycoside
    antibiotics, amphotericin B, cidofovir, ..., ketoconazole (topical allowed), isoniazid, ..."): each name, its
    asides left out; ``[]`` when the item is not such a list (a part is a clause, or there are few parts)."""
    masked = _mask_parens(text)
    stop = re.search(r"[;:\[]|\.(?:\s|$)", masked)
    end = stop.start() if stop else len(text)
    commas, pos = [], 0
    for m in _LIST_COMMA.finditer(masked, 0, end):
        commas.append((pos, m.start()))
        pos = m.end()
    commas.append((pos, end))
    parts = []  # (start, end, the most words it may have: a clause may have more than a name)
    for a, b in commas:
        # "Interferon or interleukin therapy" names two; "other agents that may inhibit or compete for ..." one
        if {w.lower() for w in masked[a:b].split()} & _NO_SPLIT:
            # "... via active renal tubular secretion (probenecid) and other investigational agents": a short
            # last name after "and" is one of its own
            tail = re.search(r"\s+and\s+((?:\S+\s+){0,3}\S+)\s*$", masked[a:b])
            if tail and not {w.lower() for w in tail.group(1).split()} & _NO_SPLIT:
                parts += [(a, a + tail.start(), 14), (a + tail.start(1), b, 8)]
            else:
                parts.append((a, b, 14))
            continue
        pos = a
        for m in _LIST_JOINER.finditer(masked, a, b):
            parts.append((pos, m.start(), 8))
            pos = m.end()
        parts.append((pos, b, 8))
    if len(parts) < 5 or any(len(masked[a:b].split()) > most for a, b, most in parts):
        return []
    out = []
    for a, b, _ in parts:
        while b > a and masked[b - 1] == " ":
            b -= 1  # an aside blanked at the end ("ketoconazole (topical allowed)")
        a, b = _trim(text, a, b)
        if b > a and not _EMPTY_EVENT.fullmatch(text[a:b]):
            out.append((a, b))
    return out


def anchor_only(text: str, pos: int) -> Phrase | None:
    """A window with no amount written right after ``pos``: "pregnancy test prior to enrollment".

    >>> anchor_only("negative pregnancy test prior to enrollment", 23).anchor
    'enrollment'
    """
    g = _grammar()
    m = re.compile(r"\s*(?:(?:performed|done|obtained|taken|required|conducted|at|within|the)\s+){0,3}"
                   r"(?P<w>prior\s+to|before)\s+", re.IGNORECASE).match(text, pos)
    if not m:
        return None
    anchor, anchor_text, end = _anchor_after(text, m.end(), "before", g)
    if anchor == "unspecified":
        return None
    return Phrase(m.start("w"), end, None, None, None, None, "before", anchor, anchor_text, "win.anchor_only")


_LIST_WORDS = re.compile(r"(?:[\s,/()]|\b(?:and|or|and/or|respectively|both|each|all|levels?|values?|measured|"
                         r"obtained|performed|done|assessed|tested|determined|documented|confirmed)\b)*", re.IGNORECASE)


def _only_list_words(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    """Whether ``text[start:end]`` holds only other constraints of ``spans`` and list words: "ANC >= 1500 and
    platelets >= 100,000 within 14 days" lets ANC take the window; "... and no dialysis within 3 months"
    does not."""
    gap = list(text[start:end])
    for a, b, *_ in spans:
        for k in range(max(a, start), min(b, end)):
            gap[k - start] = " "
    return _LIST_WORDS.fullmatch("".join(gap)) is not None


def find(text: str, skip: list[tuple[int, int]] = (), attach: list[tuple[int, int, bool]] = ()) -> list[dict]:
    """Window constraints (plain dicts with offsets into ``text``), one per event.

    ``attach`` are ``(start, end, strict)`` spans of constraints that take a window themselves (a dose, a
    threshold, a pregnancy test); a phrase after them in their clause is their window, returned under
    ``"attached"`` with the span index, once per constraint. A ``strict`` one (a threshold) takes it only
    when nothing but other such constraints and list words stand between ("creatinine clearance >= 60 and
    no dialysis within 3 months": the window is the dialysis's).
    """
    out: list[dict] = []
    # a window written inside an exception belongs to it ("except adjuvant chemotherapy completed more
    # than 12 months ago"), not to the event the exception lifts
    phrases = find_phrases(text, skip)
    excepted = [(m.start(), e) for m, e in exception_spans(text, [p.start for p in phrases if p.direction == "before"])]
    # ... except "Palliative radiotherapy unless completed more than 2 weeks before the study": there the lifted
    # event is written before the cue and the window is the item's own (at least that long since it ended)
    phrases = [p for p in phrases if not any(a <= p.start < b for a, b in excepted) or _completed_since(text, p, excepted)]
    floor = 0
    prev_events: list[tuple[int, int]] = []
    prev_clause_end = -1
    for k, p in enumerate(phrases):
        # an age or a threshold before the phrase is not part of its event ("temperature > 37.5 C or
        # history of fever in the last 24 hours")
        own_clause = _clause_start(text, p.start, floor)
        floor = max([floor] + [b for a, b in skip if b <= p.start])
        clause = _clause_start(text, p.start, floor)
        # the constraints of the clause that end before the phrase take it ("ANC >= 1500/mm3 and platelets
        # >= 100,000/mm3 within 14 days before registration"); a phrase inside one of them is its own
        owners = [i for i, (a, b, strict) in enumerate(attach)
                  if (own_clause <= b <= p.start + 1 and (
                      _only_list_words(text, b, p.start, attach) if strict else not re.search(r"[;:]", text[b:p.start])))
                  or a <= p.start < b]
        if owners and p.rule != "win.apart":  # a spacing between two tests is their own window
            out.extend({"attached": i, "phrase": p} for i in owners)
            floor = p.end
            continue
        if p.rule == "win.during":
            # "Willing to maintain their current pain treatment throughout the study" is behaviour in the
            # study, not a window a patient can be screened on (the annotation guide keeps "during" for
            # contraception and for a dose or threshold's own period)
            continue
        events: list[tuple[int, int]] = []
        if p.event_after:
            nxt = phrases[k + 1].start if k + 1 < len(phrases) else len(text)
            stop = _event_after_stop(text, p.end, nxt)
            rec = _EVENT_STOP.search(text, p.end, stop)
            stop = rec.start() if rec else stop
            s, e = _trim(text, p.end, stop)
            if e > s:
                events = split_events(text[s:e], s, from_start=True)
        if not events:
            masked = text[:clause] + _mask_parens(text[clause:p.start]) + text[p.start:]
            # "Strong CYP3A4 inhibitors, unless stopped ...": the exception is not part of the event; one that
            # ends before the phrase ("..., excluding palliative radiotherapy, or chemotherapy within 4
            # weeks") leaves the event after it
            lo = max([clause] + [b for a, b in excepted if clause <= a and b <= p.start])
            cut = EXCEPTION.search(masked, lo, p.start)
            s, e = _trim(masked, lo, cut.start() if cut else p.start)
            if e <= s and lo > clause:
                # "Malignancies other than disease under study within 5 years": nothing after the exception,
                # the event is before it
                cut = EXCEPTION.search(masked, clause, p.start)
                s, e = _trim(masked, clause, cut.start() if cut else p.start)
            if e > s:
                events = split_events(masked[s:e], s)
            if events and (text[max(0, p.start - 3):p.start].rstrip().endswith("(") or text.startswith("(", p.start)) and all(
                    _qualifies_only(text, a, b) for a, b in events):
                events = []  # "recent history (within 6 months) of drug abuse", "chronic (> 3 days) medication"
            elif len(events) == 1 and re.match(r"\s*:\s*\S", text[p.end:]) \
                    and re.search(r"\bfollowing\b", text[events[0][0]:events[0][1]], re.I):
                events = []  # "Any of the following within 6 months prior to dosing: myocardial infarction, ..."
        if not events and prev_events and clause <= prev_clause_end and not any(
                prev_clause_end <= a < p.start for a, _ in excepted):
            events = prev_events  # "AF lasting at least 48 hrs but <= 12 months": the same event
        if not events:
            # "Within 4 weeks before registration: chemotherapy, radiotherapy": the events follow
            nxt = phrases[k + 1].start if k + 1 < len(phrases) else len(text)
            stop = _event_after_stop(text, p.end, nxt, ";\n")
            s, e = _trim(text, p.end, stop)
            lead = re.match(r"with\s+", text[s:e], re.IGNORECASE)
            if lead and re.match(r"\s*\)", text[p.end:]):
                s = s + lead.end()  # "Prior treatment (within 4 weeks) with chemotherapy": the drug is the event
            if e - s > 80:
                e = s + text[s:s + 80].rfind(" ") if " " in text[s:s + 80] else s
            if e > s:
                events = split_events(text[s:e], s)
        events = [t for t in (_trim(text, s, e) for s, e in events) if t[1] > t[0]] or events
        # "must be clinically stable, with no exacerbation of MS for at least 3 months": the event is what the
        # item says there is none of
        events = [_after_with_no(text, s, e) for s, e in events]
        events = [(s, e) for s, e in events if not _EMPTY_EVENT.fullmatch(text[s:e])]
        if not events and not p.event_after and k and phrases[k - 1].end > clause:
            events = prev_events if clause <= prev_clause_end else []
        if not events and not (p.event_after or _trim(text, p.end, min(len(text), p.end + 80))[1] > p.end):
            floor = p.end
            continue
        if p.unit in ("minutes", "hours") and events and _LASTING.search(text, max(0, p.start - 25), p.start) \
                and event_type(text[events[0][0]:events[-1][1]]) == "procedure":
            # how long the procedure lasts; a window after it is still the procedure's
            floor, prev_events, prev_clause_end = p.end, events, p.end
            continue
        if _NOT_A_WINDOW.search(text[p.end:p.end + 20]) or (
                events and (_NOT_AN_EVENT.search(text[events[-1][0]:events[-1][1]])
                            or _PROGNOSIS.search(text[events[0][0]:events[-1][1]])
                or _COMMITMENT.search(text[events[0][0]:events[-1][1]]))) or (
                p.unit == "years" and (_AGE_BEFORE.search(text, max(0, p.start - 12), p.start)
                                       or _AGE_AFTER.match(text, p.end))):
            floor = p.end
            continue
        floor = p.end
        prev_events, prev_clause_end = events, p.end
        looks_back = re.search(r"\b(?:prior|before|past|last|previous|preceding|ago)\b", text[p.start:p.end], re.I)
        for s, e in events or [(p.start, p.start)]:
            ev_text = text[s:e]
            phrase = p
            if p.direction == "before" and not looks_back and _PLANNED.match(ev_text):
                # "planning pregnancy within 30 days of enrollment" looks ahead
                phrase = Phrase(p.start, p.end, p.amount, p.amount_text, p.max_amount, p.unit, "after", p.anchor,
                                p.anchor_text, p.rule, p.event_after, p.interval)
            ev_start = min(s, p.start) if e > s else p.start
            ev_end = max(e, p.end)
            parts = [{"role": "window", "start": p.start, "end": p.end}]
            if e > s:
                parts.insert(0, {"role": "event", "start": s, "end": e})
            out.append({
                "kind": "window", "rule": p.rule, "start": ev_start if e > s else p.start, "end": ev_end,
                "event": {"type": event_type(ev_text) if e > s else "other", "text": ev_text or "unspecified"},
                "phrase": phrase, "parts": parts, "negated": False,
            })
    return out
