"""Stage 1: one asset per department feed, loading the month's delivery into `raw`.

A feed never stops the month (feeds.md): a file that cannot be read, or a delivery that fails
its blocking GX suite, is turned away whole — its rows are not loaded, the previous delivery
stays in force, the rules that need it are held back — and its check shows red in Dagster
while every other feed goes on."""

import json
from collections import Counter
from dataclasses import asdict, dataclass
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

from expectations.feed_gate import FeedValidation, validate_delivery
from expectations.validate import FailedExpectation, ValidationSummary
from ingestion.calendar import load_working_days
from ingestion.catalogue import FEEDS, Feed
from ingestion.errors import FeedFileError
from ingestion.feedback import read_feedback, write_feedback
from ingestion.landing import delivered_names, delivery_digest
from ingestion.loader import (
    DeliveryStatus,
    LoadReport,
    delivered_files,
    ensure_tables,
    last_delivered_month,
    missing_counties,
    parse_delivery,
    record_not_delivered,
    roster_shortfall,
    write_delivery,
)
from ingestion.normalise import USABLE_ID_STATUSES
from orchestration.partitions import MONTHS
from orchestration.resources import MonitoringSettings, Warehouse

FEED_CHECK = "gx_feed_suite"


@dataclass
class FeedOutcome:
    """What became of one feed's delivery for the month. `read_before`: when the same files
    (ingestion.landing.delivery_digest) were loaded for the month before, at that time: they
    were not read again, and this is that load's outcome."""

    report: LoadReport
    validation: FeedValidation | None = None
    read_before: str | None = None

    def to_json(self) -> dict:
        return {"report": asdict(self.report), "validation": asdict(self.validation) if self.validation else None}

    @classmethod
    def from_json(cls, data: dict, read_before: str) -> "FeedOutcome":
        report = LoadReport(**{**data["report"], "status": DeliveryStatus(data["report"]["status"])})
        validation = None
        if data["validation"]:
            summaries = [
                ValidationSummary(**{**v, "failed": [FailedExpectation(**f) for f in v["failed"]]})
                for v in (data["validation"]["blocking"], data["validation"]["warning"])
            ]
            validation = FeedValidation(*summaries)
        return cls(report, validation, read_before)

    @property
    def status(self) -> DeliveryStatus:
        return self.report.status

    def check_result(self) -> AssetCheckResult:
        """Red (ERROR) when the delivery was turned away, yellow (WARN) when it is missing or
        only a warning expectation failed, green otherwise."""
        report, validation = self.report, self.validation
        if report.status == DeliveryStatus.REJECTED:
            passed, severity, text = False, AssetCheckSeverity.ERROR, f"not delivered (turned away): {report.reason}"
        elif report.status == DeliveryStatus.MISSING:
            last = report.last_delivered_month or "never"
            passed, severity, text = False, AssetCheckSeverity.WARN, f"not delivered; last delivery ({last}) in force"
        elif validation is not None and not validation.warning.success:
            passed, severity, text = False, AssetCheckSeverity.WARN, validation.warning.describe()
        else:
            passed, severity = True, AssetCheckSeverity.WARN
            text = validation.blocking.describe() if validation else "no events this month"
        if report.missing_counties:
            passed, severity = False, AssetCheckSeverity.WARN
            text += (
                f"; no file for {len(report.missing_counties)} counties ({', '.join(report.missing_counties)}): "
                "their previous roster stays in force"
            )
        if report.unknown_codes:
            text += f"; {report.unknown_code_rows} unknown coded values kept as unknown"
        if self.read_before:
            text = f"same files as loaded at {self.read_before} UTC, not read again: " + text
        metadata = {
            "delivery_status": str(report.status),
            "unknown_code_rows": report.unknown_code_rows,
            "read_again": self.read_before is None,
        }
        if validation is not None:
            metadata["expectations"] = validation.blocking.evaluated + validation.warning.evaluated
            metadata["failed"] = MetadataValue.json(
                [f.describe() for s in (validation.blocking, validation.warning) for f in s.failed]
            )
            if validation.blocking.docs_url:
                metadata["data_docs"] = MetadataValue.url(validation.blocking.docs_url)
        return AssetCheckResult(
            check_name=FEED_CHECK, passed=passed, severity=severity, description=text, metadata=metadata
        )


def previous_rows(con: duckdb.DuckDBPyConnection, feed: Feed, month: str) -> int | None:
    rows = con.execute(
        "SELECT rows_loaded FROM raw.load_log WHERE feed_code = ? AND delivery_month < ? "
        "AND status = 'loaded' ORDER BY delivery_month DESC LIMIT 1",
        [feed.code, month],
    ).fetchall()
    return rows[0][0] if rows else None


def _turn_away(
    con, feed: Feed, month: str, report: LoadReport, reason: str, quarantine=None, validation=None
) -> FeedOutcome:
    report.status, report.reason = DeliveryStatus.REJECTED, reason
    report.last_delivered_month = last_delivered_month(con, feed, month)
    outcome = FeedOutcome(report, validation)
    record_not_delivered(con, feed, month, report, quarantine, outcome.to_json())
    return outcome


def outcome_of_same_files(con: duckdb.DuckDBPyConnection, feed: Feed, month: str, digest: str) -> FeedOutcome | None:
    """The logged outcome of the month's last load of the feed, when it read the same files."""
    rows = con.execute(
        "SELECT outcome, strftime(loaded_at, '%Y-%m-%d %H:%M') FROM raw.load_log "
        "WHERE feed_code = ? AND delivery_month = ? AND content_digest = ? AND outcome IS NOT NULL",
        [feed.code, month, digest],
    ).fetchall()
    return FeedOutcome.from_json(json.loads(rows[0][0]), rows[0][1]) if rows else None


def ingest_delivery(
    con: duckdb.DuckDBPyConnection, feed: Feed, landing_dir: Path, month: str, docs_root: Path | None = None
) -> FeedOutcome:
    """Read, validate and load one feed's delivery for the month; never raises for a bad
    delivery (it is turned away, with the file, row and rule in the reason). Files already
    loaded for the month (same digest) are not read again: a rerun of the month after one
    department re-delivered reads that department's files only."""
    ensure_tables(con, feed)
    files = delivered_files(landing_dir, month, feed)
    if not files:
        report = LoadReport(
            feed.code, month, status=DeliveryStatus.MISSING, last_delivered_month=last_delivered_month(con, feed, month)
        )
        record_not_delivered(con, feed, month, report)
        return FeedOutcome(report)
    digest = delivery_digest(files)
    if (earlier := outcome_of_same_files(con, feed, month, digest)) is not None:
        return earlier
    try:
        records, quarantine, report = parse_delivery(feed, month, files)
    except FeedFileError as exc:
        report = LoadReport(feed.code, month, files=[p.name for p in files], content_digest=digest)
        return _turn_away(con, feed, month, report, str(exc))
    report.content_digest = digest
    if feed.kind == "snapshot" and not report.rows_read:
        reason = f"no rows in {len(files)} file(s): an empty roster is not a month in which everyone left"
        return _turn_away(con, feed, month, report, reason, quarantine)
    if report.rows_read and not report.rows_loaded:
        rules = ", ".join(f"{rule} ×{n}" for rule, n in Counter(report.quarantine_by_rule).most_common(3))
        reason = f"every one of the {report.rows_read} rows was quarantined ({rules})"
        return _turn_away(con, feed, month, report, reason, quarantine)
    report.missing_counties = missing_counties(feed, files)
    # a roster far shorter than last month in some county: a half-written file, not exits
    if (shortfall := roster_shortfall(con, feed, month, records, report)) is not None:
        report.missing_counties = []
        return _turn_away(con, feed, month, report, shortfall, quarantine)
    validation = None
    if records.height:
        validation = validate_delivery(con, feed, records, month, previous_rows(con, feed, month), docs_root)
        if not validation.passed:
            return _turn_away(con, feed, month, report, validation.blocking.describe(), quarantine, validation)
    outcome = FeedOutcome(report, validation)
    write_delivery(con, feed, month, records, quarantine, report, outcome.to_json())
    return outcome


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
        return MaterializeResult(metadata=load_metadata(outcome.report), check_results=[outcome.check_result()])

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
