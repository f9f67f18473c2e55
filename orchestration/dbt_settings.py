"""How the dbt project is invoked, shared by the Dagster dbt assets and the benchmark scripts
(importing it does not parse the dbt project)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from engines.settings import EngineSettings, SparkFolders, spark_conf
from orchestration.resources import DUCKDB_MEMORY_LIMIT, REPO_ROOT

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
# dbt through a guard that ends it if the orchestrator is killed (orchestration/dbt_guard.py)
DBT_EXECUTABLE = str(REPO_ROOT / "orchestration" / "bin" / "dbt")
os.environ["LINFEN_PYTHON"] = sys.executable  # the guard runs in this environment's Python
# Seeds, staging and the linkage input build before linkage; everything else after it.
BEFORE_LINKAGE = "resource_type:seed path:models/staging path:models/linkage_input"


def dbt_environment(warehouse_path: str) -> dict[str, str]:
    """Variables the dbt subprocess reads: the warehouse (profiles.yml), no telemetry, and
    cautious test selection — a test runs with the step that builds all its parents, so a
    relationships test from a mart to a seed does not run in the step before linkage."""
    return {
        "LINFEN_WAREHOUSE": warehouse_path,
        # the same memory cap and spill folder as the run's own connections (Warehouse)
        "LINFEN_DUCKDB_MEMORY_LIMIT": os.environ.get("LINFEN_DUCKDB_MEMORY_LIMIT", DUCKDB_MEMORY_LIMIT),
        "LINFEN_DUCKDB_TEMP": str(Path(warehouse_path).parent / "duckdb_tmp"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_INDIRECT_SELECTION": "cautious",
    } | spark_environment(warehouse_path)


# profiles.yml's spark output reads engines.settings.spark_conf through these variables
SPARK_CONF_VARIABLES = {
    "spark.master": "LINFEN_SPARK_MASTER",
    "spark.driver.memory": "LINFEN_SPARK_DRIVER_MEMORY",
    "spark.sql.shuffle.partitions": "LINFEN_SPARK_SHUFFLE_PARTITIONS",
    "spark.sql.warehouse.dir": "LINFEN_SPARK_TABLES",
    "spark.hadoop.javax.jdo.option.ConnectionURL": "LINFEN_SPARK_METASTORE_URL",
    "spark.driver.extraJavaOptions": "LINFEN_SPARK_JAVA_OPTIONS",
}


def spark_environment(warehouse_path: str) -> dict[str, str]:
    """The engine (profiles.yml's target) and, for Spark, its settings and the lake's folder."""
    settings = EngineSettings.from_env()
    environment = {"LINFEN_ENGINE": settings.engine.value}
    if settings.is_spark:
        folders = SparkFolders(Path(warehouse_path))
        conf = spark_conf(settings, folders)
        environment |= {variable: conf[key] for key, variable in SPARK_CONF_VARIABLES.items()}
        environment["LINFEN_LAKE"] = str(folders.lake)
    return environment
