"""Pick trials for a new gold batch from the corpus, the way the test split was chosen.

    python annotated/tools/pick_batch.py ../shared/corpus/trials.jsonl --split annotated/split.json \
        --sample examples/trials_sample.jsonl -n 36 --seed 3

Criteria of 400-3,500 characters with at least four numbers, not already gold and not in the bundled
sample, taken round-robin over the corpus' sources (the part of ``source`` before the colon, so every
layout is present) in a seeded random order. Prints one NCT id per line.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import defaultdict
from pathlib import Path

NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--split", required=True)
    ap.add_argument("--sample", required=True)
    ap.add_argument("-n", type=int, default=36)
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args()
    taken = {nct for ids in json.loads(Path(args.split).read_text()).values() for nct in ids}
    with open(args.sample, encoding="utf-8") as fh:
        taken |= {json.loads(line).get("nct_id") for line in fh if line.strip()}
    by_source = defaultdict(list)
    with open(args.corpus, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            text = row.get("eligibility_criteria") or ""
            if row["nct_id"] in taken or not 400 <= len(text) <= 3500 or len(NUMBER.findall(text)) < 4:
                continue
            by_source[row["source"].split(":")[0]].append(row["nct_id"])
    rng = random.Random(args.seed)
    queues = []
    for source in sorted(by_source):
        ids = sorted(by_source[source])
        rng.shuffle(ids)
        queues.append(ids)
    picked = []
    while len(picked) < args.n and any(queues):
        for q in queues:
            if q and len(picked) < args.n:
                picked.append(q.pop())
    print("\n".join(picked))


if __name__ == "__main__":
    main()
