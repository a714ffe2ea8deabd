"""Turn hand-written gold drafts into gold records (``annotated/<split>/<NCT id>.json``).

    python annotated/tools/from_notation.py DRAFTS_DIR --corpus ../shared/corpus/trials.jsonl \
        --split annotated/split.json [--seeds ../shared/seeds] [--check-only]

A draft is ``{"nct_id", "drafted_by", "checked_by", "notes", "constraints": [...]}`` where each constraint
is written in the record format of ``annotated/README.md`` except its evidence, given as
``{"text": "...", "occurrence": 1}``: the tool finds the n-th verbatim occurrence in the criteria text and
fails, naming draft and constraint, when there is none. Every record is checked against the schema.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from nlp.registry import registry_fields
from nlp.schema import problems, schema_version

SEED_FILES = {
    "NCT01547091": "000_95a7e659c2b98278.txt", "NCT04971980": "001_0156b3f6fa234c21.txt",
    "NCT01573923": "002_ef3309a9267e01cd.txt", "NCT01741857": "004_549002531d0362f3.txt",
}


def find(text: str, needle: str, occurrence: int) -> int:
    start = -1
    for _ in range(occurrence):
        start = text.find(needle, start + 1)
        if start < 0:
            return -1
    return start


def _resolve_nested(node, text: str) -> list[str]:
    """Give every nested ``{"text", "occurrence"}`` evidence (exceptions, windows) its offsets."""
    errors = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "evidence" and isinstance(value, dict) and "start" not in value:
                start = find(text, value.get("text", ""), int(value.get("occurrence", 1)))
                if start < 0 or not value.get("text"):
                    errors.append(f"nested evidence {value.get('text')!r} is not in the text")
                    continue
                node[key] = {"start": start, "end": start + len(value["text"]), "text": value["text"]}
            else:
                errors.extend(_resolve_nested(value, text))
    elif isinstance(node, list):
        for value in node:
            errors.extend(_resolve_nested(value, text))
    return errors


def build(draft: dict, text: str, source: dict, registry: dict | None) -> tuple[dict, list[str]]:
    errors = []
    constraints = []
    for n, c in enumerate(draft["constraints"], 1):
        c = dict(c)
        ev = c.pop("evidence", None)
        if not isinstance(ev, dict) or not ev.get("text"):
            errors.append(f"constraint {n}: evidence must be {{'text': ..., 'occurrence': n}}")
            continue
        start = find(text, ev["text"], int(ev.get("occurrence", 1)))
        if start < 0:
            errors.append(f"constraint {n}: evidence {ev['text']!r} (occurrence {ev.get('occurrence', 1)}) "
                          f"is not in the text")
            continue
        record_c = {"id": f"g{n}", "kind": c.pop("kind"), "section": c.pop("section"),
                    "negated": c.pop("negated", False),
                    "evidence": {"start": start, "end": start + len(ev["text"]), "text": ev["text"]},
                    "rules": ["gold"]}
        nested_errors = _resolve_nested(c, text)
        errors.extend(f"constraint {n}: {e}" for e in nested_errors)
        record_c.update(c)
        constraints.append(record_c)
    record = {
        "schema_version": schema_version(), "trial_id": draft["nct_id"], "source": source,
        "registry": registry,
        "criteria": {"text": text, "start": 0, "end": len(text), "is_page": source["format"] == "page"},
        "items": [], "constraints": constraints, "warnings": [],
        "extractor": {"name": "eligex", "version": "gold"},
        "annotation": {"drafted_by": draft.get("drafted_by", "?"), "checked_by": draft.get("checked_by", "?"),
                       "guide": "annotated/README.md"},
    }
    if draft.get("notes"):
        record["annotation"]["notes"] = draft["notes"]
    for p in problems(record):
        errors.append(f"schema: {p}")
    return record, errors


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("drafts", help="a folder of drafts, or one draft file")
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--split", required=True)
    ap.add_argument("--seeds")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parents[1]))
    ap.add_argument("--check-only", action="store_true")
    args = ap.parse_args()
    corpus = {}
    with open(args.corpus, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            corpus[row["nct_id"]] = row
    split = json.loads(Path(args.split).read_text(encoding="utf-8"))
    where = {nct: name for name, ids in split.items() for nct in ids}
    failed = 0
    drafts = Path(args.drafts)
    for path in ([drafts] if drafts.is_file() else sorted(drafts.glob("*.json"))):
        draft = json.loads(path.read_text(encoding="utf-8"))
        nct = draft["nct_id"]
        if nct in SEED_FILES and args.seeds:
            text = (Path(args.seeds) / SEED_FILES[nct]).read_text(encoding="utf-8")
            source = {"format": "page", "input": f"shared/seeds/{SEED_FILES[nct]}", "locator": None}
            registry = None
        else:
            row = corpus[nct]
            text = row["eligibility_criteria"]
            source = {"format": "table", "input": "shared/corpus/trials.jsonl", "locator": row["source"]}
            registry = registry_fields(minimum_age=row["minimum_age"], maximum_age=row["maximum_age"],
                                       sex=row["sex"], healthy_volunteers=row["healthy_volunteers"],
                                       source="table")
        record, errors = build(draft, text, source, registry)
        for e in errors:
            print(f"{path.name}: {e}")
        failed += bool(errors)
        if not errors and not args.check_only:
            out = Path(args.out) / where[nct] / f"{nct}.json"
            out.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{failed} drafts with problems", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
