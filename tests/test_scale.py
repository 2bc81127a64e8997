"""Beyond one machine: documents processed on a Dask cluster, and tables kept as Parquet datasets.
Both must give the tables of the default run, damaged files included."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from pipeline.cli import main
from pipeline.dataset import DatasetStore
from pipeline.settings import PACKAGE_ROOT
from pipeline.tables import PER_DOCUMENT, Store

from .conftest import Layout, typeset

distributed = pytest.importorskip("distributed", reason="Dask is an optional extra: pip install -e '.[dask]'")

VOLATILE = ["processed_at", "seconds"]  # when and how fast: differ between any two runs
COUNTRIES = ["Peru", "Chile", "Kenya", "Norway"]


def meeting(country: str, pages: int = 2) -> list[list[str]]:
    return [[f"The representative of {country} said that {len(country) + p} projects had started in 2021.", "",
             f"The delegate of Japan added that the {country} programme had {p * 10 + 5} participants."]
            for p in range(pages)]


def add_damaged(folder: Path) -> None:
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "notes.pdf").write_text("These are minutes typed in a text editor.\n")
    whole = (folder / "Peru.pdf").read_bytes()
    (folder / "truncated.pdf").write_bytes(whole[: len(whole) // 3])


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("in")
    for country in COUNTRIES:
        typeset(folder / f"{country}.pdf", meeting(country), Layout())
    add_damaged(folder)
    return folder


@pytest.fixture(scope="module")
def default_out(folder, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("default")
    assert main(["run", str(folder), "--out", str(out), "--jobs", "2", "--quiet"]) == 1  # the damaged files
    return out


def tables(store: Store | DatasetStore, names=PER_DOCUMENT + ("themes", "statement_themes")) -> dict[str, pd.DataFrame]:
    return {name: store.table(name).drop(columns=VOLATILE, errors="ignore") for name in names}


def assert_same_tables(left: dict[str, pd.DataFrame], right: dict[str, pd.DataFrame]) -> None:
    def same_nulls(frame: pd.DataFrame) -> pd.DataFrame:  # SQLite gives None for a column of NULLs, Parquet NaN
        return frame.reset_index(drop=True).astype(object).where(frame.reset_index(drop=True).notna(), None)

    for name in left:
        assert len(left[name]) == len(right[name]), name
        pd.testing.assert_frame_equal(same_nulls(left[name]), same_nulls(right[name]), check_dtype=False, obj=name)


def test_a_local_dask_cluster_gives_the_tables_of_the_default_executor(folder, default_out, tmp_path, capsys):
    out = tmp_path / "dask"
    assert main(["run", str(folder), "--out", str(out), "--jobs", "2", "--executor", "dask", "--quiet"]) == 1
    printed = capsys.readouterr()
    assert "processed 7, skipped 0 unchanged, failed 3" in printed.out
    assert "FAILED" in printed.err and "empty" in printed.err
    with Store(default_out) as a, Store(out) as b:
        assert len(a.documents()) == 7 and set(a.documents().status) == {"ok", "failed"}
        assert_same_tables(tables(a), tables(b))
    # the same incremental skipping: nothing changed, nothing processed
    assert main(["run", str(folder), "--out", str(out), "--jobs", "2", "--executor", "dask", "--quiet"]) == 1
    assert "processed 0, skipped 7 unchanged" in capsys.readouterr().out


def test_a_killed_dask_worker_costs_only_its_document_which_is_retried(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    typeset(folder / "long.pdf", meeting("Kenya", pages=10), Layout())
    for country in ("Peru", "Chile"):
        typeset(folder / f"{country}.pdf", meeting(country), Layout())
    out = tmp_path / "out"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        pids = client.run(os.getpid)
        run = subprocess.Popen([sys.executable, "-m", "pipeline", "run", str(folder), "--out", str(out), "--quiet",
                                "--executor", "dask", "--scheduler", cluster.scheduler_address],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        killed = None
        deadline = time.time() + 60
        while killed is None and time.time() < deadline and run.poll() is None:
            for worker, keys in client.processing().items():
                if any(str(k).startswith("long.pdf") for k in keys):
                    killed = pids[worker]
                    os.kill(killed, signal.SIGKILL)
            time.sleep(0.05)
        stdout, stderr = run.communicate(timeout=120)
    assert killed is not None, f"the run ended before a worker could be killed: {stdout} {stderr}"
    with pytest.raises(ProcessLookupError):
        os.kill(killed, 0)
    assert run.returncode == 0, stderr
    assert "processed 3, skipped 0 unchanged, failed 0" in stdout
    with Store(out) as store:
        docs = store.documents().set_index(store.documents().source.map(lambda s: Path(s).name))
        assert docs.loc["long.pdf", "status"] == "ok" and docs.loc["long.pdf", "pages"] == 10
        assert "Kenya" in set(store.table("countries").name)


def test_without_dask_the_dask_executor_says_what_to_install(folder, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if the extra were not installed
    assert main(["run", str(folder), "--out", str(tmp_path / "out"), "--executor", "dask"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and 'pip install -e ".[dask]"' in err
    assert not (tmp_path / "out").exists()


@pytest.fixture(scope="module")
def dataset_out(folder, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dataset")
    assert main(["run", str(folder), "--out", str(out), "--format", "parquet-dataset", "--quiet"]) == 1
    return out


def test_parquet_datasets_hold_the_default_tables(default_out, dataset_out):
    assert not (dataset_out / "meetings.sqlite").exists() and not (dataset_out / "documents.csv").exists()
    assert {p.parent.parent.name for p in dataset_out.glob("*/bucket=*/*.parquet")} \
        == set(PER_DOCUMENT) | {"statement_themes"}
    with Store(default_out) as a, DatasetStore(dataset_out) as b:
        assert_same_tables(tables(a), tables(b))


def test_a_changed_document_replaces_its_rows_only(tmp_path, capsys):
    folder, default_out, dataset_out = tmp_path / "in", tmp_path / "default", tmp_path / "dataset"
    folder.mkdir()
    for country in COUNTRIES:
        typeset(folder / f"{country}.pdf", meeting(country), Layout())
    add_damaged(folder)
    assert main(["run", str(folder), "--out", str(default_out), "--quiet"]) == 1
    assert main(["run", str(folder), "--out", str(dataset_out), "--quiet", "--format", "parquet-dataset"]) == 1
    before = {p: p.stat().st_mtime_ns for p in dataset_out.glob("*/bucket=*/*.parquet")}
    typeset(folder / "Chile.pdf", meeting("Chile", pages=3), Layout())
    for target in (default_out, dataset_out):
        assert main(["run", str(folder), "--out", str(target), "--quiet"]) == 1  # each folder keeps its format
        assert "processed 1, skipped 6 unchanged" in capsys.readouterr().out
    with Store(default_out) as a, DatasetStore(dataset_out) as b:
        assert_same_tables(tables(a), tables(b))
    after = {p: p.stat().st_mtime_ns for p in dataset_out.glob("*/bucket=*/*.parquet")}
    changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
    # the old and the new Chile files; of other documents, only the statements whose themes were regrouped
    assert len({p.stem for p in changed if p.parent.parent.name not in ("statements", "statement_themes")}) == 2


def test_the_readme_duckdb_query_reads_the_datasets(default_out, dataset_out):
    duckdb = pytest.importorskip("duckdb", reason="DuckDB is a dev dependency")
    readme = (PACKAGE_ROOT / "README.md").read_text()
    query = readme.split("```sql\n", 1)[1].split("```", 1)[0].replace("archive/", f"{dataset_out}/")
    got = duckdb.sql(query).df()
    with Store(default_out) as store:
        statements = store.table("statements").merge(store.documents()[["doc_id", "source"]], on="doc_id")
    assert dict(zip(got.source, got.statements)) == statements.groupby("source").size().to_dict()
    assert dict(zip(got.source, got.speakers)) == statements.groupby("source").speaker_id.nunique().to_dict()
    buckets = duckdb.sql(f"SELECT DISTINCT doc_id, bucket FROM read_parquet('{dataset_out}/mentions/*/*.parquet', "
                         "hive_partitioning = true)").df()
    assert len(buckets) > 1 and all(b == int(d[:2], 16) for d, b in zip(buckets.doc_id, buckets.bucket))


@pytest.mark.parametrize("command", [["report"], ["audit"], ["evaluate", "--gold", "corpus"], ["review"]])
def test_commands_that_need_sqlite_refuse_a_dataset_and_name_the_default_format(command, dataset_out, capsys):
    out = dataset_out
    assert main([command[0], str(out), *command[1:]]) == 2
    err = capsys.readouterr().err
    assert "default format" in err and "SQLite" in err
    assert not (out / "meetings.sqlite").exists()
