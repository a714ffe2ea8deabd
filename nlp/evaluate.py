"""Score extracted records against gold: precision, recall and F1 per kind, at two levels, and per field.

- span match: a system constraint of the same kind whose evidence overlaps the gold evidence (one to one;
  ties go to the pair whose variable agrees, then to the larger overlap);
- full match: a span match whose section, variable, bounds (value and inclusive flag), unit, reference,
  window (amount, unit, direction, anchor) and negation all agree with the gold;
- field accuracy: on span-matched pairs, how often each field agrees, so a wrong unit is told apart from a
  missed constraint.

>>> g = {"kind": "age", "section": "inclusion", "negated": False, "variable": "age", "unit": "years",
...      "lower": {"value": 18, "inclusive": True}, "evidence": {"start": 0, "end": 10, "text": "age >= 18"}}
>>> s = dict(g, evidence={"start": 4, "end": 10, "text": ">= 18"})
>>> report = score([({"trial_id": "T", "constraints": [g]}, {"trial_id": "T", "constraints": [s]})])
>>> report["per_kind"]["age"]["full"]["f1"]
1.0
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

KINDS = ("age", "sex", "measurement", "dose", "window", "contraception", "pregnancy", "lactation", "condition")
# The kinds our hand-annotated gold (annotated/) states: the annotation guide does not annotate conditions,
# so they are measured on the published corpora (Chia and LCT annotate every condition mention).
GOLD_KINDS = tuple(k for k in KINDS if k != "condition")

# The fields compared for a full match, per kind ("negated" and "section" for all).
FIELDS = {
    "age": ("lower", "upper", "unit"),
    "sex": ("value",),
    "measurement": ("variable", "lower", "upper", "unit", "reference"),
    "dose": ("variable", "lower", "upper", "unit"),
    "window": ("window.amount", "window.unit", "window.direction", "window.anchor"),
    "contraception": ("windows",),
    "pregnancy": ("test", "window.amount", "window.unit", "window.direction", "window.anchor"),
    "lactation": (),
    # the corpora name a condition in free text, not by a lexicon concept: span, section and negation
    "condition": (),
}
COMMON = ("section", "negated")

# Spellings the unit catalogue does not settle: "x ULN" is a reference, not a unit; counts per µL and per
# mm3 are the same; hours; squared metres written with ^ or ².
_UNIT_SYNONYMS = {
    "mlmin": "ml/min", "xuln": None, "uln": None, "/ul": "/mm3", "/µl": "/mm3", "cells/ul": "/mm3",
    "cells/µl": "/mm3", "mm^3": "/mm3", "hour": "hours", "hr": "hours", "hrs": "hours",
    "mg/m^2": "mg/m2", "mg/m²": "mg/m2",
}


@lru_cache(maxsize=1)
def _unit_codes() -> dict[str, str]:
    """Every surface form and code of the unit catalogue, squeezed and lower-cased → its code; then the dose
    amounts' forms the unit catalogue lacks ("units" of blood or insulin is the dose unit ``U``)."""
    from .dose import dose_units
    from .units import units

    table = {}
    for entry in [*units(), *(e for e in dose_units() if e.kind == "amount")]:
        for form in [entry.code, *entry.forms]:
            table.setdefault(re.sub(r"\s+", "", form).lower().replace("μ", "µ"), entry.code)
    return table


def norm_unit(unit: Any) -> Any:
    """A unit as a comparable code: "ml/min" and "mL/min" agree, "years" and UCUM "a" agree, "x ULN"
    and "points" are no unit (the reference and the scale say it)."""
    if unit is None:
        return None
    u = re.sub(r"\s+", "", str(unit)).lower().replace("μ", "µ")
    u = _UNIT_SYNONYMS.get(u, u)
    if u is None:
        return None
    code = _unit_codes().get(u, u)
    if code == "{points}":
        return None
    if code == "/uL":  # the catalogue's code for counts per µL: the same as per mm3
        return "/mm3"
    # UCUM brackets and micro spellings: "[IU]/kg/day" and "IU/kg/day", "ug" and "µg" say the same
    return re.sub(r"\[(\w+)\]", r"\1", code).replace("µg", "ug").replace("mcg", "ug")


def norm_name(name: Any) -> Any:
    if name is None:
        return None
    return re.sub(r"[\s_\-.]+", "", str(name)).lower()


def variable_of(c: dict) -> Any:
    kind = c["kind"]
    if kind == "age":
        return "age"
    if kind == "sex":
        return c.get("value")
    for key in ("variable", "drug", "concept"):
        v = c.get(key)
        if isinstance(v, dict):
            return norm_name(v.get("id"))
        if isinstance(v, str):
            return norm_name(v)
    if kind == "pregnancy":
        return "pregnancytest" if c.get("test") else "pregnancy"
    return kind


def _bound(b: Any) -> Any:
    if not b:
        return None
    return (round(float(b["value"]), 6), bool(b.get("inclusive")))


def _window(w: Any) -> Any:
    if not w:
        return None
    amount = w.get("amount")
    return (None if amount is None else round(float(amount), 6), norm_unit(w.get("unit")), w.get("direction"),
            w.get("anchor"))


def field_value(c: dict, name: str) -> Any:
    """The comparable value of a field ("window.anchor", "lower", "variable", ...)."""
    if name == "variable":
        return variable_of(c)
    if name in ("lower", "upper"):
        return _bound(c.get(name))
    if name == "unit":
        return norm_unit(c.get("unit"))
    if name == "reference":
        ref = c.get("reference")
        return ref.get("type") if isinstance(ref, dict) else None
    if name == "windows":
        return sorted((_window(w) for w in c.get("windows") or []), key=repr)
    if name == "negated":
        return bool(c.get("negated"))
    if name == "values":
        return sorted({round(float(c[k]["value"]), 6) for k in ("lower", "upper") if c.get(k)})
    if name.startswith("window."):
        w = _window(c.get("window"))
        if w is None:
            return None
        return w[("window.amount", "window.unit", "window.direction", "window.anchor").index(name)]
    return c.get(name)


@lru_cache(maxsize=1)
def _variable_names() -> dict[str, frozenset[str]]:
    """Each catalogue variable (normalised id) → the names that denote it at the gold's level of detail: its
    id and aliases, and those of the broader analyte it is a specimen or assay of (``broader``: fasting
    glucose is glucose, hs-CRP is CRP); each drug of the drug catalogue → its id, name and aliases (the gold's
    "mycophenolate sodium" is ``mycophenolic_acid``)."""
    from .drugs import drugs
    from .measurement import variables

    catalogue = variables()

    def names(vid: str, seen: frozenset = frozenset()) -> set[str]:
        v = catalogue.get(vid)
        if v is None or vid in seen:
            return set()
        out = {norm_name(v.id)} | {norm_name(a) for a in v.aliases}
        return out | (names(v.broader, seen | {vid}) if v.broader else set())

    out = {norm_name(vid): frozenset(names(vid)) for vid in catalogue}
    for drug in drugs().values():  # a drug or class by its id, name and aliases ("anthracycline")
        key = norm_name(drug.id)
        out[key] = out.get(key, frozenset()) | {norm_name(n) for n in (drug.id, drug.name, *drug.aliases)}
    return out


def _same(name: str, gold: Any, system: Any) -> bool:
    if name == "values":  # value-only comparison for corpora without inclusive flags
        return set(gold or ()) == set(system or ())
    if name == "variable" and gold != system and isinstance(system, str):
        # the gold names the variable as the text does ("IGA", "glucose" for fasting plasma glucose), the
        # system by its catalogue id: they agree when the gold's name is one of the id's names
        return gold in _variable_names().get(system, ())
    return gold == system


def _overlap(a: dict, b: dict) -> int:
    return max(0, min(a["end"], b["end"]) - max(a["start"], b["start"]))


def match(gold: list[dict], system: list[dict]) -> list[tuple[dict, dict]]:
    """One-to-one pairs of same-kind constraints whose evidence overlaps; where several could pair, the
    variable, then the bounds, then the larger overlap decide ("> 85 in females, > 95 in males")."""
    candidates = []
    for gi, g in enumerate(gold):
        for si, s in enumerate(system):
            if g["kind"] != s["kind"]:
                continue
            ov = _overlap(g["evidence"], s["evidence"])
            if ov > 0:
                same_bounds = all(field_value(g, b) == field_value(s, b) for b in ("lower", "upper"))
                candidates.append((_same("variable", variable_of(g), variable_of(s)), same_bounds, ov, -gi, -si, gi, si))
    candidates.sort(reverse=True)
    used_g, used_s, pairs = set(), set(), []
    for *_, gi, si in candidates:
        if gi in used_g or si in used_s:
            continue
        used_g.add(gi)
        used_s.add(si)
        pairs.append((gold[gi], system[si]))
    return pairs


def _prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else (1.0 if not fn else 0.0)
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "tp": tp, "fp": fp, "fn": fn}


def score(pairs_of_records: Iterable[tuple[dict, dict]], kinds: Iterable[str] | None = None,
          ignore: Iterable[str] = (), extra_fields: Iterable[str] = ()) -> dict:
    """Score ``(gold record, system record)`` pairs. ``kinds`` limits the kinds scored (a published corpus
    annotates only some); system constraints of other kinds are then ignored. ``ignore`` names fields a
    gold source cannot express (LCT has no window anchors), left out of the full match; ``extra_fields``
    are compared for every kind (``values``: the bound values without inclusive flags)."""
    wanted = set(kinds) if kinds else set(KINDS)
    ignored = set(ignore)
    counts: dict = defaultdict(lambda: defaultdict(int))
    fields: dict = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    misses, false_alarms, wrong = [], [], []
    trials = 0
    for gold_rec, sys_rec in pairs_of_records:
        trials += 1
        gold = [c for c in gold_rec.get("constraints", []) if c["kind"] in wanted]
        system = [c for c in (sys_rec or {}).get("constraints", []) if c["kind"] in wanted]
        pairs = match(gold, system)
        matched_g = {id(g) for g, _ in pairs}
        matched_s = {id(s) for _, s in pairs}
        # unmatched gold are misses (fn), unmatched system constraints false alarms (fp), at both levels
        for side, constraints, matched, error, listed in (("gold", gold, matched_g, "fn", misses),
                                                          ("system", system, matched_s, "fp", false_alarms)):
            for c in constraints:
                counts[c["kind"]][side] += 1
                if id(c) not in matched:
                    counts[c["kind"]][f"span_{error}"] += 1
                    counts[c["kind"]][f"full_{error}"] += 1
                    listed.append(_brief(gold_rec["trial_id"], c))
        for g, s in pairs:
            kind = g["kind"]
            counts[kind]["span_tp"] += 1
            bad = []
            for name in COMMON + FIELDS[kind] + tuple(extra_fields):
                if name in ignored:
                    continue
                ok = _same(name, field_value(g, name), field_value(s, name))
                fields[kind][name][0] += ok
                fields[kind][name][1] += 1
                if not ok:
                    bad.append({"field": name, "gold": field_value(g, name), "system": field_value(s, name)})
            if bad:
                counts[kind]["full_fn"] += 1
                counts[kind]["full_fp"] += 1
                wrong.append({**_brief(gold_rec["trial_id"], g), "system_evidence": s["evidence"]["text"],
                              "differences": bad})
            else:
                counts[kind]["full_tp"] += 1
    per_kind = {}
    total = defaultdict(int)
    for kind in KINDS:
        c = counts.get(kind)
        if not c:
            continue
        for key, value in c.items():
            total[key] += value
        per_kind[kind] = {
            "gold": c["gold"], "system": c["system"],
            "span": _prf(c["span_tp"], c["span_fp"], c["span_fn"]),
            "full": _prf(c["full_tp"], c["full_fp"], c["full_fn"]),
            "fields": {name: {"correct": v[0], "total": v[1], "accuracy": round(v[0] / v[1], 4) if v[1] else None}
                       for name, v in fields[kind].items()},
        }
    overall = {
        "gold": total["gold"], "system": total["system"],
        "span": _prf(total["span_tp"], total["span_fp"], total["span_fn"]),
        "full": _prf(total["full_tp"], total["full_fp"], total["full_fn"]),
    }
    return {"trials": trials, "kinds": sorted(wanted), "ignored_fields": sorted(ignored), "per_kind": per_kind,
            "overall": overall,
            "misses": misses, "false_alarms": false_alarms, "wrong_fields": wrong}


def _brief(trial_id: str, c: dict) -> dict:
    return {"trial_id": trial_id, "kind": c["kind"], "section": c.get("section"), "variable": variable_of(c),
            "evidence": c["evidence"]["text"], "start": c["evidence"]["start"], "rules": c.get("rules", [])}


def markdown(report: dict, title: str) -> str:
    lines = [f"# {title}", "", f"{report['trials']} trials; kinds scored: {', '.join(report['kinds'])}.", "",
             "| kind | gold | system | span P | span R | span F1 | full P | full R | full F1 |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    rows = list(report["per_kind"].items()) + [("**overall**", report["overall"])]
    for kind, r in rows:
        s, f = r["span"], r["full"]
        lines.append(f"| {kind} | {r['gold']} | {r['system']} | {s['precision']:.3f} | {s['recall']:.3f} | "
                     f"{s['f1']:.3f} | {f['precision']:.3f} | {f['recall']:.3f} | {f['f1']:.3f} |")
    lines += ["", "## Field accuracy on span-matched pairs", "", "| kind | field | correct / total |",
              "|---|---|---:|"]
    for kind, r in report["per_kind"].items():
        for name, v in r["fields"].items():
            lines.append(f"| {kind} | {name} | {v['correct']} / {v['total']} |")
    for heading, key in (("Misses (gold not found)", "misses"), ("False alarms (found, not in gold)", "false_alarms")):
        lines += ["", f"## {heading}: {len(report[key])}", ""]
        for m in report[key]:
            lines.append(f"- {m['trial_id']} {m['kind']} {m['section']} `{m['variable']}`: {m['evidence']!r}")
    lines += ["", f"## Wrong fields: {len(report['wrong_fields'])}", ""]
    for w in report["wrong_fields"]:
        diffs = "; ".join(f"{d['field']}: gold {d['gold']!r}, system {d['system']!r}" for d in w["differences"])
        lines.append(f"- {w['trial_id']} {w['kind']} {w['evidence']!r}: {diffs}")
    return "\n".join(lines) + "\n"


def load_gold(path: str | Path) -> list[dict]:
    """Gold records from a folder of ``*.json`` files (or one file); a bad file fails loudly by name."""
    path = Path(path)
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    records = []
    for f in files:
        try:
            records.append(json.loads(f.read_text(encoding="utf-8")))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{f}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    return records


def system_records_for(gold: list[dict]) -> list[dict]:
    """Run the extractor on each gold record's criteria text, the way the CLI would read it."""
    from .extract import TrialInput, extract_many

    trials = [
        TrialInput(g["trial_id"], g["criteria"]["text"], {"format": "text", "input": "gold", "locator": g["trial_id"]},
                   registry={}, is_plain_text=g["criteria"].get("is_page", False))
        for g in gold
    ]
    return list(extract_many(trials))


_NESTED_WINDOW_EVENTS = {"dose": "drug", "measurement": "measurement"}


def one_window_per_mention(record: dict | None) -> dict | None:
    """The record with one window constraint per written window phrase: the published corpora annotate a
    temporal mention once, where our records give each event of a list its own window ("surgery or trauma
    within 14 days" is two windows for us, one mention for LCT and Chia). The window a dose or a measurement
    carries ("mesalamine >= 2.4 g/day for >= 4 weeks") is such a mention too: the corpora annotate it as the
    drug's or the observation's temporal, so it is scored as a window as well.

    >>> w = {"kind": "window", "window": {"evidence": {"start": 20, "end": 34}}}
    >>> len(one_window_per_mention({"constraints": [w, dict(w)]})["constraints"])
    1
    """
    if not record:
        return record
    seen, kept = set(), []
    for c in record.get("constraints", []):
        w = c.get("window") if c["kind"] in _NESTED_WINDOW_EVENTS else None
        if w and w.get("evidence") and (w["evidence"]["start"], w["evidence"]["end"]) not in seen:
            # a dose's or a measurement's own window is a temporal mention of its own for the corpora
            seen.add((w["evidence"]["start"], w["evidence"]["end"]))
            kept.append({"kind": "window", "section": c.get("section"), "negated": c.get("negated", False),
                         "evidence": w["evidence"], "window": w,
                         "event": {"type": _NESTED_WINDOW_EVENTS[c["kind"]], "text": c["evidence"]["text"]}})
        if c["kind"] == "window":
            ev = (c.get("window") or {}).get("evidence") or c["evidence"]
            key = (ev["start"], ev["end"])
            if key in seen:
                continue
            seen.add(key)
        kept.append(c)
    return {**record, "constraints": kept}


def below_floors(report: dict, floors: dict) -> list[str]:
    """Kinds whose F1 fell below their recorded floor: ``{"age": {"span_f1": 0.9, "full_f1": 0.85}}``."""
    out = []
    for kind, floor in floors.items():
        if kind.startswith("_"):
            continue
        r = report["overall"] if kind == "overall" else report["per_kind"].get(kind)
        for level in ("span", "full"):
            want = floor.get(f"{level}_f1")
            if want is None:
                continue
            got = r[level]["f1"] if r else 0.0
            if got < want:
                out.append(f"{kind} {level} F1 {got:.3f} < floor {want:.3f}")
    return out
