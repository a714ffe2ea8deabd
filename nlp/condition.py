"""Conditions: diagnoses and history from the curated lexicon (``patterns/conditions.jsonl``).

"Diagnosis of rheumatoid arthritis", "History of malignancy within 5 years, except adequately treated basal
cell carcinoma", "No uncontrolled hypertension", "Known HIV infection". Each mention of a lexicon concept
becomes one constraint: its concept (id, name, ICD-10 code), whether the text asks for a history ("history
of", "prior", or a window reaching back), the qualifiers that narrow it ("uncontrolled", "severe",
"decompensated"), the window of a window constraint it is the event of, and (in ``extract``) the exceptions
that lift it. Negation is NegEx's (``nlp/negation.py``), like the other event kinds.

Mentions that are not the patient's own condition are left out: a family history, a risk of, a vaccine or
a test for a disease, a condition under which another constraint applies ("<= 5 x ULN if liver
metastases"), and the conditions an exception names (those are the exception's words).

>>> c = conditions()["rheumatoid_arthritis"]
>>> c.name, c.code()
('rheumatoid arthritis', {'system': 'ICD-10', 'code': 'M05'})
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache

from . import resources
from .logic import exception_spans
from .rules import _load_jsonl

LEXICON = "conditions.jsonl"
ICD10 = re.compile(r"^[A-Z]\d\d(?:\.\d{1,4})?$")


@dataclass(frozen=True)
class Condition:
    """``{"id": "rheumatoid_arthritis", "name": "rheumatoid arthritis", "kind": "disease", "aliases": [...],
    "abbreviations": ["RA"], "classes": ["autoimmune_disease"], "icd10": ["M05", "M06"], "example": "..."}``"""

    id: str
    name: str
    kind: str  # disease, finding or class
    aliases: list
    example: str
    abbreviations: list = ()
    classes: list = ()  # ids of the class entries it belongs to
    icd10: list = ()  # ICD-10 code prefixes the concept covers

    def code(self) -> dict | None:
        return {"system": "ICD-10", "code": self.icd10[0]} if self.icd10 else None


@lru_cache(maxsize=1)
def conditions() -> dict[str, Condition]:
    """Every lexicon entry by id."""
    return {c.id: c for c in _load_jsonl(LEXICON, Condition)}


@lru_cache(maxsize=1)
def ancestors() -> dict[str, frozenset[str]]:
    """Each concept's classes, transitively ("hepatocellular_carcinoma" → liver cancer, malignancy, ...)."""
    lex = conditions()
    out: dict[str, frozenset[str]] = {}

    def up(cid: str, seen: frozenset) -> frozenset:
        if cid in out:
            return out[cid]
        found: set[str] = set()
        for parent in lex[cid].classes:
            if parent in lex and parent not in seen:
                found |= {parent} | up(parent, seen | {cid})
        out[cid] = frozenset(found)
        return out[cid]

    for cid in lex:
        up(cid, frozenset())
    return out


def _phrase_set(phrases: list[str]) -> tuple[frozenset, int, frozenset]:
    words = {tuple(p.lower().split()) for p in phrases}
    return frozenset(words), max(len(w) for w in words), frozenset(w[-1] for w in words)


_TAIL_WORD = re.compile(r"[A-Za-z][A-Za-z'/-]*")
_ASCII_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_TAIL_CHARS = _ASCII_LETTERS | frozenset("'/-")


def _last_tail_word(text: str) -> str | None:
    """The last ``_TAIL_WORD`` of ``text`` if only spaces, tabs, newlines and commas follow it, else None."""
    e = len(text)
    while e and text[e - 1] in " ,\t\n":
        e -= 1
    r = e
    while r and text[r - 1] in _TAIL_CHARS:
        r -= 1
    while r < e and text[r] not in _ASCII_LETTERS:
        r += 1  # a word starts with a letter ("'/-" before it are no part of it)
    return text[r:e] if r < e else None


def _ends_with(text: str, phrases: tuple[frozenset, int, frozenset]) -> int | None:
    """Where a phrase of ``phrases`` ends ``text`` (spaces and commas after it allowed), else None."""
    table, longest, last_words = phrases
    offset = max(0, len(text) - 80)
    window = text[offset:]
    last = _last_tail_word(window)
    if last is None or last.lower() not in last_words:
        return None  # no phrase can end it (the scan below would find the same)
    tail = list(_TAIL_WORD.finditer(window))[-longest:]
    if not tail or window[tail[-1].end():].strip(" ,\t\n"):
        return None
    words = [m.group().lower() for m in tail]
    for k in range(len(words), 0, -1):
        if tuple(words[-k:]) in table:
            return offset + tail[-k].start()
    return None


@lru_cache(maxsize=1)
def _settings() -> dict:
    with resources.patterns_path("condition.json").open(encoding="utf-8") as fh:
        data = json.load(fh)

    def words(key: str) -> re.Pattern:
        alts = sorted(data[key], key=len, reverse=True)
        return re.compile(r"(?:" + "|".join(r"\s+".join(map(re.escape, a.split())) for a in alts) + r")", re.IGNORECASE)

    return {
        # a history cue ending where a modifier walk stands ("history of", "previous or current")
        "not_own_after": re.compile(r"\s*" + words("not_own_after").pattern + r"\b", re.IGNORECASE),
        "qualifiers": {q.lower(): q for q in data["qualifiers"]},
        "after": [re.compile(r"[\s,]*(?:" + a + r")", re.IGNORECASE) for a in data["qualifiers_after"][:-1]],
        "after_to": re.compile(r"[\s,]*(?:" + data["qualifiers_after"][-1] + r")", re.IGNORECASE),
        "fillers": {q.lower() for q in data["fillers"]},
        "strip_fillers": {q.lower() for q in data["fillers"]} - {"of", "with"},
        # the same phrases as word tuples, for a suffix lookup instead of a scan
        "cue_words": _phrase_set(data["history_cues"]),
        "not_own_words": _phrase_set(data["not_own_before"]),
        "family_words": frozenset(w.lower() for f in data["family"] for w in [f] if " " not in f),
        "family_phrases": [f.lower() for f in data["family"] if " " in f],
        "negative_after": re.compile(r"[\s(,:]*" + data["negative_after"], re.IGNORECASE),
        "negative_before": re.compile(data["negative_before"], re.IGNORECASE),
        "permitted": re.compile(data["permitted_after"], re.IGNORECASE),
    }


_NOT_THE_PATIENTS = re.compile(r"\bfamil(?:y|ial)\s+history\b|\bscreening\s+for\b|\bvaccinat|\bvaccine\b|"
                               r"\brisk\s+(?:of|for)\b|\bexposure\s+to\b|\bruled\s+out\b", re.IGNORECASE)


def concept_ids(text: str) -> set[str]:
    """The lexicon concepts a name of a patient's condition says, and their classes ("alcohol-related liver
    cirrhosis" → liver_cirrhosis, liver_disease, ...); the whole name first, else every alias it holds."""
    if _NOT_THE_PATIENTS.search(text):
        return set()  # "family history of breast cancer", "screening for hepatitis B" name no condition of theirs
    idx = _alias_index()
    low = _key(text)
    found = set(idx["lower"].get(low, ()))
    if not found:
        padded = f" {low} "
        for alias, ids in idx["lower"].items():
            if f" {alias} " in padded:
                found |= set(ids)
        for word in re.findall(r"[A-Za-z0-9]+", text):
            found |= set(idx["abbr"].get(word, ()))
    anc = ancestors()
    return found | {a for cid in found for a in anc.get(cid, ())}


def code_concepts(system: str, code: str) -> set[str]:
    """The concepts an ICD-10 code falls under (by prefix), with their classes."""
    if system.upper().replace("-", "") not in ("ICD10", "ICD10CM"):
        return set()
    code = code.upper()
    hits = {c.id for c in conditions().values() if any(code.startswith(p.upper()) for p in c.icd10)}
    anc = ancestors()
    return hits | {a for cid in hits for a in anc.get(cid, ())}


def _key(words: str) -> str:
    """A name as the alias index compares it: lower case, hyphens as spaces, punctuation dropped."""
    return " ".join(re.findall(r"[a-z0-9']+", words.lower().replace("-", " ")))


@lru_cache(maxsize=1)
def _alias_index() -> dict:
    lower: dict[str, list[str]] = {}
    abbr: dict[str, list[str]] = {}
    for c in conditions().values():
        for a in c.aliases:
            key = _key(a)
            if c.id not in lower.setdefault(key, []):
                lower[key].append(c.id)
        for a in c.abbreviations:
            abbr.setdefault(a, []).append(c.id)
    return {"lower": lower, "abbr": abbr}


# words as the project tokenizer keeps them: a hyphenated word is one ("non-smoker" is not "smoker")
_WORD = re.compile(r"(?:[^\W_]|')+(?:-(?:[^\W_]|')+)*")
# the same words in a text without "_" (there, [\w'] is [^\W_] or "'"), by a class the search repeats at once
_WORD_NO_UNDERSCORE = re.compile(r"[\w']+(?:-[\w']+)*")


@lru_cache(maxsize=1)
def _ngrams() -> tuple[dict, dict, frozenset, frozenset, frozenset, frozenset]:
    """Aliases by their words (lower case) and abbreviations by theirs (as written), every proper prefix of
    each, so a scan stops as soon as no alias can go on, and the words an alias or abbreviation can start
    with, so most words are passed over with one set lookup."""
    lower: dict[tuple[str, ...], str] = {}
    abbr: dict[tuple[str, ...], str] = {}
    for c in conditions().values():
        for a in c.aliases:
            key = tuple(w.lower() for w in _WORD.findall(a))
            if key:
                lower.setdefault(key, c.id)
        for a in c.abbreviations:
            key = tuple(_WORD.findall(a))
            if key:
                abbr.setdefault(key, c.id)
    lower_prefixes = frozenset(k[:n] for k in lower for n in range(1, len(k) + 1))
    abbr_prefixes = frozenset(k[:n] for k in abbr for n in range(1, len(k) + 1))
    return (lower, abbr, lower_prefixes, abbr_prefixes, frozenset(k[0] for k in lower),
            frozenset(k[0] for k in abbr))


def lexicon_mentions(text: str) -> list[tuple[int, int, str, str]]:
    """Every lexicon mention in ``text``, (start, end, concept id, rule id): the longest alias (any case) or
    abbreviation (as written) starting at each word, left to right, not overlapping; an alias's words
    stand together, with nothing but spaces between.

    >>> [(text[s:e], cid) for text in ["Prior MI or congestive heart failure"] for s, e, cid, _ in lexicon_mentions(text)]
    [('MI', 'myocardial_infarction'), ('congestive heart failure', 'heart_failure')]
    """
    lower, abbr, lower_prefixes, abbr_prefixes, lower_first, abbr_first = _ngrams()
    matches = list((_WORD if "_" in text else _WORD_NO_UNDERSCORE).finditer(text))
    out = []
    i, n_words = 0, len(matches)
    while i < n_words:
        word = matches[i].group()
        as_abbr, as_alias = word in abbr_first, word.lower() in lower_first
        if not (as_abbr or as_alias):
            i += 1
            continue
        hit = None
        for on, lowered, table, prefixes, rule in ((as_abbr, False, abbr, abbr_prefixes, "condition.abbreviation"),
                                                   (as_alias, True, lower, lower_prefixes, "condition.lexicon")):
            if not on:
                continue
            j = i
            key: tuple[str, ...] = ()
            while j < n_words:
                if j > i and text[matches[j - 1].end():matches[j].start()].strip():
                    break
                w = matches[j].group()
                key = key + (w.lower() if lowered else w,)
                if key not in prefixes:
                    break
                cid = table.get(key)
                if cid is not None and (hit is None or j + 1 > hit[0]):
                    hit = (j + 1, cid, rule)
                j += 1
        if hit:
            end, cid, rule = hit
            out.append((matches[i].start(), matches[end - 1].end(), cid, rule))
            i = end
        else:
            i += 1
    return out


@lru_cache(maxsize=4096)
def mentions(text: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The lexicon concepts a short text names, each with the qualifiers before it (for the exceptions a
    screener applies: "mild asthma treated with bronchodilators" → asthma, qualified "mild")."""
    out = []
    for start, _, cid, _ in lexicon_mentions(text):
        _, qualifiers, _ = _modifiers(text, start, 0)
        out.append((cid, tuple(q for _, _, q in qualifiers)))
    return tuple(out)


_LIST_GAP = re.compile(r"\s*(?:,\s*(?:and/or|or|and)?|\band/or\b|\bor\b|\band\b|/|\(|\)|\s)*\s*")
_JOIN = r"\s*(?:,\s*(?:and/or|or|and)?|\band/or\b|\bor\b|\band\b|/)\s*"
_BEFORE_JOIN = re.compile(r"(?<![A-Za-z0-9-])([A-Za-z][A-Za-z-]*)" + _JOIN + r"$")
_BEFORE_JOIN_TWO = re.compile(r"(?<![A-Za-z0-9-])([A-Za-z][A-Za-z-]*\s+[A-Za-z0-9][A-Za-z0-9-]*)" + _JOIN + r"$")
_AFTER_JOIN = re.compile(_JOIN + r"([A-Za-z0-9][A-Za-z0-9-]*)(?![A-Za-z0-9])")


def _ends_with_join(text: str, pos: int) -> bool:
    """Whether the 40 characters before ``pos`` end with what ``_JOIN`` ends with (then whitespace): a
    ``_BEFORE_JOIN`` or ``_BEFORE_JOIN_TWO`` search there can find nothing otherwise."""
    return text[max(0, pos - 40):pos].rstrip().endswith((",", "/", "or", "and"))


def _elliptic(text: str, mentions: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str, int, int]]:
    """Concepts written with a shared word left out: "cardiac or pulmonary disease" (cardiac disease),
    "hepatitis B or C" (hepatitis C). A word joined by "or", "and", "/" or a comma to a mention of two or more
    words is tried in place of its first or last word; only lexicon aliases count. Each comes with the
    extent of its evidence ("cardiac or pulmonary disease", "hepatitis B or C")."""
    idx = _alias_index()["lower"]
    out: list[tuple[int, int, str, str, int, int]] = []
    taken = [(a, b) for a, b, _, _ in mentions]
    for start, end, own, _ in mentions:
        words = text[start:end].split()
        if len(words) < 2:
            continue
        head, tail = " ".join(words[1:]), " ".join(words[:-1])
        pos = start
        two = _BEFORE_JOIN_TWO.search(text, max(0, start - 40), start) \
            if len(words) > 2 and _ends_with_join(text, start) else None
        ids = idx.get(_key(f"{two.group(1)} {' '.join(words[2:])}"), ()) if two else ()
        if ids and not any(a < two.end(1) and two.start(1) < b for a, b in taken):
            # "Type 1 or type 2 diabetes": a conjunct of two words in place of the mention's first two
            out.extend((two.start(1), two.end(1), cid, "condition.elliptic", two.start(1), end) for cid in ids
                       if cid != own)
            pos = two.start(1)
        while True:  # "cardiac, renal or pulmonary disease"
            m = _BEFORE_JOIN.search(text, max(0, pos - 40), pos) if _ends_with_join(text, pos) else None
            if not m or any(a < m.end(1) and m.start(1) < b for a, b in taken):
                break
            ids = idx.get(_key(f"{m.group(1)} {head}"), ())
            if not ids:
                break
            # "ongoing or active infection": a word that names the mention's own concept again adds nothing
            out.extend((m.start(1), m.end(1), cid, "condition.elliptic", m.start(1), end) for cid in ids if cid != own)
            pos = m.start(1)
        pos = end
        while True:  # "hepatitis B or C"
            m = _AFTER_JOIN.match(text, pos)
            if not m or any(a < m.end(1) and m.start(1) < b for a, b in taken):
                break
            ids = idx.get(_key(f"{tail} {m.group(1)}"), ())
            if not ids:
                break
            out.extend((m.start(1), m.end(1), cid, "condition.elliptic", start, m.end(1)) for cid in ids if cid != own)
            pos = m.end(1)
    return out


def _family(cid: str) -> frozenset[str]:
    """A concept with its classes: two diagnoses of one family ("carcinoma in situ", "malignancy") share one."""
    return ancestors().get(cid, frozenset()) | {cid}


_LAST_WORD = re.compile(r"([A-Za-z][A-Za-z-]*)[\s,]*$")
_LAST_TWO = re.compile(r"([A-Za-z]+)\s+([A-Za-z-]+)[\s,]*$")
_WORD_CHARS = _ASCII_LETTERS | {"-"}


def _last_word(text: str) -> tuple[int, int, int] | None:
    """``_LAST_WORD.search(text)`` read from the end: (start, end) of its word, and where the word's run of
    letters and hyphens starts; None where it finds nothing. Only whitespace and commas (``\\s`` is
    ``str.isspace``) follow the word, so it ends where they start, and it starts at the first letter of
    the run of letters and hyphens before that (tests/test_speed_equivalence.py)."""
    e = len(text)
    while e and (text[e - 1] == "," or text[e - 1].isspace()):
        e -= 1
    run = e
    while run and text[run - 1] in _WORD_CHARS:
        run -= 1
    start = run
    while start < e and text[start] == "-":
        start += 1
    return (start, e, run) if start < e else None


def _last_two(text: str, last: tuple[int, int, int], pos: int) -> tuple[int, str, str] | None:
    """``_LAST_TWO.search(text, pos)`` from ``_last_word(text)``: (start, first word, second word) or None.
    The second word is the whole run of letters and hyphens after whitespace; the first, the letters before
    that whitespace, from ``pos`` at the earliest."""
    _, e, run = last
    if not run or not text[run - 1].isspace():
        return None
    gap = run - 1
    while gap and text[gap - 1].isspace():
        gap -= 1
    start = gap
    while start > pos and text[start - 1] in _ASCII_LETTERS:
        start -= 1
    return (start, text[start:gap], text[run:e]) if start < gap else None


def _strip_modifiers(before: str) -> str:
    """``before`` without the qualifiers and fillers it ends with (read in its last 300 characters)."""
    s = _settings()
    qualifiers, fillers = s["qualifiers"], s["strip_fillers"]
    cut = max(0, len(before) - 300)
    head, before = before[:cut], before[cut:]
    while True:
        m = _last_word(before)  # _LAST_WORD.search(before)
        if not m:
            return head + before
        m_start, m_end, _ = m
        pos = max(0, m_start - 40)
        while pos > 0 and before[pos - 1].isalpha():
            pos -= 1  # from a word's start, as a search of the whole text would
        two = _last_two(before, m, pos)  # _LAST_TWO.search(before, pos)
        if two and f"{two[1]} {two[2]}".lower() in qualifiers:
            before = before[:two[0]]
        elif before[m_start:m_end].lower() in qualifiers or before[m_start:m_end].lower() in fillers:
            before = before[:m_start]
        else:
            return head + before


_WHO_WITH = re.compile(r"^\W*(?:patients|subjects|participants|individuals|those|persons|people|women|men|"
                       r"females|males)\s+(?:who\s+(?:have|had)\s+|with\s+)(?:an?\s+|known\s+|documented\s+|"
                       r"(?:a\s+)?history\s+of\s+)*$", re.IGNORECASE)
_MUST = re.compile(r"\b(?:must|should|need\s+to|needs\s+to|are\s+required\s+to|is\s+required\s+to|"
                   r"will\s+(?:need|be\s+required)\s+to|have\s+to)\b", re.IGNORECASE)


_LOWER_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")


def _about_relatives(text: str, s: dict) -> bool:
    low = text.lower()
    return bool(s["family_words"].intersection(_LOWER_WORD.findall(low))) or \
        any(p in low for p in s["family_phrases"])


# what each alternative of patterns/condition.json's permitted_after holds (tests/test_speed_equivalence.py)
_PERMITTED_STEMS = ("allowed", "permitted", "eligible", "accept", "excluded", "may")
# and of its negative_before
_NEGATIVE_BEFORE_STEMS = ("negative", "reactive")


def _clause_end(text: str, pos: int) -> int:
    m = _CLAUSE.search(text, pos)
    return m.start() if m else len(text)


_ALLERGY = re.compile(r"allerg|hypersensitiv|intoleran", re.IGNORECASE)
_CLAUSE = re.compile(r"[;:.!?\n]\s|[;:\n]")


@lru_cache(maxsize=None)
def _allergy(name: str) -> bool:
    """Whether a concept's name is an allergy, a hypersensitivity or an intolerance (once per concept)."""
    return _ALLERGY.search(name) is not None


def _clause_before(text: str, start: int) -> str:
    """The text of the mention's clause before it."""
    cut = 0
    for m in _CLAUSE.finditer(text, 0, start):
        cut = m.end()
    return text[cut:start]


_MOD_WORD = re.compile(r"[A-Za-z][A-Za-z-]*|/")


def _modifiers(text: str, start: int, floor: int) -> tuple[int, list[tuple[int, int, str]], bool]:
    """Walk left from a mention over its modifiers: where the statement starts, the qualifiers (start, end,
    normalised words) that narrow it, and whether a history cue ("history of", "prior") comes before them.
    A status word ("active", "current", "known") only says what a condition without a history cue means
    anyway (the patient has it now); it and other fillers join the statement only under a cue."""
    # the words of the last 120 characters or so (from a character no word goes on over), all of them only if
    # the walk goes further back: the words after that character are the same either way
    lo = max(floor, start - 120)
    while lo > floor and text[lo - 1] in _WORD_CHARS:
        lo -= 1
    if lo > floor:
        walked = _walk_modifiers(text, start, floor, lo)
        if walked is not None:
            return walked
    return _walk_modifiers(text, start, floor, floor)


def _walk_modifiers(text: str, start: int, floor: int, lo: int):
    """``_modifiers`` over the words from ``lo``; None if the walk needs a word before ``lo``."""
    s = _settings()
    qualifiers: list[tuple[int, int, str]] = []
    pos = committed = start
    words = list(_MOD_WORD.finditer(text, lo, start))
    partial = lo > floor
    i = len(words) - 1
    while i >= 0:
        w = words[i]
        if text[w.end():pos].strip(" ,\t\n"):
            break  # a bracket, a number, a colon: the modifiers end
        at = _ends_with(text[max(floor, w.end() - 80):w.end()], s["cue_words"])
        if at is not None:
            qualifiers.reverse()
            return max(floor, w.end() - 80) + at, qualifiers, True
        if partial and i == 0:
            return None
        prev = words[i - 1] if i else None
        pair = f"{prev.group()} {w.group()}".lower() if prev and not text[prev.end():w.start()].strip() else ""
        if pair in s["qualifiers"]:
            pos = committed = prev.start()
            qualifiers.append((pos, w.end(), s["qualifiers"][pair]))
            i -= 2
            continue
        word = w.group().lower()
        if word in s["qualifiers"]:
            pos = committed = w.start()
            qualifiers.append((pos, w.end(), s["qualifiers"][word]))
        elif word in s["fillers"]:
            pos = w.start()
        else:
            break
        i -= 1
    if partial and i < 0:
        return None
    qualifiers.reverse()
    return committed, qualifiers, False


def find(text: str, mentions: list[tuple[int, int, str, str]], found: list[dict]) -> list[dict]:
    """Condition constraints of an item: ``mentions`` are (start, end, concept id, rule id) of lexicon
    matches, longest first and not overlapping; ``found`` the item's other constraints (windows give their
    window to the condition that is their event; a condition a threshold applies under is not one).

    Mentions joined by "or", "and" or commas share what stands before the first of them: "History of MI or
    stroke" is a history of both, "uncontrolled hypertension or diabetes" qualifies both."""
    if not mentions:
        return []
    s = _settings()
    lex = conditions()
    spans = {(a, b): (a, b) for a, b, _, _ in mentions}
    for a, b, cid, rule, ev_a, ev_b in _elliptic(text, mentions):
        mentions = list(mentions) + [(a, b, cid, rule)]
        spans[(a, b)] = (ev_a, ev_b)
    spans_of_cues = exception_spans(text)
    excepted = [(m.start(), e) for m, e in spans_of_cues]
    cues = [m.start() for m, _ in spans_of_cues]
    applies_under = [(p["start"], p["end"]) for f in found for p in f.get("parts", ()) if p["role"] == "condition"]
    # a drug's words, and a threshold's variable ("thrombocytopenia < 100,000/mm3" is a platelet count)
    drugs = [(p["start"], p["end"]) for f in found for p in f.get("parts", ())
             if p["role"] == "drug" or (p["role"] == "variable" and f["kind"] == "measurement")]
    events = [(p["start"], p["end"], f) for f in found if f["kind"] == "window"
              for p in f.get("parts", ()) if p["role"] == "event"]
    ordered = sorted(set(mentions))
    out = []
    seen: dict[str, int] = {}
    # an ASCII text without a word of a relative, a permission or a negative result holds none in any part
    low = text.lower() if text.isascii() else None
    relatives = low is None or any(w in low for w in s["family_words"]) or any(p in low for p in s["family_phrases"])
    permitted = low is None or any(stem in low for stem in _PERMITTED_STEMS)
    negative = low is None or any(stem in low for stem in _NEGATIVE_BEFORE_STEMS)
    for n, (start, end, cid, rule) in enumerate(ordered):
        concept = lex[cid]
        inside = lambda sp: any(a <= start and end <= b for a, b in sp)  # noqa: E731
        if inside(excepted) or inside(applies_under) or inside(drugs):
            continue
        # "malignancy ... except basal cell carcinoma of the skin, or carcinoma in situ": a kind of a diagnosis
        # named before the exception cue is one more of the exception's, not a criterion of its own
        family = _family(cid)
        if any(c < start and any(b <= c and family & _family(o) for _, b, o, _ in ordered[:n]) for c in cues):
            continue
        # the first mention of the list this one ends ("MI, stroke or TIA")
        left = start
        for a, b, _, _ in reversed(ordered[:n]):
            if b <= left and _LIST_GAP.fullmatch(text, b, left):
                left = a
            elif b <= left:
                break
        before = _clause_before(text, left)
        # "family history of (early) coronary artery disease", "at high risk of recurrent stroke": the words
        # that make it someone else's, or not a condition, may stand before its modifiers
        core = _strip_modifiers(before)
        if _ends_with(core, s["not_own_words"]) is not None or s["not_own_after"].match(text, end) or \
                (relatives and _about_relatives(before[-80:], s)):
            continue
        clause_rest = text[end:_clause_end(text, end)]
        if permitted and s["permitted"].search(clause_rest):
            continue  # "Brain metastases allowed": permitted, not required
        # "Patients with HIV must have CD4 > 200 cells/mm3": the diagnosis is whom the threshold binds
        later = [f for f in found if f["kind"] == "measurement" and f["start"] >= end]
        if later and _WHO_WITH.search(before) and _MUST.search(text, end, min(f["start"] for f in later)):
            for f in later:
                f.setdefault("condition", text[start:end])
            continue
        # a threshold that defines it: "Thrombocytopenia (platelets < 100,000/mm3)", "Renal failure
        # (creatinine > 2.5 mg/dl)": the threshold is the criterion
        if any(f["kind"] == "measurement" and end <= f["start"] <= end + 4 and
               re.fullmatch(r"[\s(:,-]*", text[end:f["start"]]) for f in found):
            continue
        floor = left - len(before)
        stmt_start, qualifiers, history = _modifiers(text, left, floor)
        if left != start and "," in text[left:start]:
            # "symptomatic congestive heart failure, unstable angina pectoris, cardiac arrhythmia, or ...": a
            # qualifier before a comma list qualifies its first member; a history cue still covers all
            qualifiers = []
        if left != start and not (history or qualifiers):
            stmt_start = start  # nothing shared: the mention's statement is its own words
        ev_start, ev_end = spans.get((start, end), (start, end))
        stmt_start, stmt_end = min(stmt_start, ev_start), max(end, ev_end)
        # "hypertension not controlled by medication", "allergy to heparin"
        afters = s["after"] + ([s["after_to"]] if _allergy(concept.name) else [])
        for pattern in afters:
            m = pattern.match(text, stmt_end)
            if m:
                q_start = m.start() + len(m.group()) - len(m.group().lstrip(" ,"))
                qualifiers.append((q_start, m.end(), " ".join(text[q_start:m.end()].lower().split())))
                stmt_end = m.end()
                break
        window = None
        for a, b, w in events:
            if a <= start and end <= b:
                window = w
                break
        # "rheumatoid arthritis (RA)": a concept defined by its abbreviation is one constraint; said again
        # elsewhere in the item ("no history of asthma or asthma controlled on ..."), it is another
        if concept.id in seen and re.fullmatch(r"\s*\(\s*", text[seen[concept.id]:start]):
            continue
        seen[concept.id] = end
        negated = s["negative_after"].match(text, stmt_end) or \
            (negative and s["negative_before"].search(text, max(floor, stmt_start - 40), stmt_start))
        f = {"kind": "condition", "start": stmt_start, "end": stmt_end, "rule": rule, "negated": bool(negated),
             "concept": {"id": concept.id, "text": concept.name}, "history": history,
             "parts": [{"role": "condition", "start": start, "end": end}]}
        code = concept.code()
        if code:
            f["concept"]["code"] = code
        if qualifiers:
            f["qualifiers"] = [q for _, _, q in qualifiers]
            f["parts"].extend({"role": "qualifier", "start": a, "end": b} for a, b, _ in qualifiers)
        if window is not None and window.get("phrase") is not None:
            phrase = window["phrase"]
            f["window"] = phrase
            if phrase["window"]["direction"] in ("before", "since"):
                f["history"] = True
        out.append(f)
    return out
