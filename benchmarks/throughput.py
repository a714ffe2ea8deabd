"""Extraction throughput on real criteria, one process, against two baselines on the same text.

    python benchmarks/throughput.py [TRIALS.jsonl] [--limit N]

Default input: ../shared/corpus/trials.jsonl when it is beside the repository, else the bundled
examples/trials_sample.jsonl. Prints trials/s and words/s for: the full extraction (records built and
schema-validated, not written), the spaCy tokenizer alone over every criteria text (the floor for any
extractor that tokenizes everything), and a plain regex scan for numbers; plus the peak RSS.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "trials.jsonl"
SAMPLE = ROOT / "examples" / "trials_sample.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("trials", nargs="?", default=str(CORPUS if CORPUS.exists() else SAMPLE))
    ap.add_argument("--limit", type=int, default=None)
    args = ap.parse_args()

    from nlp.extract import extract_many
    from nlp.pipeline import load
    from nlp.readers import read_inputs

    rows = []
    with open(args.trials, encoding="utf-8") as fh:
        for line in fh:
            rows.append(json.loads(line))
            if args.limit and len(rows) >= args.limit:
                break
    texts = [r.get("eligibility_criteria") or "" for r in rows]
    words = sum(len(t.split()) for t in texts)
    nlp = load()

    started = time.perf_counter()
    n = 0
    for record in extract_many(read_inputs([args.trials])):
        n += 1
        if args.limit and n >= args.limit:
            break
    full = time.perf_counter() - started

    started = time.perf_counter()
    for text in texts:
        nlp.make_doc(text)
    tokenizer = time.perf_counter() - started

    number = re.compile(r"\d+(?:[.,]\d+)?")
    started = time.perf_counter()
    for text in texts:
        number.findall(text)
    regex = time.perf_counter() - started

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(rows):,} trials, {words:,} words from {args.trials}")
    print("| run | seconds | trials/s | words/s |")
    print("|---|---:|---:|---:|")
    for name, secs in (("eligex extraction (validated records)", full), ("spaCy tokenizer only", tokenizer),
                       ("regex number scan", regex)):
        print(f"| {name} | {secs:.1f} | {len(rows) / secs:,.0f} | {words / secs:,.0f} |")
    print(f"peak RSS {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
