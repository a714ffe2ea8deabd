"""The ``eligex`` command.

    eligex extract INPUT... [-o OUT] [--format jsonl|json|csv|parquet] [--input-format ...]
                   [--id-column COL] [--text-column COL] [--errors FILE]
    eligex evaluate GOLD [--corpus gold|lct|chia|covid] [--records FILE] [--markdown F] [--json F] [--floors F]
    eligex validate FILE...
    eligex screen --patients P.jsonl --trials RECORDS_OR_TRIALS [-o verdicts.jsonl] [--details]

Exit codes: 0 when every input was processed (for ``validate``, every record is valid; for
``evaluate``, no kind fell below its floor); 1 when some input gave an error record (or a record is
invalid, or a floor was missed); 2 for a usage error or an output that cannot be written.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections import Counter
from typing import Iterator

from . import __version__
from .errors import EligexError
from .extract import DEFAULT_MAX_CHARS, extract_many
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
    ex.add_argument("--errors", help="write error records here (default: with the records for jsonl/json, "
                                     "OUTPUT.errors.jsonl for csv/parquet)")
    ex.add_argument("--progress", choices=("auto", "on", "off"), default="auto",
                    help="progress bar on standard error (auto: when it is a terminal)")

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
        print("eligex: interrupted; no output was written", file=sys.stderr)
        return 130


def _extract(args: argparse.Namespace) -> int:
    fmt = format_for(args.output, args.format)
    if fmt == "parquet" and not args.output:
        raise EligexError("E032", fmt="parquet")
    errors_path = args.errors or (f"{args.output}.errors.jsonl" if args.output and fmt in ("csv", "parquet") else None)
    started = time.perf_counter()
    stats: Counter = Counter()
    trials = read_inputs(args.inputs, input_format=args.input_format, id_column=args.id_column,
                         text_column=args.text_column, encoding=args.encoding)
    records = extract_many(trials, max_chars=args.max_chars)
    records = _progress(records, args.progress)

    with contextlib.ExitStack() as stack:
        if args.output:
            tmp = stack.enter_context(atomic_path(args.output))
            stream = None if fmt == "parquet" else stack.enter_context(open(tmp, "w", encoding="utf-8", newline=""))
            writer = RecordWriter(fmt, stream, tmp)
        else:
            writer = RecordWriter(fmt, sys.stdout)
        err_stream = None
        for record in records:
            if "error" in record:
                stats["errors"] += 1
                print(f"eligex: {record['error']['message']}", file=sys.stderr)
                if errors_path:
                    if err_stream is None:  # the errors file exists only when there are errors
                        err_tmp = stack.enter_context(atomic_path(errors_path))
                        err_stream = stack.enter_context(open(err_tmp, "w", encoding="utf-8"))
                    err_stream.write(json.dumps(record, ensure_ascii=False) + "\n")
                    continue
                if fmt in ("csv", "parquet"):
                    continue  # a flat table has no row for a failed trial; its message went to stderr
            else:
                stats["trials"] += 1
                stats["items"] += len(record["items"])
                for c in record["constraints"]:
                    stats["kind:" + c["kind"]] += 1
                stats["warnings"] += len(record["warnings"])
            writer.write(record)
        writer.close()
    elapsed = time.perf_counter() - started
    total = stats["trials"] + stats["errors"]
    kinds = ", ".join(f"{k[5:]} {v:,}" for k, v in sorted(stats.items()) if k.startswith("kind:")) or "none"
    print(f"eligex: {total:,} inputs: {stats['trials']:,} records, {stats['errors']:,} errors; "
          f"{stats['items']:,} items; constraints: {kinds}; {stats['warnings']:,} warnings; "
          f"{elapsed:.1f} s ({total / elapsed if elapsed else 0:,.0f} trials/s)"
          + (f" -> {args.output}" if args.output else ""), file=sys.stderr)
    return 1 if stats["errors"] else 0


def _evaluate(args: argparse.Namespace) -> int:
    from . import evaluate as ev

    kinds, ignore, extra = None, (), ()
    if args.corpus == "gold":
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


def _progress(records: Iterator[dict], mode: str) -> Iterator[dict]:
    if mode == "off" or (mode == "auto" and not sys.stderr.isatty()):
        return records
    from tqdm import tqdm

    return tqdm(records, unit=" trials", file=sys.stderr, dynamic_ncols=True, mininterval=0.5)


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
