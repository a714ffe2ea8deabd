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
from dataclasses import replace
from functools import lru_cache

from . import resources
from .textmap import may_hold_stem
from .window import Phrase, anchor_only, find_phrases, window_anchor

_CUE = re.compile(
    r"\b(?:contracepti(?:on|ve|ves)|anticonceptives?|birth[-\s]+control|"
    r"barrier\s+(?:method|contraception|protection)s?|"
    r"(?:sexual\s+|heterosexual\s+)?abstinence|abstain\s+from\s+(?:sexual|heterosexual)|condoms?|"
    r"methods?\s+(?:of|to\s+prevent)\s+pregnancy|prevent\s+pregnancy|avoid\s+(?:becoming\s+)?pregnan\w*|"
    r"(?:avoid|prevent)\s+(?:fathering|conceiving|conception))\b",
    re.IGNORECASE,
)
# every cue of _CUE holds one of these (in an ASCII text, its lower case does)
_CUE_STEMS = ("contracepti", "anticonceptive", "birth", "barrier", "abstinence", "abstain", "condom", "method",
              "prevent", "avoid")
# a requirement, not a mention: a verb of use or agreement, or a word about the method's strength
_REQUIRE = re.compile(
    r"\b(?:use|uses|using|used|practi[cs]e|practi[cs]ing|employ|employing|agree|agrees|agreed|agreement|"
    r"willing|unwilling|must|shall|should|required?|requirement|commit|consent|adhere|take|taking|adopt|"
    r"implement|implementing|utili[sz]e|maintain|continue)\b",
    re.IGNORECASE,
)
# a product named by its kind ("oral contraceptives", "hormonal contraception") is a medication: a
# requirement to use contraception says so with a method or a strength word as well
_PRODUCT = re.compile(r"\b(?:oral|hormonal|emergency|injectable)\s+$", re.IGNORECASE)
_METHOD_WORDS = re.compile(r"\b(?:methods?|measures?|forms?|birth\s+control|barrier|double|two|highly|effective|"
                           r"adequate|reliable|acceptable|approved|appropriate|abstinence|condoms?)\b", re.IGNORECASE)


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
        # ("at least 2 weeks prior to ...": an amount of time, not two methods)
        "strength": re.compile(r"\b(?P<s>" + alt(data["method_strength"]) + r")\b"
                               r"(?!\s*(?:weeks?|days?|months?|years?|hours?|wks?|mos?|yrs?|cycles?|doses?)\b)",
                               re.IGNORECASE),
        "during": re.compile(r"\b(?:" + alt(data["during"]) + r")\b", re.IGNORECASE),
    }


_HER_PARTNER = re.compile(r"\b(?:(?:her|their|a|the|whose|sole|only)\s+)?(?:vasectomi[sz]ed\s+|sterile\s+|sterilized\s+)?"
                          r"male\s+(?:sexual\s+)?partners?\b(?!\s+(?:of|with)\b)", re.IGNORECASE)
_HIS_PARTNER = re.compile(
    r"\b(?:(?:sex|intercourse|active|partners?)\s+with|whose\s+(?:sexual\s+|female\s+)?partners?\s+(?:are|is)|"
    r"partners?\s+(?:who\s+(?:are|is)|being))\s+(?:an?\s+)?(?:women|woman|females?|WOCBP|FOCBP)\b"
    r"(?:\s+(?:of\s+)?(?:child[- ]?bearing|reproductive)\s+(?:potential|age))?|"
    r"\b(?:pre-?menopausal\s+)?female\s+(?:sexual\s+)?partners?\b", re.IGNORECASE)
_MEN_WITH_PARTNERS = re.compile(r"\b(?:men|males?|male\s+(?:subjects|patients|participants))\s+with\s+"
                                r"(?:a\s+)?(?:female\s+)?partners?(?:\s+of\s+(?:child[- ]?bearing|reproductive)\s+"
                                r"(?:potential|age))?", re.IGNORECASE)


def _who(text: str) -> str:
    # "women ... whose male partner has had a vasectomy": the woman's partner, not a group bound by it
    text = _HER_PARTNER.sub(lambda m: " " * len(m.group()), text)
    # "Male patients (if engaging in reproductive sex with a women of childbearing potential)", "men whose sexual
    # partners are WOCBP": the men's partners, not a group bound by it
    text = _HIS_PARTNER.sub(lambda m: " " * len(m.group()), text)
    # "men with female partners of childbearing potential" speaks of men, not of women
    men = _MEN_WITH_PARTNERS.search(text)
    if men:
        text = text[:men.start()] + " " * (men.end() - men.start()) + text[men.end():]
    found = [who for who, rx in _grammar()["who"] if rx.search(text)]
    if men and "men_with_partners" not in found:
        found.insert(0, "men_with_partners")
    if "women_of_childbearing_potential" in found and "men_with_partners" in found:
        return _BOTH
    return found[0] if found else "unspecified"


# "Women of childbearing potential and men must agree to use contraception": one requirement for each group
# named (a woman past menopause is not bound by it, as she would be under ``all_participants``)
_BOTH = "women_and_men"


def may_require(text: str) -> bool:
    """Whether ``text`` names contraception at all (without a cue there is no requirement to find)."""
    # no cue can match most items
    return may_hold_stem(text, _CUE_STEMS) and _CUE.search(text) is not None


def find(text: str) -> list[dict]:
    """The contraception requirements of one item, at most one per sentence, with offsets into ``text``."""
    starts = [0] + [m.end() for m in re.finditer(r"\.\s+(?=[A-Z])", text)]
    found = [f for a, b in zip(starts, starts[1:] + [len(text)]) if (f := _find_in(text, a, b))]
    # "Agreement to practice effective contraception for female subjects ... and non-sterile males. Female subjects
    # ... must agree to ... Non-sterile male subjects must agree to ...": a group's own sentence says its
    # requirement; its share of the joint statement says it again
    own = {f["who"] for f in found if f["who"] != _BOTH}
    out = []
    for f in found:
        if f["who"] != _BOTH:
            out.append(f)
            continue
        if "women_of_childbearing_potential" not in own:
            out.append({**f, "who": "women_of_childbearing_potential"})
        if "men_with_partners" not in own:
            out.append({**f, "who": "men_with_partners", "parts": [dict(p) for p in f["parts"]]})
    return out


def _find_in(text: str, a: int, b: int) -> dict | None:
    g = _grammar()
    sentence = text[a:b]
    cues = list(_CUE.finditer(sentence))
    products = [m for m in cues if _PRODUCT.search(sentence, max(0, m.start() - 20), m.start())]
    cue = next((m for m in cues if m not in products), None)
    if cue is None and products and _METHOD_WORDS.search(sentence.replace(products[0].group(), " ")):
        cue = products[0]
    if cue is None:
        return None  # "Use of hormonal contraception within 3 months" is a medication, not a requirement
    if not _REQUIRE.search(sentence) and not g["strength"].search(sentence):
        return None
    if _DEFINITION.match(sentence, cue.end()) or _DEFINITION_BEFORE.search(sentence, 0, cue.start()):
        # "Effective contraception includes surgical sterilization, ...", "Acceptable methods are such as oral
        # contraceptives, ...": what counts, not who must
        return None
    windows: list[Phrase] = []
    during = g["during"].search(sentence, max(0, cue.start() - 80))
    if during:
        # "throughout the study period (3 years)": the period's length when it is written
        length = _LENGTH.match(sentence, during.end())
        amount = float(length.group("n")) if length else None
        if amount is not None and amount.is_integer():
            amount = int(amount)
        windows.append(Phrase(a + during.start(), a + (length.end() if length else during.end()), amount,
                              length.group("n") if length else None, None,
                              _UNITS[length.group("u").lower().rstrip("s")] if length else None, "during",
                              "unspecified", None, "contra.during"))
    phrases = find_phrases(sentence)
    for p in phrases:
        if _MENOPAUSE.match(sentence, p.end) or _MENOPAUSE.search(sentence[p.start:p.end]):
            continue  # "(including those < 1 year post-menopausal)" says who, not when
        later = _LATER.match(sentence, p.end)
        if p.direction == "after" or (p.anchor in ("last_dose", "study_end") and p.direction != "before"):
            windows.append(Phrase(a + p.start, a + p.end, p.amount, p.amount_text, p.max_amount, p.unit, "after",
                                  _after_anchor(p.anchor, p.anchor_text), p.anchor_text, "contra.after"))
        elif later and p.amount is not None:
            # "during the course of the study and for three months thereafter": after the period's end
            anchor = "last_dose" if during and _TREATMENT.search(during.group()) else "study_end"
            windows.append(Phrase(a + p.start, a + later.end(), p.amount, p.amount_text, p.max_amount, p.unit, "after",
                                  anchor, None, "contra.after"))
        elif p.start > cue.start() and p.direction in ("before", "since") and _used_before(sentence, cue, p):
            # "starting 14 days before the first dose", "for 4 weeks before, during, and after study"
            windows.append(Phrase(a + p.start, a + p.end, p.amount, p.amount_text, p.max_amount, p.unit, "before",
                                  p.anchor, p.anchor_text, "contra.before"))
        elif p.start < cue.start() and p.direction in ("before", "since") and p.anchor != "unspecified" and \
                _OPENS.fullmatch(sentence, 0, p.start):
            # "At least 2 weeks prior to initiation of the study drug, female subjects should be using highly
            # effective contraceptive methods": the sentence opens with the window
            windows.append(Phrase(a + p.start, a + p.end, p.amount, p.amount_text, p.max_amount, p.unit, p.direction,
                                  p.anchor, p.anchor_text, "contra.opening"))
    for m in _BEFORE.finditer(sentence, cue.end()):
        # "prior to study entry and for the duration of study participation": from before an anchor
        gap = sentence[cue.end():m.start()]
        if any(p.start <= m.start() < p.end for p in phrases) or len(gap) > 80 or _TEST.search(gap) \
                or _OTHER_STATEMENT.search(gap):
            continue
        p = anchor_only(sentence, m.start())
        if p is not None:
            windows.append(Phrase(a + p.start, a + p.end, None, None, None, None, "before", p.anchor, p.anchor_text,
                                  "contra.before"))
    windows.sort(key=lambda w: w.start)
    # "for 2 weeks before, during, and 3 months after study participation": the anchor said once, at the end,
    # is the one before too (its start)
    named = [w for w in windows if w.anchor_text]
    for n, w in enumerate(windows):
        if w.direction == "before" and w.anchor == "unspecified" and w.anchor_text is None:
            later = next((x for x in named if x.start > w.start), None)
            if later is not None:
                pos = text.find(later.anchor_text, later.start)
                anchor = window_anchor(text, pos, "before") if pos >= 0 else "unspecified"
                windows[n] = replace(w, anchor=anchor)
    if not windows:
        # no period stated: a requirement to use contraception holds while in the study
        windows.append(Phrase(a + cue.start(), a + cue.end(), None, None, None, None, "during", "unspecified",
                              None, "contra.implied"))
    strength = g["strength"].search(sentence)
    start = min([a + cue.start()] + [w.start for w in windows] + ([a + strength.start()] if strength else []))
    end = max([a + cue.end()] + [w.end for w in windows])
    parts = [{"role": "method", "start": a + cue.start(), "end": a + cue.end()}]
    parts += [{"role": "window", "start": w.start, "end": w.end} for w in windows if w.rule != "contra.implied"]
    # who: the sentence says it, else the item's first words ("Women of childbearing potential: ...")
    # "female subjects of childbearing potential; ...; male subjects of childbearing potential who are unwilling
    # to use ... contraception": the clause of the method says whose requirement it is
    clause_start = sentence.rfind(";", 0, cue.start()) + 1
    clause_end = sentence.find(";", cue.end())
    who = _who(sentence[clause_start:clause_end if clause_end >= 0 else len(sentence)])
    if who == "unspecified":
        who = _who(sentence)
    if who == "unspecified" and a > 0:
        who = _who(text[:a])
    return {
        "kind": "contraception", "rule": "contra.requirement", "start": start, "end": end, "negated": False,
        "who": who, "method_strength": _strength_name(strength.group("s")) if strength else None,
        "windows": windows, "parts": parts,
    }


_DEFINITION = re.compile(r"\s*(?:methods?\s+)?(?:includes?|including|is\s+defined\s+as|are\s+defined\s+as|means|"
                         r"consists?\s+of|is\s+considered|are\s+considered)\b", re.IGNORECASE)
_OPENS = re.compile(r"[\s*\-\d.)]*(?:at\s+least|starting|beginning|from)?\s*", re.IGNORECASE)
_DEFINITION_BEFORE = re.compile(r"\b(?:acceptable|effective|approved|permitted|allowed|adequate)\s+(?:methods?|forms?)"
                                r"(?:\s+of\s+[\w-]+)?\s+(?:are|include|includes|is|would\s+be)\b[^.;:]*$", re.IGNORECASE)
_MENOPAUSE = re.compile(r"[\s-]*(?:post)?[\s-]*menopaus|post[\s-]*menopaus", re.IGNORECASE)
_LENGTH = re.compile(r"\s*\(\s*(?:approximately|approx\.?|about|up\s+to)?\s*(?P<n>\d+(?:\.\d+)?)\s*"
                     r"(?P<u>years?|months?|weeks?|days?)\s*\)", re.IGNORECASE)
_UNITS = {"year": "years", "month": "months", "week": "weeks", "day": "days"}
_LATER = re.compile(r"\s*(?:thereafter|afterwards?|after\s+that|after\s+this|following\s+this|following\s+that)\b",
                    re.IGNORECASE)
_TREATMENT = re.compile(r"\b(?:treatment|therapy|drug|medication|dosing|infusions?)\b", re.IGNORECASE)
_BEFORE = re.compile(r"\b(?:prior\s+to|before)\b", re.IGNORECASE)
# a pregnancy test between the method and the phrase owns the phrase ("... and a negative pregnancy test within
# 7 days before the first dose")
_TEST = re.compile(r"\btest(?:s|ing)?\b", re.IGNORECASE)
# a new statement in run-on text, or an exception: "... must use effective contraception No other prior malignancy
# within the past 5 years", "hormonal contraception other than ... in a period of 90 days before screening"
_OTHER_STATEMENT = re.compile(r"\s(?-i:No|Not|Prior|Concurrent|Other|At\s+least)\s|\b(?:other\s+than|except)\b",
                              re.IGNORECASE)


def _used_before(sentence: str, cue: re.Match, p: Phrase) -> bool:
    """Whether phrase ``p`` after the method says how long before an anchor the method is used."""
    gap = sentence[cue.end():p.start]
    if len(gap) > 80 or _TEST.search(gap) or _OTHER_STATEMENT.search(gap):
        return False
    if p.event_after:
        return False  # "At least 5 years since prior malignancy" is the malignancy's window
    return (re.search(r"\b(?:before|prior)\b", sentence[p.start:p.end], re.IGNORECASE) is not None
            or re.match(r"\s*(?:before|prior\s+to)\b", sentence[p.end:], re.IGNORECASE) is not None)


def _strength_name(text: str) -> str:
    """A method strength as the catalogue names it: "2 methods" is "two methods"."""
    return re.sub(r"\b2\b", "two", re.sub(r"\s+", " ", text.lower()))


def _after_anchor(anchor: str, anchor_text: str | None) -> str:
    if anchor in ("treatment_start",):
        return "last_dose"
    if anchor in ("study_entry", "enrollment"):
        return "study_end"
    return anchor
