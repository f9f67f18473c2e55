"""The linkage's Spark session (Splink's Spark backend) and the model's SQL in Spark's dialect.

The session is the run's own, beside dbt's: it opens no metastore (Splink keeps its tables as
temporary views), so the two never contend for Derby's single-process lock."""

from __future__ import annotations

import os
import re
import sys
from functools import cache

from engines.settings import EngineSettings, SparkFolders, spark_conf

# Settings only dbt's session needs: the metastore (Derby admits one process) and its folders
DBT_ONLY = ("spark.hadoop.javax.jdo.option.ConnectionURL", "spark.driver.extraJavaOptions", "spark.sql.warehouse.dir")


@cache
def linkage_session(settings: EngineSettings, folders: SparkFolders):
    """The process's SparkSession for Splink, with Splink's similarity functions (its jar)."""
    from pyspark.sql import SparkSession
    from splink.internals.spark.jar_location import similarity_jar_location

    builder = SparkSession.builder.appName("linfen-linkage")
    for key, value in spark_conf(settings, folders).items():
        if key not in DBT_ONLY:
            builder = builder.config(key, value)
    # Python tasks (the Jaro-Winkler UDF) run in this environment, which has duckdb and pyarrow;
    # on a cluster, PYSPARK_PYTHON names the executors' copy of it
    python = os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # read by the JVM it starts
    builder = builder.config("spark.pyspark.python", python)
    session = builder.config("spark.jars", similarity_jar_location()).getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    # Splink breaks the lineage of its intermediate tables by checkpointing them
    session.sparkContext.setCheckpointDir(str(folders.root / "checkpoints"))
    register_duckdb_similarity(session)
    return session


def _duckdb_jaro_winkler(left, right):
    """DuckDB's jaro_winkler_similarity of two Arrow columns (the function the model was
    trained with), computed by DuckDB inside the Spark task: Arrow in, Arrow out."""
    import duckdb
    import pyarrow as pa

    con = duckdb.connect()
    try:
        con.register("pairs", pa.table({"l": left, "r": right}))
        return con.sql("SELECT jaro_winkler_similarity(l, r) AS s FROM pairs").fetch_arrow_table()["s"].combine_chunks()
    finally:
        con.close()


def register_duckdb_similarity(session) -> None:
    """`duckdb_jaro_winkler(a, b)` in the session's SQL (an Arrow UDF; executors need duckdb,
    which the project's environment has)."""
    from pyspark.sql.functions import arrow_udf

    session.udf.register("duckdb_jaro_winkler", arrow_udf(_duckdb_jaro_winkler, "double"))


# DuckDB's names of the functions the trained model's SQL uses -> Spark's. Jaro-Winkler is
# DuckDB's own (register_duckdb_similarity): the jar's `jaro_winkler` that Splink registers
# scores a fifth of pinyin name pairs differently (0.94 vs 0.95), and 306 of 73,181 sampled
# pairs fell on the other side of the model's 0.88; damerau_levenshtein is the jar's, which
# agrees with DuckDB's at the model's threshold of 1 (all 149,340 pairs of the 1M month).
SPARK_FUNCTIONS = {
    "jaro_winkler_similarity": "duckdb_jaro_winkler",
    "list_has_any": "arrays_overlap",
    "list_contains": "array_contains",
    "starts_with": "startswith",
}


def spark_sql(condition: str) -> str:
    """One condition of the model in Spark's dialect: identifiers in backticks (Spark reads
    double quotes as text) and the functions Spark names differently renamed."""
    parts = re.split(r"('(?:[^']|'')*')", condition)  # odd parts: text in quotes, kept as it is
    for index in range(0, len(parts), 2):
        part = re.sub(r'"([A-Za-z_][A-Za-z0-9_]*)"', r"`\1`", parts[index])
        for duckdb_name, spark_name in SPARK_FUNCTIONS.items():
            part = re.sub(rf"\b{duckdb_name}\(", f"{spark_name}(", part, flags=re.IGNORECASE)
        parts[index] = part
    return "".join(parts)


def spark_model(model: dict) -> dict:
    """The trained model (linkage/model.json, DuckDB's dialect) for Splink's Spark backend:
    the same comparisons, levels, m and u; only the SQL's spelling changes."""
    translated = {**model, "sql_dialect": "spark"}
    translated["blocking_rules_to_generate_predictions"] = [
        {**rule, "blocking_rule": spark_sql(rule["blocking_rule"]), "sql_dialect": "spark"}
        for rule in model["blocking_rules_to_generate_predictions"]
    ]
    translated["comparisons"] = [
        {
            **comparison,
            "comparison_levels": [
                {**level, "sql_condition": spark_sql(level["sql_condition"])}
                for level in comparison["comparison_levels"]
            ],
        }
        for comparison in model["comparisons"]
    ]
    return translated


def _double_literal(node):
    """cast(0.25 as double) -> 0.25D, as Splink's own Spark dialect writes it: Spark would read
    the literal as a decimal of at most 38 digits first."""
    from sqlglot import exp

    literal = isinstance(node, exp.Cast) and isinstance(node.this, exp.Literal) and not node.this.is_string
    if literal and node.to.is_type("double"):  # a negative number is Neg(Literal): left as it is
        return exp.Var(this=f"{node.this.name}D")
    return node


def splink_spark_api(spark):
    """Splink's SparkAPI on `spark`, its SQL written without Splink's custom sqlglot dialect:
    that dialect subclasses sqlglot's Spark generator, which the compiled sqlglot (sqlglotc,
    installed with dagster-dbt's sqlglot[rs]) refuses ("interpreted classes cannot inherit from
    compiled"). The same rewrite, done on the parsed SQL instead."""
    import sqlglot
    from splink import SparkAPI

    class SparkAPIWithCompiledSqlglot(SparkAPI):
        def _setup_for_execute_sql(self, sql: str, physical_name: str) -> str:
            tree = sqlglot.parse_one(sql, read="spark").transform(_double_literal)
            return tree.sql(dialect="spark", pretty=True)

    return SparkAPIWithCompiledSqlglot(spark_session=spark)
