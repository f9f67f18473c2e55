"""The engine switch and what the two engines share: the setting, the model's SQL in Spark's
spelling, and the Parquet that goes to Spark and comes back (no Spark needed here)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import duckdb
import pytest

from engines.lake import DbtTables, export_sources, import_built_tables
from engines.settings import Engine, EngineChoiceError, EngineSettings, SparkFolders, spark_conf
from engines.spark import spark_model, spark_sql
from linkage.model import MODEL_PATH

SPARK_SQL_CASES = [
    ("a quoted identifier becomes a backticked one", '"name_pinyin_l" IS NULL', "`name_pinyin_l` IS NULL"),
    ("a blocking rule's l./r. identifiers", 'l."id_compare" = r."id_compare"', "l.`id_compare` = r.`id_compare`"),
    (
        "Jaro-Winkler stays DuckDB's own, through a UDF",
        'jaro_winkler_similarity("a_l", "a_r") >= 0.88',
        "duckdb_jaro_winkler(`a_l`, `a_r`) >= 0.88",
    ),
    ("list overlap", "list_has_any(housemates_l, housemates_r)", "arrays_overlap(housemates_l, housemates_r)"),
    ("list membership", "list_contains(held_l, feed_r)", "array_contains(held_l, feed_r)"),
    ("prefix test", "starts_with(feed_l, 'civil_dibao:member')", "startswith(feed_l, 'civil_dibao:member')"),
    ("text in quotes is left alone", "x = 'list_contains('", "x = 'list_contains('"),
    (
        "portable SQL is left alone",
        "substr(id_l, 1, 14) = substr(id_r, 1, 14)",
        "substr(id_l, 1, 14) = substr(id_r, 1, 14)",
    ),
]


@pytest.mark.parametrize(
    ("description", "duckdb_sql", "expected"), SPARK_SQL_CASES, ids=[c[0] for c in SPARK_SQL_CASES]
)
def test_spark_sql(description, duckdb_sql, expected):
    assert spark_sql(duckdb_sql) == expected, description


def test_the_trained_model_keeps_its_parameters_and_loses_duckdb_spelling():
    model = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    translated = spark_model(model)
    assert translated["sql_dialect"] == "spark"
    assert {r["sql_dialect"] for r in translated["blocking_rules_to_generate_predictions"]} == {"spark"}
    texts = [r["blocking_rule"] for r in translated["blocking_rules_to_generate_predictions"]]
    for original, comparison in zip(model["comparisons"], translated["comparisons"], strict=True):
        for before, after in zip(original["comparison_levels"], comparison["comparison_levels"], strict=True):
            assert {k: v for k, v in before.items() if k != "sql_condition"} == {
                k: v for k, v in after.items() if k != "sql_condition"
            }
            texts.append(after["sql_condition"])
    joined = " ".join(texts)
    assert '"' not in joined
    assert not re.search(r"\b(jaro_winkler_similarity|list_has_any|list_contains|starts_with)\(", joined)


def test_the_engine_setting(monkeypatch):
    monkeypatch.delenv("LINFEN_ENGINE", raising=False)
    assert EngineSettings.from_env().engine is Engine.DUCKDB
    monkeypatch.setenv("LINFEN_ENGINE", " Spark ")
    assert EngineSettings.from_env().is_spark
    monkeypatch.setenv("LINFEN_ENGINE", "snowflake")
    with pytest.raises(EngineChoiceError, match="LINFEN_ENGINE='snowflake': give duckdb or spark"):
        EngineSettings.from_env()


def test_spark_keeps_its_folders_beside_the_warehouse(tmp_path):
    folders = SparkFolders(tmp_path / "linfen.duckdb")
    conf = spark_conf(EngineSettings(engine=Engine.SPARK), folders)
    assert conf["spark.sql.warehouse.dir"] == str(tmp_path / "spark" / "warehouse")
    assert str(tmp_path / "spark" / "metastore_db") in conf["spark.hadoop.javax.jdo.option.ConnectionURL"]
    assert conf["spark.sql.ansi.enabled"] == "false"  # as dbt-spark sets it for its session


def test_sources_go_to_the_lake_and_built_tables_come_back(tmp_path):
    """What dbt reads is written as Parquet; what Spark built (one folder per table, months of
    an incremental table as partition folders) replaces the DuckDB file's table."""
    warehouse = tmp_path / "linfen.duckdb"
    folders = SparkFolders(warehouse)
    con = duckdb.connect(str(warehouse))
    con.execute("CREATE SCHEMA raw; CREATE TABLE raw.feed AS SELECT '0141' AS code, DATE '2023-06-30' AS day")
    assert export_sources(con, folders, [("raw", "feed"), ("linkage", "record_person")]) == ["raw.feed"]
    exported = duckdb.sql(f"SELECT * FROM '{folders.source_folder('raw', 'feed')}/*.parquet'").fetchall()
    assert exported == [("0141", date(2023, 6, 30))]
    # a month-partitioned table as Spark writes it
    for month, alerts in (("2023-06", 3), ("2023-07", 5)):
        partition = folders.table_folder("main", "person_month") / f"month={month}"
        partition.mkdir(parents=True)
        duckdb.sql(f"COPY (SELECT {alerts} AS alerts) TO '{partition}/part-0.parquet' (FORMAT parquet)")
    assert import_built_tables(con, folders, [("main", "person_month"), ("main", "never_built")]) == [
        "main.person_month"
    ]
    rows = con.execute("SELECT month, alerts FROM main.person_month ORDER BY month").fetchall()
    assert rows == [("2023-06", 3), ("2023-07", 5)]  # the month is text, as DuckDB's own table holds it


def test_the_manifest_names_what_dbt_reads_and_builds():
    tables = DbtTables.from_manifest(Path("dbt_project/target/manifest.json"))
    assert ("raw", "load_log") in tables.sources and ("linkage", "record_person") in tables.sources
    assert ("main", "alerts") in tables.built and ("reference", "counties") in tables.built
    assert not any(schema == "staging" for schema, _ in tables.built)  # views: not Parquet


def test_only_the_tables_a_dbt_step_built_come_back():
    tables = DbtTables.from_manifest(Path("dbt_project/target/manifest.json"))
    run_results = {
        "results": [
            {"unique_id": "model.linfen_monitoring.alerts", "status": "success"},
            {"unique_id": "model.linfen_monitoring.person_month", "status": "error"},  # not built
            {"unique_id": "model.linfen_monitoring.stg_civil_dibao", "status": "success"},  # a view
            {"unique_id": "test.linfen_monitoring.not_null_alerts_alert_id.1", "status": "pass"},
        ]
    }
    assert tables.built_in(run_results) == [("main", "alerts")]


def test_dbt_spark_session_gets_the_linkage_sessions_settings(tmp_path, monkeypatch):
    """profiles.yml spells the Spark settings out for dbt's session (a profile cannot take a
    mapping from the environment): rendered with what orchestration passes, every one equals
    engines.settings.spark_conf, and none of spark_conf is left out but ANSI mode, which
    dbt-spark sets itself."""
    import yaml

    from orchestration.dbt_settings import dbt_environment

    monkeypatch.setenv("LINFEN_ENGINE", "spark")
    environment = dbt_environment(str(tmp_path / "linfen.duckdb"))
    profile = yaml.safe_load(Path("dbt_project/profiles.yml").read_text(encoding="utf-8"))
    parameters = profile["linfen_monitoring"]["outputs"]["spark"]["server_side_parameters"]
    env_var = re.compile(r"\{\{ env_var\('(\w+)', '[^']*'\) \}\}")
    rendered = {key: env_var.sub(lambda m: environment[m.group(1)], str(value)) for key, value in parameters.items()}
    expected = spark_conf(EngineSettings.from_env(), SparkFolders(tmp_path / "linfen.duckdb"))
    assert rendered == {key: value for key, value in expected.items() if key != "spark.sql.ansi.enabled"}
