"""The Spark engine (LINFEN_ENGINE=spark) runs the same month through the same job and gives
the same people, marts and alerts as the DuckDB engine."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from engines.compare import differing_tables
from tests.conftest import MONTH, run_monthly_command

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(
        shutil.which("java") is None,
        reason="no Java on this machine: the Spark engine needs Java 17 (apt-get install openjdk-17-jre-headless)",
    ),
]


@pytest.fixture(scope="module")
def spark_run(pipeline_run, tmp_path_factory, monkeypatch_module):
    """June of the session's city through the monthly command on Spark (local mode)."""
    monkeypatch_module.setenv("LINFEN_ENGINE", "spark")
    # a small month on 2 cores: fewer shuffle partitions than a city's (performance only)
    monkeypatch_module.setenv("LINFEN_SPARK_SHUFFLE_PARTITIONS", "2")
    work = tmp_path_factory.mktemp("spark")
    warehouse = work / "warehouse" / "linfen.duckdb"
    code, out, err = run_monthly_command(pipeline_run.month.landing_dir, MONTH, warehouse, work / "out")
    assert code == 0, err[-3000:]
    return warehouse


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_spark_gives_the_duckdb_engines_people_marts_and_alerts(pipeline_run, spark_run):
    assert differing_tables(pipeline_run.warehouse, spark_run) == {}
    with duckdb.connect(str(spark_run), read_only=True) as con:
        alerts = con.execute("SELECT count(*) FROM main.alerts").fetchall()[0][0]
        records = con.execute("SELECT count(*) FROM linkage.record_person").fetchall()[0][0]
    assert alerts > 0 and records > 0  # the comparison compared something


def test_spark_built_the_marts_on_spark(spark_run):
    """The warehouse's marts are Spark's: the tables dbt built are Parquet under spark/warehouse
    beside it, and the sources it read are the lake's."""
    spark_folder = spark_run.parent / "spark"
    assert any((spark_folder / "warehouse" / "main.db" / "alerts").glob("*.parquet"))
    assert any((spark_folder / "lake" / "raw" / "civil_dibao").glob("*.parquet"))
    assert any((spark_folder / "lake" / "linkage" / "record_person").glob("*.parquet"))
