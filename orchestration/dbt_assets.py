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
from expectations.rule_gate import (
    APPROVE_TAG,
    RuleHold,
    approved_from_tag,
    count_checks,
    failed_rules,
    jump_holds,
    overrides,
    record_decisions,
    rule_id_of_model,
)
from expectations.suites import QualityThresholds
from orchestration.dbt_settings import BEFORE_LINKAGE, DBT_EXECUTABLE, DBT_PROJECT_DIR, dbt_environment
from orchestration.partitions import MONTHS, dbt_vars, months_run, parse_month
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


def _prepare(context: AssetExecutionContext, warehouse: Warehouse) -> tuple[EngineSettings, SparkFolders, dict]:
    """The dbt subprocess's environment and the month's variables; on Spark, the sources exported."""
    os.environ.update(dbt_environment(warehouse.database))  # inherited by the dbt subprocess
    engine = EngineSettings.from_env()
    folders = SparkFolders(warehouse.path)
    with warehouse.get_connection() as con:  # closed before dbt opens the file
        published_on = publication_day(con, parse_month(context.partition_key), date.today())
        first_month = next(iter(months_run(con)), None)
        if engine.is_spark:
            tables = DbtTables.from_manifest(dbt_project.manifest_path)
            os.environ["LINFEN_LAKE_TABLES"] = ",".join(export_sources(con, folders, tables.sources))
    return engine, folders, dbt_vars(context.partition_key, published_on, first_month)


def _invoke(context, dbt, warehouse, engine, folders, variables, *options, raise_on_error=True):
    """One `dbt build` of the step's selection less `options` (--exclude …); yields its events
    and returns the invocation. dbt's unit tests check the SQL, not the month's data: they run
    in the test suite, not here."""
    args = ["build", "--exclude-resource-type", "unit_test", "--vars", json.dumps(variables), *options]
    invocation = dbt.cli(args, context=context, raise_on_error=raise_on_error)
    yield from invocation.stream()
    if engine.is_spark:  # the tables this invocation built, read back from Spark
        tables = DbtTables.from_manifest(dbt_project.manifest_path)
        built = tables.built_in(invocation.get_artifact("run_results.json"))
        with warehouse.get_connection() as con:
            imported = import_built_tables(con, folders, built)
        context.log.info(f"{len(imported)} tables dbt built on Spark read back into {warehouse.path.name}")
    return invocation


def _build(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse) -> Iterator:
    engine, folders, variables = _prepare(context, warehouse)
    yield from _invoke(context, dbt, warehouse, engine, folders, variables)


BEFORE_LINKAGE_PATHS = ("staging/", "linkage_input/")  # BEFORE_LINKAGE's model paths

# The models that read the rule gate's decision (var rule_holds), and everything after them: the
# step after linkage builds them in a second dbt invocation, once the rules are built and judged.
PUBLICATION_MODELS = ("held_back_rules+", "alerts_raised+")


def _models_read_before_gate(manifest: Mapping[str, Any]) -> list[str]:
    """The step's models outside PUBLICATION_MODELS' closure (the second invocation excludes them)."""
    nodes, children = manifest["nodes"], manifest["child_map"]
    roots = {name.rstrip("+") for name in PUBLICATION_MODELS}
    after = {unique_id for unique_id, n in nodes.items() if n["resource_type"] == "model" and n["name"] in roots}
    stack = list(after)
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in after:
                after.add(child)
                stack.append(child)
    return sorted(
        n["name"]
        for unique_id, n in nodes.items()
        if n["resource_type"] == "model" and unique_id not in after and not n["path"].startswith(BEFORE_LINKAGE_PATHS)
    )


def _rule_gate(context: AssetExecutionContext, warehouse: Warehouse, invocation, manifest) -> list[RuleHold]:
    """Judge the rules the first invocation built: failed models or tests, count jumps."""
    month = parse_month(context.partition_key)
    holds = failed_rules(invocation.get_artifact("run_results.json"), manifest)
    approved = overrides() | approved_from_tag(month, context.run.tags.get(APPROVE_TAG))
    rule_tables = {
        rule_id_of_model(n["name"]): (n["schema"], n.get("alias") or n["name"])
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and "alert_rules" in n["fqn"]
    }
    with warehouse.get_connection() as con:
        held_by_feeds = {
            r for (r,) in con.execute("SELECT rule_id FROM intermediate.int_rules_held_by_feeds").fetchall()
        }
        built = {r: t for r, t in rule_tables.items() if r not in {h.rule_id for h in holds} | held_by_feeds}
        checks = count_checks(con, month, built, QualityThresholds(), approved)
        holds += jump_holds(checks)
        record_decisions(con, month, checks, holds, sorted(rule_tables))
    for hold in holds:
        context.log.warning(f"rule {hold.rule_id} held back ({hold.kind}): {hold.engineer_detail}")
    return holds


def _build_rules_then_publication(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse):
    """Two invocations: the people, categories and rules (a rule's failure is that rule's),
    then, with the rule gate's holds as a variable, the marts that publish the month."""
    engine, folders, variables = _prepare(context, warehouse)
    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    excluded = ["--exclude", " ".join(PUBLICATION_MODELS)]
    rules = yield from _invoke(context, dbt, warehouse, engine, folders, variables, *excluded, raise_on_error=False)
    holds = _rule_gate(context, warehouse, rules, manifest)  # raises when a non-rule node failed
    variables["rule_holds"] = [hold.as_dbt_var() for hold in holds]
    before = ["--exclude", " ".join(_models_read_before_gate(manifest))]
    yield from _invoke(context, dbt, warehouse, engine, folders, variables, *before)


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
    yield from _build_rules_then_publication(context, dbt, warehouse)
