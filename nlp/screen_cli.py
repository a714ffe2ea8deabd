"""``eligex screen --patients P.jsonl --trials RECORDS_OR_TRIALS [-o verdicts.jsonl]``: JSON Lines verdicts
(one per patient × trial, each patient's trials ranked) and a readable table.

``--trials`` takes records from ``eligex extract`` (JSON Lines) or raw trials in any input format
``extract`` reads, extracted on the fly. A patient with bad facts gives an error line naming the patient
and the problem; the other patients are screened."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time

from .errors import EligexError
from .output import atomic_path


def add_parser(sub) -> None:
    sc = sub.add_parser("screen", help="screen patients against trials: eligible, ineligible or indeterminate")
    sc.add_argument("--patients", required=True, help="JSON Lines of patients (schemas/patient.schema.json)")
    sc.add_argument("--trials", required=True, nargs="+", help="records from 'eligex extract', or raw trials")
    sc.add_argument("-o", "--output", help="write the verdicts here (JSON Lines; default: standard output)")
    sc.add_argument("--details", action="store_true", help="every constraint's status in each verdict")
    sc.add_argument("--top", type=int, default=10, help="trials per patient in the table (default 10)")
    sc.add_argument("--max-age-days", type=float, help="measurements older than this are stale")


def load_trials(paths: list[str]) -> list[dict]:
    """Trial records: read as records when the input holds them, else extracted now."""
    if len(paths) == 1 and paths[0] != "-":
        records = _records(paths[0])
        if records is not None:
            return records
    from .extract import extract_many
    from .readers import read_inputs

    out = []
    for record in extract_many(read_inputs(paths)):
        if "error" in record:
            print(f"eligex: {record['error']['message']}", file=sys.stderr)
            continue
        out.append(record)
    if not out:
        raise EligexError("E054", source=" ".join(paths), detail="no input gave a record")
    return out


def _records(path: str) -> list[dict] | None:
    try:
        with open(path, encoding="utf-8") as fh:
            first = fh.readline()
            try:
                head = json.loads(first)
            except json.JSONDecodeError:
                return None
            if not (isinstance(head, dict) and "schema_version" in head and ("constraints" in head or "error" in head)):
                return None
            fh.seek(0)
            out = []
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    print(f"eligex: {EligexError('E021', source=f'{path}:{lineno}', line=lineno, detail=exc.msg)}",
                          file=sys.stderr)
                    continue
                if "error" not in record:
                    out.append(record)
            return out
    except (OSError, UnicodeDecodeError):
        return None


def run(args: argparse.Namespace) -> int:
    from .patients import read_patients
    from .screen import screen

    started = time.perf_counter()
    patients, errors = [], []
    for item in read_patients(args.patients):
        if isinstance(item, EligexError):
            errors.append(item)
            print(f"eligex: {item}", file=sys.stderr)
        else:
            patients.append(item)
    records = load_trials(args.trials)
    result = screen(patients, records, max_age_days=args.max_age_days)
    table_out = sys.stdout if args.output else sys.stderr
    with contextlib.ExitStack() as stack:
        if args.output:
            tmp = stack.enter_context(atomic_path(args.output))
            stream = stack.enter_context(open(tmp, "w", encoding="utf-8"))
        else:
            stream = sys.stdout
        for error in errors:
            stream.write(json.dumps({"patient_id": error.fields.get("patient"), "source": error.source,
                                     "error": error.to_dict()}, ensure_ascii=False) + "\n")
        for p in range(len(patients)):
            verdicts = result.patient_verdicts(p, details=args.details)
            for v in verdicts:
                stream.write(json.dumps(v, ensure_ascii=False) + "\n")
            table_out.write(table(patients[p].id, verdicts, args.top))
    counts = result.counts()
    elapsed = time.perf_counter() - started
    print(f"eligex: {len(patients):,} patients x {len(records):,} trials: "
          + ", ".join(f"{n:,} {k}" for k, n in counts.items()) + f"; {len(errors):,} patient errors; {elapsed:.1f} s"
          + (f" -> {args.output}" if args.output else ""), file=sys.stderr)
    return 1 if errors else 0


def table(patient_id: str, verdicts: list[dict], top: int) -> str:
    """A readable ranking: rank, trial, verdict, unknowns, and what decided it."""
    lines = [f"\npatient {patient_id}", f"{'rank':>4}  {'trial':<14} {'verdict':<13} {'unknown':>7}  why"]
    for v in verdicts[:top]:
        if v["verdict"] == "ineligible":
            why = "; ".join(f"{r['section']} {r['text']!r}: {r['reason']}" for r in v["excluded_by"][:2])
        elif v["verdict"] == "indeterminate":
            why = "needs " + "; ".join(v["needs"][:3])
        else:
            why = "every extracted criterion is met" + (f" ({len(v['unchecked_items'])} items to check by hand)"
                                                          if v["unchecked_items"] else "")
        lines.append(f"{v['rank']:>4}  {v['trial_id']:<14} {v['verdict']:<13} {v['unknown']:>7}  {why}")
    if len(verdicts) > top:
        lines.append(f"      ... {len(verdicts) - top:,} more trials")
    return "\n".join(lines) + "\n"
