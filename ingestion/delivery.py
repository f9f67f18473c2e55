"""What becomes of one feed's delivery for a month: the decisions, and the one path that makes them.

The path is `landing -> reader -> parse -> loader` (ingestion.landing finds the delivered files,
ingestion.reader reads one file's cells, ingestion.parse turns them into typed and quarantined
rows, ingestion.loader writes them). A feed never stops the month (feeds.md): a delivery that
cannot be read, that is empty or wholly quarantined, that is far shorter than last month, or
that fails its blocking GX suite, is turned away whole — its rows are not written, the previous
delivery stays in force — and the other feeds go on. The same files as the month's last load
(same digest) are not read again: that load's outcome is taken.

The decisions are plain functions of what was read and what was loaded before; only
`ingest_delivery` touches the warehouse, through ingestion.loader.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from expectations.feed_gate import FeedValidation, validate_delivery
from expectations.validate import FailedExpectation, ValidationSummary
from ingestion.catalogue import Feed, RosterCompleteness
from ingestion.errors import FeedFileError
from ingestion.landing import delivered_files, delivery_digest, missing_counties
from ingestion.loader import (
    ensure_tables,
    last_delivered_month,
    logged_outcome,
    previous_rows,
    previous_rows_by_county,
    record_not_delivered,
    write_delivery,
)
from ingestion.parse import parse_delivery
from ingestion.report import DeliveryStatus, LoadReport

ERROR, WARN = "ERROR", "WARN"  # the check's severity (Dagster's AssetCheckSeverity by name)


@dataclass(frozen=True)
class FeedCheck:
    """The feed's check as the UI shows it: red (ERROR, not passed) when the delivery was turned
    away, yellow (WARN, not passed) when it is missing, short of counties or only a warning
    expectation failed, green otherwise. Metadata: counts and texts only, no personal data."""

    passed: bool
    severity: str
    description: str
    metadata: dict = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    data_docs: str | None = None


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
    def from_json(cls, data: dict, read_before: str) -> FeedOutcome:
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

    def check_result(self) -> FeedCheck:
        return feed_check(self)


def feed_check(outcome: FeedOutcome) -> FeedCheck:
    """The check of an outcome (FeedCheck says what each colour means)."""
    report, validation = outcome.report, outcome.validation
    if report.status == DeliveryStatus.REJECTED:
        passed, severity, text = False, ERROR, f"not delivered (turned away): {report.reason}"
    elif report.status == DeliveryStatus.MISSING:
        last = report.last_delivered_month or "never"
        passed, severity, text = False, WARN, f"not delivered; last delivery ({last}) in force"
    elif validation is not None and not validation.warning.success:
        passed, severity, text = False, WARN, validation.warning.describe()
    else:
        passed, severity = True, WARN
        text = validation.blocking.describe() if validation else "no events this month"
    if report.missing_counties:
        passed, severity = False, WARN
        text += (
            f"; no file for {len(report.missing_counties)} counties ({', '.join(report.missing_counties)}): "
            "their previous roster stays in force"
        )
    if report.unknown_codes:
        text += f"; {report.unknown_code_rows} unknown coded values kept as unknown"
    if outcome.read_before:
        text = f"same files as loaded at {outcome.read_before} UTC, not read again: " + text
    metadata = {
        "delivery_status": str(report.status),
        "unknown_code_rows": report.unknown_code_rows,
        "read_again": outcome.read_before is None,
    }
    failed, docs = [], None
    if validation is not None:
        metadata["expectations"] = validation.blocking.evaluated + validation.warning.evaluated
        failed = [f.describe() for s in (validation.blocking, validation.warning) for f in s.failed]
        docs = validation.blocking.docs_url
    return FeedCheck(passed, severity, text, metadata, failed, docs)


def rejection_reason(feed: Feed, report: LoadReport, files: list[Path]) -> str | None:
    """Why a delivery that was read is not a delivery, or None: a roster without rows (an empty
    roster is not a month in which everyone left), or a delivery whose every row was
    quarantined (not a quiet month)."""
    if feed.kind == "snapshot" and not report.rows_read:
        return f"no rows in {len(files)} file(s): an empty roster is not a month in which everyone left"
    if report.rows_read and not report.rows_loaded:
        rules = ", ".join(f"{rule} ×{n}" for rule, n in Counter(report.quarantine_by_rule).most_common(3))
        return f"every one of the {report.rows_read} rows was quarantined ({rules})"
    return None


def rows_by_county(feed: Feed, records: pl.DataFrame) -> dict[str, int]:
    """The delivery's rows per county ("*" for a feed without a county column)."""
    if "county" not in feed.column_names:
        return {"*": records.height}
    return dict(records.group_by("county").len().iter_rows()) if records.height else {}


def roster_shortfall(
    feed: Feed,
    before: dict[str, int],
    now: dict[str, int],
    missing_counties: list[str],
    completeness: RosterCompleteness | None = None,
) -> str | None:
    """Why a roster (snapshot feed) looks half-written, or None: a county with fewer rows `now`
    than `before` (its last accepted delivery) by more than the tolerance
    (catalogue.RosterCompleteness). A writer that stalled, an export cut off: loading it would
    show the missing people as exits. Counties without a file this month (one file per county)
    keep their roster and are not compared; counties with fewer than `min_previous_rows` rows
    last time are not compared; a first delivery has nothing to be compared with."""
    if feed.kind != "snapshot" or not before:
        return None
    completeness = completeness or RosterCompleteness.from_environment()
    short = []
    for county, previous in sorted(before.items()):
        if county in missing_counties or previous < completeness.min_previous_rows:
            continue
        rows = now.get(county, 0)
        if rows < previous * (1 - completeness.tolerance):
            short.append(f"{county if county != '*' else 'all counties'} {rows} rows against {previous}")
    if not short:
        return None
    shown = "; ".join(short[:5]) + (f"; {len(short) - 5} more counties" if len(short) > 5 else "")
    return (
        f"incomplete roster: {shown} in the last delivery (more than {completeness.tolerance:.0%} fewer, "
        f"LINFEN_ROSTER_TOLERANCE): a half-written file would show the missing people as exits"
    )


def turn_away(
    con: duckdb.DuckDBPyConnection,
    feed: Feed,
    month: str,
    report: LoadReport,
    reason: str,
    quarantine: list[dict] | None = None,
    validation: FeedValidation | None = None,
) -> FeedOutcome:
    """Log the delivery as not delivered (its quarantined rows kept, its rows not written): the
    previous delivery stays in force."""
    report.status, report.reason = DeliveryStatus.REJECTED, reason
    report.last_delivered_month = last_delivered_month(con, feed, month)
    outcome = FeedOutcome(report, validation)
    record_not_delivered(con, feed, month, report, quarantine, outcome.to_json())
    return outcome


def outcome_of_same_files(con: duckdb.DuckDBPyConnection, feed: Feed, month: str, digest: str) -> FeedOutcome | None:
    """The logged outcome of the month's last load of the feed, when it read the same files."""
    logged = logged_outcome(con, feed, month, digest)
    return FeedOutcome.from_json(*logged) if logged else None


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
        return turn_away(con, feed, month, report, str(exc))
    report.content_digest = digest
    if (reason := rejection_reason(feed, report, files)) is not None:
        return turn_away(con, feed, month, report, reason, quarantine)
    report.missing_counties = missing_counties(feed, files)
    before = previous_rows_by_county(con, feed, month) if feed.kind == "snapshot" else {}
    if shortfall := roster_shortfall(feed, before, rows_by_county(feed, records), report.missing_counties):
        report.missing_counties = []
        return turn_away(con, feed, month, report, shortfall, quarantine)
    validation = None
    if records.height:
        validation = validate_delivery(con, feed, records, month, previous_rows(con, feed, month), docs_root)
        if not validation.passed:
            return turn_away(con, feed, month, report, validation.blocking.describe(), quarantine, validation)
    outcome = FeedOutcome(report, validation)
    write_delivery(con, feed, month, records, quarantine, report, outcome.to_json())
    return outcome
