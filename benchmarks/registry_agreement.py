"""How often the age the criteria text states agrees with the registry's structured minimum/maximum age.

    python benchmarks/registry_agreement.py RECORDS.jsonl [--markdown OUT.md] [--show N]

RECORDS.jsonl comes from ``eligex extract ../shared/corpus/trials.jsonl --id-column nct_id
--text-column eligibility_criteria -o RECORDS.jsonl``. Counted only where both the registry gives a limit
and the text states one. "0 Years" minimums (the registry's "no minimum") are left out. Exclusive text
bounds in whole years agree with the inclusive registry limit one year inside ("under 21" = max 20 Years).
A disagreement where the text states more than one age range is labelled "several ranges" (cohorts or
parts); the rest are listed for reading.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter

from nlp.extract import ages_agree, text_age_interval
from nlp.registry import age_in_years


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("records")
    ap.add_argument("--markdown", help="write the table and the disagreements here")
    ap.add_argument("--show", type=int, default=25, help="disagreements to list (random sample)")
    args = ap.parse_args()
    stats: Counter = Counter()
    disagreements = []
    with open(args.records, encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            if "error" in record:
                continue
            registry = record.get("registry") or {}
            lower, upper, ids = text_age_interval(record["constraints"])
            ages = [c for c in record["constraints"] if c["kind"] == "age"]
            for field, bound, side in (("minimum_age", lower, "lower"), ("maximum_age", upper, "upper")):
                reg = registry.get(field)
                if not reg or reg.get("value") is None:
                    continue
                years = age_in_years(reg["value"], reg["unit"])
                if field == "minimum_age" and years == 0:
                    continue
                stats[(field, "registry")] += 1
                if bound is None:
                    stats[(field, "text states none")] += 1
                    continue
                stats[(field, "both")] += 1
                if ages_agree(years, bound, side):
                    stats[(field, "agree")] += 1
                    continue
                label = "several ranges" if len({(c.get("lower") or {}).get("value") for c in ages} |
                                                {(c.get("upper") or {}).get("value") for c in ages}) > 2 else "to read"
                stats[(field, "disagree: " + label)] += 1
                disagreements.append((record["trial_id"], field, reg["text"], bound, label,
                                      [c["evidence"]["text"] for c in ages]))
    lines = ["| field | registry gives | text states too | agree | agreement | disagree: several ranges | disagree: to read |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for field in ("minimum_age", "maximum_age"):
        both = stats[(field, "both")]
        lines.append(f"| {field} | {stats[(field, 'registry')]:,} | {both:,} | {stats[(field, 'agree')]:,} | "
                     f"{stats[(field, 'agree')] / both:.1%} | {stats[(field, 'disagree: several ranges')]:,} | "
                     f"{stats[(field, 'disagree: to read')]:,} |")
    random.seed(0)
    sample = random.sample(disagreements, min(args.show, len(disagreements)))
    if sample:
        lines += ["", "Sample of disagreements (trial, field, registry, text bound, label, age evidence):", ""]
    for d in sorted(sample):
        lines.append(f"- {d[0]} {d[1]}: registry {d[2]!r}, text {d[3]['years']:g} years "
                     f"({'inclusive' if d[3]['inclusive'] else 'exclusive'}), {d[4]}; evidence {d[5]}")
    out = "\n".join(lines)
    print(out)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as fh:
            fh.write(out + "\n")


if __name__ == "__main__":
    main()
