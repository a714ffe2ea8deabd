"""From one trial's criteria text to one record: normalise, segment, match, build, check.

    TrialInput → normalize (textmap) → locate_criteria (page) → segment (sections) → spaCy per item
    (pipeline) → constraints → record → schema check
"""

from __future__ import annotations

import marshal
import re
import threading
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Iterable, Iterator

from . import __version__
from . import age as age_rules
from . import condition as condition_rules
from .errors import EligexError, warning
from .gate import run_gated
from .logic import exceptions, item_logic, residual_words
from .negation import negation_possible
from .page import locate_criteria
from .pipeline import load
from .registry import age_in_years, registry_fields
from .schema import problems, schema_version
from .sections import Item, segment
from .textmap import MappedText, may_hold_stem, normalize
from . import window as window_rules

DEFAULT_MAX_CHARS = 200_000
# Control characters other than tab, newline, carriage return and form feed mean the input is not text.
_BINARY = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# Items that can hold an age or sex statement; the rest skip the spaCy pipeline entirely.
_GATE_WORDS = (
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred)\b|"
    r"\b(?:fe)?males?\b|\bwom[ae]n\b|\bm[ae]n\b|\bgirls?\b|\bboys?\b|\bladies\b|\bgentlemen\b|"
    r"\b(?:class|classification|stage|grade|level|FC|ASA)\s+(?:I{1,3}V?|IV|[A-C])\b|child[- ]?pugh|nyha|new york heart|"
    r"\btwice\b|\bthrice\b|\b(?:ULN|LLN)\b|normal\s+(?:institutional\s+|reference\s+|laboratory\s+)?(?:limits?|ranges?|values?)|"
    r"limits?\s+of\s+(?:the\s+)?normal|(?:within|outside)\s+(?:of\s+)?(?:the\s+)?(?:acceptable\s+)?(?:normal|institutional)|"
    r"\bnormal\s*(?:$|[.;,)]|for\s+age)|"
    r"pregnan|gravid|lactat|breast|nursing|hcg|contracep|birth[-\s]+control|barrier\s+method|abstinen|"
    r"\b(?:past|last|previous|preceding|prior|next|within)\s+(?:an?\s+|the\s+|half\s+(?:an?\s+)?)?(?:year|month|week|day)\b|"
    r"\bthroughout\b|\bfor\s+the\s+duration\b|\bduring\s+(?:the\s+|this\s+|their\s+)?(?:study|trial|treatment|"
    r"participation|course)|\bwhile\s+(?:on|participating|receiving|enrolled|taking|in)\b|\bon\s+(?:study|treatment)\b|"
    r"condom|fathering|conceiv"
)
# matched case-sensitively against the lower-cased item: the same verdicts as re.IGNORECASE, ~40% faster
_GATE = re.compile(_GATE_WORDS.lower())
_DIGIT = re.compile(r"\d")
# _GATE in three parts with the same verdicts (tests/test_speed_equivalence.py): its whole words (a "\bmen\b"
# matches where a run of word characters is "men"), its stems (plain substrings), and the phrases, read only
# when a word or stem they need is there
_GATE_WORD_SET = frozenset(
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
    "eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred male males female females "
    "woman women man men girl girls boy boys ladies gentlemen twice thrice uln lln throughout".split())
_GATE_STEMS = ("pregnan", "gravid", "lactat", "breast", "nursing", "hcg", "contracep", "abstinen", "condom",
               "fathering", "conceiv", "nyha")
_GATE_PHRASES = re.compile(
    r"\b(?:class|classification|stage|grade|level|fc|asa)\s+(?:i{1,3}v?|iv|[a-c])\b|child[- ]?pugh|new york heart|"
    r"normal\s+(?:institutional\s+|reference\s+|laboratory\s+)?(?:limits?|ranges?|values?)|limits?\s+of\s+(?:the\s+)?normal|"
    r"(?:within|outside)\s+(?:of\s+)?(?:the\s+)?(?:acceptable\s+)?(?:normal|institutional)|\bnormal\s*(?:$|[.;,)]|for\s+age)|"
    r"birth[-\s]+control|barrier\s+method|"
    r"\b(?:past|last|previous|preceding|prior|next|within)\s+(?:an?\s+|the\s+|half\s+(?:an?\s+)?)?(?:year|month|week|day)\b|"
    r"\bfor\s+the\s+duration\b|\bduring\s+(?:the\s+|this\s+|their\s+)?(?:study|trial|treatment|"
    r"participation|course)|\bwhile\s+(?:on|participating|receiving|enrolled|taking|in)\b|\bon\s+(?:study|treatment)\b")
# a phrase of _GATE_PHRASES starts with one of these whole words or holds one of these substrings
_GATE_PHRASE_WORDS = frozenset("class classification stage grade level fc asa past last previous preceding prior next within for during "
                               "while on outside".split())
_GATE_PHRASE_STEMS = ("pugh", "new york heart", "normal", "limit", "birth", "barrier")
_RUN = re.compile(r"\w+")
_HEADING_GATE = re.compile(r"\b(?:age|sex|gender)\b", re.IGNORECASE)
_NOT_COMPUTABLE = re.compile(
    r"informed consent|\bconsent\b|\bcomply\b|compliance|complian|willing(?:ness)?\b|able to (?:understand|read|"
    r"follow|attend|communicate)|investigator'?s?'? (?:opinion|judge?ment|discretion)|opinion of the investigator|"
    r"judge?ment of the investigator|in the opinion of|at the discretion|would interfere with|not appropriate|"
    r"approporiate|unable to (?:understand|comply|follow|complete)|follow-up visits|study procedures",
    re.IGNORECASE,
)

# every phrase of _NOT_COMPUTABLE holds one of these (in an ASCII text, its lower case does)
_NOT_COMPUTABLE_STEMS = ("consent", "comply", "complian", "willing", "able to", "investigator", "opinion",
                         "discretion", "interfere", "appropriate", "approporiate", "follow-up visits",
                         "study procedures")


def _not_computable(text: str) -> bool:
    return may_hold_stem(text, _NOT_COMPUTABLE_STEMS) and _NOT_COMPUTABLE.search(text) is not None


@dataclass
class TrialInput:
    """One trial as read from an input: its id, criteria text and the registry's structured fields."""

    trial_id: str | None
    text: Any
    source: dict
    registry: dict = field(default_factory=dict)  # raw fields: minimum_age, maximum_age, sex, ...
    is_plain_text: bool = False  # plain text may be a whole registry page


def check_text(text: Any, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """The criteria text if it can be extracted from; else an ``EligexError`` saying why."""
    if text is None:
        raise EligexError("E014", expected="an eligibility criteria text")
    if not isinstance(text, str):
        raise EligexError("E013", type=type(text).__name__)
    if not text.strip():
        raise EligexError("E010")
    if len(text) > max_chars:
        raise EligexError("E012", length=len(text), limit=max_chars)
    m = _BINARY.search(text)
    if m:
        raise EligexError("E015", detail=f"{m.group()!r} at offset {m.start()}")
    return text


def extract_trial(trial: TrialInput, *, max_chars: int = DEFAULT_MAX_CHARS) -> dict:
    """The record of one trial. Raises ``EligexError`` for input that cannot be extracted from."""
    steps = _trial_steps(trial, max_chars)
    return _finish(steps, _run_items(load(), next(steps)))


def _finish(steps, found: list[list[dict]]) -> dict:
    """The record of a trial whose ``_trial_steps`` are at their yield, given what its items found."""
    try:
        steps.send(found)
    except StopIteration as done:
        return done.value
    raise AssertionError("_trial_steps yields once")


def _trial_steps(trial: TrialInput, max_chars: int):
    """A trial's record in two steps, so the pipeline can run over the items of several trials at once:
    yields the items (item, its mapped text), is sent what the pipeline found in each, returns the record."""
    where = _where(trial)
    if not trial.trial_id:
        raise EligexError("E011", source=where, expected="an NCT id or the --id-column value")
    try:
        text = check_text(trial.text, max_chars)
    except EligexError as exc:
        raise exc.with_source(where) from None

    mapped = normalize(text)
    if trial.is_plain_text:
        block = locate_criteria(mapped)
    else:
        block = None
    start, end = (block.start, block.end) if block else (0, len(mapped.text))
    # A registry's criteria field is eligibility criteria even without headings; a PDQ-layout text is too.
    seg = segment(mapped, start, end, infer_sections=not trial.is_plain_text)
    if not seg.headings and seg.layout == "pdq" and trial.is_plain_text:
        seg = segment(mapped, start, end, infer_sections=True)

    raw_registry = dict(trial.registry or {})
    page_fields = block.registry if block else {}
    for key, value in page_fields.items():
        raw_registry.setdefault(key, value)
    registry = registry_fields(
        minimum_age=raw_registry.get("minimum_age"), maximum_age=raw_registry.get("maximum_age"),
        sex=raw_registry.get("sex"), healthy_volunteers=raw_registry.get("healthy_volunteers"),
        std_ages=raw_registry.get("std_ages"),
        source=("page" if page_fields and not trial.registry else trial.source.get("format", "input")),
    )

    items_out: list[dict] = []
    constraints: list[dict] = []
    # the window an item states for the list under it ("Excluded within 4 weeks of study entry:"), by item id,
    # and for the items after it at its level when the list is not nested under it
    list_windows: dict[str, dict] = {}
    after: dict | None = None
    parents = {i.parent for i in seg.items if i.parent}
    prepared = [(item, mapped.sub(item.start, item.end)) for item in seg.items]
    founds = yield prepared
    lost: list[dict] = []  # values whose comparator the text lost: warned of, never bounds
    for (item, item_mapped), found in zip(prepared, founds):
        spans = [(f["start"], f["end"]) for f in found if "comparator_lost" in f]
        if spans:
            found = [f for f in found if "comparator_lost" not in f]
        spans += age_rules.lost_ages(item_mapped.text, found)
        lost.extend(item_mapped.evidence(s, e) for s, e in spans)
        item_lost = bool(spans)
        level = (item.parent, item.section, tuple(item.heading))
        if after is not None and after["level"] != level:
            after = None
        governing = list_windows.get(item.parent) if item.parent else None
        governing = governing or (after["window"] if after else None)
        heading = bool(found) and item_mapped.text.rstrip().endswith(":")
        heads = [f for f in found if f["kind"] == "window" and window_rules.introduces_list(item_mapped.text, f)] \
            if heading else []
        labs = [f for f in found if f["kind"] == "window" and window_rules.lab_window(f)] \
            if heading and not heads and item.id in parents else []
        if labs:
            # "Adequate organ function within 7 days of study enrollment including the following:": the
            # thresholds under it take the window
            found = [f for f in found if not any(f is h for h in labs)]
            list_windows[item.id] = {"window": _window(labs[-1]["phrase"], item_mapped), "lab": True}
            governing = None
        elif heads:
            # its placeholder event gives way to the items of its list; a later heading takes the list over
            found = [f for f in found if not any(f is h for h in heads)]
            info = {"window": _window(heads[-1]["phrase"], item_mapped), "negated": heads[-1]["negated"],
                    "rule": heads[-1]["rule"]}
            if item.id in parents:
                list_windows[item.id] = info
            elif item.parent in list_windows:
                list_windows[item.parent] = info
            else:
                after = {"level": level, "window": info}
            governing = None
        elif after is not None and item.text.rstrip().endswith(":"):
            after = governing = None  # a new heading at the same level ends the list
        # a window whose event only points at a list that did not take it names nothing
        found = [f for f in found if not (f["kind"] == "window" and window_rules.placeholder_event(f))]
        doses = [f for f in found if f["kind"] == "dose" and f.get("window") is None] if governing else []
        if governing is not None and governing.get("lab"):
            for f in found:
                if f["kind"] == "measurement" and f.get("window") is None:
                    f["list_window"] = governing["window"]
        elif governing is not None and doses and not any(f["kind"] in _OWN_WINDOW for f in found):
            # "Within 48 hours prior to the first dose:" / "prednisone or methylprednisolone > 20 mg/day": the
            # dose limits take the heading's window
            for f in doses:
                f["list_window"] = governing["window"]
        elif governing is not None and any(f["kind"] == "window" for f in found):
            # "Within 4 weeks prior to the first dose:" / "rifampin within the past 28 days": the past of the
            # item's own window is the heading's anchor
            head = governing["window"]
            for f in found:
                w = (f.get("phrase") or {}).get("window") if f["kind"] == "window" else None
                if w and w["anchor"] == "unspecified" and not w.get("anchor_text") and \
                        w["direction"] == head["direction"] and head["anchor"] != "unspecified":
                    w["anchor"] = head["anchor"]
                    if head.get("anchor_text"):
                        w["anchor_text"] = head["anchor_text"]
        elif governing is not None and (not any(f["kind"] in _OWN_WINDOW for f in found)
                                        or _list_with_thresholds(found, item_mapped.text)):
            item_mapped = item_mapped or mapped.sub(item.start, item.end)
            # "Myocardial infarction, ..., HF New York Heart Association (NYHA) Class IV, ..." under "within 3
            # months of ...:": a threshold named in a long list is one of its events, and takes the window
            owned = [(f["start"], f["end"]) for f in found if f["kind"] == "measurement"]
            for f in found:
                if f["kind"] == "measurement" and f.get("window") is None:
                    f["list_window"] = governing["window"]
            found = found + [{"kind": "window", "rule": governing["rule"], "start": s, "end": e, "negated": governing["negated"],
                      "event": {"type": window_rules.event_type(item_mapped.text[s:e]), "text": item_mapped.text[s:e]},
                      "parts": [{"role": "event", "start": s, "end": e}], "list_window": governing["window"]}
                     for s, e in window_rules.list_item_events(item_mapped.text)
                     if not any(a < e and s < b for a, b in owned)]
            # a diagnosis of the item takes the heading's window too ("Excluded within 6 months of entry:" /
            # "- Myocardial infarction"): without it, it would exclude any history
            events = [(w["start"], w["end"]) for w in found if w["kind"] == "window" and "list_window" in w]
            for f in found:
                if f["kind"] == "condition" and f.get("window") is None and \
                        any(a <= f["parts"][0]["start"] and f["parts"][0]["end"] <= b for a, b in events):
                    f["list_window"] = governing["window"]
                    f["history"] = f["history"] or governing["window"]["direction"] in ("before", "since")
                    f["negated"] = f["negated"] or governing["negated"]
        lifted: dict[int, list[dict]] = {}
        if found:
            for k, s, e in exceptions(item_mapped.text, found):
                lifted.setdefault(k, []).append({"text": item_mapped.text[s:e], "evidence": item_mapped.evidence(s, e)})
        ids = []
        main_ids = []
        for k, f in enumerate(found):
            c = _constraint(f, item, item_mapped, len(constraints) + 1)
            if "list_window" in f:
                c["window"] = f["list_window"]
                c["parts"].append({"role": "window", **f["list_window"]["evidence"]})
                if f["kind"] == "window":
                    # the evidence is where the window is written, as for a list on one line ("ALT or AST >=
                    # 2x ULN"): the heading's phrase; the event is a part in this item
                    c["evidence"] = dict(f["list_window"]["evidence"])
            if k in lifted:
                c["exceptions"] = lifted[k]
                c["parts"].extend({"role": "exception", **x["evidence"]} for x in lifted[k])
            if not f.get("alternative"):
                main_ids.append(c["id"])
            if f.get("alternative"):
                # the constraint it is an alternative to: the last one on the same variable
                main = next((k for k in reversed(constraints) if k.get("variable") == c["variable"]
                             and not k.get("alternative_of")), None)
                if main is not None:
                    c["alternative_of"] = main["id"]
            constraints.append(c)
            ids.append(c["id"])
        s, e = mapped.span(item.start, item.end)
        items_out.append({
            "id": item.id, "section": item.section, "heading": item.heading, "marker": item.marker,
            "parent": item.parent, "start": s, "end": e, "text": text[s:e],
            "status": "partial" if item_lost else _status(item, item_mapped.text if found else item.text, found),
        })
        op = item_logic(item_mapped.text, found, item.section) if found else None
        if op is not None:
            items_out[-1]["logic"] = {"op": op, "constraints": main_ids}

    warnings = _warnings(seg, registry, constraints)
    if lost:
        warnings.append(warning("W004", count=len(lost), text=", ".join(repr(e["text"]) for e in lost[:3])
                                + (", ..." if len(lost) > 3 else "")))
    if block is not None:
        for note in block.notes:
            warnings.append(warning("W002", detail=note))
    c_start, c_end = mapped.span(start, end) if end > start else (0, 0)
    return {
        "schema_version": schema_version(),
        "trial_id": str(trial.trial_id),
        "source": trial.source,
        "registry": registry,
        "criteria": {"text": text, "start": c_start, "end": c_end, "is_page": bool(block and block.is_page),
                     "layout": seg.layout},
        "items": items_out,
        "constraints": constraints,
        "warnings": warnings,
        "extractor": {"name": "eligex", "version": __version__},
    }


def _where(trial: TrialInput) -> str:
    src = trial.source or {}
    loc = src.get("locator")
    base = src.get("input", "<input>")
    return f"{base}:{loc}" if loc else base


def _list_with_thresholds(found: list[dict], text: str) -> bool:
    """Whether an item under a window heading is a long list of names one of which is a threshold (and it has
    no window, age, sex, pregnancy or contraception statement of its own)."""
    if any(f["kind"] in _OWN_WINDOW and f["kind"] != "measurement" for f in found):
        return False
    if any(f["kind"] == "measurement" and f.get("window") is not None for f in found):
        return False
    return len(window_rules.list_item_events(text)) >= 4


def _needs_pipeline(item: Item) -> bool:
    # a digit is the common case, and a scan for one is far cheaper than the whole alternation
    if _DIGIT.search(item.text) or _gate(item.text.lower()):
        return True
    return any(_HEADING_GATE.search(h) for h in item.heading)


def _gate(low: str) -> bool:
    """Whether ``_GATE`` matches the lower-cased text ``low``, without its slow scan in most items."""
    runs = _RUN.findall(low)
    if not _GATE_WORD_SET.isdisjoint(runs):
        return True
    for stem in _GATE_STEMS:
        if stem in low:
            return True
    if _GATE_PHRASE_WORDS.isdisjoint(runs) and not any(stem in low for stem in _GATE_PHRASE_STEMS):
        return False
    return _GATE_PHRASES.search(low) is not None


# What the pipeline found in an item depends only on its text, section and headings; registries repeat
# items word for word ("Not pregnant or nursing", "ECOG 0-2" under the same PDQ headings), so the last
# results are kept (marshal: the found dicts are plain data, and each caller gets its own copy).
_FOUND_CACHE: dict[tuple, bytes] = {}
_FOUND_CACHE_SIZE = 20_000
_FOUND_LOCK = threading.Lock()


def clear_item_cache() -> None:
    """Forget the reused item results (for code that changes the rules or the pipeline in a running process)."""
    with _FOUND_LOCK:
        _FOUND_CACHE.clear()


def _run_items(nlp, prepared: list[tuple[Item, MappedText]]) -> list[list[dict]]:
    """What the pipeline finds in each item (of one trial or several). Each stage runs over all the items
    before the next one starts (its rules and tables stay in the processor's caches); an item seen before is
    copied."""
    out: list[list[dict] | None] = [None] * len(prepared)
    todo: dict[tuple, list[int]] = {}
    for n, (item, item_mapped) in enumerate(prepared):
        # items without a number or a cue word can only state conditions: the condition lexicon alone reads them
        key = (id(nlp), item_mapped.text, item.section, tuple(item.heading), _needs_pipeline(item))
        hit = _FOUND_CACHE.get(key)
        if hit is not None:
            out[n] = marshal.loads(hit)
        else:
            todo.setdefault(key, []).append(n)
    if not todo:
        return out
    full = [(key, prepared[ns[0]][0]) for key, ns in todo.items() if key[-1]]
    alone = [(key, prepared[ns[0]][0]) for key, ns in todo.items() if not key[-1]]
    results = dict(zip((k for k, _ in alone), _run_conditions(nlp, [(k[1], item) for k, item in alone])))
    results.update(zip((k for k, _ in full), _run_pipeline(nlp, [(k[1], item) for k, item in full])))
    with _FOUND_LOCK:  # a Dask worker may run several tasks in threads
        for key, ns in todo.items():
            found = results[key]
            dumped = marshal.dumps(found)
            if len(_FOUND_CACHE) >= _FOUND_CACHE_SIZE:
                _FOUND_CACHE.pop(next(iter(_FOUND_CACHE)))  # the oldest entry
            _FOUND_CACHE[key] = dumped
            out[ns[0]] = found
            for n in ns[1:]:
                out[n] = marshal.loads(dumped)
    return out


def _run_pipeline(nlp, texts: list[tuple[str, Item]]) -> list[list[dict]]:
    docs = []
    for text, item in texts:
        doc = nlp.make_doc(text)
        doc._.eligex_context = {"section": item.section, "heading": item.heading}
        docs.append(doc)
    # components none of whose rules can match the item are skipped (nlp/gate.py)
    # the values whose comparator was lost come last, for the record's warning (see _trial_steps)
    return [list(doc._.eligex_found) + doc._.eligex_lost for doc in run_gated(nlp, docs)]


def _run_conditions(nlp, texts: list[tuple[str, Item]]) -> list[list[dict]]:
    """The condition lexicon and negation alone: what an item without numbers or cue words can state. The
    tokenizer runs only when a negation must be decided (most such items name no condition at all)."""
    out = [condition_rules.find(text, condition_rules.lexicon_mentions(text), []) for text, _ in texts]
    negate = nlp.get_pipe("eligex_negation")
    for n, (text, item) in enumerate(texts):
        if out[n] and negation_possible(text):
            doc = nlp.make_doc(text)
            doc._.eligex_context = {"section": item.section, "heading": item.heading}
            doc._.eligex_found.extend(out[n])
            out[n] = list(negate(doc)._.eligex_found)
    return out

# Kinds that make an item under a list heading more than an event of the heading's window: a threshold or a
# window of its own, an age, a pregnancy or contraception statement
_OWN_WINDOW = {"window", "measurement", "age", "sex", "pregnancy", "lactation", "contraception"}

# What each kind's constraint takes from what its component found, in the record's key order.
_COPIED = {
    "measurement": ("negated", "variable", "measure_kind", "lower?", "upper?", "unit", "unit_text", "reference",
                    "method", "scale", "condition?", "conversion?"),
    "dose": ("negated", "drug", "lower?", "upper?", "unit", "unit_text", "per", "route", "or_equivalent", "cumulative",
             "equivalent?"),
    "pregnancy": ("negated", "test", "test_result?"),
    "lactation": ("negated",),
    "window": ("negated", "event"),
    "contraception": ("negated", "who", "method_strength"),
    "condition": ("negated", "concept", "history", "qualifiers?"),
}


def _constraint(found: dict, item: Item, item_mapped: MappedText, number: int) -> dict:
    c: dict[str, Any] = {
        "id": f"c{number}", "kind": found["kind"], "item": item.id, "section": item.section,
        "negated": False, "evidence": item_mapped.evidence(found["start"], found["end"]),
        "parts": [{"role": p["role"], **item_mapped.evidence(p["start"], p["end"])} for p in found.get("parts", [])],
        "rules": [found["rule"]],
    }
    if found["kind"] == "age":
        c["variable"] = "age"
        for name in ("lower", "upper"):
            if name in found:
                b = found[name]
                bound = {"value": b["value"], "inclusive": b["inclusive"], "text": b["text"]}
                if "unit" in b:
                    bound["unit"] = b["unit"]
                c[name] = bound
        c["unit"] = found["unit"]
        c["unit_stated"] = found["unit_stated"]
    elif found["kind"] == "sex":
        c["value"] = found["value"]
    elif found["kind"] in _COPIED:
        # the fields of the kind, in the record's order; a "?" field only when the component found one
        for name in _COPIED[found["kind"]]:
            if name.endswith("?"):
                if found.get(name[:-1]):
                    c[name[:-1]] = found[name[:-1]]
            else:
                c[name] = found[name]
        if found["kind"] == "contraception":
            c["windows"] = [_window(p, item_mapped) for p in found["windows"]]
    if found.get("phrase") is not None:
        c["window"] = _window(found["phrase"], item_mapped)
    elif found.get("window") is not None:
        p = found["window"]
        c["window"] = _window(p, item_mapped)
        c["parts"].append({"role": "window", **item_mapped.evidence(p["start"], p["end"])})
    return c


def _window(phrase: dict, item_mapped: MappedText) -> dict:
    """A window of the record: the phrase's window with its evidence in the input."""
    return {**phrase["window"], "evidence": item_mapped.evidence(phrase["start"], phrase["end"])}


def _status(item: Item, text: str, found: list[dict]) -> str:
    """``parsed`` when the constraints account for the item's words, ``partial`` when words with a
    criterion of their own are left over (or nothing was captured), ``not_computable`` for consent,
    compliance and investigator judgement."""
    if found:
        return "parsed" if len(residual_words(text, found)) <= 3 else "partial"
    if _not_computable(item.text):
        return "not_computable"
    return "partial"


def _warnings(seg, registry: dict | None, constraints: list[dict]) -> list[dict]:
    out = []
    if seg.items and not seg.headings:
        inferred = any(i.section != "unspecified" for i in seg.items)
        out.append(warning("W003", detail="items were taken as inclusion criteria unless their words exclude"
                           if inferred else "items have section 'unspecified'"))
    if registry:
        out.extend(age_disagreement(registry, constraints))
    return out


def text_age_interval(constraints: Iterable[dict]) -> tuple[dict | None, dict | None, list[str]]:
    """The widest age interval the text's age constraints allow, as ``{"years", "inclusive"}`` bounds,
    and the ids of those constraints.

    An inclusion "aged 18-65" allows [18, 65]; an exclusion "age > 75" implies an upper limit of 75.
    Several cohorts give the widest span (the registry states one range for all of them).
    """
    lowers, uppers, ids = [], [], []
    for c in constraints:
        if c["kind"] != "age" or c.get("negated"):
            continue
        lo, up = c.get("lower"), c.get("upper")
        if c["section"] == "exclusion":
            # excluded above X: eligible up to X (and the other way round); the inclusive flag flips too
            if lo and not up:
                lo, up = None, {**lo, "inclusive": not lo["inclusive"]}
            elif up and not lo:
                lo, up = {**up, "inclusive": not up["inclusive"]}, None
            else:
                continue
        if lo:
            lowers.append({"years": age_in_years(lo["value"], lo.get("unit", c["unit"])), "inclusive": lo["inclusive"],
                           "whole_years": lo.get("unit", c["unit"]) == "years"})
        if up:
            uppers.append({"years": age_in_years(up["value"], up.get("unit", c["unit"])), "inclusive": up["inclusive"],
                           "whole_years": up.get("unit", c["unit"]) == "years"})
        ids.append(c["id"])
    lower = min(lowers, key=lambda b: b["years"]) if lowers else None
    upper = max(uppers, key=lambda b: b["years"]) if uppers else None
    return lower, upper, ids


def ages_agree(registry_years: float, bound: dict, side: str) -> bool:
    """Whether a registry age limit says the same as a text bound. Registry limits are inclusive, so
    "under 21" agrees with a maximum of 20 Years and "older than 17" with a minimum of 18 Years."""
    value = bound["years"]
    if abs(registry_years - value) < 1e-6:
        return True
    if bound["inclusive"] or not bound["whole_years"]:
        return False
    equivalent = value - 1 if side == "upper" else value + 1
    return abs(registry_years - equivalent) < 1e-6


def age_disagreement(registry: dict, constraints: list[dict]) -> list[dict]:
    """W001 warnings where the registry's minimum/maximum age differs from what the text states."""
    lower, upper, ids = text_age_interval(constraints)
    out = []
    for field_name, bound, side in (("minimum_age", lower, "lower"), ("maximum_age", upper, "upper")):
        reg = registry.get(field_name)
        if bound is None or not reg or reg.get("value") is None:
            continue
        reg_years = age_in_years(reg["value"], reg["unit"])
        if reg_years == 0 and field_name == "minimum_age":
            continue  # "0 Years" is the registry's way of saying no minimum
        if not ages_agree(reg_years, bound, side):
            sign = ("" if bound["inclusive"] else (">" if side == "lower" else "<"))
            entry = warning("W001", field=field_name.replace("_", " "), registry=reg["text"],
                            text=f"{sign}{_fmt(bound['years'])} years")
            entry["constraint"] = ids[0]
            out.append(entry)
    return out


def _fmt(years: float) -> str:
    return str(int(years)) if float(years).is_integer() else f"{years:.2f}"


def error_record(exc: EligexError, trial_id: str | None, source: dict) -> dict:
    return {
        "schema_version": schema_version(),
        "trial_id": trial_id if trial_id else None,
        "source": source,
        "error": exc.to_dict(),
        "extractor": {"name": "eligex", "version": __version__},
    }


def checked(record: dict) -> dict:
    """``record`` if it passes the schema; a record that fails is a bug, raised as E020, never written."""
    found = problems(record)
    if found:
        raise EligexError("E020", trial=record.get("trial_id"), schema="record.schema.json",
                          problems="; ".join(found[:10]))
    return record


def extract_many(trials: Iterable[TrialInput | EligexError], *, max_chars: int = DEFAULT_MAX_CHARS) -> Iterator[dict]:
    """One schema-checked record per input; inputs that fail give error records and the run goes on."""
    trials = iter(trials)
    while group := list(islice(trials, _GROUP)):
        yield from _extract_group(group, max_chars)


# trials whose items the pipeline runs over together (_run_items)
_GROUP = 16


def _extract_group(group: list[TrialInput | EligexError], max_chars: int) -> list[dict]:
    """``extract_many`` over a few inputs: each trial's items are read, the pipeline runs over all of them
    at once, and each trial's record is made from what its items found."""
    records: list[dict | None] = [None] * len(group)
    started = []  # (position, steps, items)
    for n, trial in enumerate(group):
        if isinstance(trial, EligexError):
            records[n] = checked(error_record(trial, trial.fields.get("trial_id"), trial.fields.get("record_source")
                                              or {"format": "text", "input": trial.source or "<input>"}))
            continue
        steps = _trial_steps(trial, max_chars)
        try:
            started.append((n, steps, next(steps)))
        except Exception as exc:
            records[n] = _error(trial, exc)
    nlp = load()
    try:
        found = _run_items(nlp, [pair for _, _, items in started for pair in items])
    except Exception:
        found = None  # each trial runs its own items again, so only the one that fails gets an error record
    at = 0
    for n, steps, items in started:
        try:
            mine = _run_items(nlp, items) if found is None else found[at:at + len(items)]
            records[n] = checked(_finish(steps, mine))
        except Exception as exc:
            records[n] = _error(group[n], exc)
        at += len(items)
    return records


def _error(trial: TrialInput, exc: Exception) -> dict:
    """The error record of a trial whose extraction raised ``exc``."""
    if not isinstance(exc, EligexError):  # a bug: reported as this trial's error record, and the batch goes on
        exc = EligexError("E099", source=_where(trial), detail=f"{type(exc).__name__}: {exc}")
    return checked(error_record(exc, trial.trial_id, trial.source))
