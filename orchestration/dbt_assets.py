"""Stage 3: the dbt project. Seeds, staging and the linkage input build before linkage; the
people, categories and alerts after it."""

import json
import os
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from dagster import AssetExecutionContext, AssetKey, BackfillPolicy
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from engines.lake import DbtTables, export_sources, import_built_tables
from engines.settings import EngineSettings, SparkFolders
from orchestration.dbt_settings import BEFORE_LINKAGE, DBT_EXECUTABLE, DBT_PROJECT_DIR, dbt_environment
from orchestration.partitions import MONTHS, dbt_vars, parse_month
from orchestration.resources import Warehouse
from publication.log import publication_day

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def _manifest_is_stale() -> bool:
    manifest = dbt_project.manifest_path
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [p for d in ("models", "seeds", "macros") for p in (DBT_PROJECT_DIR / d).rglob("*") if p.is_file()]
    return any(p.stat().st_mtime > built for p in [*sources, DBT_PROJECT_DIR / "dbt_project.yml"])


if _manifest_is_stale():
    # @dbt_assets reads the manifest at import: parse the project when it changed, with the
    # dbt of this environment (a fresh clone has no manifest and `dbt` need not be on PATH); a
    # full parse, since a partial one missed a source() a changed macro added to its models.
    DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE).cli(
        ["--quiet", "parse", "--no-partial-parse"], target_path=dbt_project.target_path
    ).wait()


class MonitoringDbtTranslator(DagsterDbtTranslator):
    """Asset keys are [schema, table], as analysts see them in the warehouse; dbt nodes are
    grouped by the stage folder they live in."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        meta_key = (dbt_resource_props.get("meta") or {}).get("dagster", {}).get("asset_key")
        if meta_key:
            return AssetKey(meta_key)
        if dbt_resource_props["resource_type"] == "source":
            return AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        return AssetKey([dbt_resource_props["schema"], dbt_resource_props.get("alias") or dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> "str | None":
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props["fqn"]
        return fqn[1] if len(fqn) > 2 else "warehouse"


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)


def _build(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse) -> Iterator:
    os.environ.update(dbt_environment(warehouse.database))  # inherited by the dbt subprocess
    engine = EngineSettings.from_env()
    folders = SparkFolders(warehouse.path)
    tables = DbtTables.from_manifest(dbt_project.manifest_path)
    with warehouse.get_connection() as con:  # closed before dbt opens the file
        published_on = publication_day(con, parse_month(context.partition_key), date.today())
        if engine.is_spark:
            os.environ["LINFEN_LAKE_TABLES"] = ",".join(export_sources(con, folders, tables.sources))
    # dbt's unit tests check the SQL, not the month's data: they run in the test suite, not here
    variables = dbt_vars(context.partition_key, published_on)
    args = ["build", "--exclude-resource-type", "unit_test", "--vars", json.dumps(variables)]
    invocation = dbt.cli(args, context=context)
    yield from invocation.stream()
    if engine.is_spark:  # the tables this step built, read back from Spark
        built = tables.built_in(invocation.get_artifact("run_results.json"))
        with warehouse.get_connection() as con:
            imported = import_built_tables(con, folders, built)
        context.log.info(f"{len(imported)} tables dbt built on Spark read back into {warehouse.path.name}")


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select=BEFORE_LINKAGE,
    name="dbt_before_linkage",
    dagster_dbt_translator=MonitoringDbtTranslator(),
    partitions_def=MONTHS,
    backfill_policy=BackfillPolicy.multi_run(1),  # one month per run: months build on each other
)
def dbt_before_linkage(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse):
    yield from _build(context, dbt, warehouse)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    exclude=BEFORE_LINKAGE,
    name="dbt_after_linkage",
    dagster_dbt_translator=MonitoringDbtTranslator(),
    partitions_def=MONTHS,
    backfill_policy=BackfillPolicy.multi_run(1),  # one month per run: months build on each other
)
def dbt_after_linkage(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse):
    yield from _build(context, dbt, warehouse)
