"""The project's Dagster Definitions: the stage modules, one partitioned job for the month, the
sensor and schedule that start it, and the cross-cutting policy (a single DuckDB writer: the
in-process executor runs one step at a time, the warehouse resource holds the file for the run,
and the run queue admits one run per warehouse)."""

from __future__ import annotations

import hashlib

from dagster import AssetSelection, Definitions, define_asset_job, in_process_executor

from orchestration.dbt_assets import dbt_after_linkage, dbt_before_linkage, dbt_resource
from orchestration.ingestion_assets import county_feedback, delivery_log, feed_assets, working_days
from orchestration.linkage_assets import record_linkage
from orchestration.partitions import MONTHS
from orchestration.publication_assets import analyst_copy, county_workbooks
from orchestration.quality_checks import alerts_publication_gate, month_delivery_board, rules_published
from orchestration.resources import MonitoringSettings, Warehouse
from orchestration.sensors import ServiceConfig, landing_sensor, monthly_schedule

MONTHLY_JOB = "monthly_monitoring"
WAREHOUSE_TAG = "linfen/warehouse"  # dagster.yaml: one run at a time per value


def warehouse_tag(warehouse: Warehouse) -> str:
    return "warehouse-" + hashlib.sha1(str(warehouse.path).encode()).hexdigest()[:10]


def build_definitions(
    settings: MonitoringSettings, warehouse: Warehouse, service: ServiceConfig | None = None
) -> Definitions:
    """Definitions bound to one deployment's folders (the UI uses the LINFEN_* environment)."""
    service = service or ServiceConfig()
    job = define_asset_job(
        MONTHLY_JOB,
        selection=AssetSelection.all(),
        partitions_def=MONTHS,
        tags={WAREHOUSE_TAG: warehouse_tag(warehouse)},
        description="One month end to end: feeds → people → alerts → county workbooks → analyst copy.",
    )
    return Definitions(
        assets=[
            *feed_assets,
            delivery_log,
            county_feedback,
            working_days,
            dbt_before_linkage,
            record_linkage,
            dbt_after_linkage,
            county_workbooks,
            analyst_copy,
        ],
        asset_checks=[alerts_publication_gate, month_delivery_board, *rules_published],
        jobs=[job],
        sensors=[landing_sensor(job, settings.landing, service)],
        schedules=[monthly_schedule(job, service)],
        resources={"settings": settings, "warehouse": warehouse, "dbt": dbt_resource()},
        executor=in_process_executor,
    )


defs = build_definitions(MonitoringSettings.from_env(), Warehouse.from_env(), ServiceConfig.from_env())
