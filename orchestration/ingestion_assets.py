"""Stage 1: one asset per department feed, loading the month's delivery into `raw`.

A feed never stops the month (feeds.md): a file that cannot be read, or a delivery that fails
its blocking GX suite, is turned away whole — its rows are not loaded, the previous delivery
stays in force, the rules that need it are held back — and its check shows red in Dagster
while every other feed goes on. What becomes of a delivery is decided in ingestion.delivery;
the assets here call it and show its outcome."""

from pathlib import Path

import duckdb
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
    multi_asset,
)

from ingestion.calendar import load_working_days
from ingestion.catalogue import FEEDS, Feed
from ingestion.delivery import ERROR, FeedOutcome, ingest_delivery
from ingestion.feedback import read_feedback, write_feedback
from ingestion.landing import delivered_names
from ingestion.normalise import USABLE_ID_STATUSES
from ingestion.report import DeliveryStatus, LoadReport
from orchestration.partitions import MONTHS
from orchestration.resources import MonitoringSettings, Warehouse

FEED_CHECK = "gx_feed_suite"


def check_result(outcome: FeedOutcome) -> AssetCheckResult:
    """The feed's check (ingestion.delivery.feed_check) as Dagster shows it."""
    check = outcome.check_result()
    metadata = dict(check.metadata)
    if outcome.validation is not None:
        metadata["failed"] = MetadataValue.json(check.failed)
    if check.data_docs:
        metadata["data_docs"] = MetadataValue.url(check.data_docs)
    severity = AssetCheckSeverity.ERROR if check.severity == ERROR else AssetCheckSeverity.WARN
    return AssetCheckResult(
        check_name=FEED_CHECK, passed=check.passed, severity=severity, description=check.description, metadata=metadata
    )


def valid_id_share(report: LoadReport) -> float:
    usable = sum(n for status, n in report.id_status_counts.items() if status in USABLE_ID_STATUSES)
    total = sum(report.id_status_counts.values())
    return round(usable / total, 4) if total else 0.0


def load_metadata(report: LoadReport) -> dict:
    """Counts only (numbers plot across months in the UI); no name or ID number."""
    return {
        "delivery_status": str(report.status),
        "files": MetadataValue.json(report.files),
        "rows_read": report.rows_read,
        "rows_loaded": report.rows_loaded,
        "rows_quarantined": report.rows_quarantined,
        "valid_id_share": valid_id_share(report),
        "unknown_code_rows": report.unknown_code_rows,
        "unknown_codes": MetadataValue.json(report.unknown_codes),
        "quarantine_by_rule": MetadataValue.json(report.quarantine_by_rule),
        "id_number_status": MetadataValue.json(report.id_status_counts),
        "missing_optional_columns": MetadataValue.json(report.missing_optional_columns),
        "unknown_headers": MetadataValue.json(report.unknown_headers),
        "last_delivered_month": report.month if report.delivered else (report.last_delivered_month or "never"),
        "missing_counties": len(report.missing_counties),
        "missing_county_codes": MetadataValue.json(report.missing_counties),
        "events_replaced": report.events_replaced,
        "events_superseded": report.events_superseded,
    }


def feed_asset(feed: Feed) -> AssetsDefinition:
    key = AssetKey(["raw", feed.code])

    @asset(
        key=key,
        group_name="raw",
        partitions_def=MONTHS,
        description=f"{feed.title} ({feed.department}, {feed.kind} feed) as delivered for the month.",
        kinds={"python", "duckdb"},
        metadata={"department": feed.department, "kind": feed.kind},
        check_specs=[
            AssetCheckSpec(
                FEED_CHECK,
                asset=key,
                description=f"GX suite of {feed.code}, run before anything is written: columns, types after "
                "normalisation, natural key unique, share of valid ID numbers, county in 临汾市, dates and amounts "
                "in range, coded values in their domains. Red: the delivery was turned away (not delivered this "
                "month, its rules held back); yellow: missing, or a warning expectation failed.",
            )
        ],
    )
    def _load(context: AssetExecutionContext, settings: MonitoringSettings, warehouse: Warehouse):
        month = context.partition_key
        with warehouse.get_connection() as con:
            outcome = ingest_delivery(con, feed, settings.landing, month, warehouse.data_docs_root)
        if outcome.status == DeliveryStatus.REJECTED:
            context.log.error(f"{feed.code} {month}: turned away, previous delivery in force: {outcome.report.reason}")
        elif outcome.status == DeliveryStatus.MISSING:
            context.log.warning(f"{feed.code} {month}: not delivered; {outcome.report.last_delivered_month} in force")
        return MaterializeResult(metadata=load_metadata(outcome.report), check_results=[check_result(outcome)])

    return _load


@asset(
    key=["reference", "working_days"],
    group_name="reference",
    partitions_def=MONTHS,
    kinds={"python", "duckdb"},
    description="China's official working days (chinese-calendar, with 调休) for due dates.",
)
def working_days(warehouse: Warehouse) -> MaterializeResult:
    with warehouse.get_connection() as con:
        days = load_working_days(con)
    return MaterializeResult(metadata={"days": days})


feed_assets = [feed_asset(feed) for feed in FEEDS]


def unread_files(folder: Path, read: set[str]) -> list[str]:
    """Files of the month folder that no feed read (a name the catalogue does not know)."""
    return [p.name for p in delivered_names(folder) if p.name not in read] if folder.is_dir() else []


def month_deliveries(con: duckdb.DuckDBPyConnection, month: str) -> dict[str, int]:
    """Feeds per delivery status for the month, and the month's quarantined rows."""
    counts = dict(
        con.execute(
            "SELECT status, count(*) FROM raw.load_log WHERE delivery_month = ? GROUP BY status", [month]
        ).fetchall()
    )
    quarantined = con.execute("SELECT count(*) FROM raw.quarantine WHERE delivery_month = ?", [month]).fetchall()
    return {
        "feeds_loaded": counts.get("loaded", 0) + counts.get("no_events", 0),
        "feeds_turned_away": counts.get("rejected", 0),
        "feeds_missing": counts.get("missing", 0),
        "rows_quarantined": quarantined[0][0],
    }


@multi_asset(
    specs=[
        AssetSpec(
            ["raw", "load_log"],
            deps=[a.key for a in feed_assets],
            description="One row per feed and month: files, rows read/loaded/quarantined, status "
            "(loaded / no_events / rejected / missing) and the reason a delivery was turned away.",
            group_name="raw",
            kinds={"duckdb"},
        ),
        AssetSpec(
            ["raw", "quarantine"],
            deps=[a.key for a in feed_assets],
            description="Every row that could not be used: feed, file, row number, the rule it broke, its cells.",
            group_name="raw",
            kinds={"duckdb"},
        ),
    ],
    partitions_def=MONTHS,
    name="delivery_log",
)
def delivery_log(context: AssetExecutionContext, settings: MonitoringSettings, warehouse: Warehouse):
    """The side tables every feed asset writes, summarised for the month. Every file of the
    month folder is accounted for: a file no feed reads is named. A month in which no feed was
    delivered stops here: it is not a quiet month, and nothing is published from old data."""
    month = context.partition_key
    with warehouse.get_connection() as con:
        counts = month_deliveries(con, month)
        read = {name for (files,) in con.execute(
            "SELECT files FROM raw.load_log WHERE delivery_month = ?", [month]
        ).fetchall() for name in (files or "").split(",") if name}  # fmt: skip
    unread = unread_files(settings.landing / month, read)
    for name in unread:
        context.log.warning(
            f"{month}: {name} is read by no feed (expected <feed>.<csv|xlsx> or <feed>__<county>.<ext>)"
        )
    if not counts["feeds_loaded"]:
        raise Failure(f"{month}: no feed was delivered (landing {settings.landing / month}); nothing is published")
    metadata = {k: v for k, v in counts.items() if k != "rows_quarantined"}
    yield MaterializeResult(
        asset_key=["raw", "load_log"],
        metadata={**metadata, "files_not_read": len(unread), "unread_files": MetadataValue.json(unread)},
    )
    yield MaterializeResult(asset_key=["raw", "quarantine"], metadata={"rows_quarantined": counts["rows_quarantined"]})


@multi_asset(
    specs=[
        AssetSpec(
            ["raw", "county_feedback"],
            description="The counties' disposals read from their returned workbooks "
            "(<landing>/<month>/county_feedback/*.xlsx): one row per alert disposed, the later disposal winning.",
            group_name="raw",
            kinds={"excel", "duckdb"},
        ),
        AssetSpec(
            ["raw", "feedback_problems"],
            description="Returned rows that could not be applied, with the reason: reported back to the county "
            "on the 反馈问题 sheet of its next workbook.",
            group_name="raw",
            kinds={"duckdb"},
        ),
    ],
    partitions_def=MONTHS,
    name="county_feedback",
)
def county_feedback(context: AssetExecutionContext, settings: MonitoringSettings, warehouse: Warehouse):
    """Read the month's returned workbooks against what was published in earlier months."""
    month = context.partition_key
    with warehouse.get_connection() as con:
        report = read_feedback(con, settings.landing, month)
        write_feedback(con, month, report)
    for problem in report.problems:
        context.log.warning(f"{month}: {problem['source_file']} row {problem['source_row']}: {problem['reason']}")
    yield MaterializeResult(
        asset_key=["raw", "county_feedback"],
        metadata={
            "files": MetadataValue.json(report.files),
            "files_not_read": MetadataValue.json(report.files_not_read),
            "rows_read": report.rows_read,
            "disposals_applied": len(report.applied),
            "by_county": MetadataValue.json(report.by_county()),
        },
    )
    yield MaterializeResult(
        asset_key=["raw", "feedback_problems"],
        metadata={
            "rows_not_applied": sum(report.problems_by_reason.values()),
            "rows_listed": len(report.problems),
            "by_reason": MetadataValue.json(report.problems_by_reason),
        },
    )
