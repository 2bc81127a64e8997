"""Dataset: the tables as Parquet datasets, for archives too large for one SQLite file.

``run --format parquet-dataset`` keeps the tables here instead of in ``meetings.sqlite`` and
its CSV copies. Each table is a folder of Parquet files in Hive partitions, which DuckDB,
Spark, pandas and Polars read as one table with a ``bucket`` column:

    OUT/statements/bucket=37/<doc_id>.parquet     one file per document and table
    OUT/themes/themes.parquet                     the themes (of every document) in one file
    OUT/dataset.json                              the format, the write generation, the theme options

The partition is a hash bucket of the document id (its first two hex digits, 0-255), not its
year: a document never moves between partitions when it is read again (a year would move
when a date is read differently, and a document without a date would need a null partition
that tools name differently), the partitions stay even, and every table has ``doc_id`` for
a join with ``documents`` (whose ``date`` selects years). One file per document makes a
re-run of a changed document replace its rows only: its files are replaced, no other is
touched. Each file is written under .tmp/ and renamed into place; the ``documents`` file of
a document is removed first and written last, so a run killed in between leaves rows without
a document, which the next run removes (or replaces, processing the document again).
"""
from __future__ import annotations

import errno
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Iterable

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from .errors import OutputError
from .tables import DATABASE, DATASET_MARKER, ORDER, PER_DOCUMENT, SCHEMA, Store, make_outdir

log = logging.getLogger(__name__)

MARKER = DATASET_MARKER
PARTITIONED = PER_DOCUMENT + ("statement_themes",)
ARROW = {"TEXT": pa.string(), "INTEGER": pa.int64(), "REAL": pa.float64()}


def bucket(doc_id: str) -> int:
    """The partition of a document: the first two hex digits of its sha256, 0 to 255."""
    return int(doc_id[:2], 16)


def schema(table: str) -> pa.Schema:
    return pa.schema([(c, ARROW[t]) for c, t in SCHEMA[table]])


def folder_format(outdir: Path) -> str | None:
    """The format of the tables an output folder holds, if any."""
    if (Path(outdir) / DATABASE).is_file():
        return "sqlite"
    if (Path(outdir) / MARKER).is_file():
        return "parquet-dataset"
    return None


def open_store(outdir: Path, fmt: str | None = None, create: bool = True) -> Store | DatasetStore:
    """The tables of an output folder, in its own format; ``fmt`` for a new folder (SQLite by default)."""
    found = folder_format(outdir)
    if fmt and found and fmt != found:
        raise OutputError(f"{outdir} holds tables in the {found} format; give --format {found} to add to them, "
                          f"or another --out for the {fmt} format")
    return DatasetStore(outdir, create) if (fmt or found) == "parquet-dataset" else Store(outdir, create)


class DatasetStore:
    """The tables of an output folder as Parquet datasets; the interface of ``tables.Store``
    that ``run`` and ``themes`` use. Corrections are not kept: reviewing needs the SQLite format."""

    def __init__(self, outdir: Path, create: bool = True) -> None:
        self.outdir = Path(outdir)
        self.marker = self.outdir / MARKER
        if not self.marker.is_file():
            if not create:
                raise OutputError(f"no Parquet dataset at {self.outdir}: give the output folder of "
                                  "`python -m pipeline run FOLDER --out OUTDIR --format parquet-dataset`")
            make_outdir(self.outdir)
            self._state = {"format": "parquet-dataset", "generation": 0, "meta": {}}
            self._save_state()
        self._state = json.loads(self.marker.read_text())
        self._documents = self.table("documents")
        if create:
            self._remove_orphans()

    def close(self) -> None:
        pass

    def __enter__(self) -> "DatasetStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ files
    def _file(self, table: str, doc_id: str) -> Path:
        return self.outdir / table / f"bucket={bucket(doc_id)}" / f"{doc_id}.parquet"

    def _write(self, target: Path, frame: pa.Table) -> None:
        """Write a file whole under .tmp/, then rename it into place (readers never see half of one)."""
        tmp_dir = self.outdir / ".tmp"
        try:
            tmp_dir.mkdir(exist_ok=True)
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(suffix=".parquet", dir=tmp_dir)
            os.close(fd)
            try:
                pq.write_table(frame, tmp)
                os.replace(tmp, target)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        except OSError as e:
            what = "the disk is full" if e.errno == errno.ENOSPC else e.strerror or str(e)
            raise OutputError(f"cannot write {target} ({what}); free some space or fix the permissions and run "
                              "again: the documents stored before are kept") from e

    def _save_state(self) -> None:
        self._write_text(self.marker, json.dumps(self._state, indent=1, sort_keys=True))

    def _write_text(self, target: Path, text: str) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.outdir, prefix=".dataset.")
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, target)

    def _remove_orphans(self) -> None:
        """Rows of a document without its ``documents`` row: left by a run killed while it
        stored that document (or, once, while it removed it)."""
        known = set(self._documents.doc_id)
        for table in PARTITIONED:
            for path in (self.outdir / table).glob("bucket=*/*.parquet"):
                if path.stem not in known:
                    log.info("dataset: removing %s, left by a run that was stopped", path)
                    path.unlink(missing_ok=True)

    # ------------------------------------------------------------------ writing
    def replace(self, doc_id: str, tables: dict[str, list[dict]], source: str | None = None) -> None:
        """Replace one document's files (and those of an older version of the same file, by
        source path): its ``documents`` row goes first and comes back last."""
        stale = [doc_id]
        if source is not None:
            stale += [d for d in self._documents.loc[self._documents.source == source, "doc_id"] if d != doc_id]
        self._delete(stale)
        for table in PER_DOCUMENT[1:]:
            self._write(self._file(table, doc_id), pa.Table.from_pylist(tables.get(table, []), schema(table)))
        self._write(self._file("documents", doc_id), pa.Table.from_pylist(tables["documents"], schema("documents")))
        self._documents = pd.concat([self._documents[~self._documents.doc_id.isin(stale)],
                                     self._frame("documents", pa.Table.from_pylist(tables["documents"],
                                                                                   schema("documents")))])
        self._next_generation()

    def remove(self, doc_ids: list[str]) -> None:
        if not doc_ids:
            return
        self._delete(doc_ids)
        self._documents = self._documents[~self._documents.doc_id.isin(doc_ids)]
        self._next_generation()

    def _delete(self, doc_ids: Iterable[str]) -> None:
        for doc_id in doc_ids:
            for table in PARTITIONED:
                self._file(table, doc_id).unlink(missing_ok=True)

    def replace_themes(self, rows: list[dict], links: list[dict], kept: dict[str, str],
                       theme_of: list[str] | None = None, statements: pd.DataFrame | None = None) -> None:
        """Replace the theme tables and each statement's theme (rewriting only the documents
        whose themes changed), then record what they were grouped from."""
        self._write(self.outdir / "themes" / "themes.parquet", pa.Table.from_pylist(rows, schema("themes")))
        by_doc = pd.DataFrame(links, columns=[c for c, _ in SCHEMA["statement_themes"]]).groupby("doc_id")
        for doc_id in self._documents.doc_id:
            part = by_doc.get_group(doc_id) if doc_id in by_doc.groups else pd.DataFrame(columns=by_doc.obj.columns)
            self._write(self._file("statement_themes", doc_id), self._arrow("statement_themes", part))
        if statements is not None and theme_of is not None:
            assigned = statements.assign(theme_id=theme_of)
            for doc_id, new in assigned.groupby("doc_id", sort=False):
                if not new.theme_id.equals(statements.loc[new.index, "theme_id"].fillna("")):
                    self._write(self._file("statements", doc_id), self._arrow("statements", new))
        self._state["meta"].update(kept)
        self._save_state()

    def export(self, tables: tuple[str, ...] = ()) -> list[Path]:
        """Nothing to export: the datasets are the tables."""
        return []

    def _next_generation(self) -> None:
        self._state["generation"] += 1
        self._save_state()

    # ------------------------------------------------------------------ reading
    def generation(self) -> int:
        return int(self._state["generation"])

    def meta(self, key: str) -> str | None:
        return self._state["meta"].get(key)

    def documents(self) -> pd.DataFrame:
        return self._documents.copy()

    def table(self, name: str, where: str = "", params: tuple = ()) -> pd.DataFrame:
        """A table's rows in the order ``Store.table`` gives them (filters: ``select``)."""
        if where:
            raise OutputError(f"the Parquet dataset cannot filter {name} with SQL ({where}); this needs the SQLite "
                              "format (`run` without --format parquet-dataset)")
        return self.select(name)

    def select(self, name: str, column: str = "", values: Iterable[str] = ()) -> pd.DataFrame:
        """A table's rows, those whose ``column`` is among ``values`` when given."""
        if name not in SCHEMA:
            raise OutputError(f"unknown table {name}")
        folder = self.outdir / name
        if not folder.is_dir():
            return self._frame(name, schema(name).empty_table())
        partitioning = ds.partitioning(pa.schema([("bucket", pa.int64())]), flavor="hive") \
            if name in PARTITIONED else None
        data = ds.dataset(folder, format="parquet", schema=schema(name), partitioning=partitioning,
                          exclude_invalid_files=False)
        found = data.to_table(filter=ds.field(column).isin(list(values)) if column else None)
        frame = self._frame(name, found)
        order = [c.strip() for c in ORDER.get(name, "doc_id").split(",") if c.strip() != "rowid"]
        return frame.sort_values(order, kind="stable").reset_index(drop=True) if order else frame

    def _frame(self, name: str, table: pa.Table) -> pd.DataFrame:
        """Rows as pandas reads them from SQLite: text as objects (None where missing)."""
        frame = table.select([c for c, _ in SCHEMA[name]]).to_pandas(types_mapper=None)
        for column, kind in SCHEMA[name]:
            if kind == "TEXT":
                frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
        return frame

    def _arrow(self, name: str, frame: pd.DataFrame) -> pa.Table:
        columns = [c for c, _ in SCHEMA[name]]
        records = frame.reindex(columns=columns).astype(object).where(frame.reindex(columns=columns).notna(), None)
        return pa.Table.from_pylist(records.to_dict("records"), schema(name))
