"""Tables: the extraction as rows, kept in one SQLite file and exported as CSV and Parquet.

The database is the source of truth: each document's rows are replaced in one transaction
(``doc_id`` is the PDF's sha256, so a re-run replaces instead of duplicating), and every
write counts a generation in the ``meta`` table, so what is derived from the rows (themes)
knows when it is stale. The CSV and Parquet files are rewritten from the database as one
generation: all under temporary names first, then renamed together. A run killed at any
moment leaves the previous outputs readable, and the next run rewrites them.

Rows are read in an order defined by their content (document hash, then the order the
pipeline made them), never by when they were inserted: an incremental run and a fresh one
give the same files.
"""
from __future__ import annotations

import errno
import logging
import os
import re
import sqlite3
import tempfile
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator

try:
    import fcntl  # Unix: one export at a time per output folder
except ImportError:  # pragma: no cover - Windows exports without the lock
    fcntl = None

import pandas as pd

from .data import Result
from .errors import OutputError
from .sections import statement_sections

log = logging.getLogger(__name__)

DATABASE = "meetings.sqlite"
DATASET_MARKER = "dataset.json"  # the folder holds Parquet datasets instead (dataset.py)

# table -> columns (name, SQL type). The first columns of each are the contract.
SCHEMA: dict[str, list[tuple[str, str]]] = {
    "documents": [("doc_id", "TEXT"), ("source", "TEXT"), ("pages", "INTEGER"), ("status", "TEXT"),
                  ("error", "TEXT"), ("date", "TEXT"), ("title", "TEXT"), ("processed_at", "TEXT"),
                  ("seconds", "REAL"), ("version", "TEXT"), ("limits", "TEXT")],
    "texts": [("doc_id", "TEXT"), ("text", "TEXT")],
    "pages": [("doc_id", "TEXT"), ("page", "INTEGER"), ("width", "REAL"), ("height", "REAL"), ("flags", "TEXT")],
    "removed_lines": [("doc_id", "TEXT"), ("page", "INTEGER"), ("kind", "TEXT"), ("text", "TEXT"),
                      ("x0", "REAL"), ("top", "REAL"), ("x1", "REAL"), ("bottom", "REAL")],
    "speakers": [("doc_id", "TEXT"), ("speaker_id", "TEXT"), ("name", "TEXT"), ("role", "TEXT"),
                 ("organisation", "TEXT"), ("country", "TEXT"), ("kind", "TEXT")],
    "statements": [("doc_id", "TEXT"), ("statement_id", "TEXT"), ("speaker_id", "TEXT"), ("page", "INTEGER"),
                   ("start", "INTEGER"), ("end", "INTEGER"), ("text", "TEXT"), ("theme_id", "TEXT"),
                   ("section", "TEXT")],
    "countries": [("doc_id", "TEXT"), ("country", "TEXT"), ("name", "TEXT"), ("relation", "TEXT"),
                  ("mentions", "INTEGER")],
    "programmes": [("doc_id", "TEXT"), ("programme_id", "TEXT"), ("name", "TEXT"), ("acronym", "TEXT"),
                   ("country", "TEXT"), ("speaker_id", "TEXT"), ("mentions", "INTEGER")],
    "figures": [("doc_id", "TEXT"), ("figure_id", "TEXT"), ("text", "TEXT"), ("value", "REAL"), ("unit", "TEXT"),
                ("measures", "TEXT"), ("speaker_id", "TEXT"), ("statement_id", "TEXT"), ("country", "TEXT"),
                ("page", "INTEGER"), ("start", "INTEGER"), ("end", "INTEGER"), ("value_min", "REAL"),
                ("kind", "TEXT")],
    "mentions": [("doc_id", "TEXT"), ("mention_id", "TEXT"), ("label", "TEXT"), ("text", "TEXT"),
                 ("start", "INTEGER"), ("end", "INTEGER"), ("page", "INTEGER"), ("x0", "REAL"), ("top", "REAL"),
                 ("x1", "REAL"), ("bottom", "REAL"), ("rule", "TEXT"), ("confidence", "REAL"), ("value", "TEXT"),
                 ("speaker_id", "TEXT"), ("statement_id", "TEXT"), ("corrected", "TEXT"), ("explanation", "TEXT")],
    "corrections": [("doc_id", "TEXT"), ("label", "TEXT"), ("start", "INTEGER"), ("end", "INTEGER"),
                    ("text", "TEXT"), ("verdict", "TEXT"), ("value", "TEXT"), ("reviewer", "TEXT"),
                    ("reviewed_at", "TEXT")],
    "themes": [("theme_id", "TEXT"), ("label", "TEXT"), ("keywords", "TEXT"), ("statements", "INTEGER"),
               ("share", "REAL"), ("speakers", "TEXT"), ("countries", "TEXT"), ("programmes", "TEXT"),
               ("figures", "INTEGER"), ("representative", "TEXT"), ("seeded", "INTEGER"), ("origin", "TEXT")],
    "statement_themes": [("doc_id", "TEXT"), ("statement_id", "TEXT"), ("theme_id", "TEXT"), ("weight", "REAL")],
}
PER_DOCUMENT = ("documents", "texts", "pages", "removed_lines", "speakers", "statements", "countries", "programmes",
                "figures", "mentions")
EXPORTED = ("documents", "speakers", "statements", "countries", "programmes", "figures", "mentions",
            "themes", "statement_themes", "pages", "removed_lines", "corrections")
ORDER = {"documents": "source, doc_id", "corrections": "reviewed_at, rowid", "themes": "rowid"}  # else doc_id, rowid
# OWASP CSV injection: a cell a spreadsheet would read as a formula starts with one of these
# (after any quotes already added, so that adding and removing one quote round-trips)
FORMULA = re.compile(r"^'*[=+\-@\t\r]")
QUOTED = re.compile(r"^'+[=+\-@\t\r]")
NUMBER = re.compile(r"^[+-]?(\d[\d,]*(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?$")


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with a quote before every text cell a spreadsheet would run as a formula
    (=, +, -, @, tab or carriage return first), numbers aside; ``unquote`` undoes it."""
    out = frame.copy()
    for column in frame.columns:
        values = frame[column]
        if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            continue
        text = values.astype(str)
        risky = text.str.match(FORMULA)
        if not risky.any():
            continue
        # of the few cells that start like a formula, the text ones that are not numbers
        risky[risky] = values[risky].map(lambda v: isinstance(v, str)) & ~text[risky].str.match(NUMBER)
        if risky.any():
            out[column] = values.where(~risky, "'" + text)
    return out


def unquote(cell: str) -> str:
    """A cell of a sheet written with ``spreadsheet_safe``, as it was before."""
    return cell[1:] if QUOTED.match(cell) else cell


def file_mode() -> int:
    """The mode a new file gets under the process's umask (mkstemp would give 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def rows(result: Result, version: str) -> dict[str, list[dict]]:
    """The rows one document contributes to every per-document table."""
    doc = result.doc_id
    out: dict[str, list[dict]] = {t: [] for t in PER_DOCUMENT}
    x = result.extraction
    title = ""
    if result.document is not None and result.document.blocks:
        first = result.document.blocks[0]
        title = result.document.text[first.start:first.end][:200]
    out["documents"].append(dict(doc_id=doc, source=result.source, pages=result.pages, status=result.status.value,
                                 error="; ".join(result.problems), version=version, title=title,
                                 date=x.date if x is not None else "",
                                 processed_at=datetime.now(timezone.utc).isoformat(timespec="microseconds"),
                                 seconds=round(sum(result.seconds.values()), 3)))
    if result.document is not None:
        out["texts"].append(dict(doc_id=doc, text=result.document.text))
        for p in result.document.pages:
            out["pages"].append(dict(doc_id=doc, page=p.number, width=p.width, height=p.height,
                                     flags=",".join(p.flags)))
            out["removed_lines"].extend(dict(doc_id=doc, page=ln.page, kind=ln.kind, text=ln.text,
                                             x0=ln.box[0], top=ln.box[1], x1=ln.box[2], bottom=ln.box[3])
                                        for ln in p.removed)
    if x is None:
        return out
    out["speakers"] = [dict(doc_id=doc, speaker_id=s.speaker_id, name=s.name, role=s.role,
                            organisation=s.organisation, country=s.country, kind=s.kind) for s in x.speakers]
    sections = statement_sections(result.document, x.statements) if result.document is not None else {}
    out["statements"] = [dict(doc_id=doc, statement_id=s.statement_id, speaker_id=s.speaker_id, page=s.page,
                              start=s.start, end=s.end, text=s.text, theme_id="",
                              section=sections.get(s.statement_id, "")) for s in x.statements]
    out["countries"] = [dict(doc_id=doc, country=c.country, name=c.name, relation=c.relation, mentions=c.mentions)
                        for c in x.countries]
    out["programmes"] = [dict(doc_id=doc, programme_id=p.programme_id, name=p.name, acronym=p.acronym,
                              country=p.country, speaker_id=p.speaker_id, mentions=p.mentions) for p in x.programmes]
    out["figures"] = [dict(doc_id=doc, figure_id=f.figure_id, text=f.text, value=f.value, unit=f.unit,
                           measures=f.measures, speaker_id=f.speaker_id, statement_id=f.statement_id,
                           country=f.country, page=f.page, start=f.start, end=f.end, value_min=f.value_min,
                           kind=f.kind)
                      for f in x.figures]
    floor = {(f.start, f.end): f for f in x.floor}
    for i, m in enumerate(x.mentions):
        speaker_id, statement_id = x.links.get(i, ("", ""))
        out["mentions"].append(dict(doc_id=doc, mention_id=f"m{i + 1}", label=m.label.value, text=m.text,
                                    start=m.start, end=m.end, page=m.page, x0=m.box[0], top=m.box[1],
                                    x1=m.box[2], bottom=m.box[3], rule=m.rule, confidence=m.confidence,
                                    value=m.value if m.label.value != "FIGURE"
                                    else f"{m.value} {m.evidence.unit}",
                                    speaker_id=speaker_id, statement_id=statement_id,
                                    corrected=m.reviewed, explanation=_explanation(m, floor)))
    return out


def _explanation(m, floor: dict) -> str:
    """Why a mention was kept: the pattern that found it and the evidence and vetoes it passed,
    and for a speaker, whether and why it took the floor."""
    turn = floor.get((m.start, m.end)) if m.label.value == "SPEAKER" else None
    return m.explanation + (f" | took the floor: {turn.reason}" if turn else "")


def make_outdir(outdir: Path) -> None:
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"cannot create the output folder {outdir}: {e.strerror}; "
                          "choose another --out or fix the permissions of its parent") from e


class Store:
    """The output folder: one SQLite database plus CSV and Parquet copies of its tables.
    ``create=False`` opens only the folder of an earlier run (commands that read results)."""

    def __init__(self, outdir: Path, create: bool = True) -> None:
        self.outdir = Path(outdir)
        self.path = self.outdir / DATABASE
        if not create and not self.path.is_file():
            if (self.outdir / DATASET_MARKER).is_file():
                raise OutputError(f"{self.outdir} holds Parquet datasets (`run --format parquet-dataset`), which this "
                                  "command does not read: it needs the default format, SQLite (`python -m pipeline "
                                  f"run FOLDER --out OTHER_OUTDIR`, without --format); query the datasets with "
                                  "DuckDB (see the README)")
            raise OutputError(f"no database at {self.path}: give the output folder of a run "
                              "(`python -m pipeline run FOLDER --out OUTDIR`)")
        make_outdir(self.outdir)
        try:
            self.db = sqlite3.connect(self.path, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            self._create()
        except sqlite3.DatabaseError as e:
            raise self._open_error(e) from e

    def _open_error(self, e: sqlite3.DatabaseError) -> OutputError:
        """Why the database cannot be used: a folder that cannot be written, a full disk, or
        a file that is no SQLite database; each has its own remedy."""
        try:
            with tempfile.TemporaryFile(dir=self.outdir) as probe:
                probe.write(b"\0" * 65536)
                probe.flush()
                os.fsync(probe.fileno())
        except OSError as w:
            if w.errno == errno.ENOSPC:
                return OutputError(f"the disk holding {self.outdir} is full; free some space and run again: "
                                   "what was stored before is kept")
            return OutputError(f"cannot write to the output folder {self.outdir} ({w.strerror}); choose a writable "
                               "--out folder or make this one writable")
        return OutputError(f"{self.path} is not a usable database ({e}); move it away and re-run")

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One transaction; a full disk or a read-only file is said as such (nothing of the
        transaction is kept, so the next run finds the database as it was)."""
        try:
            with self.db:
                yield self.db
        except sqlite3.OperationalError as e:
            if "full" in str(e):
                raise OutputError(f"cannot write to {self.path}: the disk is full; free some space and run again: "
                                  "what was stored before is kept") from e
            if "readonly" in str(e) or "disk I/O" in str(e):
                raise OutputError(f"cannot write to {self.path} ({e}); check the disk and the file's permissions, "
                                  "then run again: what was stored before is kept") from e
            raise

    def _create(self) -> None:
        with self.db:
            self.db.execute('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)')
            for table, columns in SCHEMA.items():
                cols = ", ".join(f'"{c}" {t}' for c, t in columns)
                self.db.execute(f'CREATE TABLE IF NOT EXISTS "{table}" ({cols})')
                existing = {r[1] for r in self.db.execute(f'PRAGMA table_info("{table}")')}
                for c, t in columns:
                    if c not in existing:
                        self.db.execute(f'ALTER TABLE "{table}" ADD COLUMN "{c}" {t}')
            for table in PER_DOCUMENT + ("statement_themes", "corrections"):
                self.db.execute(f'CREATE INDEX IF NOT EXISTS "{table}_doc" ON "{table}" (doc_id)')

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ writing
    def replace(self, doc_id: str, tables: dict[str, list[dict]], source: str | None = None) -> None:
        """Swap one document's rows in a single transaction (and drop an older version of
        the same file, by source path, when its content changed)."""
        with self._writing():
            self._next_generation()
            stale = [doc_id]
            if source is not None:
                stale += [r[0] for r in self.db.execute("SELECT doc_id FROM documents WHERE source = ? AND doc_id != ?",
                                                        (source, doc_id))]
            for d in stale:
                for table in PER_DOCUMENT + ("statement_themes",):
                    self.db.execute(f'DELETE FROM "{table}" WHERE doc_id = ?', (d,))
            for table, records in tables.items():
                self.insert(table, records)

    def insert(self, table: str, records: list[dict]) -> None:
        if not records:
            return
        columns = [c for c, _ in SCHEMA[table]]
        marks = ", ".join("?" for _ in columns)
        names = ", ".join(f'"{c}"' for c in columns)
        self.db.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})',
                            [tuple(r.get(c) for c in columns) for r in records])

    def remove(self, doc_ids: list[str]) -> None:
        if not doc_ids:
            return
        with self._writing():
            self._next_generation()
            for d in doc_ids:
                for table in PER_DOCUMENT + ("statement_themes",):
                    self.db.execute(f'DELETE FROM "{table}" WHERE doc_id = ?', (d,))

    def replace_themes(self, rows: list[dict], links: list[dict], kept: dict[str, str],
                       theme_of: list[str] | None = None, statements: pd.DataFrame | None = None) -> None:
        """Replace the theme tables and each statement's theme, and record what they were grouped
        from (``kept``, in the meta table), in one transaction."""
        with self._writing() as db:
            db.execute("DELETE FROM themes")
            db.execute("DELETE FROM statement_themes")
            if statements is not None and theme_of is not None:
                db.executemany("UPDATE statements SET theme_id = ? WHERE doc_id = ? AND statement_id = ?",
                               list(zip(theme_of, statements.doc_id, statements.statement_id)))
            self.insert("themes", rows)
            self.insert("statement_themes", links)
            for key, value in kept.items():
                self.set_meta(key, value)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._writing() as db:
            yield db

    # ------------------------------------------------------------------ what the rows are
    def _next_generation(self) -> None:
        self.db.execute("INSERT INTO meta VALUES ('generation', '1') "
                        "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1")

    def generation(self) -> int:
        """How many times documents were stored or removed: what derived tables compare with."""
        return int(self.meta("generation") or 0)

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Record a fact about the tables; call it inside ``transaction()``, with the rows it describes."""
        self.db.execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                        (key, value))

    # ------------------------------------------------------------------ reading
    def documents(self) -> pd.DataFrame:
        return self.table("documents")

    def select(self, name: str, column: str, values: Iterable[str]) -> pd.DataFrame:
        """A table's rows whose ``column`` is among ``values``."""
        values = tuple(values)
        return self.table(name, f'WHERE "{column}" IN ({", ".join("?" * len(values))})', values)

    def table(self, name: str, where: str = "", params: tuple = ()) -> pd.DataFrame:
        """A table's rows (``where`` filters them) in an order defined by their content, unless
        ``where`` gives its own ORDER BY."""
        if name not in SCHEMA:
            raise OutputError(f"unknown table {name}")
        order = "" if "ORDER BY" in where.upper() else f" ORDER BY {ORDER.get(name, 'doc_id, rowid')}"
        return pd.read_sql_query(f'SELECT * FROM "{name}" {where}{order}', self.db, params=params)

    # ------------------------------------------------------------------ exporting
    def export(self, tables: tuple[str, ...] = EXPORTED) -> list[Path]:
        """Rewrite the CSV and Parquet copies of the tables as one generation: every file is
        written under a temporary name, then all are renamed. Temporary files of an export
        that was killed are removed first; a failure (a full disk) removes this one's."""
        targets: list[Path] = []
        pending: list[tuple[str, Path]] = []
        with self._export_lock():
            self._remove_leftovers()
            mode = file_mode()
            try:
                for name in tables:
                    log.info("export: writing %s", name)
                    frame = self.table(name)
                    for suffix in (".csv", ".parquet"):
                        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=suffix, dir=self.outdir)
                        os.close(fd)
                        pending.append((tmp, self.outdir / f"{name}{suffix}"))
                        os.chmod(tmp, mode)
                        if suffix == ".csv":
                            spreadsheet_safe(frame).to_csv(tmp, index=False)
                        else:
                            frame.to_parquet(tmp, index=False)
                for tmp, target in pending:
                    os.replace(tmp, target)
                    log.debug("export: %s in place", target.name)
                    targets.append(target)
            except OSError as e:
                what = "the disk is full" if e.errno == errno.ENOSPC else e.strerror or str(e)
                raise OutputError(f"cannot write the tables to {self.outdir} ({what}); the database holds every "
                                  "result: free some space and run again to rewrite the CSV and Parquet files") from e
            finally:
                for tmp, _ in pending:
                    if os.path.exists(tmp):
                        os.unlink(tmp)
        return targets

    @contextmanager
    def _export_lock(self) -> Iterator[None]:
        """Hold the output folder while exporting, so one export never removes another's files."""
        if fcntl is None:
            yield
            return
        fd = os.open(self.outdir, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    def _remove_leftovers(self) -> None:
        """Temporary files of an export that was killed ('.statements.x1y2z3.parquet')."""
        names = "|".join(re.escape(n) for n in EXPORTED)
        leftover = re.compile(rf"^\.({names})\.[^.]+\.(csv|parquet)$")
        for path in self.outdir.iterdir():
            if leftover.match(path.name):
                log.info("export: removing %s, left by an export that was stopped", path.name)
                path.unlink(missing_ok=True)
