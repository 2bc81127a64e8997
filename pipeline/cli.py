"""Command line: ``python -m pipeline COMMAND``. The only module that prints.

    run        process every PDF under a folder into tables (CSV, Parquet, SQLite)
    report     write the theme report (HTML and Markdown) of an output folder
    audit      highlight every mention against its source; export and apply reviews
    review     the review app: verdicts on mentions from the browser (and its benchmark)
    evaluate   score the tables against gold annotations and speaker labels
    benchmark  time the stages against pdfplumber + spaCy's small English pipeline
    parity     check that the fast extractor (pdfium) reads PDFs as pdfplumber does
    themes     group the statements of an output folder into themes, or score them
    rules      list the named patterns of models/ and check their examples
    train      train the programme scorer on the annotated documents of corpus/
    build-model  rebuild the spaCy pipeline folder in models/ around its rule files
"""
from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .data import Label
from .errors import PipelineError
from .settings import DEFAULT_MODEL, EXTRACTORS, FORMATS, PACKAGE_ROOT, Settings, profiles

if TYPE_CHECKING:
    from .run import Summary

EPILOG = """examples:
  python -m pipeline run corpus/ --out outputs/          process every PDF under corpus/
  python -m pipeline run corpus/ --out outputs/ --force  process everything again
  python -m pipeline report outputs/                     themes report: outputs/report/index.html
  python -m pipeline audit outputs/                      audit pages: outputs/audit/index.html
  python -m pipeline review outputs/                     review app: open the URL it prints
  python -m pipeline evaluate outputs/ --gold corpus/    precision, recall and F1 against gold files
  python -m pipeline themes outputs/ --themes 8          regroup into exactly 8 themes
"""


def _settings(args: argparse.Namespace) -> Settings:
    kwargs = {}
    for name in ("timeout_s", "memory_mb", "max_pages", "max_file_mb", "extractor"):
        value = getattr(args, name, None)
        if value is not None:
            kwargs[name] = value
    if getattr(args, "model", None):
        kwargs["model"] = Path(args.model)
    return Settings(**kwargs)


def _check_themes(args: argparse.Namespace) -> None:
    """Say a wrong profile or count before any work is done."""
    from .themes import load_config, profile_path

    if args.seed_themes and args.no_seed_themes:
        raise PipelineError("give --seed-themes NAME or --no-seed-themes, not both")
    if args.seed_themes:
        load_config(profile_path(args.seed_themes))  # a wrong name, path or content
    if args.themes is not None and args.themes < 0:
        raise PipelineError(f"--themes {args.themes}: give a number of themes, or 0 for the most coherent number")


def _add_theme_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--themes", type=int, metavar="N",
                        help="exactly N themes (where there are N different statements to group); 0: the most "
                             "coherent number between 4 and 15 (the default). Kept for later runs of this folder")
    parser.add_argument("--seed-themes", metavar="NAME|FILE",
                        help=f"a seed profile of models/themes ({', '.join(profiles())}) or a TOML file of named "
                             "themes and their terms; none by default. Kept for later runs")
    parser.add_argument("--no-seed-themes", action="store_true", help="drop the seed profile chosen before")


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is, so that it stops as after Ctrl-C: transactions
    rolled back, workers stopped, one line saying what was kept."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated()


def _command(commands: argparse._SubParsersAction, name: str, **kwargs: str) -> argparse.ArgumentParser:
    """A command whose --help shows its description and examples as written (line breaks kept)."""
    return commands.add_parser(name, formatter_class=argparse.RawDescriptionHelpFormatter, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Turn meeting-summary PDFs into tables of who spoke, for which country, about which "
                    "programmes, with which figures; group what was said into themes; audit every value.",
        epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what each stage does")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = _command(sub, "run", help="process the PDFs under a folder into tables",
                   description="Read every PDF under FOLDER (or one PDF), recognise speakers, countries, "
                               "programmes and figures, and write the tables to --out as CSV, Parquet and "
                               "one SQLite database (meetings.sqlite). Only new or changed PDFs (by "
                               "SHA-256), and those last read by other code or rules (an edited file in "
                               "models/), are processed; files that cannot be read get a row in "
                               "documents.csv saying what to do, and while any file of the folder stays "
                               "failed the exit status is 1. Each document runs in its own worker, "
                               "stopped if it exceeds --timeout or --memory-mb (tried again once you raise "
                               "it). A run stopped in any way (Ctrl-C, kill, a full disk) keeps what it "
                               "stored; the next run with the same options finishes it: the rest of the "
                               "documents, the themes and the CSV/Parquet files.",
                   epilog="example:\n  python -m pipeline run corpus/ --out outputs/ --jobs 2")
    run.add_argument("folder", type=Path, help="folder of PDFs (searched recursively), or one PDF")
    run.add_argument("--out", type=Path, default=Path("outputs"), help="output folder (default: outputs/)")
    run.add_argument("--jobs", type=int, default=0,
                     help="worker processes (default: one per CPU core); with --executor dask and no --scheduler, "
                          "the workers of the local Dask cluster")
    run.add_argument("--executor", choices=("local", "dask"), default="local",
                     help="local: workers forked on this machine (the default); dask: the documents are processed "
                          "on a Dask cluster, with the same limits and the same tables (needs the extra: pip install "
                          "-e \".[dask]\")")
    run.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                     help="with --executor dask: the scheduler of a running cluster, whose workers have this project "
                          "and the PDFs at the same paths as here (default: a local cluster of --jobs workers)")
    run.add_argument("--format", dest="fmt", choices=FORMATS,
                     help="sqlite: meetings.sqlite with CSV and Parquet copies of the tables (the default); "
                          "parquet-dataset: one Parquet dataset per table, partitioned by bucket=0..255 of doc_id, "
                          "for DuckDB or Spark (review, audit, report and evaluate need sqlite). An output folder "
                          "keeps the format it was made with")
    run.add_argument("--force", action="store_true", help="process every PDF again, changed or not")
    run.add_argument("--prune", action="store_true",
                     help="drop from the tables the documents whose PDF is no longer in the folder")
    run.add_argument("--password", help="password for encrypted PDFs you are allowed to open")
    run.add_argument("--timeout", dest="timeout_s", type=float, help="seconds allowed per document (default 300)")
    run.add_argument("--memory-mb", type=int, help="memory cap per worker in MB (default 3072)")
    run.add_argument("--max-pages", type=int, help="refuse PDFs with more pages (default 5000)")
    run.add_argument("--max-file-mb", type=int, help="refuse PDFs larger than this (default 500)")
    _add_theme_options(run)
    run.add_argument("--model", help=f"spaCy pipeline folder (default: {DEFAULT_MODEL})")
    run.add_argument("--extractor", choices=EXTRACTORS,
                     help="where characters and their boxes come from: pdfium (default, fast) or pdfplumber "
                          "(the reference, about 5 times slower; the same text and boxes)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")

    report = sub.add_parser("report", help="write the theme report of an output folder",
                            description="Write OUTDIR/report/index.html (self-contained: opens offline, can be "
                                        "mailed) and OUTDIR/report/report.md from the tables of a run.")
    report.add_argument("outdir", type=Path, help="output folder of `run`")
    report.add_argument("--out", type=Path, dest="report_dir", metavar="DIR",
                        help="folder for the report (default: OUTDIR/report, or OUTDIR/report-<filters> when "
                             "filtered, so a filtered report never replaces the full one)")
    report.add_argument("--theme", help="only themes whose label or keywords contain this text")
    report.add_argument("--country", help="only statements of speakers from this country (ISO code or name: FR, "
                                          "Namibia)")
    report.add_argument("--since", help="only meetings dated on or after YYYY, YYYY-MM or YYYY-MM-DD")

    audit = _command(sub, "audit", help="audit pages, review sheets, Label Studio and spaCy exchange",
                     description="`audit OUTDIR [--doc DOC_ID]` writes OUTDIR/audit/<pdf name>.html, one "
                                 "self-contained page per document (to be mailed): the text with every mention "
                                 "highlighted and each PDF page, scaled and in black and white, with boxes "
                                 "around them; and OUTDIR/audit/index.html listing them.\n"
                                 "`audit export OUTDIR -o review.csv` writes one row per mention with an "
                                 "empty verdict column (ok, wrong, fix:<value>); --format label-studio writes "
                                 "Label Studio tasks (and the labelling config beside them), --format spacy "
                                 "a DocBin of the reviewed mentions.\n"
                                 "`audit apply review.csv --out OUTDIR` records the verdicts of a sheet, "
                                 "`audit import export.json --out OUTDIR` those of a Label Studio JSON export "
                                 "(kept prediction: ok, deleted: wrong, changed value or span: fix; another "
                                 "label: wrong); every later run applies them.")
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    view = audit_sub.add_parser("view", help="write the audit pages (the default action)")
    view.add_argument("outdir", type=Path)
    view.add_argument("--doc", help="only this document (doc_id, a unique prefix, or the PDF's file name)")
    view.add_argument("--jobs", type=int, default=0, help="processes rendering pages (default: one per core)")
    export = _command(audit_sub, "export", help="write a review sheet, Label Studio tasks or a spaCy DocBin",
                      epilog="examples:\n"
                             "  python -m pipeline audit export outputs/ -o review.csv --label FIGURE\n"
                             "  python -m pipeline audit export outputs/ --format label-studio "
                             "-o tasks.json\n"
                             "  python -m pipeline audit export outputs/ --format spacy -o reviewed.spacy")
    export.add_argument("outdir", type=Path)
    export.add_argument("-o", "--output", type=Path,
                        help="file to write (default: review.csv, tasks.json or reviewed.spacy)")
    export.add_argument("--format", choices=("csv", "label-studio", "spacy"), default="csv",
                        help="csv: a review sheet (default); label-studio: tasks with the mentions as predictions; "
                             "spacy: a DocBin of the reviewed mentions")
    export.add_argument("--doc", help="only this document")
    export.add_argument("--label", type=str.upper, choices=[label.value for label in Label],
                        help="only this kind: SPEAKER, COUNTRY, PROGRAMME or FIGURE")
    apply = audit_sub.add_parser("apply", help="record the verdicts of a review sheet")
    apply.add_argument("review", type=Path)
    imp = audit_sub.add_parser("import", help="record the verdicts of a Label Studio JSON export")
    imp.add_argument("export", type=Path, help="the project exported from Label Studio as JSON")
    for recording in (apply, imp):
        recording.add_argument("--out", type=Path, required=True,
                               help="output folder whose database takes the verdicts")
        recording.add_argument("--reviewer", help="name recorded with each verdict (default: your login name)")

    review = _command(sub, "review", help="the review app: verdicts on mentions from the browser",
                      description="Serve a local review app over an output folder: an index of the documents "
                                  "with their review progress, and for each document its text, its mentions "
                                  "(filter by type, confidence, rule, speaker; mark ok / wrong / fix with the "
                                  "keyboard) and the PDF page with the mention's box. Verdicts go into the "
                                  "database as `audit apply` records them; the next `run` applies them. Open "
                                  "the URL it prints: it carries the access token. Scripts use the JSON API "
                                  "(GET /api/documents, GET /api/mentions?doc_id=..., POST /api/verdicts) "
                                  "with the header `Authorization: token TOKEN`.",
                      epilog="examples:\n  python -m pipeline review outputs/\n"
                             "  python -m pipeline review outputs/ --port 9000 --reviewer alice\n"
                             "  python -m pipeline review outputs/ --benchmark   time the index and document "
                             "views")
    review.add_argument("outdir", type=Path, help="output folder of `run`")
    review.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only)")
    review.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    review.add_argument("--token", help="access token (default: a new random one each start)")
    review.add_argument("--reviewer", help="name recorded with your verdicts (default: your login name)")
    review.add_argument("--benchmark", action="store_true",
                        help="instead of serving, time the index and every document view, and exit")

    evaluate = sub.add_parser("evaluate", help="score the tables against gold files and speaker labels",
                              description="Compare the tables of OUTDIR with every *.gold.json in --gold (X.gold.json "
                                          "belongs to the PDFs named X*.pdf): precision, recall and F1 per type, "
                                          "attribution accuracy, and the misses and false alarms. With --labels, "
                                          "the share of labelled paragraphs attributed to the right country. "
                                          "Reviewed verdicts give an estimated precision per type. With --loio, "
                                          "no OUTDIR: the development set of corpus/ is scored from its text, each "
                                          "institution with a programme scorer trained without it.")
    evaluate.add_argument("outdir", type=Path, nargs="?", help="output folder of `run`")
    evaluate.add_argument("--loio", action="store_true",
                          help="leave one institution out: score corpus/dev with scorers that never saw the "
                               "document's institution")
    evaluate.add_argument("--corpus", type=Path, default=PACKAGE_ROOT / "corpus",
                          help="with --loio: the corpus folder (default: the project's corpus/)")
    evaluate.add_argument("--gold", type=Path, help="folder with *.gold.json files")
    evaluate.add_argument("--labels", type=Path, help="CSV of paragraph speaker labels (document, paragraph, starts, "
                          "country); the labels of X belong to X.pdf and X-*.pdf")
    evaluate.add_argument("--errors", type=int, default=15, help="misses and false alarms to list per type")
    evaluate.add_argument("--themes", action="store_true",
                          help="check the themes instead: how many, the largest share, seeded ones, whether each "
                               "label is a heading or a phrase of its statements, and (with --gold) which of the "
                               "themes the gold files name are among the labels and keywords")

    bench = _command(sub, "benchmark", help="pages per second and seconds per stage",
                     description="Time the pipeline on a folder of PDFs as `run --jobs 1` does it (model load, "
                                 "extract, recognise, link, tables, themes and export), next to pdfplumber's "
                                 "extract_text followed by spaCy's small English pipeline (en_core_web_sm when "
                                 "installed, else the same architecture untrained: the cost is the same). With "
                                 "--profile, also print the functions where the time goes (cProfile). With --jobs, "
                                 "also time whole runs with that many workers and report peak memory.",
                     epilog="example:\n  python -m pipeline benchmark ../shared/wto --profile --jobs 1")
    bench.add_argument("folder", type=Path, nargs="?", default=Path("corpus"))
    bench.add_argument("--jobs", type=int, nargs="*", default=[], help="also time `run` with these worker counts")
    bench.add_argument("--repeat", type=int, default=1, help="time each pass this many times and keep the best")
    bench.add_argument("--profile", type=int, nargs="?", const=25, default=0, metavar="N",
                       help="profile the pipeline pass over the first PDFs up to 200 pages and print its N most "
                            "expensive functions (default 25)")
    bench.add_argument("--extractor", choices=EXTRACTORS, default=EXTRACTORS[0],
                       help="where characters come from (default: pdfium; pdfplumber is the reference)")

    parity = _command(sub, "parity", help="check that the fast extractor reads PDFs as pdfplumber does",
                      description="Read every PDF under FOLDER with both extractors, pdfium (the default, "
                                  "fast) and pdfplumber (the reference), and compare the status, the text, "
                                  "the blocks, the pages and the characters' boxes. Prints the PDFs that "
                                  "differ and the largest box difference; the exit status is 1 if any differ.",
                      epilog="example:\n  python -m pipeline parity ../shared/wto")
    parity.add_argument("folder", type=Path, help="folder of PDFs (searched recursively), or one PDF")
    parity.add_argument("--tolerance", type=float, default=None, metavar="PT",
                        help="largest difference of a box edge, in points, that counts as the same (default 0.01)")

    themes = _command(sub, "themes", help="regroup the statements of an output folder into themes, or score them",
                      description="Group what was said into themes: statements under the same agenda item "
                                  "or heading (merged across meetings when headings and words match), the "
                                  "rest by NMF over their words; each theme named by its heading or its most "
                                  "distinctive noun phrase. With --score, change nothing and print how "
                                  "coherent the themes of the folder are.",
                      epilog="examples:\n  python -m pipeline themes outputs/ --themes 8\n"
                             "  python -m pipeline themes outputs/ --seed-themes migration\n"
                             "  python -m pipeline themes outputs/ --score")
    themes.add_argument("outdir", type=Path)
    _add_theme_options(themes)
    themes.add_argument("--score", action="store_true",
                        help="print the coherence (NPMI of each theme's keywords over the statements), diversity "
                             "and sizes of the folder's themes, without regrouping")

    rules = _command(sub, "rules", help="list the named patterns of models/ and check their examples",
                     description="Every pattern the recognisers use is a named entry in "
                                 "models/meeting_en/<component>/patterns.toml with what it finds, a score, "
                                 "examples it must find and counter-examples it must not. This lists them; "
                                 "with --check it runs every example through the pipeline and says which "
                                 "fail (exit status 1 if any). See models/README.md to add a pattern for a new "
                                 "house style or silence a false positive.",
                     epilog="examples:\n  python -m pipeline rules\n"
                            "  python -m pipeline rules --check --name programme.\n")
    rules.add_argument("--check", action="store_true", help="run every example and counter-example")
    rules.add_argument("--name", default="", help="only patterns whose name starts with this (e.g. speaker.)")
    rules.add_argument("--model", help=f"spaCy pipeline folder (default: {DEFAULT_MODEL})")

    train = _command(sub, "train", help="train the programme scorer on the annotated documents of corpus/",
                     description="Fit the programme scorer (a logistic regression over what the programme "
                                 "patterns propose) on the development set (corpus/dev/*.txt with "
                                 "*.gold.json) and the sample (corpus/*.pdf), never on corpus/dev/frozen. "
                                 "It prints the programme F1 with and without the scorer when each "
                                 "institution is held out, and saves the scorer only if it does better. "
                                 "A run that fails leaves the shipped scorer in place.",
                     epilog="example:\n  python -m pipeline train\n"
                            "  python -m pipeline evaluate --loio      # the whole pipeline, institution by "
                            "institution held out\n")
    train.add_argument("--corpus", type=Path, default=PACKAGE_ROOT / "corpus",
                       help="folder with the sample's gold and PDFs and dev/ (default: the project's corpus/)")
    train.add_argument("--out", type=Path, help="where to save the scorer (default: models/meeting_en/programmes/"
                                                "scorer.json)")

    build = sub.add_parser("build-model", help="rebuild the spaCy pipeline folder around its rule files")
    build.add_argument("--model", default=str(DEFAULT_MODEL))
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["audit"] and len(argv) > 1 and argv[1] not in ("view", "export", "apply", "import", "-h",
                                                                     "--help"):
        argv.insert(1, "view")
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # its font warnings say nothing a user can act on
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return COMMANDS[args.command](args)
    except PipelineError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head`: stop quietly
        sys.stderr.close()
        return 0
    except KeyboardInterrupt as e:
        print(f"{_stopped_by(e)}: the outputs written so far are intact; run again to finish", file=sys.stderr)
        return _stop_status(e)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _stopped_by(e: KeyboardInterrupt) -> str:
    return "stopped by SIGTERM" if isinstance(e, Terminated) else "interrupted"


def _stop_status(e: KeyboardInterrupt) -> int:
    return 128 + (signal.SIGTERM if isinstance(e, Terminated) else signal.SIGINT)


def cmd_run(args: argparse.Namespace) -> int:
    from .dataset import folder_format
    from .run import finish, run_folder

    if not args.folder.exists():
        print(f"error: {args.folder} does not exist; give a folder of PDFs or one PDF", file=sys.stderr)
        return 2
    if args.scheduler and args.executor != "dask":
        print("error: --scheduler needs --executor dask", file=sys.stderr)
        return 2
    settings = _settings(args)
    _check_themes(args)
    bar = None
    done_pages = 0
    stored = 0

    def on_plan(todo: int, skipped: int) -> None:
        nonlocal bar
        if args.quiet or not sys.stderr.isatty():
            return
        from tqdm import tqdm
        bar = tqdm(total=todo, unit="doc", desc=f"processing ({skipped} unchanged)", file=sys.stderr)

    def progress(source: str, status: str, pages: int) -> None:
        nonlocal done_pages, stored
        done_pages += pages
        stored += 1
        if bar is not None:
            elapsed = bar.format_dict["elapsed"] or 1e-9
            bar.set_postfix_str(f"{done_pages / elapsed:.1f} pages/s, last: {Path(source).name} {status}",
                                refresh=False)
            bar.update(1)

    try:
        summary = run_folder(args.folder, args.out, settings, jobs=args.jobs, force=args.force, prune=args.prune,
                             password=args.password, progress=progress, on_plan=on_plan, executor=args.executor,
                             scheduler=args.scheduler, fmt=args.fmt)
        if bar is not None:
            bar.close()
        _print_summary(summary)
        themes = finish(args.out, settings, n_themes=args.themes, profile=args.seed_themes,
                        no_profile=args.no_seed_themes, fmt=args.fmt)
    except KeyboardInterrupt as e:
        if bar is not None:
            bar.close()
        kept = args.out / ("meetings.sqlite" if folder_format(args.out) == "sqlite" else "")
        print(f"{_stopped_by(e)}: the {stored} document(s) processed by this run are kept in {kept}; run the same "
              "command again to process the rest and to bring the themes and the CSV/Parquet files up to date"
              + ("; a Dask worker still processing a document of it finishes it, and its result is dropped"
                 if args.scheduler else ""), file=sys.stderr)
        return _stop_status(e)
    if themes:
        print(f"themes: {themes}")
    if folder_format(args.out) == "parquet-dataset":
        print(f"tables: {args.out.resolve()}/ (Parquet datasets documents/, speakers/, statements/, countries/, "
              "programmes/, figures/, mentions/, themes/ ..., partitioned by bucket of doc_id)")
    else:
        print(f"tables: {args.out.resolve()}/ (documents, speakers, statements, countries, programmes, figures, "
              f"mentions as .csv and .parquet; database meetings.sqlite)")
    failed = summary.failed + len(summary.still_failed) + len(summary.unreadable) + len(summary.stopped)
    if failed:
        print(f"{failed} file(s) not processed: see the lines above and the status and error columns of "
              "documents.csv; fix or remove them and run again", file=sys.stderr)
        return 1
    return 0


def _print_summary(summary: Summary) -> None:
    """What the run did, then every file that needs the user's attention, with why."""
    rate = summary.pages / summary.seconds if summary.seconds else 0.0
    print(f"processed {summary.processed}, skipped {summary.skipped} unchanged, failed {summary.failed}"
          + (f", partial {len(summary.partial)}" if summary.partial else "")
          + (f", pruned {summary.pruned}" if summary.pruned else "")
          + f" in {summary.seconds:.1f} s ({summary.pages} pages, {rate:.1f} pages/s); "
          f"peak memory {summary.peak_parent_mb:.0f} MB main process, {summary.peak_worker_mb:.0f} MB per worker")
    for source, error in summary.failures:
        print(f"FAILED {source}: {error}", file=sys.stderr)
    for source, problems in summary.partial:
        print(f"PARTIAL (tables made, check them) {source}: {problems}", file=sys.stderr)
    for source, error in summary.still_failed:
        print(f"STILL FAILED (unchanged since the last run) {source}: {error}", file=sys.stderr)
    for path, why in summary.unreadable:
        print(f"SKIPPED {path}: {why}", file=sys.stderr)
    for source in summary.stopped:
        print(f"STOPPED {source}: its worker was stopped from outside; the next run processes it", file=sys.stderr)


def cmd_report(args: argparse.Namespace) -> int:
    from .report import write_report

    paths = write_report(args.outdir, theme=args.theme, country=args.country, since=args.since,
                         report_dir=args.report_dir)
    for p in paths:
        print(p)
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from . import audit

    if args.audit_command == "view":
        paths = audit.write_audit(args.outdir, doc=args.doc, jobs=args.jobs)
        size = audit.folder_size(paths[0].parent)
        print(f"{paths[0]}: {len(paths) - 1} audit page(s) written; {paths[0].parent} holds {size / 1e6:.1f} MB "
              f"in all ({len(list(paths[0].parent.glob('*.html')))} files)")
    elif args.audit_command == "import":
        from .annotation_formats import import_label_studio

        counts = import_label_studio(args.export, args.out, args.reviewer)
        print(f"recorded {counts['ok'] + counts['wrong'] + counts['fix']} verdicts (ok {counts['ok']}, wrong "
              f"{counts['wrong']} of which {counts['relabelled']} relabelled, fix {counts['fix']}); "
              f"{counts['unannotated']} task(s) without a submitted annotation skipped"
              + (f"; {counts['added']} span(s) added in Label Studio are not recorded (a verdict judges a mention "
                 "the pipeline found)" if counts["added"] else "")
              + "; the next `run` re-processes the reviewed documents and applies them")
    elif args.audit_command == "export":
        output = args.output or Path({"csv": "review.csv", "label-studio": "tasks.json",
                                      "spacy": "reviewed.spacy"}[args.format])
        if args.format == "label-studio":
            from .annotation_formats import export_label_studio

            tasks, n, config = export_label_studio(args.outdir, output, doc=args.doc, label=args.label)
            print(f"{output}: {tasks} task(s), {n} mentions as predictions; create the Label Studio project with "
                  f"the labelling config {config}, import {output}, review, export the project as JSON and run "
                  f"`python -m pipeline audit import EXPORT.json --out {args.outdir}`")
        elif args.format == "spacy":
            from .annotation_formats import export_spacy

            docs, ents = export_spacy(args.outdir, output, doc=args.doc, label=args.label)
            print(f"{output}: {docs} reviewed document(s), {ents} entities judged ok or fixed (unreviewed mentions "
                  "are marked missing)")
        else:
            n = audit.export_review(args.outdir, output, doc=args.doc, label=args.label)
            print(f"{output}: {n} mentions; fill the verdict column with ok, wrong or fix:<value>, then run "
                  f"`python -m pipeline audit apply {output} --out {args.outdir}`")
    else:
        counts = audit.apply_review(args.review, args.out, args.reviewer)
        unchanged = counts.pop("unchanged")
        print(f"recorded {sum(counts.values())} verdicts ({', '.join(f'{k} {v}' for k, v in counts.items())}"
              f"{f'; {unchanged} already recorded, left as they were' if unchanged else ''}); "
              f"the next `run` re-processes the reviewed documents and applies them")
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    from . import review_app
    from .review import default_reviewer
    from .tables import Store

    if (args.outdir / "dataset.json").exists():
        Store(args.outdir, create=False)  # says that reviewing needs the default format
    if not (args.outdir / "meetings.sqlite").exists():
        print(f"error: {args.outdir} has no meetings.sqlite; run `python -m pipeline run FOLDER --out {args.outdir}` "
              "first", file=sys.stderr)
        return 2
    if args.benchmark:
        for line in review_app.benchmark(args.outdir):
            print(line, flush=True)
        return 0
    token = args.token or review_app.new_token()
    settings = review_app.ReviewSettings(args.outdir, token, args.reviewer or default_reviewer(), host=args.host)
    review_app.check_port(args.host, args.port)
    print(f"review app for {args.outdir.resolve()} (verdicts recorded as {settings.reviewer}); open\n"
          f"    {review_app.url_of(args.host, args.port, token)}\n"
          "Ctrl+C stops it; the next `run` applies the verdicts.", flush=True)
    review_app.serve(settings, args.port)
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .evaluate import attribution, evaluate_folder, review_precision

    if args.loio:
        from .train import leave_one_institution_out

        for line in leave_one_institution_out(args.corpus, progress=lambda m: print(m, file=sys.stderr)):
            print(line)
        return 0
    if args.outdir is None:
        print("error: give the output folder of `run` (or --loio to score the development set held out)",
              file=sys.stderr)
        return 2
    if args.themes:
        from .evaluate import theme_checks

        for line in theme_checks(args.outdir, args.gold):
            print(line)
        return 0
    reviewed = review_precision(args.outdir)
    if not args.gold and not args.labels and not reviewed:
        print("error: nothing to compare with: give --gold DIR and/or --labels FILE, or review mentions "
              "first (`python -m pipeline audit export`)", file=sys.stderr)
        return 2
    if args.gold:
        for line in evaluate_folder(args.outdir, args.gold, errors=args.errors):
            print(line)
    if args.labels:
        for line in attribution(args.outdir, args.labels):
            print(line)
    for line in reviewed:
        print(line)
    return 0


def cmd_benchmark(args: argparse.Namespace) -> int:
    from .benchmark import benchmark

    if not args.folder.exists():
        print(f"error: {args.folder} does not exist; give a folder of PDFs or one PDF", file=sys.stderr)
        return 2
    for line in benchmark(args.folder, jobs=args.jobs, repeat=args.repeat, profile=args.profile,
                          settings=Settings(extractor=args.extractor)):
        print(line, flush=True)
    return 0


def cmd_parity(args: argparse.Namespace) -> int:
    from .parity import TOLERANCE_PT, compare_folder

    if not args.folder.exists():
        print(f"error: {args.folder} does not exist; give a folder of PDFs or one PDF", file=sys.stderr)
        return 2
    tolerance = TOLERANCE_PT if args.tolerance is None else args.tolerance
    documents = pages = failed = 0
    differ: list[str] = []
    worst, where = 0.0, ""
    for c in compare_folder(args.folder, tolerance=tolerance):
        documents += 1
        pages += c.pages
        failed += c.status != "ok"
        if c.box_difference > worst:
            worst, where = c.box_difference, Path(c.source).name
        if not c.same:
            differ.append(c.source)
            print(f"DIFFERS {c.source}: " + "; ".join(c.differences), flush=True)
    print(f"parity: {documents} PDFs, {pages} pages; {documents - len(differ)} read the same by pdfium and "
          f"pdfplumber ({failed} of them refused the same way), {len(differ)} differ; largest box difference "
          f"{worst:.4f} pt{f' ({where})' if where else ''}, tolerance {tolerance} pt")
    return 1 if differ else 0


def cmd_themes(args: argparse.Namespace) -> int:
    from .dataset import open_store
    from .themes import score_themes, update_themes

    open_store(args.outdir, create=False).close()  # a folder without a run is said, not filled with an empty database
    if args.score:
        for line in score_themes(args.outdir, Settings()):
            print(line)
        return 0
    _check_themes(args)
    print(update_themes(args.outdir, Settings(), n_themes=args.themes, profile=args.seed_themes,
                        no_profile=args.no_seed_themes))
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    from .recognise import check_pattern, load_nlp, patterns

    nlp = load_nlp(Path(args.model) if args.model else DEFAULT_MODEL)
    chosen = [p for p in patterns(nlp) if p.name.startswith(args.name)]
    if not chosen:
        print(f"error: no pattern name starts with {args.name!r}; run `python -m pipeline rules` for the list",
              file=sys.stderr)
        return 2
    failed = 0
    for p in chosen:
        what = " ".join(p.what.split())
        print(f"{p.name:<34} {p.score:.2f}  {len(p.examples)} ex / {len(p.counter_examples)} counter  "
              f"{what[:90] + ('...' if len(what) > 90 else '')}")
        if args.check:
            for failure in check_pattern(nlp, p):
                failed += 1
                print(f"    FAILS: {failure}")
    examples = sum(len(p.examples) + len(p.counter_examples) for p in chosen)
    print(f"{len(chosen)} patterns, {examples} examples and counter-examples"
          + (f", {failed} failing" if args.check else ""))
    return 1 if failed else 0


def cmd_train(args: argparse.Namespace) -> int:
    from .train import default_output, train

    if not (args.corpus / "dev").is_dir():
        print(f"error: {args.corpus} has no dev/ folder of annotated summaries; give --corpus the project's corpus/",
              file=sys.stderr)
        return 2
    for line in train(args.corpus, args.out or default_output(), progress=lambda m: print(m, file=sys.stderr)):
        print(line)
    return 0


def cmd_build_model(args: argparse.Namespace) -> int:
    from .recognise import build_model

    nlp = build_model(Path(args.model))
    print(f"{args.model}: pipeline {nlp.pipe_names}")
    return 0


COMMANDS = {"run": cmd_run, "report": cmd_report, "audit": cmd_audit, "review": cmd_review, "evaluate": cmd_evaluate,
            "benchmark": cmd_benchmark, "parity": cmd_parity, "themes": cmd_themes, "rules": cmd_rules,
            "train": cmd_train,
            "build-model": cmd_build_model}
