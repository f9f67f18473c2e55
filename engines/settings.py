"""The engine switch, in one place: LINFEN_ENGINE=duckdb (default: the embedded warehouse) or
spark (dbt on dbt-spark, linkage scored by Splink's Spark backend with the same model JSON).

Whatever the engine, the DuckDB file stays the run's operational store (loaded feeds, their
quarantine and load log, the linkage's memory, the publication log) and the analysts' warehouse.
With spark, the sources dbt reads are written beside it as Parquet (the lake), dbt builds on
Spark, and the tables it built are read back from Spark's Parquet into the DuckDB file, so the
publication gate, the workbooks and the analysts' copy are the same code on both engines."""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class Engine(StrEnum):
    DUCKDB = "duckdb"
    SPARK = "spark"


class EngineChoiceError(ValueError):
    """LINFEN_ENGINE names no engine."""


@dataclass(frozen=True)
class EngineSettings:
    """The engine and, for Spark, where it runs and how much it may take."""

    engine: Engine = Engine.DUCKDB
    # local[N] here; a cluster's master URL (spark://…, yarn) under spark-submit. A Spark
    # Connect URL (sc://host:15002) goes in SPARK_REMOTE, which PySpark reads itself.
    spark_master: str = "local[2]"
    # the local driver is the whole cluster: 2 cores, and memory beside DuckDB's 3 GB cap
    spark_driver_memory: str = "4g"
    # few partitions for a small month on 2 cores; a province sets this per executor core
    # count (docs/province-plan.md)
    spark_shuffle_partitions: int = 8

    @classmethod
    def from_env(cls) -> EngineSettings:
        text = os.environ.get("LINFEN_ENGINE", Engine.DUCKDB.value).strip().lower()
        try:
            engine = Engine(text)
        except ValueError:
            raise EngineChoiceError(f"LINFEN_ENGINE={text!r}: give duckdb or spark") from None
        return cls(
            engine=engine,
            spark_master=os.environ.get("LINFEN_SPARK_MASTER", cls.spark_master),
            spark_driver_memory=os.environ.get("LINFEN_SPARK_DRIVER_MEMORY", cls.spark_driver_memory),
            spark_shuffle_partitions=int(
                os.environ.get("LINFEN_SPARK_SHUFFLE_PARTITIONS", cls.spark_shuffle_partitions)
            ),
        )

    @property
    def is_spark(self) -> bool:
        return self.engine is Engine.SPARK


@dataclass(frozen=True)
class SparkFolders:
    """Where Spark keeps the month beside the DuckDB warehouse: the lake of sources (Parquet
    the ingestion and the linkage write, dbt reads), the tables dbt builds (spark.sql.warehouse.dir)
    and the metastore that names them (Derby, one process at a time: only dbt opens it)."""

    warehouse_file: Path

    @property
    def root(self) -> Path:
        return self.warehouse_file.parent / "spark"

    @property
    def lake(self) -> Path:
        return self.root / "lake"

    @property
    def tables(self) -> Path:
        return self.root / "warehouse"

    @property
    def metastore(self) -> Path:
        return self.root / "metastore_db"

    def table_folder(self, schema: str, table: str) -> Path:
        """Where Spark wrote a table dbt built (a managed table of database `schema`)."""
        return self.tables / f"{schema}.db" / table

    def source_folder(self, schema: str, table: str) -> Path:
        return self.lake / schema / table


def spark_conf(settings: EngineSettings, folders: SparkFolders) -> dict[str, str]:
    """The Spark settings both Spark processes use (dbt's, through profiles.yml, and the
    linkage's): the same SQL semantics on both, and the same folders."""
    return {
        "spark.master": settings.spark_master,
        "spark.driver.memory": settings.spark_driver_memory,
        "spark.sql.shuffle.partitions": str(settings.spark_shuffle_partitions),
        # dbt-spark turns ANSI mode off for its session; the linkage's session does the same so
        # one SQL means one thing on both
        "spark.sql.ansi.enabled": "false",
        "spark.sql.session.timeZone": "UTC",
        # an unparseable date is NULL, as DuckDB's try_strptime gives (not an upgrade error)
        "spark.sql.legacy.timeParserPolicy": "CORRECTED",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.warehouse.dir": str(folders.tables),
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={folders.metastore};create=true",
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={folders.root}",
    }
