"""Stage 1: one asset per department feed, loading the month's delivery into `raw`."""

import json
from pathlib import Path

from dagster import AssetExecutionContext, AssetsDefinition, MaterializeResult, MetadataValue, asset

from ingestion.calendar import load_working_days
from ingestion.catalogue import FEEDS, Feed
from ingestion.loader import LoadReport, load_feed
from orchestration.resources import MonitoringRun


def load_metadata(report: LoadReport) -> dict:
    """Counts only: no name or ID number ever goes to Dagster metadata."""
    return {
        "delivered": report.delivered,
        "files": MetadataValue.json(report.files),
        "rows_read": report.rows_read,
        "rows_loaded": report.rows_loaded,
        "rows_quarantined": report.rows_quarantined,
        "quarantine_by_rule": MetadataValue.json(report.quarantine_by_rule),
        "id_number_status": MetadataValue.json(report.id_status_counts),
        "missing_optional_columns": MetadataValue.json(report.missing_optional_columns),
        "unknown_headers": MetadataValue.json(report.unknown_headers),
        "last_delivered_month": report.month if report.delivered else (report.last_delivered_month or "never"),
    }


def feed_asset(feed: Feed) -> AssetsDefinition:
    @asset(
        key=["raw", feed.code],
        group_name="feeds",
        description=f"{feed.title} ({feed.department}, {feed.kind} feed) as delivered for the month.",
        kinds={"python", "duckdb"},
        metadata={"department": feed.department, "kind": feed.kind},
    )
    def _load(context: AssetExecutionContext, run: MonitoringRun) -> MaterializeResult:
        with run.connect() as con:
            report = load_feed(con, feed, Path(run.landing_dir), run.month)
        if not report.delivered:
            context.log.warning(
                f"{feed.code}: not delivered for {run.month}; last delivered "
                f"{report.last_delivered_month or 'never'}, which stays in force"
            )
        else:
            context.log.info(f"{feed.code}: {json.dumps(report.quarantine_by_rule)} quarantined")
        return MaterializeResult(metadata=load_metadata(report))

    return _load


@asset(
    key=["reference", "working_days"],
    group_name="reference",
    kinds={"python", "duckdb"},
    description="China's official working days (chinese-calendar, with 调休) for due dates.",
)
def working_days(run: MonitoringRun) -> MaterializeResult:
    with run.connect() as con:
        days = load_working_days(con)
    return MaterializeResult(metadata={"days": days})


feed_assets = [feed_asset(feed) for feed in FEEDS]
