"""Batch throughput on real criteria: the whole ``eligex extract`` run for 1 and 2 workers, against two
baselines on the same text, peak memory as the input grows tenfold, and where the time goes.

    python benchmarks/throughput.py [TRIALS.jsonl] [--limit N] [--workers 1 2] [--repeat-trials 2000]
                                    [--profile-trials 3000] [--pipe-trials 2000]

Default input: ../shared/corpus/trials.jsonl when it is beside the repository, else the bundled
examples/trials_sample.jsonl. Each batch run is ``eligex extract IN -o OUT.jsonl --workers N`` in a fresh
process (reading, extraction, schema validation and writing all included), timed on the wall clock,
with the CPU seconds and the largest peak RSS of its processes. Baselines, one process: the pipeline's
tokenizer alone over every criteria text (``nlp.make_doc``, the floor for any extractor that tokenizes
everything) and a plain regex scan for numbers; and spaCy's own multiprocessing, ``nlp.pipe(n_process=1|2)``
over whole criteria texts. Memory: the first ``--repeat-trials`` trials once and
repeated 10 times. Profile: cProfile over ``--profile-trials`` trials in one process, by stage.
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import json
import os
import platform
import pstats
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "trials.jsonl"
SAMPLE = ROOT / "examples" / "trials_sample.jsonl"

# run a command and report its wall time, CPU seconds and the largest peak RSS among its processes
_MEASURE = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter(); code = subprocess.call(sys.argv[1:]); wall = time.perf_counter() - t\n"
    "r = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(code, wall, r.ru_utime + r.ru_stime, r.ru_maxrss)\n"
)


def batch_run(trials: Path, workers: int, out_dir: Path) -> dict:
    out = out_dir / f"records-{workers}.jsonl"
    cmd = [sys.executable, "-c", _MEASURE, sys.executable, "-m", "nlp.cli", "extract", str(trials), "-o", str(out),
           "--workers", str(workers), "--progress", "off"]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=True)
    code, wall, cpu, rss_kb = done.stdout.split()
    if int(code) not in (0, 1):
        raise SystemExit(f"eligex failed: {done.stderr}")
    return {"wall": float(wall), "cpu": float(cpu), "rss_mb": int(rss_kb) / 1024, "out": out,
            "summary": done.stderr.strip().splitlines()[-1]}


def stages(stats: pstats.Stats) -> list[tuple[str, float]]:
    """Cumulative seconds of the functions that make up each stage."""
    import inspect

    from nlp import pipeline as pl

    def at(cls) -> str:
        return f"__call__:{inspect.getsourcelines(cls.__call__)[1]}"

    where = {
        "read inputs (readers)": ("readers.py", "_read_one"),
        "normalise text (textmap)": ("textmap.py", "normalize"),
        "sections and items (sections)": ("sections.py", "segment"),
        "gate (regex per item)": ("extract.py", "_needs_pipeline"),
        "spaCy tokenizer": ("language.py", "make_doc"),
        "lexicon (SpanRuler)": ("span_ruler.py", "__call__"),
        "atoms (filter_spans)": ("pipeline.py", at(pl.AtomTagger)),
        "age rules (Matcher + build)": ("pipeline.py", at(pl.AgeComponent)),
        "measurement rules (Matcher + build)": ("pipeline.py", at(pl.MeasurementComponent)),
        "dose rules (Matcher + build)": ("pipeline.py", at(pl.DoseComponent)),
        "pregnancy rules": ("pipeline.py", at(pl.PregnancyComponent)),
        "sex rules": ("pipeline.py", at(pl.SexComponent)),
        "windows and contraception": ("pipeline.py", at(pl.WindowComponent)),
        "negation (negspacy NegEx)": ("negation.py", "__call__"),
        "item status (words left over)": ("extract.py", "_status"),
        "schema validation (jsonschema-rs)": ("schema.py", "problems"),
        "JSON serialisation": ("batch.py", "outcome"),
    }
    out = []
    for name, (file, func) in where.items():
        func, _, line = func.partition(":")
        total = sum(v[3] for (f, ln, fn), v in stats.stats.items()
                    if f.endswith(file) and fn == func and (not line or ln == int(line)))
        out.append((name, total))
    return out


def profile(trials_path: Path, n: int) -> tuple[float, list[tuple[str, float]], pstats.Stats]:
    from nlp.batch import extract_chunk
    from nlp.pipeline import load
    from nlp.readers import read_inputs

    load()
    items = list(itertools.islice(read_inputs([str(trials_path)]), n))
    prof = cProfile.Profile()
    started = time.perf_counter()
    prof.enable()
    extract_chunk(items)
    prof.disable()
    total = time.perf_counter() - started
    stats = pstats.Stats(prof)
    return total, stages(stats), stats


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("trials", nargs="?", default=str(CORPUS if CORPUS.exists() else SAMPLE))
    ap.add_argument("--limit", type=int, default=None, help="use only the first N trials")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeat-trials", type=int, default=2000,
                    help="trials repeated 10 times for the memory check (0: skip)")
    ap.add_argument("--profile-trials", type=int, default=3000, help="trials profiled in one process (0: skip)")
    ap.add_argument("--pipe-trials", type=int, default=2000,
                    help="trials run through spaCy's nlp.pipe with n_process 1 and 2 (0: skip)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="eligex-bench-") as folder:
        run_benchmark(args, Path(folder))


def run_benchmark(args: argparse.Namespace, tmp: Path) -> None:
    source = Path(args.trials)
    rows = []
    with open(source, encoding="utf-8") as fh:
        for line in itertools.islice(fh, args.limit):
            rows.append(line)
    trials = tmp / "trials.jsonl"
    trials.write_text("".join(rows), encoding="utf-8")
    texts = [json.loads(r).get("eligibility_criteria") or "" for r in rows]
    n, words = len(texts), sum(len(t.split()) for t in texts)
    print(f"{n:,} trials, {words:,} words from {source}; {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}")

    table = []
    runs = {}
    for w in args.workers:
        r = runs[w] = batch_run(trials, w, tmp)
        table.append((f"eligex extract, {w} worker{'s' if w > 1 else ''} (read, extract, validate, write)",
                      r["wall"], r["cpu"], r["rss_mb"]))
    outputs = {w: r["out"].read_bytes() for w, r in runs.items()}
    identical = len(set(outputs.values())) == 1

    from nlp.pipeline import load

    nlp = load()
    started, cpu = time.perf_counter(), time.process_time()
    for text in texts:
        nlp.make_doc(text)
    table.append(("pipeline tokenizer only (nlp.make_doc), 1 process", time.perf_counter() - started,
                  time.process_time() - cpu, None))
    number = re.compile(r"\d+(?:[.,]\d+)?")
    started, cpu = time.perf_counter(), time.process_time()
    for text in texts:
        number.findall(text)
    table.append(("regex number scan, 1 process", time.perf_counter() - started, time.process_time() - cpu, None))

    if args.pipe_trials:
        # spaCy's own multiprocessing, the alternative to our workers. Our full pipeline cannot go through
        # it (its Span-valued extensions do not serialise: E871), so tokenizer + lexicon over whole texts
        sample = texts[:args.pipe_trials]
        with nlp.select_pipes(enable=["eligex_lexicon"]):
            for procs in (1, 2):
                started = time.perf_counter()
                for _ in nlp.pipe(sample, n_process=procs, batch_size=64):
                    pass
                wall = time.perf_counter() - started
                table.append((f"spaCy nlp.pipe(n_process={procs}): tokenizer + lexicon, whole texts "
                              f"(first {len(sample):,} trials, scaled)", wall * n / len(sample), None, None))

    print("\n| run | wall s | trials/s | words/s | CPU s | trials per CPU-second | peak RSS (largest process) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, wall, cpu, rss in table:
        print(f"| {name} | {wall:.1f} | {n / wall:,.0f} | {words / wall:,.0f} | "
              + (f"{cpu:.1f} | {n / cpu:,.0f} | " if cpu else "– | – | ") + (f"{rss:,.0f} MB |" if rss else "– |"))
    if args.pipe_trials:
        print("(nlp.pipe rows: seconds scaled from the trials run to all of them; the full pipeline cannot run "
              "under n_process: its Span-valued extensions do not serialise, spaCy E871)")
    print(f"\noutputs of {', '.join(map(str, args.workers))} workers byte-identical: {identical}")
    for w, r in runs.items():
        print(f"  {w} worker(s): {r['summary']}")

    if args.repeat_trials:
        base = rows[:args.repeat_trials]
        once, ten = tmp / "once.jsonl", tmp / "ten.jsonl"
        once.write_text("".join(base), encoding="utf-8")
        ten.write_text("".join(base) * 10, encoding="utf-8")
        a, b = batch_run(once, 2, tmp), batch_run(ten, 2, tmp)
        print(f"\nmemory, 2 workers: {len(base):,} trials peak {a['rss_mb']:,.0f} MB; the same repeated 10 times "
              f"({10 * len(base):,} trials) peak {b['rss_mb']:,.0f} MB")

    if args.profile_trials:
        total, by_stage, stats = profile(trials, args.profile_trials)
        print(f"\nprofile: {min(n, args.profile_trials):,} trials in one process, {total:.1f} s under cProfile "
              "(cumulative seconds; stages nest: rules include their Matcher and builders)")
        print("| stage | seconds | share |")
        print("|---|---:|---:|")
        for name, secs in by_stage:
            print(f"| {name} | {secs:.2f} | {secs / total:.0%} |")
        stats.sort_stats("tottime").print_stats(12)


if __name__ == "__main__":
    main()
