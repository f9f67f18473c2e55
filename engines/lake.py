"""The Parquet both engines read: the DuckDB file's source tables written to the lake for
Spark, and the tables dbt built on Spark read back into the DuckDB file."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from engines.settings import SparkFolders
from reference import quote_ident, table_exists

BUILT_MATERIALIZATIONS = ("table", "incremental", "seed")


@dataclass(frozen=True)
class DbtTables:
    """What dbt reads (its sources) and builds as tables, from its manifest."""

    sources: tuple[tuple[str, str], ...]
    built: tuple[tuple[str, str], ...]
    # dbt's unique_id of each built table (model.linfen_monitoring.alerts -> (main, alerts))
    built_by_node: dict[str, tuple[str, str]]

    @classmethod
    def from_manifest(cls, manifest_path: Path) -> DbtTables:
        manifest = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
        sources = {(s["schema"], s["identifier"]) for s in manifest["sources"].values()}
        built = {
            unique_id: (n["schema"], n.get("alias") or n["name"])
            for unique_id, n in manifest["nodes"].items()
            if n["resource_type"] in ("model", "seed")
            and (n["resource_type"] == "seed" or n["config"]["materialized"] in BUILT_MATERIALIZATIONS)
        }
        return cls(tuple(sorted(sources)), tuple(sorted(set(built.values()))), built)

    def built_in(self, run_results: dict) -> list[tuple[str, str]]:
        """The tables one dbt invocation built (its run_results.json), in its order."""
        return [
            self.built_by_node[result["unique_id"]]
            for result in run_results["results"]
            if result["unique_id"] in self.built_by_node and result["status"] == "success"
        ]


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def export_sources(con: duckdb.DuckDBPyConnection, folders: SparkFolders, sources) -> list[str]:
    """Write every source table the DuckDB file holds to the lake, one folder of Parquet per
    table, replacing the last export; the names written (`schema.table`) for dbt to register.
    A source not there yet (the linkage's tables before the first linkage) is left out."""
    written = []
    for schema, table in sources:
        if not table_exists(con, schema, table):
            continue
        folder = folders.source_folder(schema, table)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        relation = f"{quote_ident(schema)}.{quote_ident(table)}"
        con.execute(f"COPY (SELECT * FROM {relation}) TO {_literal(folder / 'part-0.parquet')} (FORMAT parquet)")
        written.append(f"{schema}.{table}")
    return written


def import_built_tables(con: duckdb.DuckDBPyConnection, folders: SparkFolders, built) -> list[str]:
    """Replace each table dbt built on Spark in the DuckDB file with Spark's rows (months of
    an incremental table are partition folders month=YYYY-MM, read back as text)."""
    imported = []
    for schema, table in built:
        folder = folders.table_folder(schema, table)
        if not any(folder.rglob("*.parquet")):
            continue
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}")
        files = _literal(folder / "**" / "*.parquet")
        con.execute(
            f"CREATE OR REPLACE TABLE {quote_ident(schema)}.{quote_ident(table)} AS "
            f"SELECT * FROM read_parquet({files}, hive_partitioning = true, hive_types_autocast = false)"
        )
        imported.append(f"{schema}.{table}")
    return imported
