"""Screening speed: 100 patients against every trial of ../shared/corpus/trials.jsonl.

    python benchmarks/screen.py [--corpus ../shared/corpus/trials.jsonl] [--cache /tmp/eligex-records.jsonl]
                                [--patients 100] [--write verdicts.jsonl]

The trials are extracted once and the records cached (``--cache``); the patients are the bundled examples
(examples/patients/patients.jsonl) varied deterministically (age, sex, lab values, dates). Reports the time
to build the constraints table, to evaluate every constraint × patient and aggregate verdicts, and to
build (and with ``--write``, write) one JSON verdict per pair; pairs per second; peak memory (RSS).
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import os
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlp.patients import patient_from_dict  # noqa: E402
from nlp.screen import constraints_table, screen  # noqa: E402


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def records(corpus: str, cache: str) -> list[dict]:
    if not os.path.exists(cache):
        from nlp.extract import extract_many
        from nlp.readers import read_inputs

        started = time.perf_counter()
        tmp = cache + ".part"
        with open(tmp, "w", encoding="utf-8") as fh:
            for record in extract_many(read_inputs([corpus], id_column="nct_id", text_column="eligibility_criteria")):
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        os.replace(tmp, cache)
        print(f"extracted {corpus} in {time.perf_counter() - started:.1f} s -> {cache}")
    with open(cache, encoding="utf-8") as fh:
        return [r for r in map(json.loads, fh) if "error" not in r]


def patients(n: int) -> list:
    """``n`` patients varied from the bundled examples, the same on every run."""
    rng = random.Random(0)
    with open(ROOT / "examples" / "patients" / "patients.jsonl", encoding="utf-8") as fh:
        bases = [json.loads(line) for line in fh]
    out = []
    for i in range(n):
        p = copy.deepcopy(bases[i % len(bases)])
        p["id"] = f"{p['id']}-{i:03d}"
        born = dt.date.fromisoformat(p["birth_date"]) + dt.timedelta(days=rng.randint(-9000, 9000))
        p["birth_date"] = min(born, dt.date(2024, 1, 1)).isoformat()
        if p.get("sex") == "female" and rng.random() < 0.3:
            p["sex"] = "male"
            p["pregnant"] = p["breastfeeding"] = None
            p.pop("pregnancy_tests", None)
        for m in p.get("measurements", []) + p.get("scores", []):
            if isinstance(m.get("value"), (int, float)):
                m["value"] = round(m["value"] * rng.uniform(0.5, 2.0), 3)
        out.append(patient_from_dict(p))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus" / "trials.jsonl"))
    ap.add_argument("--cache", default="/tmp/eligex-screen-records.jsonl")
    ap.add_argument("--patients", type=int, default=100)
    ap.add_argument("--write", help="also write every verdict as JSON Lines here")
    args = ap.parse_args()
    recs = records(args.corpus, args.cache)
    people = patients(args.patients)
    print(f"{len(people)} patients x {len(recs):,} trials = {len(people) * len(recs):,} pairs; RSS after loading "
          f"records {rss_mb():,.0f} MB")
    t0 = time.perf_counter()
    table = constraints_table(recs)
    t1 = time.perf_counter()
    result = screen(people, table)
    t2 = time.perf_counter()
    pairs = len(people) * len(recs)
    print(f"constraints table: {len(table.rows):,} constraints (incl. registry ages/sex) in {t1 - t0:.1f} s")
    print(f"evaluate + verdicts (arrays): {t2 - t1:.1f} s = {pairs / (t2 - t1):,.0f} pairs/s; {result.counts()}")
    n = 0
    out = open(args.write, "w", encoding="utf-8") if args.write else None
    for verdict in result.verdicts():
        n += 1
        if out:
            out.write(json.dumps(verdict, ensure_ascii=False) + "\n")
    if out:
        out.close()
    t3 = time.perf_counter()
    what = "built and written" if out else "built"
    print(f"{n:,} JSON verdicts with reasons {what}: {t3 - t2:.1f} s = {n / (t3 - t2):,.0f} pairs/s")
    print(f"end to end (table, evaluation, verdicts): {t3 - t0:.1f} s = {pairs / (t3 - t0):,.0f} pairs/s; "
          f"peak RSS {rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
