"""Split criteria text into sections (inclusion / exclusion) and items, with offsets. No spaCy here.

Works on a ``MappedText`` so every item keeps its place in the original input. Handles the layouts of
ClinicalTrials.gov: Markdown bullets (API v2), hard-wrapped legacy XML text, the old PDQ layout
("PATIENT CHARACTERISTICS:" / "Hepatic:" headings), numbered lists, nested sub-items, headings inside
run-on paragraphs and run-on paragraphs joined by ";".

>>> from nlp.textmap import normalize
>>> seg = segment(normalize("Inclusion Criteria:\\n- aged 18-65\\n- ECOG 0-1\\nExclusion Criteria:\\n- pregnancy"))
>>> [(i.id, i.section, i.text) for i in seg.items]
[('I1', 'inclusion', 'aged 18-65'), ('I2', 'inclusion', 'ECOG 0-1'), ('E1', 'exclusion', 'pregnancy')]
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache

from . import resources
from .textmap import MappedText

INCLUSION, EXCLUSION, UNSPECIFIED = "inclusion", "exclusion", "unspecified"
_PREFIX = {INCLUSION: "I", EXCLUSION: "E", UNSPECIFIED: "U"}

_QUALIFIERS = (
    r"(?:key|main|major|general|specific|additional|other|principal|primary|secondary|study|overall|"
    r"basic|further|the|for|all|patient|patients|subject|subjects|participant|participants|core|part|"
    r"cohort|arm|phase|[a-z0-9]{1,3})"
)
# A whole line that is a section heading: "Inclusion Criteria:", "KEY EXCLUSION CRITERIA",
# "Criteria for exclusion", "Exclusion criteria for Cohort B:", "Inclusion:".
_HEADING_LINE = re.compile(
    rf"^(?:(?:{_QUALIFIERS})[\s/-]+){{0,4}}"
    r"(?:(?P<kw>inclusion|exclusion|inclusionary|exclusionary|eligibility)s?(?:[\s-]+(?:criteria|criterion|requirements?))?"
    r"|criteria\s+(?:for|of)\s+(?P<kw2>inclusion|exclusion|eligibility|participation|entry))"
    r"(?P<tail>\s+[^:.;]{0,60}?)?\s*[:.-]?\s*$",
    re.IGNORECASE,
)
# A heading at the start of a line followed by content: "Inclusion Criteria: All patients ..."
_HEADING_INLINE = re.compile(
    rf"^(?:(?:{_QUALIFIERS})\s+){{0,2}}(?P<kw>inclusion|exclusion)\s+criteria\s*(?P<tail>\([^)]{{0,40}}\)\s*)?(?::|-{{1,2}}(?=\s*[A-Z]))\s*",
    re.IGNORECASE,
)
# A heading in the middle of a run-on line: "... following treatment Exclusion Criteria: Abnormal ..."
_HEADING_MIDLINE = re.compile(
    r"(?<=\S)(?<!\band)(?<!\bAND)(?<!&)(?<!/)[ \t]+"
    r"(?=(?:Key\s+|KEY\s+)?(?:Inclusion|Exclusion|INCLUSION|EXCLUSION)\s+(?:Criteria|CRITERIA|criteria)\s*:)"
)
# Old PDQ layout: all-caps headings ending in ":" ("DISEASE CHARACTERISTICS:", "PRIOR CONCURRENT THERAPY:")
_PDQ_HEADING = re.compile(r"^(?P<label>[A-Z][A-Z0-9 /&,()'-]{3,60}):\s*(?P<rest>.*)$")
# A short unmarked line ending in ":" is heading context: "Hepatic:", "Performance status:", "Cohort A:"
_SHORT_LINE = 45  # characters: shorter than any hard wrap
_SUBHEADING = re.compile(r"^(?P<label>[A-Z0-9(][^:;.]{0,48}):\s*(?P<rest>.*)$")

_MARKER = re.compile(
    r"^(?P<marker>"
    r"[-*+\u2022\u25a0\u25a1\u2713\u27a2\u2192](?=\s)|>(?=\s)(?!\s*\d)"  # "> 50 ml/min" after a wrap is a comparator
    r"|o(?=\s+\S)"
    r"|\(?\d{1,3}[.)](?=\s|[A-Za-z])(?!\d)"
    r"|\(\d{1,3}\)"
    r"|\(?[ivxIVX]{1,5}[.)](?=\s)"
    r"|\([ivxIVX]{1,5}\)"
    r"|\(?[a-zA-Z][.)](?=\s)"
    r"|\([a-zA-Z]\)"
    r")\s*"
)
_ROMAN = re.compile(r"^\(?[ivxIVX]{1,5}[.)]?\)?$")
# A lead-in line that says the items below exclude, or are required ("... will be excluded:",
# "Patients must meet all of the following criteria:").
_LEAD_IN = re.compile(
    r"(?P<exc>\b(?:will|shall|are|is)\s+(?:be\s+)?(?:excluded|ineligible|not\s+(?:be\s+)?eligible)\b|"
    r"\bexclude[sd]?\s+if\b|\bnot\s+be\s+enrolled\b)|"
    r"(?P<inc>\bmust\s+(?:meet|fulfil+|satisfy|have)\s+(?:all|each)\s+of\s+the\s+following\b|"
    r"\b(?:will|shall|are)\s+be\s+(?:included|eligible)\b)",
    re.IGNORECASE,
)
# Where a run-on paragraph is split into items: "; " followed by a new clause.
# A heading that says no more than which list follows.
_PLAIN_HEADING = re.compile(
    r"^(?:key\s+|main\s+|general\s+)?(?:inclusion|exclusion|eligibility)s?(?:\s+criteria)?\s*:?$|"
    r"^criteria\s+for\s+(?:inclusion|exclusion)\s*:?$",
    re.I,
)
_RUNON_SPLIT = re.compile(r";\s+(?=[A-Z(])")
# Words by which an item without a heading says it excludes.
_EXCLUDING_WORDS = re.compile(r"\b(?:are|is|will be|be) (?:excluded|ineligible|not eligible)\b|^exclu(?:de|sion)", re.I)
_WRAP_WIDTH = 80  # a legacy line this long (indentation included) was cut by the hard wrap at ~99
_SENTENCE_END = re.compile(r"[.;:!?]\s*$")


@dataclass
class Item:
    """One criterion item. Offsets (``start``/``end``) are into the normalised criteria text."""

    id: str
    section: str
    start: int
    end: int
    text: str
    heading: list[str] = field(default_factory=list)
    marker: str | None = None
    parent: str | None = None
    indent: int = 0
    marker_type: str | None = None
    children: int = 0


@dataclass
class Segmentation:
    items: list[Item]
    headings: list[tuple[str, int, int, str]]  # (section kind, start, end, label) of each section heading
    layout: str  # "pdq", "list", "paragraph" or "empty"


def _marker_type(marker: str | None) -> str | None:
    if marker is None:
        return None
    m = marker.strip("() ")
    if m[:-1].isdigit() or m.isdigit():
        return "number"
    if _ROMAN.match(marker.strip()) and len(m.rstrip(".)")) > 1:
        return "roman"
    if m and m[0].isalpha() and len(m.rstrip(".)")) == 1 and m not in ("o",):
        return "alpha" if m[0].islower() else "ALPHA"
    return "bullet:" + marker.strip()


def _section_of(kw: str | None) -> str:
    kw = (kw or "").lower()
    if kw.startswith("inclusion"):
        return INCLUSION
    if kw.startswith("exclusion"):
        return EXCLUSION
    return UNSPECIFIED


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Line spans in ``text[start:end]``, with extra breaks before mid-line section headings."""
    spans: list[tuple[int, int]] = []
    pos = start
    while pos <= end:
        nl = text.find("\n", pos, end)
        stop = end if nl < 0 else nl
        # every heading _HEADING_MIDLINE finds holds "clusion" or "CLUSION"; most lines hold neither
        if text.find("clusion", pos, stop) < 0 and text.find("CLUSION", pos, stop) < 0:
            spans.append((pos, stop))
        else:
            spans.extend(_midline_breaks(text, pos, stop))
        if nl < 0:
            break
        pos = nl + 1
    return spans


def _midline_breaks(text: str, pos: int, stop: int) -> list[tuple[int, int]]:
    """The spans of the line ``text[pos:stop]`` with a break before each mid-line section heading."""
    spans: list[tuple[int, int]] = []
    line_start = pos
    for m in _HEADING_MIDLINE.finditer(text, pos, stop):
        before = text[line_start:m.start()].strip()
        if _MARKER.fullmatch(before + " ") or not before:
            continue  # "- Exclusion criteria: ...": a heading written as a list item, not mid-line
        spans.append((line_start, m.start()))
        line_start = m.end()
    spans.append((line_start, stop))
    return spans


def classify_heading(line: str) -> tuple[str, str] | None:
    """``(section, label)`` if ``line`` is a whole-line section heading, else ``None``.

    >>> classify_heading("Key Inclusion Criteria:")
    ('inclusion', 'Key Inclusion Criteria:')
    >>> classify_heading("Criteria for exclusion") [0]
    'exclusion'
    >>> classify_heading("Patients with inclusion body myositis are excluded") is None
    True
    """
    clean = line.strip().strip("*_#").strip()
    if len(clean) > 90:
        return None
    m = _HEADING_LINE.match(clean)
    if not m:
        return None
    tail = (m.group("tail") or "").strip()
    if tail and (len(tail.split()) > 8 or re.search(r"\b(?:are|is|will|must|be|with|have|who)\b", tail, re.I)):
        return None
    lowered = clean.lower()
    if re.search(r"\bnon[- ]?inclusion", lowered):
        return EXCLUSION, line.strip()
    if "inclusion" in lowered and "exclusion" in lowered:
        return UNSPECIFIED, line.strip()  # "Inclusion and Exclusion Criteria:": both lists follow
    return _section_of(m.group("kw") or m.group("kw2")), line.strip()


def segment(mapped: MappedText, start: int = 0, end: int | None = None, *, infer_sections: bool = False) -> Segmentation:
    """Segment ``mapped.text[start:end]`` into items.

    Item ids are stable and readable: ``I1``, ``I2`` for inclusion items, ``E1`` for exclusion, ``U1``
    where no heading says which; nested sub-items are ``I3.1``, ``I3.2``. With ``infer_sections`` (the
    text is known to be eligibility criteria, as a registry's criteria field is), items before any heading
    are inclusion criteria unless their words say they exclude ("... are excluded", "not eligible").
    """
    text = mapped.text
    end = len(text) if end is None else end
    builder = _Builder(mapped, infer_sections=infer_sections)
    pdq = False
    for ls, le in _lines(text, start, end):
        raw = text[ls:le]
        stripped = raw.strip()
        if not stripped:
            builder.blank()
            continue
        indent = len(raw) - len(raw.lstrip())
        content_start = ls + indent
        heading = classify_heading(stripped)
        if heading is not None:
            builder.section_heading(heading[0], content_start, le, heading[1])
            continue
        m = _HEADING_INLINE.match(stripped)
        if m:
            builder.section_heading(_section_of(m.group("kw")), content_start,
                                    content_start + len(m.group().rstrip()), m.group().strip())
            content_start += m.end()
            stripped = text[content_start:le].strip()
            if not stripped:
                continue
        mk = _MARKER.match(stripped)
        if mk is None and stripped.endswith(":") and len(stripped.split()) <= 20:
            lead = _LEAD_IN.search(stripped)
            if lead:  # "Patients meeting any of the following criteria will be excluded:"
                builder.section_heading(EXCLUSION if lead.group("exc") else INCLUSION, content_start, le, stripped)
                continue
        if mk is None:
            pdq_m = _PDQ_HEADING.match(stripped)
            if pdq_m and pdq_m.group("label").upper() == pdq_m.group("label") and len(pdq_m.group("label")) >= 4:
                pdq = True
                builder.context_heading(pdq_m.group("label") + ":", level=1)
                rest = pdq_m.group("rest")
                if rest:
                    builder.plain(content_start + stripped.index(rest, len(pdq_m.group("label"))), le, indent)
                continue
            sub = _SUBHEADING.match(stripped)
            if sub and len(sub.group("label").split()) <= 5 and not builder.continues(indent, stripped):
                builder.context_heading(sub.group("label") + ":", level=2)
                rest = sub.group("rest")
                if rest:
                    builder.plain(content_start + len(stripped) - len(rest), le, indent, after_subheading=True)
                continue
            builder.plain(content_start, le, indent)
        else:
            marker = mk.group("marker")
            if not stripped[mk.end():].strip():
                continue  # a marker with nothing after it ("(a)" alone on a line)
            inline = _HEADING_INLINE.match(stripped[mk.end():])
            if inline:  # "- Exclusion criteria: pregnant": a heading written as a list item
                head_start = content_start + mk.end()
                builder.section_heading(_section_of(inline.group("kw")), head_start,
                                        head_start + len(inline.group().rstrip()), inline.group().strip())
                if stripped[mk.end() + inline.end():].strip():
                    builder.plain(head_start + inline.end(), le, indent, after_subheading=True)
                continue
            builder.marked(content_start + mk.end(), le, indent, marker)
    items = builder.finish()
    if not items:
        layout = "empty"
    elif pdq:
        layout = "pdq"
    elif any(i.marker for i in items):
        layout = "list"
    else:
        layout = "paragraph"
    return Segmentation(items=items, headings=builder.headings, layout=layout)


class _Builder:
    """Accumulates lines into items; keeps the nesting stack and the heading context."""

    def __init__(self, mapped: MappedText, *, infer_sections: bool = False) -> None:
        self.mapped = mapped
        self.text = mapped.text
        self.section = UNSPECIFIED
        self.infer_sections = infer_sections
        self.levels: dict[int, str] = {}  # 0: cohort label of the section heading, 1: PDQ heading, 2: sub-heading
        self.headings: list[tuple[str, int, int, str]] = []
        self.raw: list[dict] = []  # items under construction
        self.stack: list[dict] = []
        self.last_blank = False
        self.current: dict | None = None

    # -- events -----------------------------------------------------------------------------------
    def blank(self) -> None:
        self.last_blank = True

    def section_heading(self, section: str, start: int, end: int, label: str) -> None:
        self.section = section if section != UNSPECIFIED else self.section
        self.headings.append((section, start, end, label))
        # "Inclusion Criteria for Cohort B:", "Part 2 Exclusion Criteria": the label is the items' context
        clean = label.strip("*_# ")
        self.levels = {} if _PLAIN_HEADING.match(clean) else {0: clean}
        self.stack = []
        self.current = None
        self.last_blank = False

    def context_heading(self, label: str, level: int) -> None:
        self.levels = {k: v for k, v in self.levels.items() if k < level}
        self.levels[level] = label
        self.stack = []
        self.current = None
        self.last_blank = False

    def continues(self, indent: int, stripped: str) -> bool:
        """Whether an unmarked line continues the current item (a hard wrap)."""
        cur = self.current
        if cur is None or self.last_blank:
            return False
        if indent > cur["indent"] and indent >= cur["text_col"] - 1 and cur["text_col"] > 0:
            return True
        prev = self.text[cur["start"]:cur["end"]].rstrip()
        line_start = self.text.rfind("\n", 0, cur["end"]) + 1
        prev_line = self.text[line_start:cur["end"]]
        # A line that does not end a sentence, followed by one starting in lower case: a wrap; but not after
        # a short line in unindented text, where each line is a criterion ("age under 18y or over 85y" /
        # "diabetes type 1 with complications")
        if bool(prev) and not _SENTENCE_END.search(prev) and stripped[:1].islower() and (
                indent > 0 or len(prev_line.strip()) >= _SHORT_LINE):
            return True
        # Legacy XML paragraphs are hard-wrapped at about 99 characters with the same indentation: a
        # full previous line ("... neutrophil count at least") goes on in the next ("1,800/mm3 ...").
        return (indent >= 4 and len(prev_line) - len(prev_line.lstrip(" ")) == indent
                and len(prev_line.rstrip()) >= _WRAP_WIDTH and not _SENTENCE_END.search(prev))

    def plain(self, start: int, end: int, indent: int, *, after_subheading: bool = False) -> None:
        stripped = self.text[start:end].strip()
        if not after_subheading and self.continues(indent, stripped):
            self.current["end"] = end
            self.last_blank = False
            return
        parent = None
        eff_indent = indent
        top = self.stack[-1] if self.stack else None
        if top is not None and self.text[top["start"]:top["end"]].rstrip().endswith(":") and indent <= top["indent"] + 8:
            parent = top
            eff_indent = top["indent"] + 1
        elif self._next_under_plain_heading(top, indent, stripped):
            # "Within 4 weeks prior to the first dose:" / "JAK inhibitors;" / "rifampin ...": the lines after the
            # first one of an unmarked list under an unmarked "...:" line stay under it, up to a blank line or
            # the next "...:" line
            self.stack.pop()
            parent, eff_indent = top["parent"], top["indent"]
        else:
            while self.stack and self.stack[-1]["indent"] >= indent:
                self.stack.pop()
            if self.stack and indent > self.stack[-1]["indent"] and self.last_blank and self.stack[-1]["marker"]:
                parent = self.stack[-1]
        self._open(start, end, eff_indent, None, parent, text_col=indent)

    def _next_under_plain_heading(self, top: dict | None, indent: int, stripped: str) -> bool:
        if top is None or self.last_blank or stripped.endswith(":") or top["marker"] is not None:
            return False
        head = top["parent"]
        return head is not None and head["marker"] is None and head["text_col"] == top["text_col"] == indent \
            and self.text[head["start"]:head["end"]].rstrip().endswith(":")

    def marked(self, start: int, end: int, indent: int, marker: str) -> None:
        mtype = _marker_type(marker)
        parent = None
        while self.stack:
            top = self.stack[-1]
            if top["indent"] > indent:
                self.stack.pop()
                continue
            if top["indent"] == indent:
                ends_colon = self.text[top["start"]:top["end"]].rstrip().endswith(":")
                if ends_colon and top["marker_type"] != mtype:
                    parent = top
                    break
                self.stack.pop()
                continue
            parent = top
            break
        eff = indent if parent is None or parent["indent"] < indent else parent["indent"] + 1
        col = start - self.text.rfind("\n", 0, start) - 1
        self._open(start, end, eff, marker, parent, text_col=col, mtype=mtype)

    def _open(self, start, end, indent, marker, parent, *, text_col, mtype=None) -> None:
        section = self.section
        if section == UNSPECIFIED and self.infer_sections:
            section = parent["section"] if parent is not None else (
                EXCLUSION if _EXCLUDING_WORDS.search(self.text[start:end]) else INCLUSION)
        item = {
            "start": start, "end": end, "indent": indent, "marker": marker, "marker_type": mtype,
            "parent": parent, "section": section, "context": [self.levels[k] for k in sorted(self.levels)],
            "text_col": text_col,
        }
        self.raw.append(item)
        self.stack.append(item)
        self.current = item
        self.last_blank = False

    # -- result -----------------------------------------------------------------------------------
    def finish(self) -> list[Item]:
        expanded: list[dict] = []
        for item in self.raw:
            for piece in self._split_pdq_labels(item):
                expanded.extend(self._split_runon(piece))
        counters: dict[str, int] = {}
        child_counts: dict[int, int] = {}
        ids: dict[int, str] = {}
        items: list[Item] = []
        for raw in expanded:
            parent = raw["parent"]
            while parent is not None and id(parent) not in ids:
                parent = parent["parent"]  # the parent was split: attach to its own parent
            if parent is None:
                counters[raw["section"]] = counters.get(raw["section"], 0) + 1
                item_id = f"{_PREFIX[raw['section']]}{counters[raw['section']]}"
            else:
                pid = id(parent)
                child_counts[pid] = child_counts.get(pid, 0) + 1
                item_id = f"{ids[pid]}.{child_counts[pid]}"
            ids[id(raw)] = item_id
            s, e = raw["start"], raw["end"]
            while e > s and self.text[e - 1].isspace():
                e -= 1
            sub = self.mapped.sub(s, e)
            items.append(Item(
                id=item_id, section=raw["section"], start=s, end=e, text=sub.text,
                heading=raw["context"], marker=raw["marker"].strip() if raw["marker"] else None,
                parent=ids[id(parent)] if parent is not None else None, indent=raw["indent"],
                marker_type=raw["marker_type"],
            ))
        return items

    def _split_pdq_labels(self, item: dict) -> list[dict]:
        """"Age: 18 and over Performance status: ECOG 0-2 Hepatic: Bilirubin ...": in a PDQ paragraph each
        sub-heading starts an item under it."""
        if not item["context"] or not _PDQ_HEADING.match(item["context"][0]):
            return [item]
        s, e = item["start"], item["end"]
        body = self.text[s:e]
        cuts = list(_pdq_labels().finditer(body))
        if not cuts:
            return [item]
        out = []
        if cuts[0].start() > 0 and body[:cuts[0].start()].strip():
            head = dict(item)
            head["end"] = s + cuts[0].start()
            out.append(head)
        for k, m in enumerate(cuts):
            piece_end = cuts[k + 1].start() if k + 1 < len(cuts) else len(body)
            if not body[m.end():piece_end].strip():
                continue
            # the last piece keeps the item's identity (sub-items below belong to it)
            piece = item if k == len(cuts) - 1 else dict(item)
            # the label stays in the item's text: "Age: 15 to 70" reads as an age statement
            piece["start"], piece["end"] = s + m.start(), s + piece_end
            piece["context"] = item["context"][:1] + [re.sub(r"\s+", " ", m.group("label")) + ":"]
            out.append(piece)
        return out or [item]

    def _split_runon(self, item: dict) -> list[dict]:
        """Split an unmarked run-on paragraph at "; " + new clause (outside parentheses)."""
        if item["marker"] is not None:
            return [item]
        s, e = item["start"], item["end"]
        body = self.text[s:e]
        cuts = [m for m in _RUNON_SPLIT.finditer(body) if _paren_depth(body, m.start()) == 0]
        if not cuts:
            return [item]
        parts = []
        pos = 0
        for m in cuts:
            parts.append((pos, m.start()))
            pos = m.end()
        parts.append((pos, len(body)))
        parts = [(ps, pe) for ps, pe in parts if body[ps:pe].strip()]
        out = []
        for k, (ps, pe) in enumerate(parts):
            # the last clause keeps the item's identity: sub-items below a run-on ("...; regimens:")
            # belong to it
            piece = item if k == len(parts) - 1 else dict(item)
            piece["start"], piece["end"] = s + ps, s + pe
            out.append(piece)
        return out


@lru_cache(maxsize=1)
def _pdq_labels() -> re.Pattern:
    with resources.patterns_path("pdq.json").open(encoding="utf-8") as fh:
        labels = json.load(fh)["labels"]
    # a label may be cut by a hard wrap: "Life\n        expectancy:"
    alternatives = "|".join(re.escape(label).replace(r"\ ", r"\s+") for label in sorted(labels, key=len, reverse=True))
    return re.compile(rf"(?:(?<=\s)|^)(?P<label>{alternatives}):\s*")


def _paren_depth(text: str, pos: int) -> int:
    depth = 0
    for ch in text[:pos]:
        if ch in "([":
            depth += 1
        elif ch in ")]" and depth:
            depth -= 1
    return depth
