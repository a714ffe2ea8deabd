"""Screen patients against trial records: every constraint → ``met`` / ``not_met`` / ``unknown`` with a
reason, every trial → ``eligible`` / ``ineligible`` / ``indeterminate``, trials ranked per patient.

Many patients × many trials are screened as arrays, not pair by pair: the trials' constraints become one
flat table (one row per constraint, bounds converted once to the variable's canonical unit), the patients'
facts a few matrices (variable × patient); each kind is evaluated for all rows and all patients at once
with numpy, and names (conditions, drugs, events, exceptions) are matched by a pandas join of their words.

Logic is three-valued (Kleene): met = 2, unknown = 1, not met = 0; "and" is min, "or" is max, "not" is
2 - x. A constraint is evaluated AS STATED (negation flips it); an exception that applies to the patient,
a condition that does not hold, or a "who" that excludes the patient (contraception for women of
child-bearing potential, in a man) lifts it. Then, per section: an inclusion constraint must be met
(or lifted); an exclusion constraint excludes when met (and not lifted). An item's ``logic`` groups its
constraints (any_of / all_of); otherwise each constraint stands alone. Constraints of the ``unspecified``
section are evaluated and reported but do not decide the verdict.

>>> from nlp.patients import patient_from_dict
>>> record = {"trial_id": "T1", "items": [], "constraints": [{"id": "c1", "kind": "age", "item": "I1",
...     "section": "inclusion", "negated": False, "evidence": {"start": 0, "end": 8, "text": "aged 18+"},
...     "rules": ["x"], "variable": "age", "lower": {"value": 18, "inclusive": True}, "unit": "years",
...     "unit_stated": True}]}
>>> patient = patient_from_dict({"id": "P1", "as_of": "2025-01-01", "age": 40, "sex": "male"})
>>> [v["verdict"] for v in screen([patient], [record]).verdicts()]
['eligible']
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

import numpy as np
import pandas as pd

from .condition import mentions as condition_mentions
from .convert import converter, unit_code
from .measurement import variables
from .patients import Patient
from .reference import alternatives, dose_equivalents, reference_range, settings, words

MET, UNKNOWN, NOT_MET = 2, 1, 0
QUALIFIED = 1.5  # a fact matches a qualified condition ("uncontrolled") without saying the qualifier: unknown
STATUS = {MET: "met", UNKNOWN: "unknown", NOT_MET: "not_met"}
VERDICT = {MET: "eligible", UNKNOWN: "indeterminate", NOT_MET: "ineligible"}
_VERDICT_ORDER = {"eligible": 0, "indeterminate": 1, "ineligible": 2}

# reason codes: what decided a constraint for a patient (texts are built from them on demand)
R_IN, R_OUT, R_MISSING, R_NO_UNIT, R_BAD_UNIT, R_STALE, R_NO_REF, R_FUTURE, R_MATCH, R_NO_MATCH, \
    R_NO_MATCH_OPEN, R_NO_DATE, R_FACT, R_NO_DOSE, R_WASHOUT_NONE, R_QUALIFIER = range(1, 17)

_DAYS = {"minutes": 1 / 1440, "hours": 1 / 24, "days": 1, "weeks": 7, "months": 30.4375, "years": 365.25}
_AGE_UNITS = ("years", "months", "weeks", "days", "hours", "minutes")
_REF = {None: 0, "ULN": 1, "LLN": 2, "normal_range": 3, "predicted": 4}
_EVENT_CATEGORIES = {"condition": ("condition",), "drug": ("drug",), "procedure": ("procedure",),
                     "trial_participation": ("trial_participation",), "test": ("test",),
                     "measurement": ("test",), "other": ("condition", "procedure", "other", "test", "drug")}
_COMPLETE_LIST = {"condition": "conditions", "drug": "medications"}


def _days(amount: float | None, unit: str | None) -> float:
    if amount is None or unit not in _DAYS:
        return math.nan
    return amount * _DAYS[unit]


def window_interval(window: dict | None) -> tuple[float, float]:
    """Days relative to the anchor (the patient's as-of date) an event must lie in: ``interval_days``
    where the record gives it, else from amount, unit and direction ("within 3 months before" →
    (-91.3, 0)); for ``since``, (-inf, -amount). NaN where the window is not a span of the past.

    >>> window_interval({"amount": 14, "unit": "days", "direction": "before", "anchor": "enrollment"})
    (-14.0, 0.0)
    """
    if not window:
        return (math.nan, math.nan)
    direction = window.get("direction")
    if direction in ("after", "during"):
        return (math.nan, math.nan)
    given = window.get("interval_days")
    if given and (given.get("start") is not None or given.get("end") is not None):
        start = -math.inf if given.get("start") is None else float(given["start"])
        end = 0.0 if given.get("end") is None else float(given["end"])
        return (start, end)
    amount = _days(window.get("amount"), window.get("unit"))
    if direction == "since":
        return (-math.inf, -float(amount))
    far = _days(window.get("max_amount"), window.get("unit"))
    return (-float(far if not math.isnan(far) else amount), 0.0)


# ----------------------------------------------------------------------------------------------------
# the flat constraints table


@dataclass
class Trials:
    """The constraints of many trial records as one table, with their groups (item logic) and trials."""

    records: list[dict]
    rows: list[dict]  # one per constraint: the constraint plus trial index and derived fields
    group: np.ndarray  # group index of each row
    group_op: np.ndarray  # 1 = any_of, 0 = all_of
    group_section: np.ndarray  # 0 inclusion, 1 exclusion, 2 unspecified
    group_trial: np.ndarray
    unchecked: list[list[str]]  # per trial: items with computable content not captured or not computable


def registry_constraints(record: dict) -> list[dict]:
    """The registry's own age limits and sex as inclusion constraints (``"source": "registry"``, no span
    in the criteria text): a trial's structured fields bind as much as its text.

    >>> [c["lower"]["value"] for c in registry_constraints({"registry": {"minimum_age": {"text": "18 Years",
    ...     "value": 18, "unit": "years"}, "maximum_age": None, "sex": "all"}})]
    [18]
    """
    reg = record.get("registry") or {}
    out = []
    lo, hi = reg.get("minimum_age"), reg.get("maximum_age")
    if (lo and lo.get("value") is not None) or (hi and hi.get("value") is not None):
        said = ", ".join(f"{name} age {b['text']}" for name, b in (("minimum", lo), ("maximum", hi)) if b)
        c = {"id": "registry.age", "kind": "age", "section": "inclusion", "negated": False, "source": "registry",
             "evidence": {"start": None, "end": None, "text": f"registry: {said}"}, "variable": "age",
             "unit": (lo or hi)["unit"]}
        if lo and lo.get("value") is not None:
            c["lower"] = {"value": lo["value"], "inclusive": True, "unit": lo["unit"]}
        if hi and hi.get("value") is not None:
            c["upper"] = {"value": hi["value"], "inclusive": True, "unit": hi["unit"]}
        out.append(c)
    if reg.get("sex") in ("female", "male"):
        out.append({"id": "registry.sex", "kind": "sex", "section": "inclusion", "negated": False, "source": "registry",
                    "evidence": {"start": None, "end": None, "text": f"registry: sex {reg['sex']}"}, "value": reg["sex"]})
    return out


def constraints_table(records: Iterable[dict], *, use_registry: bool = True) -> Trials:
    """Flatten trial records (schema-valid; error records are skipped) into the table ``screen`` uses;
    with ``use_registry``, the registry's age limits and sex are added as inclusion constraints."""
    recs = [r for r in records if "error" not in r]
    rows: list[dict] = []
    group_of: list[int] = []
    g_op: list[int] = []
    g_sec: list[int] = []
    g_trial: list[int] = []
    unchecked = []
    for t, record in enumerate(recs):
        unchecked.append([i["id"] for i in record.get("items", []) if i.get("status") in ("partial", "not_computable")])
        logic_of: dict[str, tuple[str, str]] = {}
        for item in record.get("items", []):
            if item.get("logic"):
                for cid in item["logic"]["constraints"]:
                    logic_of[cid] = (item["id"], item["logic"]["op"])
        groups: dict[Any, int] = {}
        for c in record.get("constraints", []) + (registry_constraints(record) if use_registry else []):
            key = ("logic",) + logic_of[c["id"]] if c["id"] in logic_of else ("own", c["id"])
            if key not in groups:
                groups[key] = len(g_op)
                g_op.append(1 if key[0] == "logic" and key[2] == "any_of" else 0)
                g_sec.append({"inclusion": 0, "exclusion": 1}.get(c["section"], 2))
                g_trial.append(t)
            row = {"trial": t, "c": c, "kind": c["kind"]}
            _prepare(row)
            rows.append(row)
            group_of.append(groups[key])
    return Trials(recs, rows, np.asarray(group_of, dtype=np.int64), np.asarray(g_op, dtype=np.int8),
                  np.asarray(g_sec, dtype=np.int8), np.asarray(g_trial, dtype=np.int64), unchecked)


def _bound(b: dict | None) -> tuple[float, bool]:
    if not b:
        return (math.nan, True)
    return (float(b["value"]), bool(b["inclusive"]))


def _prepare(row: dict) -> None:
    """Per-constraint work done once, not per patient: bounds in the variable's canonical unit."""
    c = row["c"]
    row["lo"], row["lo_inc"] = _bound(c.get("lower"))
    row["hi"], row["hi_inc"] = _bound(c.get("upper"))
    row["ws"], row["we"] = window_interval(c.get("window"))
    row["unit_state"] = 0
    if c["kind"] != "measurement":
        return
    var_id = c["variable"]["id"]
    var = variables().get(var_id)
    row["key"] = var_id
    row["ref"] = _REF.get((c.get("reference") or {}).get("type"), 0)
    canonical = var.unit if var else None
    row["canonical"] = canonical
    labels = ((var.scale or {}).get("labels") if var else None) or {}
    row["lo_label"] = labels.get((c.get("lower") or {}).get("label"), math.nan)
    row["hi_label"] = labels.get((c.get("upper") or {}).get("label"), math.nan)
    if row["ref"] in (1, 2, 3, 4) or var is None:
        return
    unit = c.get("unit")
    if unit is None and canonical not in (None, "{points}"):
        row["unit_state"] = R_NO_UNIT
        return
    molar = (reference_range(var_id) or {}).get("molar_mass")
    for side in ("lo", "hi"):
        bound = c.get("lower" if side == "lo" else "upper")
        if not bound:
            continue
        conv = converter(bound.get("unit", unit), canonical, molar)
        if conv is None:
            row["unit_state"] = R_BAD_UNIT
            return
        row[side] = conv[0] * row[side] + conv[1]


# ----------------------------------------------------------------------------------------------------
# patient facts


@dataclass
class Facts:
    patients: list[Patient]
    keys: dict[str, int] = field(default_factory=dict)
    value: np.ndarray | None = None  # key × patient, canonical unit; the latest measurement
    offset: np.ndarray | None = None  # its date, days relative to as_of (<= 0)
    uln: np.ndarray | None = None
    lln: np.ndarray | None = None
    ref_default: np.ndarray | None = None  # the limits are the catalogue's defaults
    label: np.ndarray | None = None
    predicted: np.ndarray | None = None
    which: np.ndarray | None = None  # index of the measurement in the patient's list
    table: pd.DataFrame | None = None  # conditions, drugs, events: one row per fact
    names: pd.DataFrame | None = None  # (fact, name, word) for matching
    raw: list[str] = field(default_factory=list)  # per fact: its names, lower case, as written
    concepts: list[frozenset] = field(default_factory=list)  # per fact: its "code:concept:" names

    def row(self, fact: int) -> dict:
        """One fact's row of ``table`` as a plain dict (cheap: reasons are built for many pairs)."""
        if not hasattr(self, "_rows"):
            self._rows = self.table.to_dict("records")
        return self._rows[fact]


def patient_facts(patients: list[Patient], keys: Iterable[str]) -> Facts:
    """The matrices and tables ``screen`` joins against; one pass over each patient's facts."""
    f = Facts(patients)
    f.keys = {k: i for i, k in enumerate(sorted(set(keys)))}
    shape = (len(f.keys), len(patients))
    f.value, f.offset, f.uln, f.lln, f.label, f.predicted = (np.full(shape, np.nan) for _ in range(6))
    f.ref_default = np.zeros(shape, dtype=bool)
    f.which = np.full(shape, -1, dtype=np.int64)
    for p, patient in enumerate(patients):
        for n, m in enumerate(patient.measurements):
            k = f.keys.get(m.variable)
            if k is None:
                continue
            off = (m.date - patient.as_of).days
            if f.which[k, p] >= 0 and off < f.offset[k, p]:
                continue  # an older result of the same variable
            var = variables()[m.variable]
            labels = (var.scale or {}).get("labels") or {}
            f.which[k, p], f.offset[k, p] = n, off
            f.value[k, p] = np.nan if m.value is None else m.value
            f.label[k, p] = labels.get(m.label, np.nan) if m.label else np.nan
            f.predicted[k, p] = np.nan if m.percent_predicted is None else m.percent_predicted
            low, high, default = m.low, m.high, False
            if low is None and high is None:
                ref = reference_range(m.variable, patient.sex)
                if ref:
                    conv = converter(ref["unit"], var.unit, ref["molar_mass"])
                    if conv:
                        low = None if ref["low"] is None else conv[0] * ref["low"] + conv[1]
                        high = None if ref["high"] is None else conv[0] * ref["high"] + conv[1]
                        default = True
            f.uln[k, p] = np.nan if high is None else high
            f.lln[k, p] = np.nan if low is None else low
            f.ref_default[k, p] = default
    rows, name_rows = [], []
    for p, patient in enumerate(patients):
        for fact in patient.facts:
            start = np.nan if fact.start is None else (fact.start - patient.as_of).days
            if fact.end is not None:
                end = (fact.end - patient.as_of).days
            elif fact.active:
                end = 0.0
            else:
                end = start if fact.category not in ("condition", "drug") else np.nan
            fid = len(rows)
            f.raw.append(" | ".join(n.lower() for n in fact.names if not n.startswith("code:")))
            f.concepts.append(frozenset(n for n in fact.names if n.startswith("code:concept:")))
            rows.append({"fact": fid, "patient": p, "category": fact.category, "start": start, "end": end,
                         "active": fact.active, "daily": np.nan if fact.daily_dose is None else fact.daily_dose,
                         "dose_unit": fact.dose_unit, "route": (fact.route or "").lower() or None, "text": fact.text})
            for n, name in enumerate(fact.names):
                for w in words(name):
                    name_rows.append((fid, n, w))
    f.table = pd.DataFrame(rows, columns=["fact", "patient", "category", "start", "end", "active", "daily",
                                          "dose_unit", "route", "text"])
    f.names = pd.DataFrame(name_rows, columns=["fact", "name", "word"])
    return f


def match_terms(terms: list[tuple[int, str]], facts: Facts) -> pd.DataFrame:
    """Which facts each term names: a join on words. ``terms`` are (term id, text); the result has
    columns term, fact (every word of the term is a word of one of the fact's names)."""
    # each text gets its own key: several texts may share a term id (the alternatives of one exception)
    trows = [(n, tid, w, len(ws)) for n, (tid, text) in enumerate(terms) for ws in [words(text)] if ws for w in ws]
    if not trows or facts.names.empty:
        return pd.DataFrame({"term": pd.Series(dtype=np.int64), "fact": pd.Series(dtype=np.int64)})
    tt = pd.DataFrame(trows, columns=["key", "term", "word", "need"])
    joined = tt.merge(facts.names, on="word")
    counts = joined.groupby(["key", "term", "need", "fact", "name"], sort=False).size().reset_index(name="have")
    hit = counts[counts["have"] == counts["need"]]
    return hit[["term", "fact"]].drop_duplicates().astype(np.int64).reset_index(drop=True)


# ----------------------------------------------------------------------------------------------------
# evaluation


@dataclass
class Screening:
    """The result of ``screen``: statuses and reasons for every constraint × patient, verdicts for every
    trial × patient; ``verdicts()`` builds the JSON-ready verdicts, ``ranking()`` orders them."""

    trials: Trials
    facts: Facts
    status: np.ndarray  # row × patient: the constraint as stated (negation applied)
    applies: np.ndarray  # row × patient: 2 applies, 1 unknown, 0 lifted (exception, condition, who)
    reason: np.ndarray
    value: np.ndarray  # row × patient: the value compared (or the matched fact's index)
    group: np.ndarray  # group × patient
    trial: np.ndarray  # trial × patient: the verdict as 2 / 1 / 0

    def counts(self) -> dict[str, int]:
        return {VERDICT[v]: int((self.trial == v).sum()) for v in (MET, UNKNOWN, NOT_MET)}

    def verdicts(self, *, details: bool = False) -> Iterator[dict]:
        """One verdict per patient × trial, patients in order, each patient's trials ranked."""
        for p in range(len(self.facts.patients)):
            yield from self.patient_verdicts(p, details=details)

    def patient_verdicts(self, p: int, *, details: bool = False) -> list[dict]:
        patient = self.facts.patients[p]
        tr = self.trials
        rows_of_trial = self._rows_by_trial() if details else None
        verdict_of = self.trial[:, p]
        g_val, g_sec = self.group[:, p], tr.group_section
        g_verdict = verdict_of[tr.group_trial]
        # the groups that decide: failing inclusions and holding exclusions of an ineligible trial,
        # unknown groups of an indeterminate one
        deciding = ((g_verdict == NOT_MET) & (((g_sec == 0) & (g_val == NOT_MET)) | ((g_sec == 1) & (g_val == MET)))) | \
                   ((g_verdict == UNKNOWN) & (g_val == UNKNOWN) & (g_sec != 2))
        unknown = np.bincount(tr.group_trial, weights=((g_val == UNKNOWN) & (g_sec != 2)), minlength=len(tr.records))
        by_trial: dict[int, list[int]] = {}
        for g in np.flatnonzero(deciding):
            by_trial.setdefault(int(tr.group_trial[g]), []).append(int(g))
        out = []
        for t, record in enumerate(tr.records):
            v = int(verdict_of[t])
            verdict = {"patient_id": patient.id, "trial_id": record["trial_id"], "verdict": VERDICT[v],
                       "unknown": int(unknown[t])}
            if v != MET:
                reports = [self.report(r, p) for g in by_trial.get(t, ()) for r in self._rows_of_group(g)
                           if self._effective(r, p) == g_val[g]]
                if v == NOT_MET:
                    verdict["excluded_by"] = reports
                else:
                    verdict["deciding"] = reports
                    verdict["needs"] = sorted({r["needs"] for r in reports if r.get("needs")})
            verdict["unchecked_items"] = tr.unchecked[t]
            if details:
                verdict["constraints"] = [self.report(r, p) for r in rows_of_trial[t]]
            out.append(verdict)
        out.sort(key=lambda x: (_VERDICT_ORDER[x["verdict"]], x["unknown"], len(x["unchecked_items"]), x["trial_id"]))
        for n, verdict in enumerate(out, 1):
            verdict["rank"] = n
        return out

    def ranking(self, p: int) -> list[tuple[str, str, int]]:
        """(trial id, verdict, unknowns) for patient ``p``, best first: eligible, then fewest unknowns."""
        return [(v["trial_id"], v["verdict"], v["unknown"]) for v in self.patient_verdicts(p)]

    def _rows_by_trial(self) -> list[list[int]]:
        if not hasattr(self, "_by_trial"):
            by: list[list[int]] = [[] for _ in self.trials.records]
            for r, row in enumerate(self.trials.rows):
                by[row["trial"]].append(r)
            self._by_trial = by
        return self._by_trial

    def _rows_of_group(self, g: int) -> list[int]:
        if not hasattr(self, "_by_group"):
            by: dict[int, list[int]] = {}
            for r, gg in enumerate(self.trials.group):
                by.setdefault(int(gg), []).append(r)
            self._by_group = by
        return self._by_group.get(g, [])

    def _effective(self, r: int, p: int) -> int:
        """What constraint ``r`` contributes to its group: for an exclusion, met and applying; for an
        inclusion, met or lifted."""
        s, a = int(self.status[r, p]), int(self.applies[r, p])
        if self.trials.rows[r]["c"]["section"] == "exclusion":
            return min(s, a)
        return max(s, 2 - a)

    def report(self, r: int, p: int) -> dict:
        """One constraint for one patient: status, whether it applies, the reason, the criterion's text
        and span, and (when unknown) the fact that would decide it."""
        row, c = self.trials.rows[r], self.trials.rows[r]["c"]
        s, a = int(self.status[r, p]), int(self.applies[r, p])
        out = {"id": c["id"], "item": c.get("item"), "source": c.get("source", "text"), "section": c["section"],
               "kind": c["kind"],
               "status": STATUS[s], "applies": {2: True, 1: None, 0: False}[a],
               "reason": explain(row, self, r, p), "text": c["evidence"]["text"],
               "start": c["evidence"]["start"], "end": c["evidence"]["end"]}
        if c["kind"] == "measurement" and self.facts.keys.get(row["key"]) is not None and row["ref"] in (1, 2, 3):
            k = self.facts.keys[row["key"]]
            out["default_reference"] = bool(self.facts.ref_default[k, p])
        if s == UNKNOWN or a == UNKNOWN:
            out["needs"] = needs(row)
        return out


def screen(patients: list[Patient], records: Iterable[dict], *, max_age_days: float | None = None,
           use_registry: bool = True) -> Screening:
    """Screen ``patients`` against trial ``records`` (or a ``Trials`` table built once for many screens).

    ``max_age_days``: measurements older than this are stale (unknown) even for constraints without a
    window (default: only a constraint's own window makes a measurement stale). ``use_registry``: the
    registry's age limits and sex count as inclusion constraints.
    """
    trials = records if isinstance(records, Trials) else constraints_table(records, use_registry=use_registry)
    keys = [row["key"] for row in trials.rows if row["kind"] == "measurement"]
    facts = patient_facts(list(patients), keys)
    n_r, n_p = len(trials.rows), len(facts.patients)
    status = np.full((n_r, n_p), UNKNOWN, dtype=np.int8)
    applies = np.full((n_r, n_p), MET, dtype=np.int8)
    reason = np.zeros((n_r, n_p), dtype=np.int8)
    value = np.full((n_r, n_p), np.nan)
    kinds = np.array([row["kind"] for row in trials.rows], dtype=object)
    ctx = _Context(trials, facts, status, applies, reason, value, max_age_days)
    for kind, fn in _EVALUATORS.items():
        idx = np.flatnonzero(kinds == kind)
        if len(idx) and n_p:
            fn(ctx, idx)
    negated = np.array([bool(row["c"]["negated"]) for row in trials.rows], dtype=bool)
    status[negated] = 2 - status[negated]
    _applicability(ctx)
    group, trial = _aggregate(trials, status, applies)
    return Screening(trials, facts, status, applies, reason, value, group, trial)


@dataclass
class _Context:
    trials: Trials
    facts: Facts
    status: np.ndarray
    applies: np.ndarray
    reason: np.ndarray
    value: np.ndarray
    max_age_days: float | None

    def col(self, idx: np.ndarray, name: str, dtype=float) -> np.ndarray:
        return np.array([self.trials.rows[i][name] for i in idx], dtype=dtype)[:, None]

    def patient_array(self, fn, dtype=float) -> np.ndarray:
        return np.array([fn(p) for p in self.facts.patients], dtype=dtype)[None, :]


def _within(x: np.ndarray, lo, lo_inc, hi, hi_inc) -> np.ndarray:
    """x inside the interval (NaN bounds are open; equality with a tolerance for converted values)."""
    with np.errstate(invalid="ignore"):
        eq_lo = np.isclose(x, lo, rtol=1e-9, atol=1e-12)
        eq_hi = np.isclose(x, hi, rtol=1e-9, atol=1e-12)
        ok_lo = np.isnan(lo) | ((x > lo) & ~eq_lo) | (lo_inc & eq_lo)
        ok_hi = np.isnan(hi) | ((x < hi) & ~eq_hi) | (hi_inc & eq_hi)
    return ok_lo & ok_hi


def _set(ctx: _Context, idx: np.ndarray, mask: np.ndarray, status: int, reason: int) -> None:
    sub_s, sub_r = ctx.status[idx], ctx.reason[idx]
    mask = np.broadcast_to(mask, sub_s.shape)
    sub_s[mask], sub_r[mask] = status, reason
    ctx.status[idx], ctx.reason[idx] = sub_s, sub_r


def _compare(ctx: _Context, idx: np.ndarray, x: np.ndarray) -> None:
    """Status from values ``x`` (rows × patients) against the rows' bounds; NaN → unknown, missing."""
    inside = _within(x, ctx.col(idx, "lo"), ctx.col(idx, "lo_inc", bool), ctx.col(idx, "hi"), ctx.col(idx, "hi_inc", bool))
    known = ~np.isnan(x)
    _set(ctx, idx, known & inside, MET, R_IN)
    _set(ctx, idx, known & ~inside, NOT_MET, R_OUT)
    _set(ctx, idx, ~known, UNKNOWN, R_MISSING)
    ctx.value[idx] = x


def _eval_age(ctx: _Context, idx: np.ndarray) -> None:
    ages = np.array([[np.nan if (a := p.age_in(u)) is None else a for p in ctx.facts.patients] for u in _AGE_UNITS])
    unit_index = {u: i for i, u in enumerate(_AGE_UNITS)}
    lo_u, hi_u = [], []
    for i in idx:
        c = ctx.trials.rows[i]["c"]
        lo_u.append(unit_index.get((c.get("lower") or {}).get("unit", c["unit"]), 0))
        hi_u.append(unit_index.get((c.get("upper") or {}).get("unit", c["unit"]), 0))
    x_lo, x_hi = ages[np.array(lo_u)], ages[np.array(hi_u)]
    ok = _within(x_lo, ctx.col(idx, "lo"), ctx.col(idx, "lo_inc", bool), np.nan, True) & \
        _within(x_hi, np.nan, True, ctx.col(idx, "hi"), ctx.col(idx, "hi_inc", bool))
    known = ~np.isnan(x_lo)
    _set(ctx, idx, known & ok, MET, R_IN)
    _set(ctx, idx, known & ~ok, NOT_MET, R_OUT)
    _set(ctx, idx, ~known, UNKNOWN, R_MISSING)
    ctx.value[idx] = ages[0][None, :].repeat(len(idx), axis=0)


def _flag(ctx: _Context, idx: np.ndarray, wanted: np.ndarray, have: np.ndarray) -> None:
    """Status from a patient flag (1 / 0 / NaN) against the wanted value per row."""
    known = ~np.isnan(have)
    equal = have == wanted
    _set(ctx, idx, known & equal, MET, R_FACT)
    _set(ctx, idx, known & ~equal, NOT_MET, R_FACT)
    _set(ctx, idx, ~known, UNKNOWN, R_MISSING)


def _b(value: bool | None) -> float:
    return np.nan if value is None else float(value)


def _eval_sex(ctx: _Context, idx: np.ndarray) -> None:
    have = ctx.patient_array(lambda p: {"female": 1.0, "male": 0.0}.get(p.sex, np.nan))
    wanted = np.array([1.0 if ctx.trials.rows[i]["c"]["value"] == "female" else 0.0 for i in idx])[:, None]
    _flag(ctx, idx, wanted, have)


def _eval_lactation(ctx: _Context, idx: np.ndarray) -> None:
    _flag(ctx, idx, np.ones((len(idx), 1)), ctx.patient_array(lambda p: _b(p.breastfeeding)))


def _eval_pregnancy(ctx: _Context, idx: np.ndarray) -> None:
    is_test = np.array([bool(ctx.trials.rows[i]["c"].get("test")) for i in idx])
    plain = idx[~is_test]
    if len(plain):
        _flag(ctx, plain, np.ones((len(plain), 1)), ctx.patient_array(lambda p: _b(p.pregnant)))
    tests = idx[is_test]
    if not len(tests):
        return
    # the latest test of each result, days before as_of; a test requirement is met by a test in its window
    latest = {res: ctx.patient_array(lambda p: max(((d - p.as_of).days for d, r in p.pregnancy_tests if r == res),
                                                     default=np.nan)) for res in ("negative", "positive")}
    want = [ctx.trials.rows[i]["c"].get("test_result") for i in tests]
    off = np.vstack([np.fmax(latest["negative"], latest["positive"]) if w is None else latest[w] for w in want])
    ws, we = ctx.col(tests, "ws"), ctx.col(tests, "we")
    with np.errstate(invalid="ignore"):
        inside = (np.isnan(ws) | (off >= ws)) & (np.isnan(we) | (off <= we))
    found = ~np.isnan(off) & inside
    _set(ctx, tests, found, MET, R_FACT)
    _set(ctx, tests, ~found, UNKNOWN, R_MISSING)
    ctx.value[tests] = off
    wocbp = ctx.patient_array(lambda p: _b(p.childbearing_potential))
    sub = ctx.applies[tests]
    sub[:] = np.where(np.isnan(wocbp), UNKNOWN, np.where(wocbp == 1, MET, NOT_MET))
    ctx.applies[tests] = sub


def _eval_measurement(ctx: _Context, idx: np.ndarray) -> None:
    f = ctx.facts
    k = np.array([f.keys[ctx.trials.rows[i]["key"]] for i in idx])
    ref = ctx.col(idx, "ref", int)
    value, offset, uln, lln = f.value[k], f.offset[k], f.uln[k], f.lln[k]
    canonical = ctx.col(idx, "canonical", object)
    predicted = np.where(np.isnan(f.predicted[k]), np.where(canonical == "%", value, np.nan), f.predicted[k])
    with np.errstate(invalid="ignore", divide="ignore"):
        x = np.select([ref == 1, ref == 2, ref == 4], [value / uln, value / lln, predicted], value)
    x = np.where(ref == 3, np.nan, x)
    _compare(ctx, idx, x)
    # "within normal limits": inside the patient's (or the default) range
    normal_known = (ref == 3) & ~np.isnan(value) & ~np.isnan(uln) & ~np.isnan(lln)
    normal = _within(value, lln, True, uln, True)
    _set(ctx, idx, normal_known & normal, MET, R_IN)
    _set(ctx, idx, normal_known & ~normal, NOT_MET, R_OUT)
    missing_ref = np.isin(ref, (1, 2, 3)) & ~np.isnan(value) & np.isnan(x) & ~normal_known
    _set(ctx, idx, missing_ref, UNKNOWN, R_NO_REF)
    # an ordered category written only as a label ("NYHA III") is compared by its rank on the scale
    lo_l, hi_l = ctx.col(idx, "lo_label"), ctx.col(idx, "hi_label")
    by_label = np.isnan(value) & ~np.isnan(f.label[k]) & (~np.isnan(lo_l) | ~np.isnan(hi_l))
    if by_label.any():
        inside = _within(f.label[k], lo_l, True, hi_l, True)
        _set(ctx, idx, by_label & inside, MET, R_IN)
        _set(ctx, idx, by_label & ~inside, NOT_MET, R_OUT)
    # stale: outside the constraint's window, or older than max_age_days
    ws, we = ctx.col(idx, "ws"), ctx.col(idx, "we")
    if ctx.max_age_days is not None:
        ws = np.where(np.isnan(ws), -float(ctx.max_age_days), ws)
    with np.errstate(invalid="ignore"):
        stale = ~np.isnan(offset) & ((~np.isnan(ws) & (offset < ws)) | (~np.isnan(we) & (offset > we)))
    _set(ctx, idx, stale, UNKNOWN, R_STALE)
    state = ctx.col(idx, "unit_state", int)
    shape = ctx.status[idx].shape
    _set(ctx, idx, np.broadcast_to(state == R_NO_UNIT, shape), UNKNOWN, R_NO_UNIT)
    _set(ctx, idx, np.broadcast_to(state == R_BAD_UNIT, shape), UNKNOWN, R_BAD_UNIT)


def _eval_contraception(ctx: _Context, idx: np.ndarray) -> None:
    willing = ctx.patient_array(lambda p: _b((p.contraception or {}).get("willing")))
    strong = ctx.patient_array(lambda p: _b((p.contraception or {}).get("highly_effective")))
    need_strong = np.array(["highly" in (ctx.trials.rows[i]["c"].get("method_strength") or "").lower()
                            for i in idx])[:, None]
    have = np.where(need_strong & (willing == 1), strong, willing)
    _flag(ctx, idx, np.ones((len(idx), 1)), have)
    sex = ctx.patient_array(lambda p: {"female": 1.0, "male": 0.0}.get(p.sex, np.nan))
    wocbp = ctx.patient_array(lambda p: _b(p.childbearing_potential))
    who = np.array([ctx.trials.rows[i]["c"]["who"] for i in idx], dtype=object)[:, None]
    by_wocbp = np.where(np.isnan(wocbp), UNKNOWN, np.where(wocbp == 1, MET, NOT_MET))
    by_men = np.where(np.isnan(sex), UNKNOWN, np.where(sex == 0, MET, NOT_MET))
    # everyone, except a woman who cannot become pregnant
    by_all = np.where((sex == 1) & (wocbp == 0), NOT_MET, MET)
    a = np.where(who == "women_of_childbearing_potential", by_wocbp, np.where(who == "men_with_partners", by_men, by_all))
    ctx.applies[idx] = a.astype(np.int8)


def _term_rows(ctx: _Context, idx: np.ndarray, concept_key: str) -> list[tuple[int, str]]:
    terms = []
    for i in idx:
        concept = ctx.trials.rows[i]["c"].get(concept_key) or {}
        for text in {concept.get("text"), concept.get("id")} - {None}:
            terms.append((int(i), text))
        code = concept.get("code")
        if code:
            terms.append((int(i), f"code:{code['system'].lower()}:{code['code'].lower()}"))
        if concept_key == "concept" and concept.get("id"):
            # the lexicon concept: a patient's condition under it (by name, class or ICD-10 code) matches
            terms.append((int(i), f"code:concept:{concept['id']}"))
    return terms


def _matches(ctx: _Context, idx: np.ndarray, concept_key: str, categories) -> pd.DataFrame:
    """(row, fact, patient, fact columns) for the facts each row names, minus those its exceptions name."""
    hits = match_terms(_term_rows(ctx, idx, concept_key), ctx.facts).rename(columns={"term": "row"})
    hits = hits.merge(ctx.facts.table, on="fact")
    if isinstance(categories, dict) and len(hits):
        allowed = [c in categories[r] for r, c in zip(hits["row"].to_numpy().tolist(), hits["category"].tolist())]
        hits = hits[np.asarray(allowed, dtype=bool)]
    exc = [(int(i), t) for i in idx for e in ctx.trials.rows[i]["c"].get("exceptions", []) for t in alternatives(e["text"])]
    for i in idx:
        ctx.trials.rows[i]["fact_exceptions"] = True
    if exc and len(hits):
        lifted = match_terms(exc, ctx.facts).rename(columns={"term": "row"})
        lifted = pd.concat([lifted, _lifted_by_concept(ctx, exc, hits)], ignore_index=True)
        hits = hits.merge(lifted.drop_duplicates().assign(lifted=True), on=["row", "fact"], how="left")
        hits = hits[hits["lifted"].isna()].drop(columns="lifted")
    return hits


def _lifted_by_concept(ctx: _Context, exc: list[tuple[int, str]], hits: pd.DataFrame) -> pd.DataFrame:
    """(row, fact) pairs an exception lifts through the condition lexicon: "except for mild asthma treated
    with bronchodilators" lifts a patient's "mild asthma" (asthma, and named mild), not "severe asthma"."""
    out = []
    facts = hits[["row", "fact"]].drop_duplicates()
    by_row: dict[int, list[int]] = {}
    for r, f in zip(facts["row"].to_numpy(), facts["fact"].to_numpy()):
        by_row.setdefault(int(r), []).append(int(f))
    for row, text in exc:
        facts_of_row = by_row.get(row, ())
        if not facts_of_row:
            continue
        for cid, qualifiers in condition_mentions(text):
            term = f"code:concept:{cid}"
            for fact in facts_of_row:
                if term in ctx.facts.concepts[fact] and \
                        all(_has_phrase(ctx.facts.raw[fact], q.lower()) for q in qualifiers):
                    out.append((row, fact))
    return pd.DataFrame(out, columns=["row", "fact"], dtype=np.int64)


def _fill_unmatched(ctx: _Context, idx: np.ndarray, seen: np.ndarray, list_name: list[str], none_status: list[int]) -> None:
    """Rows × patients with no matching fact: ``none_status`` when the patient's list is complete, else unknown."""
    complete = np.array([[ln in p.complete for p in ctx.facts.patients] for ln in list_name])
    none = np.array(none_status)[:, None]
    _set(ctx, idx, ~seen & complete & (none == MET), MET, R_WASHOUT_NONE)
    _set(ctx, idx, ~seen & complete & (none == NOT_MET), NOT_MET, R_NO_MATCH)
    _set(ctx, idx, ~seen & ~complete, UNKNOWN, R_NO_MATCH_OPEN)


def _pivot(ctx: _Context, idx: np.ndarray, frame: pd.DataFrame, column: str, how: str) -> np.ndarray:
    """Aggregate ``column`` per (row, patient) into a rows × patients array (NaN where no fact)."""
    out = np.full((len(idx), len(ctx.facts.patients)), np.nan)
    if len(frame):
        agg = frame.groupby(["row", "patient"])[column].agg(how).reset_index()
        pos = {int(r): n for n, r in enumerate(idx)}
        out[agg["row"].map(pos).to_numpy(), agg["patient"].to_numpy()] = agg[column].to_numpy()
    return out


def _first_fact(ctx: _Context, idx: np.ndarray, frame: pd.DataFrame) -> None:
    ctx.value[idx] = _pivot(ctx, idx, frame, "fact", "first")


def _eval_condition(ctx: _Context, idx: np.ndarray) -> None:
    hits = _matches(ctx, idx, "concept", {int(i): ("condition",) for i in idx})
    if len(hits):
        history = hits["row"].map(lambda r: bool(ctx.trials.rows[r]["c"].get("history"))).astype(bool)
        hits = hits[history | hits["active"].astype(bool)]
    windowed = {int(i) for i in idx if ctx.trials.rows[i]["c"].get("window")}
    hits = _in_window(ctx, hits, windowed)
    if len(hits):
        # "uncontrolled hypertension": a matching condition whose names do not say the qualifier is undecided
        ok = hits["ok"].to_numpy(dtype=float).copy()
        rows, facts = hits["row"].to_numpy().tolist(), hits["fact"].to_numpy().tolist()
        decided: dict[tuple, float] = {}  # the same qualifiers recur across trials
        for n in np.flatnonzero(ok == MET):
            wanted = ctx.trials.rows[rows[n]]["c"].get("qualifiers")
            if wanted:
                key = (tuple(wanted), facts[n])
                if key not in decided:
                    decided[key] = _qualified(ctx, wanted, facts[n])
                ok[n] = decided[key]
        hits["ok"] = ok
    ok = _pivot(ctx, idx, hits, "ok", "max")
    _set(ctx, idx, ok == MET, MET, R_MATCH)
    _set(ctx, idx, ok == UNKNOWN, UNKNOWN, R_NO_DATE)
    _set(ctx, idx, ok == QUALIFIED, UNKNOWN, R_QUALIFIER)
    _first_fact(ctx, idx, hits[hits["ok"] > 0] if len(hits) else hits)
    _fill_unmatched(ctx, idx, ~np.isnan(ok) & (ok > 0), ["conditions"] * len(idx), [NOT_MET] * len(idx))


def _has_phrase(raw: str, phrase: str) -> bool:
    return re.search(r"(?<![a-z])" + re.escape(phrase) + r"(?![a-z])", raw) is not None


def _qualified(ctx: _Context, wanted: list[str], fact: int) -> float:
    """A condition the criterion qualifies ("uncontrolled hypertension", "ongoing, significant or recurring
    infections"): MET when the patient's condition is named with one of the qualifiers, NOT_MET when its name
    rules them out ("mild asthma" is not a significant pulmonary disease), else QUALIFIED (undecided)."""
    wanted = [q.lower() for q in wanted]
    if not wanted:
        return MET
    raw = ctx.facts.raw[fact]
    if any(_has_phrase(raw, q) for q in wanted):
        return MET
    for word, ruled_out in settings()["qualifier_contradictions"].items():
        # "poorly controlled" holds "controlled" but says the opposite: then nothing is ruled out
        if _has_phrase(raw, word) and not any(_has_phrase(raw, r) for r in ruled_out) and \
                all(any(_has_phrase(q, r) for r in ruled_out) for q in wanted):
            return NOT_MET
    return QUALIFIED


def _in_window(ctx: _Context, hits: pd.DataFrame, windowed: set) -> pd.DataFrame:
    """Column ``ok`` (2 / 1 / 0): the fact lies in its row's 'before' window (always 2 without one)."""
    hits = hits.copy()
    if not len(hits):
        hits["ok"] = pd.Series(dtype=float)
        return hits
    ws = hits["row"].map(lambda r: ctx.trials.rows[r]["ws"]).astype(float)
    we = hits["row"].map(lambda r: ctx.trials.rows[r]["we"]).astype(float)
    has = hits["row"].isin(windowed)
    start, end = hits["start"].astype(float), hits["end"].astype(float)
    overlap = (start <= we) & ((end >= ws) | (end.isna() & (start >= ws)))
    undecided = start.isna() | (end.isna() & (start < ws))
    hits["ok"] = np.where(~has, MET, np.where(undecided, UNKNOWN, np.where(overlap, MET, NOT_MET)))
    return hits


def _eval_window(ctx: _Context, idx: np.ndarray) -> None:
    ev = {int(i): ctx.trials.rows[i]["c"]["event"] for i in idx}
    cats = {i: _EVENT_CATEGORIES.get(e["type"], ("other",)) for i, e in ev.items()}
    direction = {int(i): ctx.trials.rows[i]["c"]["window"]["direction"] for i in idx}
    hits = _matches(ctx, idx, "event", cats)
    past = np.array([direction[int(i)] in ("before", "since") for i in idx])
    since = np.array([direction[int(i)] == "since" for i in idx])
    is_cond = np.array([ev[int(i)]["type"] == "condition" for i in idx])
    before_rows = {int(i) for i in idx if direction[int(i)] == "before"}
    b = _in_window(ctx, hits[hits["row"].isin(before_rows)], before_rows)
    ok_before = _pivot(ctx, idx, b, "ok", "max")
    # since: a condition began at least N ago (its onset); an exposure ended at least N ago (its last end)
    s = hits[~hits["row"].isin(before_rows)].copy()
    if len(s):
        limit = s["row"].map(lambda r: ctx.trials.rows[r]["we"]).astype(float)
        cond = s["row"].map(lambda r: ev[r]["type"] == "condition").astype(bool)
        when = np.where(cond, s["start"], s["end"]).astype(float)
        s["ok"] = np.where(np.isnan(when), UNKNOWN, np.where(when <= limit, MET, NOT_MET))
        s["ok_min"] = s["ok"]
    ok_since = np.full(ok_before.shape, np.nan)
    if len(s):  # any onset old enough for a condition; every exposure old enough for the rest
        ok_since = np.where(is_cond[:, None], _pivot(ctx, idx, s, "ok", "max"), _pivot(ctx, idx, s, "ok_min", "min"))
    ok = np.where(since[:, None], ok_since, ok_before)
    _set(ctx, idx, ok == MET, MET, R_MATCH)
    _set(ctx, idx, ok == NOT_MET, NOT_MET, R_MATCH)
    _set(ctx, idx, ok == UNKNOWN, UNKNOWN, R_NO_DATE)
    _first_fact(ctx, idx, pd.concat([b, s]) if len(s) else b)
    lists = [_COMPLETE_LIST.get(ev[int(i)]["type"], "events") for i in idx]
    none = [NOT_MET if (not since[n] or is_cond[n]) else MET for n in range(len(idx))]
    seen = ~np.isnan(ok) & ((ok > 0) | since[:, None])
    _fill_unmatched(ctx, idx, seen, lists, none)
    sub_s, sub_r = ctx.status[idx], ctx.reason[idx]
    future = ~past
    sub_s[future], sub_r[future] = UNKNOWN, R_FUTURE
    ctx.status[idx], ctx.reason[idx] = sub_s, sub_r


def _eval_dose(ctx: _Context, idx: np.ndarray) -> None:
    f = ctx.facts
    terms, factor = [], {}
    for i in idx:
        c = ctx.trials.rows[i]["c"]
        names = {c["drug"].get("text"), c["drug"].get("id")} - {None}
        for name in names:
            terms.append((len(terms), name))
            factor[len(terms) - 1] = (int(i), 1.0)
        if c.get("or_equivalent"):
            ref = {e.reference for e in dose_equivalents() if {w for n in names for w in words(n)} & set(words(e.drug))}
            for e in dose_equivalents():
                if e.reference in ref:
                    for alias in e.aliases:
                        terms.append((len(terms), alias))
                        factor[len(terms) - 1] = (int(i), e.factor)
    hits = match_terms(terms, f)
    if len(hits):
        hits["row"] = hits["term"].map(lambda t: factor[t][0])
        hits["factor"] = hits["term"].map(lambda t: factor[t][1])
        hits = hits.merge(f.table, on="fact")
        hits = hits[hits["category"] == "drug"]
        hits = hits.sort_values("factor").drop_duplicates(["row", "fact"], keep="last")
    windowed = {int(i) for i in idx if ctx.trials.rows[i]["c"].get("window")}
    hits = _in_window(ctx, hits, windowed) if len(hits) else hits.assign(ok=[])
    if len(hits):
        # no window: the dose taken now
        now = hits["row"].isin(windowed) | hits["active"].astype(bool)
        route = hits["row"].map(lambda r: (ctx.trials.rows[r]["c"].get("route") or "").lower() or None)
        wrong_route = route.notna() & hits["route"].notna() & (route != hits["route"])
        hits = hits[now & (hits["ok"] == MET) & ~wrong_route].copy()
        hits["amount"] = [_daily_in(ctx, r, u, d, fc, p) for r, u, d, fc, p in
                          zip(hits["row"], hits["dose_unit"], hits["daily"], hits["factor"], hits["patient"])]
    total = _pivot(ctx, idx, hits, "amount", lambda s: s.sum(min_count=1) if s.notna().all() else np.nan)
    taking = _pivot(ctx, idx, hits.assign(one=1.0), "one", "max") if len(hits) else np.full(total.shape, np.nan)
    complete = np.array([["medications" in p.complete for p in f.patients]] * len(idx))
    x = np.where(np.isnan(taking) & complete, 0.0, total)
    _compare(ctx, idx, x)
    _set(ctx, idx, ~np.isnan(taking) & np.isnan(total), UNKNOWN, R_NO_DOSE)
    _set(ctx, idx, np.isnan(taking) & ~complete, UNKNOWN, R_NO_MATCH_OPEN)


def _daily_in(ctx: _Context, r: int, unit: str | None, daily: float, factor: float, p: int) -> float:
    """A medication's daily amount in the constraint's unit ("mg/day", "g/day", "mg/kg/day"), or NaN."""
    c = ctx.trials.rows[r]["c"]
    if daily is None or np.isnan(daily):
        return np.nan
    stated = (c.get("unit") or "").replace(" ", "")
    per = (c.get("per") or "").lower()
    parts = stated.split("/")
    amount_unit, denominators = parts[0], [d.lower() for d in parts[1:]] + ([per] if per else [])
    scale = 1.0
    for d in denominators:
        if d in ("d", "day"):
            continue
        if d in ("wk", "week"):
            scale *= 7
        elif d == "kg":
            k = ctx.facts.keys.get("weight")
            weight = ctx.facts.value[k, p] if k is not None else np.nan
            scale /= weight
        else:
            return np.nan
    try:
        target = unit_code(amount_unit) if amount_unit else None
    except ValueError:
        return np.nan
    conv = converter(unit, target)
    if conv is None:
        return np.nan
    return (conv[0] * daily * factor + conv[1]) * scale


def _applicability(ctx: _Context) -> None:
    """Lift constraints whose condition does not hold or whose exception applies; a main constraint is
    lifted when one of its conditional alternatives applies."""
    rows = ctx.trials.rows
    terms, cond_rows = [], []
    for i, row in enumerate(rows):
        c = row["c"]
        if c.get("condition"):
            cond_rows.append(i)
            terms.append((len(terms), c["condition"]))
    holds = _condition_holds(ctx, terms) if terms else np.zeros((0, len(ctx.facts.patients)))
    for n, i in enumerate(cond_rows):
        ctx.applies[i] = np.minimum(ctx.applies[i], holds[n])
    alt_of: dict[tuple[int, str], list[int]] = {}
    for i, row in enumerate(rows):
        if row["c"].get("alternative_of"):
            alt_of.setdefault((row["trial"], row["c"]["alternative_of"]), []).append(i)
    if alt_of:
        by_id = {(row["trial"], row["c"]["id"]): i for i, row in enumerate(rows)}
        for key, alts in alt_of.items():
            main = by_id.get(key)
            if main is not None:
                any_alt = np.max(ctx.applies[alts], axis=0)
                ctx.applies[main] = np.minimum(ctx.applies[main], 2 - any_alt)
    exc_terms, exc_rows = [], []
    for i, row in enumerate(rows):
        if row.get("fact_exceptions"):
            continue  # condition, window and dose rows apply their exceptions fact by fact
        for e in row["c"].get("exceptions", []):
            for text in alternatives(e["text"]):
                exc_rows.append(i)
                exc_terms.append((len(exc_terms), text))
    if exc_terms:
        lifted = _exception_applies(ctx, exc_terms)
        for n, i in enumerate(exc_rows):
            ctx.applies[i] = np.where(lifted[n], NOT_MET, ctx.applies[i])


def _special(ctx: _Context, text: str) -> np.ndarray | None:
    """A condition naming the patient's sex or child-bearing potential, as 2 / 1 / 0 per patient."""
    lowered = text.lower()
    s = settings()
    if any(t in lowered for t in s["childbearing_terms"]):
        return np.array([UNKNOWN if p.childbearing_potential is None else MET * p.childbearing_potential
                         for p in ctx.facts.patients], dtype=np.int8)
    for sex, sex_words in s["sex_terms"].items():
        if set(lowered.replace(",", " ").split()) & set(sex_words):
            return np.array([UNKNOWN if p.sex is None else (MET if p.sex == sex else NOT_MET)
                             for p in ctx.facts.patients], dtype=np.int8)
    return None


def _condition_holds(ctx: _Context, terms: list[tuple[int, str]]) -> np.ndarray:
    n_p = len(ctx.facts.patients)
    out = np.zeros((len(terms), n_p), dtype=np.int8)
    hits = match_terms(terms, ctx.facts).merge(ctx.facts.table, on="fact")
    hits = hits[hits["active"].astype(bool)]
    complete = np.array([(("conditions" in p.complete) and ("events" in p.complete)) for p in ctx.facts.patients])
    for tid, text in terms:
        special = _special(ctx, text)
        if special is not None:
            out[tid] = special
            continue
        found = np.zeros(n_p, dtype=bool)
        found[hits.loc[hits["term"] == tid, "patient"].to_numpy(dtype=np.int64)] = True
        out[tid] = np.where(found, MET, np.where(complete, NOT_MET, UNKNOWN))
    return out


def _exception_applies(ctx: _Context, terms: list[tuple[int, str]]) -> np.ndarray:
    """Per exception term × patient: the patient has what it names ("postmenopausal", "surgically
    sterilized" also hold for a woman who cannot become pregnant)."""
    n_p = len(ctx.facts.patients)
    out = np.zeros((len(terms), n_p), dtype=bool)
    hits = match_terms(terms, ctx.facts)
    if len(hits):
        hits = hits.merge(ctx.facts.table[["fact", "patient"]], on="fact")
        out[hits["term"].to_numpy(), hits["patient"].to_numpy()] = True
    no_children = np.array([p.sex == "female" and p.childbearing_potential is False for p in ctx.facts.patients])
    for tid, text in terms:
        if any(w in text.lower() for w in ("menopaus", "steril", "hysterectom", "childbearing", "child-bearing")):
            out[tid] |= no_children
    return out


def _aggregate(trials: Trials, status: np.ndarray, applies: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Groups (item logic) and trials, in three-valued logic, from each constraint's status."""
    n_p = status.shape[1]
    n_g, n_t = len(trials.group_op), len(trials.records)
    if not len(trials.rows):
        return np.zeros((0, n_p), dtype=np.int8), np.full((n_t, n_p), MET, dtype=np.int8)
    section = trials.group_section[trials.group]
    incl = np.maximum(status, 2 - applies)  # an inclusion constraint passes when met or lifted
    excl = np.minimum(status, applies)  # an exclusion constraint counts when met and applying
    effective = np.where((section == 1)[:, None], excl, incl)
    order = np.argsort(trials.group, kind="stable")
    sorted_groups = trials.group[order]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    lo = np.minimum.reduceat(effective[order], starts, axis=0)
    hi = np.maximum.reduceat(effective[order], starts, axis=0)
    present = sorted_groups[starts]
    group = np.full((n_g, n_p), MET, dtype=np.int8)
    group[present] = np.where((trials.group_op[present] == 1)[:, None], hi, lo)
    # a trial: every inclusion group passes and no exclusion group holds
    passes = np.where((trials.group_section == 1)[:, None], 2 - group, group)
    passes[trials.group_section == 2] = MET
    trial = np.full((n_t, n_p), MET, dtype=np.int8)
    if n_g:
        t_order = np.argsort(trials.group_trial, kind="stable")
        t_sorted = trials.group_trial[t_order]
        t_starts = np.flatnonzero(np.r_[True, t_sorted[1:] != t_sorted[:-1]])
        trial[t_sorted[t_starts]] = np.minimum.reduceat(passes[t_order], t_starts, axis=0)
    return group, trial


_EVALUATORS = {"age": _eval_age, "sex": _eval_sex, "measurement": _eval_measurement, "pregnancy": _eval_pregnancy,
               "lactation": _eval_lactation, "contraception": _eval_contraception, "condition": _eval_condition,
               "window": _eval_window, "dose": _eval_dose}


# ----------------------------------------------------------------------------------------------------
# reasons


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def _bounds_text(row: dict) -> str:
    parts = []
    if not math.isnan(row["lo"]):
        parts.append((">= " if row["lo_inc"] else "> ") + _fmt(row["lo"]))
    if not math.isnan(row["hi"]):
        parts.append(("<= " if row["hi_inc"] else "< ") + _fmt(row["hi"]))
    return " and ".join(parts) or "(no bound)"


def needs(row: dict) -> str:
    """The fact that would decide a constraint ("a measurement of ALT", "pregnancy status")."""
    c = row["c"]
    kind = c["kind"]
    if kind == "measurement":
        when = " within the criterion's window" if c.get("window") else ""
        return f"a measurement of {c['variable']['id']}{when}"
    if kind == "age":
        return "age or birth date"
    if kind == "sex":
        return "sex"
    if kind == "pregnancy":
        return "a pregnancy test in the criterion's window" if c.get("test") else "pregnancy status"
    if kind == "lactation":
        return "breastfeeding status"
    if kind == "contraception":
        return "willingness to use contraception (and child-bearing potential)"
    if kind == "condition":
        return f"whether the patient has {c['concept'].get('text') or c['concept']['id']}"
    if kind == "window":
        return f"the date of {c['event']['text']} ({c['event']['type']})"
    if kind == "dose":
        return f"current dose of {c['drug'].get('text') or c['drug']['id']}"
    return kind


def explain(row: dict, s: Screening, r: int, p: int) -> str:
    """Why constraint ``r`` has its status for patient ``p``, in words."""
    c = row["c"]
    code, x = int(s.reason[r, p]), s.value[r, p]
    patient = s.facts.patients[p]
    kind = c["kind"]
    neg = " (the criterion is negated)" if c["negated"] else ""
    lifted = ""
    if s.applies[r, p] == NOT_MET:
        lifted = "; it does not apply to this patient" + (f" (condition: {c['condition']})" if c.get("condition") else
                                                          " (an exception or who it concerns)")
    elif s.applies[r, p] == UNKNOWN:
        lifted = "; whether it applies is unknown" + (f" (condition: {c['condition']})" if c.get("condition") else "")
    if code == R_MISSING:
        text = f"no {needs(row).removeprefix('a ').removeprefix('the ')} on record"
    elif code == R_NO_UNIT:
        text = f"the criterion gives no unit for {row['key']}, so a value cannot be compared"
    elif code == R_BAD_UNIT:
        text = f"the criterion's unit {c.get('unit')} cannot be converted to {row.get('canonical')}"
    elif code == R_STALE:
        k = s.facts.keys[row["key"]]
        m = patient.measurements[int(s.facts.which[k, p])]
        text = f"the latest {row['key']} ({m.written}, {m.date}) is outside the criterion's window"
    elif code == R_NO_REF:
        text = f"no reference range for {row['key']} on the result and no default in the reference data"
    elif code == R_FUTURE:
        text = "the window lies in the study period (after the anchor), which screening cannot check"
    elif code in (R_NO_MATCH, R_WASHOUT_NONE):
        text = f"no matching record (the patient's list is complete): {needs(row)}"
    elif code == R_NO_MATCH_OPEN:
        text = f"no matching record, and the patient's list is not marked complete: {needs(row)}"
    elif code == R_NO_DOSE:
        text = "a matching medication has no dose or frequency that converts to the criterion's unit"
    elif code == R_NO_DATE:
        text = "a matching record has no date to compare with the window"
    elif code == R_QUALIFIER:
        fact = s.facts.row(int(x)) if not math.isnan(x) else None
        said = " ".join(repr(q) for q in c.get("qualifiers", ()))
        text = (f"matches {fact['text']!r}, but the record does not say whether it is {said}" if fact is not None
                else f"a matching record does not say whether it is {said}")
    elif code == R_MATCH:
        fact = s.facts.row(int(x)) if not math.isnan(x) else None
        text = f"matches {fact['text']!r}" + (f" (dated {_offset_date(patient, fact['start'])})"
                                               if fact is not None and not math.isnan(fact["start"]) else "") \
            if fact is not None else "a matching record is outside the window"
    elif code == R_FACT:
        text = _fact_text(kind, c, patient, x)
    elif code in (R_IN, R_OUT):
        verb = "meets" if code == R_IN else "does not meet"
        text = f"{_value_text(row, s, r, p)} {verb} {_criterion_text(row)}"
    else:
        text = "not evaluated"
    return text + neg + lifted


def _offset_date(patient: Patient, offset: float) -> str:
    return str(patient.as_of + dt.timedelta(days=int(offset)))


def _fact_text(kind: str, c: dict, patient: Patient, x: float) -> str:
    if kind == "sex":
        return f"the patient is {patient.sex}"
    if kind == "pregnancy" and c.get("test"):
        return f"a pregnancy test on {_offset_date(patient, x)}"
    if kind == "pregnancy":
        return "the patient is pregnant" if patient.pregnant else "the patient is not pregnant"
    if kind == "lactation":
        return "the patient is breastfeeding" if patient.breastfeeding else "the patient is not breastfeeding"
    if kind == "contraception":
        willing = (patient.contraception or {}).get("willing")
        return "the patient uses or will use contraception" if willing else "the patient will not use contraception"
    return kind


def _criterion_text(row: dict) -> str:
    c = row["c"]
    if c["kind"] == "age":
        return f"{_bounds_text(row)} {c['unit']}"
    ref = row.get("ref", 0)
    if ref in (1, 2):
        return f"{_bounds_text(row)} x {'ULN' if ref == 1 else 'LLN'}"
    if ref == 3:
        return "the normal range"
    if ref == 4:
        return f"{_bounds_text(row)} % of predicted"
    unit = row.get("canonical") if c["kind"] == "measurement" else c.get("unit")
    return f"{_bounds_text(row)} {unit or ''}".rstrip()


def _value_text(row: dict, s: Screening, r: int, p: int) -> str:
    c, patient = row["c"], s.facts.patients[p]
    x = s.value[r, p]
    if c["kind"] == "age":
        return f"age {patient.age_years:g} years" if patient.age_years is not None else "age"
    if c["kind"] == "dose":
        return f"current daily dose {_fmt(x)} {c.get('unit') or ''}".rstrip()
    k = s.facts.keys[row["key"]]
    m = patient.measurements[int(s.facts.which[k, p])]
    said = f"{row['key']} {m.written} ({m.date})"
    ref = row.get("ref", 0)
    if ref in (1, 2):
        limit = s.facts.uln[k, p] if ref == 1 else s.facts.lln[k, p]
        source = "the catalogue's default" if s.facts.ref_default[k, p] else "the lab's"
        return f"{said} = {_fmt(x)} x {'ULN' if ref == 1 else 'LLN'} ({source} {_fmt(limit)} {row['canonical'] or ''})"
    if ref == 3:
        return said
    if m.value is None and m.label:
        return f"{row['key']} {m.label} ({m.date})"
    if row.get("canonical") and m.unit and _squeeze_unit(m.written) != row["canonical"]:
        return f"{said} = {_fmt(x)} {row['canonical']}"
    return said


def _squeeze_unit(written: str) -> str:
    return written.split(" ", 1)[1] if " " in written else ""


__all__ = ["screen", "constraints_table", "patient_facts", "match_terms", "Screening", "Trials", "window_interval",
           "MET", "UNKNOWN", "NOT_MET"]
