"""The ``eligex`` command.

    eligex extract INPUT... [-o OUT] [--format jsonl|json|csv|parquet|duckdb] [--input-format ...]
                   [--id-column COL] [--text-column COL] [--errors FILE] [--workers N] [--resume]
                   [--engine local|dask] [--scheduler ADDRESS]
    eligex evaluate GOLD [--corpus gold|lct|chia|covid] [--records FILE] [--markdown F] [--json F] [--floors F]
    eligex validate FILE...
    eligex screen --patients P.jsonl --trials RECORDS_OR_TRIALS [-o verdicts.jsonl] [--details]

Exit codes: 0 when every input was processed (for ``validate``, every record is valid; for
``evaluate``, no kind fell below its floor); 1 when some input gave an error record (or a record is
invalid, or a floor was missed); 2 for a usage error or an output that cannot be written.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from . import __version__, batch
from .errors import EligexError
from .extract import DEFAULT_MAX_CHARS
from .output import OUTPUT_FORMATS, RecordWriter, atomic_path, format_for
from .readers import FORMATS, read_inputs
from .schema import problems


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="eligex", description="Structured constraints from clinical-trial eligibility criteria.")
    p.add_argument("--version", action="version", version=f"eligex {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    ex = sub.add_parser("extract", help="extract records from trial inputs")
    ex.add_argument("inputs", nargs="+", metavar="INPUT",
                    help="files, directories of XML, zips, or - for standard input")
    ex.add_argument("-o", "--output", help="output file (default: standard output)")
    ex.add_argument("--format", choices=OUTPUT_FORMATS, help="output format (default: from -o's suffix, else jsonl)")
    ex.add_argument("--input-format", choices=FORMATS, default="auto", help="force the input format")
    ex.add_argument("--id-column", help="table column with the trial id (default: nct_id, id, ...)")
    ex.add_argument("--text-column", help="table column with the criteria text (default: eligibility_criteria, criteria, ...)")
    ex.add_argument("--encoding", default="utf-8", help="text encoding of the inputs (default: utf-8)")
    ex.add_argument("--max-chars", type=int, default=DEFAULT_MAX_CHARS,
                    help=f"longest criteria text accepted (default: {DEFAULT_MAX_CHARS:,})")
    ex.add_argument("--errors", help="write error records here (default: OUTPUT.errors.jsonl; with no -o, "
                                     "in the output stream)")
    ex.add_argument("--progress", choices=("auto", "on", "off"), default="auto",
                    help="progress bar on standard error (auto: when it is a terminal)")
    ex.add_argument("--workers", type=int, default=None,
                    help="worker processes, each with one pipeline (default: all cores)")
    ex.add_argument("--chunk-size", type=int, default=None,
                    help=f"trials per task sent to a worker (default: {batch.CHUNK_SIZE})")
    ex.add_argument("--resume", action="store_true",
                    help="skip the trials already in the output (or its .partial journal) and go on")
    ex.add_argument("--engine", choices=("local", "dask"), default="local",
                    help="local worker processes (default), or a Dask cluster writing partitioned Parquet")
    ex.add_argument("--scheduler", help="with --engine dask: the scheduler ADDRESS (default: a local cluster)")
    ex.add_argument("--partition-size", type=int, default=1000,
                    help="with --engine dask: trials per partition (default: 1000)")

    ev = sub.add_parser("evaluate", help="score extraction against gold (annotated/ or a published corpus)")
    ev.add_argument("gold", metavar="GOLD", help="a folder of gold records (annotated/test), or a corpus folder "
                                                  "with --corpus")
    ev.add_argument("--corpus", choices=("gold", "lct", "chia", "covid"), default="gold",
                    help="what GOLD is: our gold records (default) or a published corpus to adapt")
    ev.add_argument("--records", help="score these extracted records (JSON Lines) instead of extracting now")
    ev.add_argument("--markdown", help="write the Markdown report here")
    ev.add_argument("--json", dest="json_out", help="write the JSON report here")
    ev.add_argument("--floors", help="JSON of per-kind F1 floors; exit 1 when a kind falls below its floor")

    va = sub.add_parser("validate", help="check a file of records against the schema and the input text")
    va.add_argument("files", nargs="+", metavar="FILE")

    from .screen_cli import add_parser as add_screen_parser

    add_screen_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "extract":
            return _extract(args)
        if args.command == "evaluate":
            return _evaluate(args)
        if args.command == "screen":
            from .screen_cli import run as screen_run

            return screen_run(args)
        return _validate(args)
    except EligexError as exc:
        print(f"eligex: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("eligex: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader of standard output went away (| head): stop quietly, as other tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def _extract(args: argparse.Namespace) -> int:
    # the Dask engine writes a directory of Parquet parts
    fmt = "parquet" if args.engine == "dask" else format_for(args.output, args.format)
    if fmt in ("parquet", "duckdb") and not args.output and args.engine != "dask":
        raise EligexError("E032", fmt=fmt)
    if args.resume and not args.output:
        raise EligexError("E034", option="--resume", needs="an output file (-o FILE) to resume")
    if args.scheduler and args.engine != "dask":
        raise EligexError("E034", option="--scheduler", needs="--engine dask")
    if args.engine == "dask":
        from .dask_engine import extract_cli

        return extract_cli(args, fmt)
    errors_path = args.errors or (f"{args.output}.errors.jsonl" if args.output else None)
    started = time.perf_counter()
    trials = read_inputs(args.inputs, input_format=args.input_format, id_column=args.id_column,
                         text_column=args.text_column, encoding=args.encoding)
    journal = batch.Journal(args.output, resume=args.resume) if args.output else None
    bar = _bar(args.progress, args.inputs, len(journal.skip) if journal else 0)

    def on_error(o: batch.Outcome) -> None:
        print(f"eligex: {o.error}", file=sys.stderr)

    stdout_write, stdout_close = _stdout_writer(fmt, errors_path) if not journal else (None, None)
    try:
        summary = batch.run(trials, write=journal.write if journal else stdout_write,
                            workers=args.workers, skip=journal.skip if journal else None, max_chars=args.max_chars,
                            chunk_size=args.chunk_size,
                            on_error=on_error, progress=bar.update if bar else None)
        if bar:
            bar.close()
        if journal:
            batch.finalise(journal, fmt, errors_path)
        else:
            stdout_close()
    except KeyboardInterrupt:
        if bar:
            bar.close()
        if journal:
            journal.close()
            print(f"eligex: interrupted; the records so far are kept in {journal.path}: run the same command "
                  "with --resume to go on", file=sys.stderr)
        else:
            print("eligex: interrupted", file=sys.stderr)
        return 130
    except EligexError:
        if journal:
            journal.close()
            if journal.created:
                os.unlink(journal.path)  # a bug stopped the run: nothing of it is kept
        raise
    elapsed = time.perf_counter() - started
    total = summary.trials + summary.errors
    errors = summary.errors + (journal.resumed_errors if journal else 0)
    kinds = ", ".join(f"{k} {v:,}" for k, v in sorted(summary.kinds.items())) or "none"
    print(f"eligex: {total:,} inputs: {summary.trials:,} records, {summary.errors:,} errors; "
          f"{summary.items:,} items; constraints: {kinds}; {summary.warnings:,} warnings; "
          f"{elapsed:.1f} s ({total / elapsed if elapsed else 0:,.0f} trials/s)"
          + (f"; {summary.skipped:,} skipped, already in the output" if args.resume else "")
          + (f" -> {args.output}" if args.output else "")
          + (f" (errors: {errors_path})" if args.output and errors else ""), file=sys.stderr)
    return 1 if errors else 0


def _stdout_writer(fmt: str, errors_path: str | None):
    """Outcomes to standard output: JSON Lines as they come (error records in the stream unless
    --errors names a file), a JSON array, or the flat CSV table."""
    writer = RecordWriter(fmt, sys.stdout)
    err_stream = None

    def write(outcomes: list) -> None:
        nonlocal err_stream
        for o in outcomes:
            if o.error is not None and errors_path:
                if err_stream is None:
                    err_stream = open(errors_path, "w", encoding="utf-8")
                err_stream.write(o.line + "\n")
                err_stream.flush()
                continue
            if fmt == "jsonl":
                sys.stdout.write(o.line + "\n")
            elif o.error is None or fmt == "json":
                writer.write(json.loads(o.line))
        sys.stdout.flush()

    def close() -> None:
        if fmt != "jsonl":
            writer.close()
        if err_stream is not None:
            err_stream.close()

    return write, close


def _bar(mode: str, inputs: list[str], skipped: int):
    """A progress bar with rate and ETA on standard error (the ETA when the inputs' size is cheap to know)."""
    if mode == "off" or (mode == "auto" and not sys.stderr.isatty()):
        return None
    from tqdm import tqdm

    total = batch.estimate_total(inputs)
    return tqdm(total=(total - skipped) if total else None, unit=" trials", file=sys.stderr, dynamic_ncols=True,
                mininterval=0.5, smoothing=0.1)


def _evaluate(args: argparse.Namespace) -> int:
    from . import evaluate as ev

    kinds, ignore, extra = None, (), ()
    if args.corpus == "gold":
        kinds = ev.GOLD_KINDS
        gold = ev.load_gold(args.gold)
        title = f"eligex {__version__} against the gold of {args.gold}"
    else:
        from .corpora import CORPORA

        adapter, kinds, ignore, extra = CORPORA[args.corpus]
        gold = list(adapter(args.gold))
        title = f"eligex {__version__} against the {args.corpus} corpus ({args.gold})"
    if args.records:
        by_id = {}
        for _, record in _records_in(args.records):
            if isinstance(record, dict):
                by_id[record.get("trial_id")] = record
        system = [by_id.get(g["trial_id"]) for g in gold]
    else:
        system = ev.system_records_for(gold)
    if args.corpus != "gold":
        system = [ev.one_window_per_mention(r) for r in system]
    report = ev.score(zip(gold, system), kinds=kinds, ignore=ignore, extra_fields=extra)
    report["title"] = title
    text = ev.markdown(report, title)
    if args.markdown:
        with atomic_path(args.markdown) as tmp, open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
    if args.json_out:
        with atomic_path(args.json_out) as tmp, open(tmp, "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=1, ensure_ascii=False)
    table_end = text.index("## Field accuracy")
    print(text[:table_end].rstrip())
    if args.floors:
        with open(args.floors, encoding="utf-8") as fh:
            floors = json.load(fh)
        below = ev.below_floors(report, floors)
        for line in below:
            print(f"eligex: below floor: {line}", file=sys.stderr)
        return 1 if below else 0
    return 0


def _validate(args: argparse.Namespace) -> int:
    bad = 0
    count = 0
    for path in args.files:
        for where, record in _records_in(path):
            count += 1
            found = problems(record) if not isinstance(record, EligexError) else [str(record)]
            if not found and isinstance(record, dict) and "criteria" in record:
                found = evidence_problems(record)
            for problem in found:
                print(f"{where}: {problem}")
            bad += bool(found)
    print(f"eligex: {count:,} records, {bad:,} invalid", file=sys.stderr)
    return 1 if bad or count == 0 else 0


def _records_in(path: str):
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        yield path, EligexError("E001", source=path, detail=str(exc))
        return
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            records = json.loads(stripped)
        except json.JSONDecodeError as exc:
            yield path, EligexError("E002", source=path, expected="JSON", detail=exc.msg)
            return
        for n, record in enumerate(records):
            yield f"{path}[{n}]", record
        return
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield f"{path}:{lineno}", json.loads(line)
        except json.JSONDecodeError as exc:
            yield f"{path}:{lineno}", EligexError("E021", line=lineno, detail=exc.msg)


def evidence_problems(record: dict) -> list[str]:
    """Spans whose text is not the input's text at their offsets."""
    text = record["criteria"]["text"]
    out = []
    for item in record["items"]:
        if text[item["start"]:item["end"]] != item["text"]:
            out.append(f"item {item['id']}: text does not match the input at {item['start']}:{item['end']}")
    for c in record["constraints"]:
        spans = [("evidence", c["evidence"])] + [(p["role"], p) for p in c.get("parts", [])]
        for name, span in spans:
            if text[span["start"]:span["end"]] != span["text"]:
                out.append(f"constraint {c['id']}: {name} {span['text']!r} is not the input at {span['start']}:{span['end']}")
    return out


if __name__ == "__main__":
    sys.exit(main())
