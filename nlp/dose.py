"""Dose limits on a drug or drug class: "oral prednisone equivalent >10 mg/day", "≤ 10 mg/day of prednisone
or equivalent", "cumulative doxorubicin ≤ 300 mg/m2", "insulin > 1 U/kg/day", "aspirin 81 mg".

A match (``patterns/rules.dose.jsonl``) anchors a drug of the catalogue (``drugs.py``; label ``DRUG`` in
the lexicon) and a number; the dose unit is read from the text after the number (``patterns/dose_units.jsonl``:
an amount, an optional body-size denominator, an optional time basis: ``mg/kg/day``), then what follows:
a postfix comparator ("10 mg or less"), a frequency ("daily", "per week", "twice daily"), "or equivalent",
a route word, an alternative in parentheses ("(or > 450 mg/m2)"). A number without a dose unit is not a
dose. A stated dose with no comparator ("mycophenolate mofetil 2 g / day") is the interval [2, 2].

The constraint's ``unit`` is the whole dose unit code ("mg/day", "U/kg/day", "mg/m2"); ``per`` names its
last denominator (day, week, month, h, min, kg, m2, dose, cycle), ``dose`` when a frequency says the
amount is per administration ("5 mg twice daily"). Doses of corticosteroids and opioids in mass units also
carry their prednisone or oral-morphine equivalent from the catalogue's factor, as ``equivalent``.

>>> dose_unit_at("10 mg/kg/day of", 2)["code"]
'mg/kg/day'
>>> dose_unit_at("1.5 mg/dL", 3) is None
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from spacy.tokens import Span

from .bounds import OPS, interval
from .context import comparator_start, negated_before
from .drugs import Drug, drugs
from .extensions import doc_text
from .numbers import parse_number
from .rules import MatcherRule, _load_jsonl, lexicon_norms
from .textmap import may_hold_stem
from .units import postfix_comparator_at


@dataclass(frozen=True)
class DoseUnit:
    """``{"id": "dose_unit.mg", "kind": "amount", "code": "mg", "pint": "milligram", "forms": [...],
    "example": "prednisone > 10 mg/day"}``; kind ``amount``, ``body`` (kg, m2) or ``time`` (day, week, ...)."""

    id: str
    kind: str
    code: str
    pint: str
    forms: list
    example: str


@lru_cache(maxsize=1)
def dose_units() -> tuple[DoseUnit, ...]:
    return _load_jsonl("dose_units.jsonl", DoseUnit)


def _alternation(kind: str) -> tuple[str, dict[str, str]]:
    by_form = {}
    for u in dose_units():
        if u.kind == kind:
            for form in u.forms:
                by_form[_squeeze(form)] = u.code
    forms = sorted({f for u in dose_units() if u.kind == kind for f in u.forms}, key=len, reverse=True)
    return "|".join(re.escape(f).replace(r"\ ", r"\s*") for f in forms), by_form


def _squeeze(form: str) -> str:
    return re.sub(r"\s+", "", form).lower().replace("\u03bc", "\u00b5")


@lru_cache(maxsize=1)
def _unit_regex() -> tuple[re.Pattern, dict]:
    amount, a_forms = _alternation("amount")
    body, b_forms = _alternation("body")
    time, t_forms = _alternation("time")
    pattern = (
        rf"[ \t]*(?P<amount>{amount})?(?![A-Za-z\u00b5\u03bc])"
        rf"(?:\s*(?:/|per\b)\s*(?P<body>{body})(?![A-Za-z0-9]))?"
        rf"(?:(?:\s*/\s*|\s+(?:per|a|an|each|every)\s+)(?P<time>{time})(?![A-Za-z0-9]))?"
    )
    return re.compile(pattern, re.IGNORECASE), {"amount": a_forms, "body": b_forms, "time": t_forms}


_FREQUENCY = re.compile(
    r"\s*,?\s*(?P<freq>(?P<day>once\s+(?:daily|a\s+day)|daily|per\s+day|a\s+day|every\s+day|each\s+day|/\s*day|"
    r"q\.?d\.?(?![a-z])|/d\b)|"
    r"(?P<week>once\s+(?:weekly|a\s+week)|weekly|per\s+week|a\s+week|every\s+week|each\s+week|/\s*w(?:ee)?k)|"
    r"(?P<month>once\s+(?:monthly|a\s+month)|monthly|per\s+month|a\s+month|every\s+month)|"
    r"(?P<dose>(?:twice|three\s+times|four\s+times|2\s+times|3\s+times)\s+(?:daily|a\s+day|per\s+day|weekly|a\s+week)|"
    r"b\.?i\.?d\.?|t\.?i\.?d\.?|q\.?i\.?d\.?|every\s+(?:other|\d+|two|three|four|six)\s+(?:days?|weeks?|months?)|"
    r"per\s+dose|each\s+dose|per\s+infusion|per\s+cycle|single\s+dose))(?![A-Za-z])",
    re.IGNORECASE,
)
_EQUIVALENT = re.compile(
    r"\s*\(?\s*(?:or\s+)?(?:an?\s+|its\s+|the\s+)?(?:[a-z]+[- ])?equivalents?(?:\s+(?:dose|doses|dosage))?"
    r"(?:\s+of\s+(?:another|other|an?\s+other)\s+[a-z]+)?\s*\)?",
    re.IGNORECASE,
)
# before a value-first dose: "daily doses of 10 mg prednisone" (per day), "minimum equivalent daily dose of 20 mg
# rabeprazole" (a lower bound, or equivalent)
_VALUE_LEAD = re.compile(
    r"(?:\b(?P<bound>minimum|minimal|maximum|maximal)\s+)?(?:\b(?P<eq>equivalent)\s+)?(?:\b(?P<freq>daily|weekly)\s+)?"
    r"(?:total\s+)?\b(?:dose|doses|dosage|dosages)\s+of\s*$",
    re.IGNORECASE,
)
_MME = re.compile(r"\s*\(?\s*(?:MME|MEDD?|OME|morphine\s+(?:milligram\s+)?equivalents?)\s*\)?", re.IGNORECASE)
_ROUTES = {
    "oral": "oral", "orally": "oral", "po": "oral", "p.o.": "oral", "p.o": "oral", "per os": "oral",
    "by mouth": "oral",
    "iv": "iv", "i.v.": "iv", "i.v": "iv", "intravenous": "iv", "intravenously": "iv",
    "im": "im", "i.m.": "im", "intramuscular": "im", "intramuscularly": "im",
    "sc": "subcutaneous", "s.c.": "subcutaneous", "sq": "subcutaneous", "subcutaneous": "subcutaneous",
    "subcutaneously": "subcutaneous", "subcut": "subcutaneous",
    "inhaled": "inhaled", "inhalational": "inhaled", "inhalation": "inhaled",
    "topical": "topical", "topically": "topical",
    "intra-articular": "intra-articular", "intraarticular": "intra-articular",
    "transdermal": "transdermal", "intranasal": "intranasal", "nasal": "intranasal", "rectal": "rectal",
    "sublingual": "sublingual", "systemic": "systemic", "systemically": "systemic", "parenteral": "parenteral",
}
_ROUTE_AFTER = re.compile(
    r"\s*,?\s*\(?(?P<route>orally|p\.o\.?|po|intravenously|i\.v\.?|iv|intramuscularly|i\.m\.|subcutaneously|s\.c\.|sc|"
    r"sq|by\s+mouth|per\s+os|topically|inhaled|transdermal)\)?(?![A-Za-z])",
    re.IGNORECASE,
)
_RANGE = re.compile(r"\s*(?:-|\u2013|~|to|and)\s*(?P<num>\d+(?:\.\d+)?)(?![\d.])", re.IGNORECASE)
_ALT = re.compile(
    r"\s*\(\s*or\s+(?P<op><=|>=|<|>|\u2264|\u2265)\s*(?P<num>\d+(?:\.\d+)?)(?P<rest>[^)]{0,30})\)", re.IGNORECASE)
_CUMULATIVE = {"cumulative", "lifetime"}
_JOINERS = {"or", "and", ",", "/", "and/or"}
# words before the drug that belong to the statement: "oral prednisone", "cumulative doxorubicin"
_LEAD = {"cumulative", "lifetime", "total", "daily", "oral", "orally", "po", "p.o.", "iv", "i.v.", "intravenous",
         "im", "i.m.", "intramuscular", "sc", "s.c.", "subcutaneous", "inhaled", "topical", "transdermal",
         "intranasal", "rectal", "sublingual", "systemic", "parenteral"}
_NEGATION = {"no", "not", "without", "never"}
# between a value-first unit and its drug: "10 mg/day of oral prednisone", "20 mg daily of"
_CONNECT = {"of", "a", "an", "the", "total", "daily", "dose", "doses", "per", "day", "week", "equivalent",
            "equivalents", "cumulative", "(", "in", "as"} | set(_ROUTES)
# the words of _CONNECT a frequency may start with ("10 mg of daily prednisone", "per day of")
_FREQUENCY_WORDS = {"daily", "per"}
_MASS_MG = {"mg": 1.0, "g": 1000.0, "ug": 0.001, "ng": 1e-6}
_UNITS_EQUAL = {"U": "[IU]"}


def dose_unit_at(text: str, pos: int) -> dict | None:
    """The dose unit at ``text[pos:]``: ``{"code", "amount", "body", "time", "start", "end", "text"}``, or
    ``None`` when no dose unit is written there ("mg/dL" is a concentration, not a dose)."""
    regex, forms = _unit_regex()
    m = regex.match(text, pos)
    if not m or not (m.group("amount") or m.group("body")):
        return None
    if re.match(r"\s*/\s*[A-Za-z\u00b5\u03bc]", text[m.end():]):
        return None  # another denominator follows: a concentration or a rate we do not read as a dose
    parts = {k: forms[k].get(_squeeze(m.group(k))) if m.group(k) else None for k in ("amount", "body", "time")}
    if any(m.group(k) and parts[k] is None for k in parts):
        return None
    code = "/".join([parts["amount"] or ""] + [parts[k] for k in ("body", "time") if parts[k]])
    first = next(k for k in ("amount", "body", "time") if m.group(k))
    start = m.start(first)
    if first == "body":  # "0.6 / m2": the unit is written from its slash
        slash = text.rfind("/", pos, m.start("body"))
        start = slash if slash >= 0 else m.start("body")
    return {"code": code, "amount": parts["amount"], "body": parts["body"], "time": parts["time"],
            "start": start, "end": m.end(), "text": text[start:m.end()]}


def _atoms(span: Span) -> list[Span]:
    return [a for a in (span.doc._.eligex_atoms or []) if span.start <= a.start < span.end]


def _kind(atom: Span) -> str | None:
    drug = _drug_of(atom)
    return drug.kind if drug is not None else None


def _drug_of(atom: Span) -> Drug | None:
    return drugs().get(atom.id_[5:]) if atom.id_.startswith("drug.") else None


def _drug_atoms_after(doc, pos_char: int, limit: int = 6) -> Span | None:
    """A drug named right after ``pos_char`` with only connecting words between ("mg/day of prednisone")."""
    for a in doc._.eligex_atoms or []:
        if a.label_ != "DRUG" or a.start_char < pos_char:
            continue
        between = [t for t in doc if pos_char <= t.idx and t.idx + len(t) <= a.start_char]
        if len(between) <= limit and all(t.lower_ in _CONNECT for t in between):
            return a
        return None
    return None


def build(span: Span, rule: MatcherRule, context: dict) -> list[dict] | None:
    """The dose constraints a match states, as plain dicts (the main one, and an alternative written in
    parentheses); ``None`` if it is not a dose."""
    doc = span.doc
    text = doc_text(doc)
    norms = lexicon_norms()
    atoms = _atoms(span)
    drug_atoms = [a for a in atoms if a.label_ == "DRUG"]
    if not drug_atoms:
        return None
    parts: list[dict] = []
    op = None
    for a in atoms:
        if a.label_ in ("CMP_PRE", "CMP_AGE_PRE"):
            op = norms.get(a.id_)
            parts.append({"role": "comparator", "start": comparator_start(a), "end": a.end_char})
    numbers = [t for t in span if t.like_num and not (t.ent_type_ == "DRUG")]
    if not numbers:
        return None
    first = numbers[0] if rule.id == "dose.value_first" else numbers[-1]
    value = parse_number(first.text)
    if value is None:
        return None
    values = [{"value": value, "text": first.text, "op": op, "start": first.idx, "end": first.idx + len(first.text)}]
    pos = values[0]["end"]
    unit = dose_unit_at(text, pos)
    rng = _RANGE.match(text, unit["end"] if unit else pos)
    if rng is not None and op is None:
        second = parse_number(rng.group("num"))
        later = dose_unit_at(text, rng.end("num"))
        if second is not None and (later is not None or unit is not None) and second >= value:
            values.append({"value": second, "text": rng.group("num"), "op": None, "start": rng.start("num"),
                           "end": rng.end("num")})
            unit = later or unit
    if unit is None:
        return None
    end = unit["end"]
    post = postfix_comparator_at(text, end)
    if post is not None and len(values) == 1 and values[0]["op"] is None:
        values[0]["op"] = post["op"]
        parts.append({"role": "comparator", "start": post["start"], "end": post["end"]})
        end = post["end"]
    for v in values:
        parts.append({"role": "value", "start": v["start"], "end": v["end"]})
    parts.append({"role": "unit", "start": unit["start"], "end": unit["end"]})

    # the drug nearest the number is the one dosed ("corticosteroids (oral prednisone > 20 mg/day)"); a brand
    # name beside its generic ("hydroxychloroquine (Plaquenil)") is the same drug
    # the first drug named is the one dosed ("prednisolone (or prednisone, or equivalent) at > 20 mg/D"; drugs
    # joined to it by "or" alone share its limit, see _joined_drugs), unless it is a class and a drug follows
    # ("corticosteroids (oral prednisone > 20 mg/day)")
    drug_atom = next((a for a in drug_atoms if _kind(a) == "drug"), drug_atoms[0])
    if rule.id == "dose.drug_first":
        gap = [t.lower_ for t in doc[drug_atoms[-1].end:numbers[-1].i] if t.ent_type_ not in ("CMP_PRE", "CMP_AGE_PRE")]
        if gap and gap[-1] == "or":
            return None  # "hydrocortisone (or 2.5 mg prednisone)": an alternative to what came before
        drug_atom = _bracketed_owner(doc, drug_atom, drug_atoms, numbers[-1])
    lead = drug_atom.start
    if rule.id == "dose.drug_first" and lead == span.start:
        # "zidovudine (AZT) therapy of <= 600 mg/day": the match starts at the bracketed brand of a drug named
        # right before it; the statement starts at that name
        named = next((a for a in doc._.eligex_atoms or [] if a.end == lead - 1 and a.label_ == "DRUG"), None)
        if named is not None and doc[lead - 1].text == "(" and _drug_of(named) is _drug_of(drug_atom):
            lead = named.start
    while lead > span.start and doc[lead - 1].lower_ in _LEAD:
        lead -= 1
    start = doc[lead].idx if rule.id == "dose.drug_first" else span.start_char
    or_equivalent = False
    per_dose = False
    code, time = unit["code"], unit["time"]
    if rule.id == "dose.value_first":
        drug_atom = drug_atoms[-1]
        lead_in = _VALUE_LEAD.search(text, max(0, start - 60), start) if values[0]["op"] is None else None
        if lead_in is not None:  # "daily doses of 10mg prednisone", "minimum ... dose of 20 mg rabeprazole"
            start = lead_in.start()
            if lead_in.group("bound"):
                values[0]["op"] = ">=" if lead_in.group("bound").lower().startswith("min") else "<="
            if lead_in.group("freq") and time is None:
                time = "week" if lead_in.group("freq").lower() == "weekly" else "day"
                code = f"{code}/{time}"
            or_equivalent = or_equivalent or bool(lead_in.group("eq"))
        between = [t for t in doc if end <= t.idx and t.idx + len(t) <= drug_atom.start_char]
        freq = _FREQUENCY.match(text, end)
        if freq is not None and freq.end() <= drug_atom.start_char:
            code, time, per_dose, end = _with_frequency(code, time, freq)
            between = [t for t in doc if end <= t.idx and t.idx + len(t) <= drug_atom.start_char]
        if not all(t.lower_ in _CONNECT for t in between):
            return None
        if time is None and not per_dose:
            # "> 10 mg of daily prednisone": the frequency stands between the unit and the drug
            freq = next((f for f in (_FREQUENCY.match(text, t.idx) for t in between if t.lower_ in _FREQUENCY_WORDS)
                         if f is not None and f.end() <= drug_atom.start_char), None)
            if freq is not None:
                code, time, per_dose, _ = _with_frequency(code, time, freq)
        end = drug_atom.end_char
    else:
        # "corticosteroids (> 10 mg/day prednisone equivalent)": the named drug is the reference
        later = _drug_atoms_after(doc, end)
        if later is not None and (_drug_of(drug_atom) is None or _drug_of(drug_atom).kind == "class"
                                  or _EQUIVALENT.match(text, later.end_char)):
            drug_atom = later
            end = later.end_char
    drug = _drug_of(drug_atom)
    if drug is None:
        return None
    sharing = _joined_drugs(doc, drug_atom, drug_atoms, numbers[-1]) if rule.id == "dose.drug_first" else []
    # what may follow: or equivalent, a frequency, a route, in any order
    route_after = None
    for _ in range(3):
        moved = False
        eq = _EQUIVALENT.match(text, end) or _MME.match(text, end)
        if eq is not None and eq.end() > end:
            or_equivalent = True
            # a closing parenthesis belongs to the phrase only if it opened it
            end = eq.end() - 1 if eq.group().rstrip().endswith(")") and "(" not in eq.group() else eq.end()
            while end > 0 and text[end - 1].isspace():  # "or equivalent for longer": not the space
                end -= 1
            moved = True
        by = _ROUTE_AFTER.match(text, end)
        if by is not None and route_after is None:  # "100 mg by mouth daily"
            route_after = by
            end = by.end()
            moved = True
        freq = _FREQUENCY.match(text, end) if time is None and not per_dose else None
        if freq is not None:
            code, time, per_dose, end = _with_frequency(code, time, freq)
            moved = True
        if not moved:
            break
    if text[start:end].count(")") > text[start:end].count("(") and text[max(0, start - 1):start] == "(":
        start -= 1  # "(NE) equivalent unit dose of ...": the abbreviation's parenthesis opens before it
    if text[start:end].count("(") > text[start:end].count(")"):
        close = re.match(r"\s*\)", text[end:])
        if close:  # "hydroxychloroquine (<= 400 mg/day)": the parenthesis opened in the evidence closes it
            end += close.end()
    evidence_text = text[start:end]
    if re.search(r"\bequivalents?\b|\bMME\b", evidence_text, re.IGNORECASE):
        or_equivalent = True
    route = _route(doc, span, drug_atom, route_after)
    cumulative = any(t.lower_ in _CUMULATIVE for t in doc[max(0, span.start - 4):span.end]) or \
        bool(re.search(r"\bcumulative\b|\blifetime\b", evidence_text, re.IGNORECASE))
    bounds = interval(values) if any(v["op"] for v in values) or len(values) == 2 else \
        ((values[0], True), (values[0], True))
    if bounds is None:
        return None
    lower, upper = bounds
    if not cumulative and not _plausible(drug, unit, [b[0]["value"] for b in (lower, upper) if b]):
        return None
    parts.append({"role": "drug", "start": drug_atom.start_char, "end": drug_atom.end_char})
    per = "dose" if per_dose else (time or unit["body"])
    found = {
        "kind": "dose", "rule": rule.id, "start": start, "end": end,
        "negated": negated_before(doc, span.start, _NEGATION, 4, skip_atoms=True),
        "drug": {"id": drug.id, "text": drug_atom.text, **({"code": drug.code()} if drug.code() else {})},
        "unit": code, "unit_text": unit["text"], "per": per, "route": route,
        "or_equivalent": or_equivalent, "cumulative": cumulative,
        "parts": sorted(parts, key=lambda p: p["start"]),
    }
    for name, bound in (("lower", lower), ("upper", upper)):
        if bound is not None:
            found[name] = {"value": bound[0]["value"], "inclusive": bound[1], "text": bound[0]["text"]}
    equivalent = _equivalent(drug, unit, code, found)
    if equivalent:
        found["equivalent"] = equivalent
    out = [found]
    for atom in sharing:  # "prednisone or methylprednisolone > 20 mg/day": the same limit for each
        other = _drug_of(atom)
        also = {**found, "drug": {"id": other.id, "text": atom.text, **({"code": other.code()} if other.code() else {})},
                "parts": sorted(found["parts"] + [{"role": "drug", "start": atom.start_char, "end": atom.end_char}],
                                key=lambda p: p["start"])}
        also.pop("equivalent", None)
        equivalent = _equivalent(other, unit, code, also)
        if equivalent:
            also["equivalent"] = equivalent
        out.append(also)
    alt = _ALT.match(text, end)
    if alt is not None:  # "cumulative doxorubicin <= 300 mg/m2 (or > 450 mg/m2 ...)"
        alt_unit = dose_unit_at(text, alt.end("num"))
        if alt_unit is not None and alt_unit["code"] == unit["code"]:
            side, inclusive = OPS[{"\u2264": "<=", "\u2265": ">="}.get(alt.group("op"), alt.group("op"))]
            second = {k: v for k, v in found.items() if k not in ("lower", "upper", "equivalent")}
            second.update({"rule": rule.id + ".alternative", "start": alt.start("op"), "end": alt_unit["end"],
                           "unit_text": alt_unit["text"],
                           "parts": [{"role": "comparator", "start": alt.start("op"), "end": alt.end("op")},
                                     {"role": "value", "start": alt.start("num"), "end": alt.end("num")},
                                     {"role": "unit", "start": alt_unit["start"], "end": alt_unit["end"]}]})
            second["lower" if side == ">" else "upper"] = {"value": parse_number(alt.group("num")),
                                                           "inclusive": inclusive, "text": alt.group("num")}
            out.append(second)
    return out


def _joined_drugs(doc, drug_atom: Span, drug_atoms: list[Span], number) -> list[Span]:
    """The drugs joined to the dosed one by "or", "and", a comma or a slash alone, the last right before the
    comparator ("prednisone or methylprednisolone > 20 mg/day"); none when anything else stands between them
    ("prednisolone (or prednisone, or equivalent)", "A or B at doses of") or when a drug is a class."""
    joined = []
    previous = drug_atom
    for atom in drug_atoms:
        if atom.start < previous.end:
            continue
        if atom.start >= number.i or not all(t.lower_ in _JOINERS for t in doc[previous.end:atom.start]) or \
                _kind(atom) != "drug":
            break
        if atom.id_ != drug_atom.id_ and all(atom.id_ != a.id_ for a in joined):
            joined.append(atom)  # "doxorubicin or liposomal doxorubicin": one drug, one limit
        previous = atom
    if any(t.ent_type_ not in ("CMP_PRE", "CMP_AGE_PRE") for t in doc[previous.end:number.i]):
        # "methylprednisolone or prednisone in a dose of 10 mg/day", "tacrolimus, voclosporin (<= 23.7 mg twice
        # daily)": the dose is said of the last
        return []
    return joined


def _bracketed_owner(doc, drug_atom: Span, drug_atoms: list[Span], number) -> Span:
    """"cyclosporine, tacrolimus, voclosporin (<= 23.7 mg twice daily)": a dose in brackets right after the last
    drug of a list joined by commas and "or" is that drug's."""
    last = drug_atom
    for atom in drug_atoms:
        if atom.start < last.end:
            continue
        if atom.start >= number.i or not all(t.lower_ in _JOINERS for t in doc[last.end:atom.start]):
            break
        last = atom
    gap = doc[last.end:number.i]
    if last is not drug_atom and len(gap) and gap[0].text == "(" and \
            all(t.ent_type_ in ("CMP_PRE", "CMP_AGE_PRE") for t in gap[1:]) and _kind(last) == "drug":
        return last
    return drug_atom


def _with_frequency(code: str, time: str | None, freq: re.Match) -> tuple[str, str | None, bool, int]:
    for basis in ("day", "week", "month"):
        if freq.group(basis):
            return f"{code}/{basis}", basis, False, freq.end()
    return code, time, True, freq.end()


def _route(doc, span: Span, drug_atom: Span, after: re.Match | None) -> str | None:
    """The route as stated: a route word just before the drug ("oral prednisone", "IV methylprednisolone")
    or right after the dose ("10 mg orally")."""
    for t in reversed(doc[max(span.start - 1, drug_atom.start - 3, 0):drug_atom.start]):
        route = _ROUTES.get(t.lower_)
        if route is not None:
            return route
        if t.is_punct and t.text not in "(-":
            break
    if after is not None:
        said = re.sub(r"\s+", " ", after.group("route").lower())
        return _ROUTES.get(said) or _ROUTES.get(said.rstrip("."))
    return None


def _amount_in(unit: dict, range_unit: str | None) -> float | None:
    """The factor from the stated amount unit to the catalogue range unit, or ``None`` if not comparable."""
    amount = unit["amount"]
    if amount is None or unit["body"] is not None or range_unit is None:
        return None
    if amount in _MASS_MG and range_unit == "mg":
        return _MASS_MG[amount]
    a, r = _UNITS_EQUAL.get(amount, amount), _UNITS_EQUAL.get(range_unit, range_unit)
    if a == r:
        return 1.0
    if amount == "10*6.[IU]" and r == "[IU]":
        return 1e6
    return None


def _plausible(drug: Drug, unit: dict, values: list) -> bool:
    """Within the catalogue's plausible range for the drug ("prednisone 2019 mg" is not a dose)."""
    if not drug.dose_range:
        return True
    factor = _amount_in(unit, drug.dose_range_unit)
    if factor is None:
        return True
    lo, hi = drug.dose_range
    return all(lo <= float(v) * factor <= hi for v in values)


def _equivalent(drug: Drug, unit: dict, code: str, found: dict) -> dict | None:
    """The dose as prednisone (corticosteroids) or oral morphine (opioids) milligrams, by the catalogue's
    factor: dexamethasone 4 mg/day ≈ 26.68 mg/day prednisone."""
    if drug.prednisone_factor is not None and drug.id != "prednisone":
        ref, factor = "prednisone", drug.prednisone_factor
    elif drug.morphine_factor is not None and drug.id != "morphine":
        ref, factor = "morphine", drug.morphine_factor
    else:
        return None
    mass = _amount_in(unit, "mg")
    if mass is None:
        return None
    out = {"drug": ref, "factor": factor, "unit": "mg" + code[len(unit["amount"]):]}
    for name in ("lower", "upper"):
        if name in found:
            out[name] = {"value": round(float(found[name]["value"]) * mass * factor, 4),
                         "inclusive": found[name]["inclusive"]}
    return out


# Amounts of what is consumed or received that are no drug of the catalogue, read by patterns of their own (the
# annotation guide counts them as doses): tobacco and alcohol and caffeine per day or week ("more than 5
# cigarettes per day", "men >30g/d" of alcohol), radiation in Gy ("total doses of >=40 and <=80 Gy"), and
# cycles or courses of a therapy ("3 to 6 cycles of an induction therapy").
_CMP_WORDS = {
    ">=": ">=", "at least": ">=", "no less than": ">=", "not less than": ">=", "a minimum of": ">=", "minimum of": ">=",
    "minimum": ">=", "=>": ">=", "greater than or equal to": ">=", "more than or equal to": ">=",
    "equal to or greater than": ">=", "equal to or more than": ">=", "> or =": ">=", "or more than": ">",
    "higher than": ">", "lower than": "<", "less than or equal to": "<=", "equal to or less than": "<=",
    "< or =": "<=", "limited to": "<=",
    ">": ">", "more than": ">", "greater than": ">", "over": ">", "above": ">", "exceeding": ">", "in excess of": ">",
    "<=": "<=", "=<": "<=", "</=": "<=", "no more than": "<=", "not more than": "<=", "up to": "<=", "maximum of": "<=",
    "a maximum of": "<=", "not exceeding": "<=",
    "<": "<", "less than": "<", "fewer than": "<", "under": "<", "below": "<",
}
_CMP_RE = "|".join(sorted((re.escape(c).replace(r"\ ", r"\s+") for c in _CMP_WORDS), key=len, reverse=True))
_NUM = r"\d+(?:\.\d+)?"
_BOUND = rf"(?:(?P<cmp>{_CMP_RE})\s*)?(?P<num>{_NUM})(?:\s*(?:-|–|to|and)\s*(?:(?P<cmp2>{_CMP_RE})\s*)?(?P<num2>{_NUM}))?"
_PERIOD = r"(?P<period>day|d|week|wk|month|occasion|sitting)\b"
_DAILY = r"(?P<daily>daily|weekly)\b"
_CONSUMED = re.compile(
    rf"(?<![\w.]){_BOUND}(?:\s+(?P<what>cigarettes?|cigars?|pipes?|(?:alcoholic\s+|standard\s+)?drinks?|"
    rf"units?\s+of\s+(?P<of>alcohol|caffeine)|cups?\s+of\s+coffee|servings?(?:\s+of\s+alcohol)?)|\s*(?P<grams>g|grams?))"
    rf"\s*(?:(?:(?:per|a|an|each|every|/)\s*|in\s+a\s+(?:single\s+)?){_PERIOD}|{_DAILY})", re.IGNORECASE)
# "at least 10 pack-years": a cumulative dose of tobacco
_PACK_YEARS_DOSE = re.compile(rf"(?<![\w.]){_BOUND}[ \t]*(?:-[ \t]*)?(?P<what>pack[\s-]*(?:years?|yrs?))\b", re.IGNORECASE)
_ALCOHOL_CONTEXT = re.compile(r"\b(?:alcohol\w*|ethanol|drink\w*)\b", re.IGNORECASE)
_RADIATION = re.compile(
    rf"(?<![\w.]){_BOUND}\s*(?P<unit>c?Gy(?:-?Eq)?|Gray)\b(?:\s*(?P<fraction>(?:per|/)\s*(?:daily\s+)?fraction))?",
    re.IGNORECASE)
_RADIATION_CONTEXT = re.compile(r"\b(?:radiation|radiotherap\w*|irradiat\w*|RT|SBRT|SRS|IMRT|BNCT|dose|doses|fraction\w*|"
                                r"brachytherap\w*|radiosurgery)\b", re.IGNORECASE)
_CYCLES = re.compile(
    rf"(?<![\w.]){_BOUND}\s+(?:prior\s+|previous\s+|complete\s+|full\s+)?(?P<what>cycles?|courses?|blocks?)\s+of\s+"
    r"(?P<therapy>(?:an?\s+|the\s+)?[A-Za-z][\w/-]*(?:(?:[ \t]+|[ \t]*\r?\n[ \t]*)(?!(?:and|or|with|that|which|"
    r"including|in|at|for|on|of|before|after|prior|within|is|are|was|were|must|should|will|has|have|had|to|from|"
    r"during|since|required|if|comprised|comprising|as|but|then|given|followed|plus|per|containing|consisting)\b)"
    r"[A-Za-z][\w/-]*){0,3})", re.IGNORECASE)
# a worked example of pack-years ("e.g., 20 cigarettes per day for 10 years"): not a criterion
_PACK_YEARS = re.compile(r"\s*(?:for|x|×)\s*\d+\s*(?:years?|yrs?)\b", re.IGNORECASE)
_EXAMPLE_BEFORE = re.compile(r"(?:e\.\s?g\.?|example|i\.\s?e\.?)[\s,:}\])]*$", re.IGNORECASE)
_EXPOSURE_GATE = re.compile(r"cigar|drink|alcohol|caffeine|coffee|ethanol|gy\b|gray|cycle|course|block|pack", re.IGNORECASE)
# what each alternative of _EXPOSURE_GATE holds, for an ASCII text's lower case (tests/test_speed_equivalence.py)
_EXPOSURE_STEMS = ("cigar", "drink", "alcohol", "caffeine", "coffee", "ethanol", "gy", "gray", "cycle", "course", "block",
                   "pack")


def may_expose(text: str) -> bool:
    """``_EXPOSURE_GATE.search(text) is not None``, without its slow scan in most items (they hold no stem)."""
    return may_hold_stem(text, _EXPOSURE_STEMS) and _EXPOSURE_GATE.search(text) is not None


def _clause_start(text: str, pos: int) -> int:
    """Where the clause holding ``pos`` starts: after a full stop, a semicolon or a line break."""
    return max(text.rfind(ch, 0, pos) for ch in ".;\n") + 1


def _exposure_bounds(m: re.Match) -> dict:
    def op(name):
        return _CMP_WORDS.get(re.sub(r"\s+", " ", m.group(name).lower())) if m.group(name) else None
    values = [m.group("num")] + ([m.group("num2")] if m.group("num2") else [])
    nums = [float(v) if "." in v else int(v) for v in values]
    out: dict = {}
    if len(nums) == 2:
        lo_op, hi_op = op("cmp") or ">=", op("cmp2") or "<="
        out["lower"] = {"value": nums[0], "inclusive": lo_op == ">=", "text": values[0]}
        out["upper"] = {"value": nums[1], "inclusive": hi_op != "<", "text": values[1]}
        return out
    o = op("cmp")
    if o is None or o in (">=", ">"):
        out["lower"] = {"value": nums[0], "inclusive": o != ">", "text": values[0]}
    if o is None or o in ("<=", "<"):
        out["upper"] = {"value": nums[0], "inclusive": o != "<", "text": values[0]}
    return out


def _exposure(m: re.Match, drug_id: str, drug_text: str, drug_span: tuple[int, int] | None, unit: str, per: str | None,
              rule: str) -> dict:
    parts = [{"role": "value", "start": m.start("num"), "end": m.end("num")}]
    if m.group("cmp"):
        parts.insert(0, {"role": "comparator", "start": m.start("cmp"), "end": m.end("cmp")})
    if drug_span:
        parts.append({"role": "drug", "start": drug_span[0], "end": drug_span[1]})
    drug = {"id": drug_id, "text": drug_text} if drug_span else {"id": drug_id}  # the surface text, when written
    found = {"kind": "dose", "rule": rule, "start": m.start(), "end": m.end(), "negated": False,
             "drug": drug, "unit": unit, "unit_text": None, "per": per, "route": None,
             "or_equivalent": False, "cumulative": False, "parts": sorted(parts, key=lambda p: p["start"])}
    found.update(_exposure_bounds(m))
    return found


_PERIODS = {"d": "day", "day": "day", "week": "week", "wk": "week", "month": "month", "occasion": "occasion",
            "sitting": "occasion"}


def exposures(text: str, found: list[dict]) -> list[dict]:
    """Doses of tobacco, alcohol, caffeine, radiation and cycles of a therapy in ``text``, none of them inside
    a constraint already found."""
    if not may_expose(text):
        return []
    taken = [(f["start"], f["end"]) for f in found]
    out: list[dict] = []

    def free(m: re.Match) -> bool:
        return not any(s < m.end() and m.start() < e for s, e in taken + [(o["start"], o["end"]) for o in out])

    for m in _CONSUMED.finditer(text):
        if not free(m) or _PACK_YEARS.match(text, m.end()) or _EXAMPLE_BEFORE.search(text, max(0, m.start() - 25),
                                                                                     m.start()):
            continue
        period = _PERIODS[m.group("period").lower()] if m.group("period") else (
            "day" if m.group("daily").lower() == "daily" else "week")
        what = (m.group("what") or "").lower()
        if m.group("grams"):
            clause = _clause_start(text, m.start())
            if not _ALCOHOL_CONTEXT.search(text, clause, m.start()):
                continue
            drug, unit, span = "alcohol", f"g/{period}", None
        elif what.startswith(("cigarette", "cigar", "pipe")):
            noun = "cigars" if what.startswith("cigar") and not what.startswith("cigarette") else \
                ("pipes" if what.startswith("pipe") else "cigarettes")
            drug, unit, span = "tobacco", f"{noun}/{period}", (m.start("what"), m.end("what"))
        elif m.group("of"):
            drug, unit, span = m.group("of").lower(), f"units/{period}", (m.start("of"), m.end("of"))
        elif what.startswith("cups"):
            drug, unit, span = "caffeine", f"cups/{period}", (m.start("what"), m.end("what"))
        else:  # drinks, servings
            drug, unit, span = "alcohol", f"{'servings' if what.startswith('serving') else 'drinks'}/{period}", \
                (m.start("what"), m.end("what"))
        out.append(_exposure(m, drug, text[span[0]:span[1]] if span else "alcohol", span, unit, period,
                             "dose.consumption"))
    for m in _PACK_YEARS_DOSE.finditer(text):
        if not free(m) or _EXAMPLE_BEFORE.search(text, max(0, m.start() - 25), m.start()):
            continue
        found = _exposure(m, "tobacco", m.group("what"), (m.start("what"), m.end("what")), "pack-years", None,
                          "dose.consumption")
        found["cumulative"] = True
        out.append(found)
    for m in _RADIATION.finditer(text):
        clause = _clause_start(text, m.start())
        if not free(m) or not _RADIATION_CONTEXT.search(text, clause, min(len(text), m.end() + 40)):
            continue
        unit = "cGy" if m.group("unit").lower().startswith("cgy") else (
            "Gy-Eq" if m.group("unit").lower().endswith("eq") else "Gy")
        per = "fraction" if m.group("fraction") else None
        out.append(_exposure(m, "radiation", "radiation", None, unit + ("/fraction" if per else ""), per,
                             "dose.radiation"))
    for m in _CYCLES.finditer(text):
        if not free(m):
            continue
        therapy = re.sub(r"^(?:an?|the)\s+", "", m.group("therapy"), flags=re.IGNORECASE)
        name = re.sub(r"\s+", " ", therapy)
        drug = _drug_by_alias().get(name.lower())
        out.append(_exposure(m, drug.id if drug else name.lower(), name, (m.end() - len(therapy), m.end()),
                             "cycles", None, "dose.cycles"))
    return out


@lru_cache(maxsize=1)
def _drug_by_alias() -> dict:
    return {alias.lower(): d for d in drugs().values() for alias in [d.id, *d.aliases]}
