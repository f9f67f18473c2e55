"""The project's Dagster Definitions: the stage modules, one job for the month, and the
cross-cutting policy (a single DuckDB writer: the in-process executor runs one step at a time)."""

from __future__ import annotations

from dagster import AssetSelection, Definitions, define_asset_job, in_process_executor

from orchestration.dbt_assets import dbt_after_linkage, dbt_before_linkage, dbt_resource
from orchestration.ingestion_assets import feed_assets, working_days
from orchestration.linkage_assets import record_person
from orchestration.publication_assets import county_workbooks
from orchestration.quality_checks import alerts_publication_gate, feed_checks, no_rule_held_back
from orchestration.resources import MonitoringRun

MONTHLY_JOB = "monthly_monitoring"


def build_definitions(run: MonitoringRun) -> Definitions:
    """Definitions bound to one run's settings (the UI uses the LINFEN_* environment)."""
    return Definitions(
        assets=[*feed_assets, working_days, dbt_before_linkage, record_person, dbt_after_linkage, county_workbooks],
        asset_checks=[*feed_checks, alerts_publication_gate, no_rule_held_back],
        jobs=[
            define_asset_job(
                MONTHLY_JOB,
                selection=AssetSelection.all(),
                description="The month end to end: feeds → people → alerts → county workbooks.",
            )
        ],
        resources={"run": run, "dbt": dbt_resource()},
        executor=in_process_executor,
    )


defs = build_definitions(MonitoringRun.from_env())
