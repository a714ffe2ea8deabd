"""Adapters that turn the annotations of published corpora into gold records comparable with ours.

Each adapter yields gold records (``criteria.text`` = the corpus text, ``constraints`` in our format with
``rules: ["<corpus>"]``) and says which kinds and fields it can express; ``docs/corpora.md`` documents the
mapping and its limits.

- LCT (Leaf Clinical Trials): ``Eq-Comparison`` events attached by ``Numeric-Filter`` to ``Age`` (age) or
  ``Observation`` (measurement), by ``Dose`` to ``Drug`` (dose), by ``Temporality``/``Duration`` to any
  event (window).
- COVID-19 OMOP: rows with a ``numeric_source_text``: ``Person`` "age" rows (age), the others
  (measurement); ``numeric_att_min``/``numeric_att_max`` (99999 = open) give the values; no inclusive
  flags, so values are compared without them.
- Chia: ``Value`` entities with ``Has_value`` from ``Person`` (age) or ``Measurement`` (measurement),
  ``Multiplier`` by ``Has_multiplier``; ``Temporal`` entities with ``Has_temporal`` (window); a ``Drug``'s
  ``Value`` or ``Multiplier`` holding a number with a dose unit (dose).
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from .numbers import parse_number
from .schema import schema_version

_TIME_UNITS = {"second": "seconds", "minute": "minutes", "hour": "hours", "day": "days", "week": "weeks",
               "month": "months", "year": "years"}


def _record(trial_id: str, text: str, constraints: list[dict], corpus: str, locator: str) -> dict:
    constraints = [_exposure_as_dose(c, text) for c in constraints]
    return {
        "schema_version": schema_version(), "trial_id": trial_id,
        "source": {"format": "text", "input": corpus, "locator": locator}, "registry": None,
        "criteria": {"text": text, "start": 0, "end": len(text), "is_page": False},
        "items": [], "constraints": constraints, "warnings": [],
        "extractor": {"name": "eligex", "version": corpus},
    }


def _exposure_as_dose(c: dict, text: str) -> dict:
    """A corpus threshold on what the drug catalogue does not hold but the annotation guide counts as a dose
    (cigarettes or drinks per day, Gy of radiation, cycles of a therapy: ``dose.exposures``) is a dose, as
    the project's gold writes it; the corpora annotate them as observations with a value."""
    from .dose import exposures

    if c.get("kind") != "measurement":
        return c
    ev = c["evidence"]
    found = [f for f in exposures(text[ev["start"]:min(len(text), ev["end"] + 30)], [])
             if f["start"] < ev["end"] - ev["start"]]
    if len(found) != 1:
        return c
    f = found[0]
    keep = {k: v for k, v in c.items() if k not in ("variable", "unit", "reference", "measure_kind", "kind")}
    return {**keep, "kind": "dose", "drug": f["drug"], "unit": f["unit"]}


def _section_at(text: str, pos: int) -> str:
    """The section of the last heading line before ``pos`` (headings as our segmenter reads them)."""
    from .sections import _HEADING_INLINE, _section_of, classify_heading

    section = "unspecified"
    line_start = 0
    for line in text[:pos].split("\n"):
        heading = classify_heading(line)
        if heading is not None and heading[0] != "unspecified":
            section = heading[0]
        else:
            m = _HEADING_INLINE.match(line.strip())
            if m:
                section = _section_of(m.group("kw"))
        line_start += len(line) + 1
    return section


def _span(text: str, start: int, end: int) -> dict:
    return {"start": start, "end": end, "text": text[start:end]}


def _bounds(op: str | None, values: list[float]) -> dict | None:
    """Bounds from an LCT operator (EQ, LT, LTEQ, GT, GTEQ, BETWEEN) and its values."""
    if not values:
        return None
    op = op or ("BETWEEN" if len(values) > 1 else "EQ")
    v = values[0]
    if op == "BETWEEN" and len(values) > 1:
        lo, hi = sorted(values[:2])
        return {"lower": {"value": lo, "inclusive": True}, "upper": {"value": hi, "inclusive": True}}
    if op == "EQ":
        return {"lower": {"value": v, "inclusive": True}, "upper": {"value": v, "inclusive": True}}
    if op in ("GT", "GTEQ"):
        return {"lower": {"value": v, "inclusive": op == "GTEQ"}}
    if op in ("LT", "LTEQ"):
        return {"upper": {"value": v, "inclusive": op == "LTEQ"}}
    return None


# -- BRAT ---------------------------------------------------------------------------------------------
# Condition mentions of the corpora that our model puts elsewhere (pregnancy, lactation, child-bearing
# potential, menopause: other kinds) or does not hold as a diagnosis (a contraindication, good health)
_NOT_A_CONDITION = re.compile(
    r"pregnan|gestation|lactat|breast[- ]?fe|nursing|child[- ]?bearing|reproductive potential|menopaus|"
    r"contra-?indicat|^\s*healthy\s*$|good (?:general )?health|steril", re.IGNORECASE)


def _aligned(text: str, span: dict) -> tuple[int, int]:
    """A span's offsets, moved to the nearest place its own text stands when the corpus's offsets are
    shifted (some Chia files are off by a few characters); unchanged when the text is not nearby."""
    start, end = span["start"], span["end"]
    if text[start:end] == span["text"]:
        return start, end
    best = None
    for m in re.finditer(re.escape(span["text"]), text[max(0, start - 60):end + 60]):
        at = max(0, start - 60) + m.start()
        if best is None or abs(at - start) < abs(best - start):
            best = at
    return (best, best + len(span["text"])) if best is not None else (start, end)


def read_brat(ann: str) -> tuple[dict, dict, list, dict]:
    """``(spans, events, relations, attributes)`` of a BRAT .ann text."""
    spans, events, relations, attrs = {}, {}, [], defaultdict(dict)
    for line in ann.splitlines():
        if not line.strip() or "\t" not in line:
            continue
        parts = line.split("\t")
        ident = parts[0]
        if ident.startswith("T") and len(parts) >= 3:
            kind, _, offsets = parts[1].partition(" ")
            pieces = [tuple(map(int, p.split())) for p in offsets.split(";")]
            spans[ident] = {"type": kind, "start": pieces[0][0], "end": pieces[-1][1], "text": parts[2]}
        elif ident.startswith("E"):
            args = parts[1].split()
            etype, _, trigger = args[0].partition(":")
            roles = defaultdict(list)
            for a in args[1:]:
                role, _, target = a.partition(":")
                roles[re.sub(r"\d+$", "", role)].append(target)
            events[ident] = {"type": etype, "trigger": trigger, "roles": roles}
        elif ident.startswith("R"):
            rtype, a1, a2 = parts[1].split()[:3]
            relations.append((rtype, a1.split(":")[1], a2.split(":")[1]))
        elif ident.startswith("A"):
            bits = parts[1].split()
            if len(bits) >= 3:
                attrs[bits[1]][bits[0]] = bits[2]
    return spans, events, relations, attrs


def catalogue_id(name: str) -> str:
    """A corpus' variable text as our catalogue id when it is one of the catalogue's aliases ("absolute
    neutrophil count" → ANC), also with its abbreviation in brackets ("Body Mass Index (BMI)") or a word
    that names no other quantity around it ("serum bilirubin level"); otherwise the text itself.

    >>> catalogue_id("Estimated Glomerular Filtration Rate (eGFR)"), catalogue_id("serum creatinine concentrations")
    ('eGFR', 'creatinine')
    """
    from .measurement import alias_ids

    table = alias_ids()
    text = re.sub(r"\s+", " ", name.strip().lower())
    brackets = re.findall(r"[(\[]([^()\[\]]+)[)\]]", text)
    outside = re.sub(r"\s*[(\[][^()\[\]]*[)\]]\s*", " ", text).strip()
    candidates = [text, outside, *brackets] if brackets else [text]
    for candidate in list(candidates):
        bare = re.sub(r"^(?:serum|plasma|blood|total|the)\s+|\s+(?:levels?|concentrations?|values?|counts?|score)$", "",
                      candidate)
        candidates.append(bare)
    found = {table[c] for c in candidates if c in table}
    return found.pop() if len(found) == 1 else table.get(text, name)


@lru_cache(maxsize=1)
def _drug_aliases() -> dict[str, str]:
    from .drugs import drugs

    return {a.lower(): d.id for d in drugs().values() for a in d.aliases}


def drug_id(name: str) -> str:
    """A corpus' drug text as our catalogue id when it is one of the drug catalogue's aliases ("MMF" →
    mycophenolate_mofetil), also after a route word our records keep apart ("oral mesalamine" → mesalazine);
    otherwise the text itself."""
    from .dose import _ROUTES

    table = _drug_aliases()
    said = re.sub(r"\s+", " ", name.strip().lower())
    route, _, rest = said.partition(" ")
    if said not in table and route in _ROUTES and rest in table:
        return table[rest]
    return table.get(said, name)


def dose_unit(value_text: str) -> str | None:
    """The dose unit code written after the first number of a corpus value text ("> 6mg/day" → mg/day)."""
    from .dose import dose_unit_at

    m = re.search(_NUMBER, value_text)
    if not m:
        return None
    unit = dose_unit_at(value_text, m.end())
    if unit is None:
        return None
    freq = re.match(r"\s*(?:(?:of\s+)?[a-z]+\s+)?(?:daily|per\s+day|a\s+day|qd|/d\b)", value_text[unit["end"]:],
                    re.IGNORECASE)
    if freq and unit["time"] is None:
        return unit["code"] + "/day"
    return unit["code"]


def _num(text: str) -> float | None:
    value = parse_number(re.sub(r"[^\d.,]", "", text) or text)
    return float(value) if value is not None else None


# -- LCT ------------------------------------------------------------------------------------------------
LCT_KINDS = ("age", "measurement", "dose", "window", "condition")
LCT_IGNORE = ("window.anchor",)


def lct(folder: str | Path) -> Iterator[dict]:
    for ann_path in sorted(Path(folder).rglob("*.ann")):
        txt_path = ann_path.with_suffix(".txt")
        if not txt_path.exists():
            continue
        text = txt_path.read_text(encoding="utf-8")
        spans, events, _, attrs = read_brat(ann_path.read_text(encoding="utf-8"))
        constraints = []
        for ev in events.values():
            for role, targets in ev["roles"].items():
                if role not in ("Numeric-Filter", "Temporality", "Duration", "Dose"):
                    continue
                found = []
                for target in targets:
                    cmp_ev = events.get(target)
                    if cmp_ev is None or cmp_ev["type"] != "Eq-Comparison":
                        continue
                    c = _lct_constraint(ev, role, cmp_ev, spans, attrs, text)
                    if c is not None:
                        found.append(c)
                if len(found) == 1 and found[0]["kind"] == "measurement":
                    found = split_pressure_pair(found[0], found[0]["evidence"]["text"])
                for c in _merge_bounds(found, text):
                    c["id"] = f"g{len(constraints) + 1}"
                    constraints.append(c)
        negated = {t for ev in events.values() if ev["type"] == "Negation" for t in ev["roles"].get("Negates", ())}
        for eid, ev in events.items():
            trig = spans.get(ev["trigger"])
            if ev["type"] == "Condition" and trig is not None and not _NOT_A_CONDITION.search(trig["text"]):
                constraints.append({"id": f"g{len(constraints) + 1}", "kind": "condition",
                                    "section": _section_at(text, trig["start"]), "negated": eid in negated,
                                    "rules": ["lct"], "evidence": _span(text, trig["start"], trig["end"]),
                                    "concept": {"id": trig["text"].lower(), "text": trig["text"]}})
        yield _record(ann_path.stem, text, constraints, "lct", str(ann_path.relative_to(Path(folder))))


def _merge_bounds(found: list[dict], text: str) -> list[dict]:
    """"age >= 20 and <= 40": LCT writes two comparisons for one event; we write one interval."""
    if len(found) == 2 and found[0]["kind"] in ("age", "measurement", "dose"):
        a, b = found
        lower = a.get("lower") or b.get("lower")
        upper = b.get("upper") or a.get("upper")
        # "< 18 or > 30 kg/m2" is two thresholds (outside a range), not one interval
        if (a.get("lower") is None) != (b.get("lower") is None) and lower and upper and \
                lower["value"] <= upper["value"]:
            start = min(a["evidence"]["start"], b["evidence"]["start"])
            end = max(a["evidence"]["end"], b["evidence"]["end"])
            merged = {**a, "lower": lower, "upper": upper, "evidence": _span(text, start, end)}
            if "unit" in a:  # ">= 25 and < 30 kg/m2": the unit said once, after the second value
                merged["unit"] = a.get("unit") or b.get("unit")
            return [merged]
    return found


_LIMIT_OF_NORMAL = re.compile(
    r"(?:x\s*)?(?:the\s+)?(?:institutional\s+)?(?:ULN|LLN|(?:upper|lower|highest|maximum)\s+(?:limits?|normal|"
    r"reference)(?:\s+(?:of\s+)?(?:the\s+)?(?:normal|value|range|limit))*|"
    r"(?:maximum\s+)?normal(?:\s+(?:value|limit)s?)?)",
    re.IGNORECASE)
_NO_UNIT = re.compile(r"scores?|points?|grades?|stages?|class", re.IGNORECASE)


def _lct_unit(cmp_ev: dict, spans: dict) -> str | None:
    """The unit of an LCT comparison: its ``Unit`` with the ``Per`` parts that follow it ("kg" per "m²" is
    "kg/m²"; "mL" per "min" per "1.73 m2" is "mL/min/1.73 m2"); a ``Per`` alone is "per" it ("/mm3")."""
    units = sorted((spans[t] for t in cmp_ev["roles"].get("Unit", []) if t in spans), key=lambda u: u["start"])
    pers = sorted((spans[t] for t in cmp_ev["roles"].get("Per", []) if t in spans), key=lambda u: u["start"])
    if not units:
        return "/" + "/".join(p["text"] for p in pers) if pers else None
    first = units[0]
    stop = units[1]["start"] if len(units) > 1 else float("inf")
    per = [p["text"] for p in pers if first["start"] < p["start"] < stop]
    return "/".join([first["text"], *per])


def _lct_constraint(ev, role, cmp_ev, spans, attrs, text) -> dict | None:
    trig = spans.get(cmp_ev["trigger"])
    if trig is None:
        return None
    op_t = (cmp_ev["roles"].get("Operator") or [None])[0]
    op = attrs.get(op_t, {}).get("Eq-Operator-Value") if op_t else None
    values = [_num(spans[t]["text"]) for r in ("Value", "Value2") for t in cmp_ev["roles"].get(r, []) if t in spans]
    values = [v for v in values if v is not None]
    bounds = _bounds(op, values)
    if bounds is None:
        return None
    tu = (cmp_ev["roles"].get("Temporal-Unit") or [None])[0]
    tunit = _TIME_UNITS.get(attrs.get(tu, {}).get("Eq-Temporal-Unit-Value", "")) if tu else None
    unit = _lct_unit(cmp_ev, spans)
    head = spans.get(ev["trigger"], {})
    base = {"section": _section_at(text, trig["start"]), "negated": False, "rules": ["lct"],
            "evidence": _span(text, trig["start"], trig["end"])}
    if ev["type"] == "Age" and role == "Numeric-Filter":
        return {**base, "kind": "age", "variable": "age", "unit": tunit or "years", "unit_stated": tunit is not None,
                **bounds}
    if ev["type"] == "Observation" and role == "Numeric-Filter":
        name = head.get("text", "")
        found = {**base, "kind": "measurement", "variable": {"id": catalogue_id(name), "text": name},
                 "unit": unit or tunit, **bounds}
        if unit and _LIMIT_OF_NORMAL.fullmatch(unit):  # "3 times the upper limit of normal": a reference
            found["unit"] = None
            found["reference"] = {"type": "LLN" if unit.lower().startswith("lower") else "ULN"}
        elif unit and _NO_UNIT.fullmatch(unit):  # "score", "points", "grade": scales have no unit
            found["unit"] = None
        return found
    if ev["type"] == "Drug" and role == "Dose":
        name = head.get("text", "")
        return {**base, "kind": "dose", "drug": {"id": drug_id(name), "text": name}, "unit": unit, **bounds}
    if role in ("Temporality", "Duration") and tunit and len(values) == 1:
        direction = "before" if op in ("LT", "LTEQ", None, "EQ") else "since"
        if role == "Duration":
            direction = "since"
        event_type = {"Condition": "condition", "Procedure": "procedure", "Drug": "drug", "Study": "trial_participation",
                      "Observation": "measurement"}.get(ev["type"], "other")
        return {**base, "kind": "window", "event": {"type": event_type, "text": head.get("text", ev["type"])},
                "window": {"amount": values[0], "unit": tunit, "direction": direction, "anchor": "unspecified"}}
    return None


_PAIR = re.compile(r"(\d{2,3})\s*/\s*(\d{2,3})(?!\s*\d)")
_PRESSURE = re.compile(r"\bBP\b|pressure", re.IGNORECASE)


def split_pressure_pair(c: dict, value_text: str) -> list[dict]:
    """"blood pressure > 160/100 mmHg" is two thresholds, systolic > 160 and diastolic > 100, as our gold
    writes it (one constraint per variable); the corpora write one with the first number."""
    m = _PAIR.search(value_text)
    name = c["variable"]["text"]
    if not m or not _PRESSURE.search(name) or re.search(r"systolic|diastolic", name, re.IGNORECASE):
        return [c]
    side = "lower" if c.get("lower") else "upper"
    if not c.get(side) or (c.get("lower") and c.get("upper")):
        return [c]
    out = []
    for vid, number in (("systolic_bp", m.group(1)), ("diastolic_bp", m.group(2))):
        bound = {**c[side], "value": float(number)}
        out.append({**c, "variable": {"id": vid, "text": name}, side: bound})
    return out


# numbers that belong to a unit: "/1.73 m2", "x 10^9/L", "109/L" (a lost superscript), "m^2"
_UNIT_NUMBERS = re.compile(r"/\s*1[.,]73\s*m(?:\s*\^?\s*2|\u00b2)?|\b10\s*(?:\^|\*|e)\s*\(?\d{1,2}\)?|\b10[369]\s*(?:/|per\b)|\bm\s*\^\s*2\b",
                           re.IGNORECASE)


def _values_outside_unit(numeric: str) -> list[float]:
    """The numbers of a corpus' numeric text that are not part of its unit ("< 30 mL/min/1.73 m^2" → 30)."""
    masked = _UNIT_NUMBERS.sub(lambda m: " " * len(m.group()), numeric)
    values = [v for v in (_num(n) for n in re.findall(_NUMBER, masked)) if v is not None]
    return sorted(values[:2])


# -- COVID-19 OMOP --------------------------------------------------------------------------------------
COVID_KINDS = ("age", "measurement")
COVID_IGNORE = ("lower", "upper", "unit", "reference", "negated", "variable")
COVID_EXTRA = ("values",)


def covid(folder: str | Path) -> Iterator[dict]:
    folder = Path(folder)
    texts = {p.stem: p for p in (folder / "700_annotated_trials").glob("*.txt")}
    rows = defaultdict(list)
    with (folder / "all_criteria_corpus.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            rows[row["nct_id"]].append(row)
    for nct in sorted(rows):
        if nct not in texts:
            continue
        text = texts[nct].read_text(encoding="utf-8")
        constraints = []
        for row in rows[nct]:
            numeric = (row.get("numeric_source_text") or "").strip()
            if not numeric or not row["start_index"].isdigit():
                continue
            values = [float(v) for v in (row["numeric_att_min"], row["numeric_att_max"])
                      if v not in ("", "99999", "99999.0", "-99999")]
            if values and _UNIT_NUMBERS.search(numeric):
                # "75 mL/min/1.73 m2" has min 1.73, "<1000 x 10^9/L" min 9 and max 10: the corpus read numbers
                # of the unit as values; the values are the numbers outside it
                values = _values_outside_unit(numeric) or values
            if not values:
                continue
            start, end = int(row["start_index"]), int(row["end_index"])
            if end > len(text) or start >= end:
                continue
            # the numeric text stands beside the entity: widen the evidence to cover both, on one line
            line_start = text.rfind("\n", 0, start) + 1
            line_end = text.find("\n", end)
            line_end = len(text) if line_end < 0 else line_end
            at = text.find(numeric, line_start, line_end)
            if at >= 0:
                start, end = min(start, at), max(end, at + len(numeric))
            bounds = {"lower": {"value": values[0], "inclusive": True}}
            if len(values) > 1:
                bounds["upper"] = {"value": values[1], "inclusive": True}
            base = {"id": f"g{len(constraints) + 1}", "section": "inclusion" if row["include"] == "1" else "exclusion",
                    "negated": row["negation"] == "1", "rules": ["covid19_omop"], "evidence": _span(text, start, end)}
            if row["domain"] == "Person":  # "age", "aged", "Patients", "Subjects" with a number: an age
                constraints.append({**base, "kind": "age", "variable": "age", "unit": "years", "unit_stated": False,
                                    **bounds})
            elif row["domain"] in ("Measurement", "Observation", "Condition"):
                name = row["entity_source_text"]
                constraints.append({**base, "kind": "measurement", "variable": {"id": catalogue_id(name), "text": name},
                                    "unit": None, **bounds})
        yield _record(nct, text, constraints, "covid19_omop", f"700_annotated_trials/{nct}.txt")


# -- Chia -----------------------------------------------------------------------------------------------
CHIA_KINDS = ("age", "measurement", "dose", "window", "condition")
CHIA_IGNORE = ("section", "window.anchor")

_CMP = [
    (r">=|=>|≥|at least|no less than|not less than|greater than or equal to|"
     r"\b(?:or|and) (?:more|greater|older|above|higher|over)\b|minimum", ">="),
    (r"<=|=<|≤|no more than|not more than|less than or equal to|up to|\bor (?:less|fewer|younger)\b|maximum|"
     r"not exceeding|at most", "<="),
    (r">|greater than|more than|higher than|above|over|older than|exceeding|in excess of", ">"),
    (r"<|less than|lower than|below|under|younger than|fewer than|within", "<"),
]
_NUMBER = r"\d+(?:[.,]\d+)*"
_PAIR_UNIT = re.compile(r"^/\d+\s*")
_POWER_UNIT = re.compile(r"(?:x|\*|\u00d7|times)?\s*\b10\s*(?:\^|\*|e|\()?\s*(?P<exp>\d{1,2})\)?\s*/\s*(?P<per>[a-z\u00b5]+)")
_COMPARATOR_WORDS = re.compile(r"(?:or|and)\s+(?:more|greater|higher|above|over|less|lower|below|under|fewer)")


def parse_value(text: str) -> tuple[dict | None, str | None]:
    """Bounds and unit from a Chia value text ("> 18 years", "between 18 and 65", "<= 2.5 x ULN").

    >>> parse_value("between 18 and 65 years")
    ({'lower': {'value': 18.0, 'inclusive': True}, 'upper': {'value': 65.0, 'inclusive': True}}, 'years')
    """
    t = text.strip().lower().replace("\u2265", ">=").replace("\u2264", "<=").replace("\u2044", "/")
    t = re.sub(r"([<>])\s*(?:/|or|_)\s*=", r"\1=", t)  # "</= 1.5", "<or=6", "< or = 10": inclusive
    # "1.5 x 10^9/L": the power is part of the unit (the annotation guide's "10^9/L"), not a value
    power = _POWER_UNIT.search(t)
    if power:
        t = t[:power.start()] + " " * (power.end() - power.start()) + t[power.end():]
    nums = re.findall(_NUMBER, _UNIT_NUMBERS.sub(lambda m: " " * len(m.group()), t))
    if not nums:
        return None, None
    values = [v for v in (_num(n) for n in nums) if v is not None]
    if not values:
        return None, None
    # the unit as written, without what may follow it: "mg / dl" → "mg/dl", "110 mg/dL or greater",
    # "50 kilogram (kg)", "50% of predicted", "1.73 m2" after a clearance
    u = re.sub(r"\s*/\s*", "/", t)
    u = re.sub(r"\s*\([^()]*\)[\s.]*$", "", u)
    u = re.sub(r"\s+(?:or|and)\s+(?:more|greater|higher|above|over|less|lower|below|under|fewer)[\s.]*$", "", u)
    u = re.sub(r"\s*(?:of\s+)?(?:the\s+)?(?:predicted|pred\b).*$", "", u)
    u = re.sub(r"/1[.,]73\s*m(?:\^?2|\u00b2)?", "/1.73m2", u)
    unit_m = re.search(_NUMBER + r"\s*(?:x\s*)?([a-z%/\u00b5\u00b0][a-z0-9%/^.\u00b5\u00b2\u00b3]*(?:\s[a-z/][a-z0-9/^.]*)?)\s*$", u)
    unit = unit_m.group(1).strip() if unit_m else None
    if power:
        unit = f"10^{power.group('exp')}/{power.group('per')}"
    elif unit and _COMPARATOR_WORDS.fullmatch(unit):  # "2 or higher": a comparator, not a unit
        unit = None
    listed = re.fullmatch(r"[^\d]*\d+(?:\s*,\s*\d+)*\s*,?\s*(?:or|and)\s+\d+\b.*", t)
    if listed and all(b - a == 1 for a, b in zip(values, values[1:])):  # "0, 1 or 2": the whole run
        return {"lower": {"value": values[0], "inclusive": True},
                "upper": {"value": values[-1], "inclusive": True}}, unit
    if len(values) >= 2 and re.search(r"between|-|–|to|and", t):
        lo, hi = sorted(values[:2])
        return {"lower": {"value": lo, "inclusive": True}, "upper": {"value": hi, "inclusive": True}}, unit
    for pattern, op in _CMP:
        if re.search(pattern, t):
            side, inclusive = (("lower", True) if op == ">=" else ("upper", True) if op == "<=" else
                               ("lower", False) if op == ">" else ("upper", False))
            return {side: {"value": values[0], "inclusive": inclusive}}, unit
    return {"lower": {"value": values[0], "inclusive": True}, "upper": {"value": values[0], "inclusive": True}}, unit


def _temporal(text: str) -> dict | None:
    t = text.lower()
    m = re.search(r"(" + _NUMBER + r"|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s*"
                  r"(?:-\s*)?(hours?|days?|weeks?|months?|years?)", t)
    if not m:
        return None
    amount = parse_number(m.group(1))
    unit = m.group(2).rstrip("s") + "s"
    direction = "since" if re.search(r"at least|more than|greater than|over|since|ago|for", t) else "before"
    if re.search(r"within|past|last|prior|before|previous|recent", t) and not re.search(r"at least|more than", t):
        direction = "before"
    return {"amount": float(amount), "unit": unit, "direction": direction, "anchor": "unspecified"}


def chia(folder: str | Path) -> Iterator[dict]:
    for ann_path in sorted(Path(folder).glob("*.ann")):
        text = ann_path.with_suffix(".txt").read_text(encoding="utf-8")
        spans, _, relations, _ = read_brat(ann_path.read_text(encoding="utf-8"))
        section = "exclusion" if ann_path.stem.endswith("_exc") else "inclusion"
        constraints = []
        multipliers = {a: b for r, a, b in relations if r == "Has_multiplier"}
        for rtype, head_id, value_id in relations:
            head, val = spans.get(head_id), spans.get(value_id)
            if head is None or val is None:
                continue
            base = {"section": section, "negated": False, "rules": ["chia"]}
            start, end = min(head["start"], val["start"]), max(head["end"], val["end"])
            if rtype == "Has_value" and val["type"] == "Value" and head["type"] in ("Person", "Measurement"):
                bounds, unit = parse_value(val["text"])
                if bounds is None:
                    continue
                base["evidence"] = _span(text, start, end)
                if head["type"] == "Person":
                    if not re.search(r"\bage|year|old|month", head["text"] + " " + val["text"], re.I):
                        continue
                    unit = _TIME_UNITS.get((unit or "year").split()[0].rstrip("s"), "years")
                    constraints.append({**base, "kind": "age", "variable": "age", "unit": unit,
                                        "unit_stated": True, **bounds})
                else:
                    c = {**base, "kind": "measurement",
                         "variable": {"id": catalogue_id(head["text"]), "text": head["text"]},
                         "unit": unit, **bounds}
                    mult = spans.get(multipliers.get(head_id, ""))
                    # Chia's Multiplier is mostly a count or a frequency ("at least one", "daily", "initial"):
                    # a multiple of the upper limit only when the words say so
                    said = val["text"] + " " + (mult["text"] if mult is not None else "")
                    if re.search(r"uln|upper limits?|(?:times|x)\s*(?:the\s+)?normal", said, re.I):
                        c["reference"] = {"type": "ULN"}
                        c["unit"] = None
                    elif re.search(r"predicted|\bpred\b", val["text"], re.I):  # "50% of predicted"
                        c["reference"] = {"type": "predicted"}
                    pair = split_pressure_pair(c, val["text"])
                    if len(pair) == 2:
                        for p in pair:
                            p["unit"] = _PAIR_UNIT.sub("", p["unit"] or "") or None  # "/90 mmHg" → "mmHg"
                    constraints.extend(pair)
            elif rtype in ("Has_value", "Has_multiplier") and head["type"] == "Drug" and \
                    val["type"] in ("Value", "Multiplier"):
                # a dose: a number with a dose unit ("> 6mg/day", "≤0.5 mg/kg/day"); "stable doses", "daily",
                # "at least one" are not
                # the value span often stops before "daily" or "per day": read on into the text
                # (only where the offsets hold: some Chia offsets are shifted; they are moved to where the
                # entities' own texts stand, as for conditions)
                (h_start, h_end), (v_start, v_end) = _aligned(text, head), _aligned(text, val)
                aligned = text[v_start:v_end] == val["text"]
                unit = dose_unit(val["text"] + (text[v_end:v_end + 20].split("\n")[0] if aligned else ""))
                bounds, _ = parse_value(val["text"])
                if unit is None or bounds is None:
                    continue
                if text[h_start:h_end] == head["text"] and aligned:
                    start, end = min(h_start, v_start), max(h_end, v_end)
                constraints.append({**base, "kind": "dose", "evidence": _span(text, start, end),
                                    "drug": {"id": drug_id(head["text"]), "text": head["text"]}, "unit": unit,
                                    **bounds})
            elif rtype == "Has_temporal" and val["type"] == "Temporal":
                window = _temporal(val["text"])
                if window is None:
                    continue
                event_type = {"Condition": "condition", "Procedure": "procedure", "Drug": "drug",
                              "Measurement": "measurement"}.get(head["type"], "other")
                constraints.append({**base, "kind": "window", "evidence": _span(text, start, end),
                                    "event": {"type": event_type, "text": head["text"]}, "window": window})
        negated = {a for r, a, _ in relations if r == "Has_negation"}
        for tid, sp in spans.items():
            if sp["type"] == "Condition" and not _NOT_A_CONDITION.search(sp["text"]):
                start, end = _aligned(text, sp)
                constraints.append({"section": section, "negated": tid in negated, "rules": ["chia"],
                                    "kind": "condition", "evidence": _span(text, start, end),
                                    "concept": {"id": sp["text"].lower(), "text": sp["text"]}})
        for n, c in enumerate(constraints, 1):
            c["id"] = f"g{n}"
        yield _record(ann_path.stem, text, constraints, "chia", ann_path.name)


CORPORA = {
    "lct": (lct, LCT_KINDS, LCT_IGNORE, ()),
    "covid": (covid, COVID_KINDS, COVID_IGNORE, COVID_EXTRA),
    "chia": (chia, CHIA_KINDS, CHIA_IGNORE, ()),
}
