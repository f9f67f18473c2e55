"""Load one feed's delivery for one month into the warehouse's `raw` schema.

Usable rows go to `raw.<feed_code>` (all text, normalised); rows that cannot be used go to
`raw.quarantine` with file, row number and the rule they broke. Loading is idempotent: a
snapshot replaces that month's snapshot; an event replaces the event with the same natural key,
and a re-delivered month's event file replaces that month's earlier file. Event rows replaced by
a correction are kept in `raw.replaced_events` (the row as it was, when and why it was replaced).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from ingestion.catalogue import Feed, RosterCompleteness, normalise_header
from ingestion.errors import FILE_READING_ERRORS, FeedFileError
from ingestion.landing import counties_without_file, delivered_names, feed_of
from ingestion.parse import RULE, SOURCE_ROW, check_natural_keys, parse_file, quarantine_rows, unknown_code_counts
from ingestion.reader import DeliveredTable, is_cell_column, read_delivered
from reference import month_end, quote_ident

META_COLUMNS = ["record_id", "delivery_month", "source_file", "source_row", "row_issues"]
QUARANTINE_COLUMNS = [
    "feed_code",
    "delivery_month",
    "source_file",
    "source_row",
    "rule",
    "detail",
    "raw_values",
]


class DeliveryStatus(StrEnum):
    """What became of a feed's delivery for a month (raw.load_log.status)."""

    LOADED = "loaded"
    NO_EVENTS = "no_events"  # an event file with no rows: no events this month (feeds.md)
    REJECTED = "rejected"  # unreadable, or failed its blocking checks: counts as not delivered
    MISSING = "missing"  # nothing delivered: the previous delivery stays in force

    @property
    def delivered(self) -> bool:
        return self in (DeliveryStatus.LOADED, DeliveryStatus.NO_EVENTS)


@dataclass
class LoadReport:
    """What one load did; goes to Dagster metadata (counts only, no personal data)."""

    feed_code: str
    month: str
    files: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    quarantine_by_rule: dict[str, int] = field(default_factory=dict)
    id_status_counts: dict[str, int] = field(default_factory=dict)
    missing_optional_columns: list[str] = field(default_factory=list)
    unknown_headers: list[str] = field(default_factory=list)
    last_delivered_month: str | None = None  # when this month's delivery is missing
    # column -> {delivered value -> rows}: codes outside the glossary and its known variants,
    # kept as unknown (NULL) on their rows (feeds.md, "Coded values")
    unknown_codes: dict[str, dict[str, int]] = field(default_factory=dict)
    status: DeliveryStatus = DeliveryStatus.LOADED
    reason: str = ""
    # a feed delivered one file per county: the counties without a file this month (their
    # previous roster stays in force)
    missing_counties: list[str] = field(default_factory=list)
    # event rows of earlier loads that this delivery corrected or withdrew (kept in history)
    events_replaced: int = 0
    # delivered event rows not loaded because a later month's delivery already corrected them
    events_superseded: int = 0
    # ingestion.landing.delivery_digest of the files: the same files are not read twice
    content_digest: str | None = None

    @property
    def delivered(self) -> bool:
        return bool(self.files) and self.status.delivered

    @property
    def unknown_code_rows(self) -> int:
        return sum(sum(values.values()) for values in self.unknown_codes.values())


def missing_counties(feed: Feed, files: list[Path]) -> list[str]:
    """Counties without a file when a feed delivered per county (catalogue: Delivery.per_county)
    came as `<feed>__<county>` files; a file for the whole feed covers every county."""
    return counties_without_file(feed, [p.name for p in files]) if feed.delivery.per_county else []


def delivered_files(landing_dir: Path, month: str, feed: Feed) -> list[Path]:
    """`<landing>/<month>/<feed>.<csv|xlsx>` or one file per county `<feed>__<county>.<ext>`."""
    folder = Path(landing_dir) / month
    if not folder.is_dir():
        return []
    return [p for p in delivered_names(folder) if feed_of(p.name)[0] is feed]


def map_headers(table: DeliveredTable, feed: Feed) -> tuple[dict[str, int], list[str], list[str]]:
    """Column name -> cell index. Raises when a required column is missing."""
    positions = {normalise_header(h): i for i, h in enumerate(table.headers) if h}
    mapping: dict[str, int] = {}
    for column in feed.columns:
        hits = [i for i, h in enumerate(table.headers) if h and normalise_header(h) in column.header_variants()]
        if len(hits) > 1:
            raise FeedFileError(
                table.path, table.header_row, "duplicate_header", f"{column.header} appears in {len(hits)} columns"
            )
        if hits:
            mapping[column.name] = hits[0]
    missing_required = [c.header for c in feed.columns if c.required and c.name not in mapping]
    if missing_required:
        raise FeedFileError(
            table.path,
            table.header_row,
            "missing_required_column",
            "header lacks " + ", ".join(missing_required),
        )
    missing_optional = [c.name for c in feed.columns if c.name not in mapping]
    known = {v for c in feed.columns for v in c.header_variants()}
    unknown = [h for h in positions if h not in known]
    return mapping, missing_optional, unknown


@contextmanager
def file_named(path: Path) -> Iterator[None]:
    """Turn an error of reading one file's content (a decode or cast failure: catalogue's
    FILE_READING_ERRORS, polars' and the csv module's errors) into a FeedFileError naming the
    file, so that the delivery is turned away instead of the month stopping."""
    try:
        yield
    except FeedFileError:
        raise
    except (*FILE_READING_ERRORS, pl.exceptions.PolarsError, csv.Error) as exc:
        raise FeedFileError.unreadable(path, exc) from exc


def parse_delivery(feed: Feed, month: str, files: list[Path]) -> tuple[pl.DataFrame, list[dict], LoadReport]:
    """Read and check every row of the month's files (ingestion.parse); no database access.
    Returns the usable rows as the raw table's text columns, the quarantined rows and the
    report."""
    report = LoadReport(feed.code, month, files=[p.name for p in files])
    latest_date = month_end(month).isoformat()
    parsed: list[pl.DataFrame] = []
    unknown_columns: list[str] = []
    for file_index, path in enumerate(files):
        try:
            with file_named(path):
                table = read_delivered(path, feed, month)
                mapping, missing_optional, unknown = map_headers(table, feed)
                frame, unknown_columns = parse_file(table, feed, mapping, latest_date, file_index)
        except FeedFileError as exc:
            if exc.rule == "empty_file" and feed.kind == "event":
                continue  # an empty event file: no events this month (feeds.md)
            raise
        report.missing_optional_columns = sorted(set(report.missing_optional_columns) | set(missing_optional))
        report.unknown_headers = sorted(set(report.unknown_headers) | set(unknown))
        parsed.append(frame)
        del table, frame  # a register of millions of rows: hold its cells once, not twice
    columns = META_COLUMNS + feed.warehouse_columns()
    if not parsed:
        empty = pl.DataFrame({c: pl.Series([], dtype=pl.String) for c in columns})
        report.status = DeliveryStatus.NO_EVENTS if feed.kind == "event" else report.status
        return empty, [], report
    with file_named(Path(", ".join(p.name for p in files))):
        return _checked_delivery(feed, month, parsed, unknown_columns, report)


def _checked_delivery(
    feed: Feed, month: str, parsed: list[pl.DataFrame], unknown_columns: list[str], report: LoadReport
) -> tuple[pl.DataFrame, list[dict], LoadReport]:
    """The checks across the delivery's files (natural keys), the rows split into loaded and
    quarantined."""
    columns = META_COLUMNS + feed.warehouse_columns()
    frame = pl.concat(parsed, how="diagonal_relaxed")
    del parsed
    report.rows_read = frame.height
    if feed.kind == "event":
        frame = check_natural_keys(frame, feed)
    else:
        frame = frame.with_columns(
            pl.format("{}:{}:{}:{}", pl.lit(feed.code), pl.lit(month), pl.col("__stem"), pl.col(SOURCE_ROW)).alias(
                "record_id"
            )
        )
    quarantine = quarantine_rows(frame, feed, month)
    for row in quarantine:
        report.quarantine_by_rule[row["rule"]] = report.quarantine_by_rule.get(row["rule"], 0) + 1
    values = [c for c in frame.columns if not is_cell_column(c)]
    loaded = frame.filter(pl.col(RULE).is_null()).select(values).sort("__file", SOURCE_ROW)
    del frame  # the delivered cells: only the quarantined rows' are kept (as JSON)
    report.unknown_codes = unknown_code_counts(loaded, unknown_columns)
    records = loaded.with_columns(
        pl.lit(month).alias("delivery_month"), pl.col(SOURCE_ROW).cast(pl.String).alias("source_row")
    ).select(pl.col(c).cast(pl.String) for c in columns)
    del loaded
    for role in feed.roles:
        for status, count in records[f"{role.id_number}_status"].value_counts().iter_rows():
            report.id_status_counts[status] = report.id_status_counts.get(status, 0) + count
    report.rows_loaded = records.height
    report.rows_quarantined = len(quarantine)
    if feed.kind == "event" and report.rows_read == 0:
        report.status = DeliveryStatus.NO_EVENTS
    return records, quarantine, report


def ensure_tables(con: duckdb.DuckDBPyConnection, feed: Feed) -> None:
    """Create the raw schema, the feed's table, the quarantine and the load log if missing."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    columns = ", ".join(f"{quote_ident(c)} VARCHAR" for c in META_COLUMNS + feed.warehouse_columns())
    con.execute(f"CREATE TABLE IF NOT EXISTS raw.{quote_ident(feed.code)} ({columns})")
    con.execute(
        "CREATE TABLE IF NOT EXISTS raw.quarantine (feed_code VARCHAR, delivery_month VARCHAR, "
        "source_file VARCHAR, source_row INTEGER, rule VARCHAR, detail VARCHAR, raw_values VARCHAR)"
    )
    con.execute(
        "CREATE TABLE IF NOT EXISTS raw.load_log (feed_code VARCHAR, delivery_month VARCHAR, "
        "files VARCHAR, rows_read INTEGER, rows_loaded INTEGER, rows_quarantined INTEGER, "
        "loaded_at TIMESTAMP)"
    )
    # status and reason came with "one feed never stops the month"; older warehouses get them
    con.execute("ALTER TABLE raw.load_log ADD COLUMN IF NOT EXISTS status VARCHAR DEFAULT 'loaded'")
    con.execute("ALTER TABLE raw.load_log ADD COLUMN IF NOT EXISTS reason VARCHAR")
    con.execute("ALTER TABLE raw.load_log ADD COLUMN IF NOT EXISTS unknown_codes INTEGER DEFAULT 0")
    con.execute("ALTER TABLE raw.load_log ADD COLUMN IF NOT EXISTS missing_counties VARCHAR")
    # the files' digest and what their load came to (report and checks, as JSON): a rerun of
    # the month with the same files takes the outcome instead of reading them again
    con.execute("ALTER TABLE raw.load_log ADD COLUMN IF NOT EXISTS content_digest VARCHAR")
    con.execute("ALTER TABLE raw.load_log ADD COLUMN IF NOT EXISTS outcome JSON")
    con.execute(
        "CREATE TABLE IF NOT EXISTS raw.replaced_events (feed_code VARCHAR, record_id VARCHAR, "
        "delivery_month VARCHAR, replaced_in_month VARCHAR, replaced_at TIMESTAMP, why VARCHAR, "
        "replaced_row JSON)"
    )


def write_delivery(
    con: duckdb.DuckDBPyConnection,
    feed: Feed,
    month: str,
    records: pl.DataFrame,
    quarantine: list[dict],
    report: LoadReport,
    outcome: dict | None = None,
) -> None:
    """Replace this delivery in one transaction: all of it lands, or none of it. `outcome`
    (JSON-able) is logged beside the report."""
    table = f"raw.{quote_ident(feed.code)}"
    columns = META_COLUMNS + feed.warehouse_columns()
    incoming = records.select(columns).to_arrow()
    con.execute("BEGIN TRANSACTION")
    try:
        con.register("incoming_rows", incoming)
        if feed.kind == "snapshot":
            con.execute(f"DELETE FROM {table} WHERE delivery_month = ?", [month])
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming_rows")
        else:
            _replace_events(con, feed, month, report)
        _replace_quarantine(con, feed, month, quarantine)
        _log_delivery(con, feed, month, report, outcome)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("incoming_rows")


def _replace_events(con: duckdb.DuckDBPyConnection, feed: Feed, month: str, report: LoadReport) -> None:
    """Put the delivered events (view `incoming_rows`) in place, inside the caller's transaction.

    The month's file replaces what an earlier delivery of the same month brought, so a row whose
    natural key the department corrected (an exit date fixed, a mistyped ID fixed) replaces its
    earlier row instead of standing beside it; a row with the key of an earlier month's event
    replaces that event; an event a later month already corrected stays as corrected. Every row
    taken out with different content goes to `raw.replaced_events`; reloading the same file
    moves nothing."""
    table = f"raw.{quote_ident(feed.code)}"
    content = ", ".join(f"{{alias}}.{quote_ident(c)}" for c in feed.warehouse_columns())
    old_content, new_content = content.format(alias="old"), content.format(alias="new")
    replaced = f"""
        FROM {table} AS old LEFT JOIN incoming_rows AS new USING (record_id)
        WHERE (new.record_id IS NULL AND old.delivery_month = $month)
           OR (new.record_id IS NOT NULL AND old.delivery_month <= $month)
    """
    report.events_replaced = con.execute(
        f"""
        INSERT INTO raw.replaced_events
        SELECT $feed, old.record_id, old.delivery_month, $month, now()::TIMESTAMP,
               CASE WHEN new.record_id IS NULL THEN 'not in the re-delivered file of its month'
                    ELSE 'delivered again with other values' END,
               to_json(old)
        {replaced}
          AND (new.record_id IS NULL OR [{old_content}] IS DISTINCT FROM [{new_content}])
        """,
        {"feed": feed.code, "month": month},
    ).fetchall()[0][0]
    con.execute(f"DELETE FROM {table} WHERE record_id IN (SELECT old.record_id {replaced})", {"month": month})
    report.events_superseded = con.execute(
        f"SELECT count(*) FROM incoming_rows WHERE record_id IN (SELECT record_id FROM {table})"
    ).fetchall()[0][0]
    con.execute(
        f"INSERT INTO {table} BY NAME SELECT * FROM incoming_rows "
        f"WHERE record_id NOT IN (SELECT record_id FROM {table})"
    )


def _replace_quarantine(con: duckdb.DuckDBPyConnection, feed: Feed, month: str, quarantine: list[dict]) -> None:
    """The month's quarantined rows of the feed, replacing those of an earlier load (inside the
    caller's transaction)."""
    rejected = pa.table(
        {
            c: pa.array([q[c] for q in quarantine], pa.int32() if c == "source_row" else pa.string())
            for c in QUARANTINE_COLUMNS
        }
    )
    con.register("incoming_quarantine", rejected)
    con.execute("DELETE FROM raw.quarantine WHERE feed_code = ? AND delivery_month = ?", [feed.code, month])
    con.execute("INSERT INTO raw.quarantine BY NAME SELECT * FROM incoming_quarantine")
    con.unregister("incoming_quarantine")  # after a failure the caller rolls back and closes


def _log_delivery(
    con: duckdb.DuckDBPyConnection, feed: Feed, month: str, report: LoadReport, outcome: dict | None = None
) -> None:
    con.execute("DELETE FROM raw.load_log WHERE feed_code = ? AND delivery_month = ?", [feed.code, month])
    con.execute(
        "INSERT INTO raw.load_log (feed_code, delivery_month, files, rows_read, rows_loaded, rows_quarantined, "
        "loaded_at, status, reason, unknown_codes, missing_counties, content_digest, outcome) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            feed.code,
            month,
            ",".join(report.files),
            report.rows_read,
            report.rows_loaded,
            report.rows_quarantined,
            datetime.now(UTC).replace(tzinfo=None),
            str(report.status),
            report.reason or None,
            report.unknown_code_rows,
            ",".join(report.missing_counties) or None,
            report.content_digest,
            json.dumps(outcome, ensure_ascii=False) if outcome is not None else None,
        ],
    )


def record_not_delivered(
    con: duckdb.DuckDBPyConnection,
    feed: Feed,
    month: str,
    report: LoadReport,
    quarantine: list[dict] | None = None,
    outcome: dict | None = None,
) -> None:
    """Log a month whose delivery is missing or rejected. The feed's rows are not touched, so
    what was accepted before stays in force; a month already loaded is not marked missing
    (nothing loaded is lost because a file was later taken away)."""
    ensure_tables(con, feed)
    if report.status == DeliveryStatus.MISSING:
        logged = con.execute(
            "SELECT count(*) FROM raw.load_log WHERE feed_code = ? AND delivery_month = ? AND status <> 'missing'",
            [feed.code, month],
        ).fetchall()[0][0]
        if logged:
            return
    con.execute("BEGIN TRANSACTION")
    try:
        if report.status == DeliveryStatus.REJECTED:
            _replace_quarantine(con, feed, month, quarantine or [])
        _log_delivery(con, feed, month, report, outcome)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def last_delivered_month(con: duckdb.DuckDBPyConnection, feed: Feed, month: str) -> str | None:
    """The latest month before `month` whose delivery of the feed was accepted."""
    ensure_tables(con, feed)
    return con.execute(
        "SELECT max(delivery_month) FROM raw.load_log WHERE feed_code = ? AND delivery_month < ? "
        "AND status IN ('loaded', 'no_events')",
        [feed.code, month],
    ).fetchall()[0][0]


def previous_rows_by_county(con: duckdb.DuckDBPyConnection, feed: Feed, month: str) -> dict[str, int]:
    """A roster's rows per county in its latest accepted delivery before `month` (per county: a
    county whose file did not come in a month is compared with the month it last came). A
    feed without a county column counts under "*"."""
    ensure_tables(con, feed)
    table = f"raw.{quote_ident(feed.code)}"
    county = "county" if "county" in feed.column_names else "'*'"
    rows = con.execute(
        f"""
        SELECT county, arg_max(n, delivery_month) FROM (
            SELECT {county} AS county, delivery_month, count(*) AS n FROM {table}
            WHERE delivery_month < ? AND {county} IS NOT NULL GROUP BY ALL
        ) GROUP BY county
        """,
        [month],
    ).fetchall()
    return dict(rows)


def roster_shortfall(
    con: duckdb.DuckDBPyConnection,
    feed: Feed,
    month: str,
    records: pl.DataFrame,
    report: LoadReport,
    completeness: RosterCompleteness | None = None,
) -> str | None:
    """Why a roster (snapshot feed) looks half-written, or None: a county with fewer rows than
    its last accepted delivery by more than the tolerance (catalogue.RosterCompleteness). A
    writer that stalled, an export cut off: loading it would show the missing people as exits.
    Counties without a file this month (one file per county) keep their roster and are not
    compared; counties with fewer than `min_previous_rows` rows last time are not compared."""
    if feed.kind != "snapshot":
        return None
    completeness = completeness or RosterCompleteness.from_environment()
    before = previous_rows_by_county(con, feed, month)
    if not before:
        return None  # a first delivery has nothing to be compared with
    if "county" in feed.column_names:
        now = dict(records.group_by("county").len().iter_rows()) if records.height else {}
    else:
        now = {"*": records.height}
    short = []
    for county, previous in sorted(before.items()):
        if county in report.missing_counties or previous < completeness.min_previous_rows:
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


def load_feed(con: duckdb.DuckDBPyConnection, feed: Feed, landing_dir: Path, month: str) -> LoadReport:
    """Load the month's delivery of one feed. A month without the feed keeps the previous
    snapshot in force (the report says `delivered=False`). Every file is parsed before
    anything is written, so a bad file leaves the warehouse as it was."""
    ensure_tables(con, feed)
    files = delivered_files(landing_dir, month, feed)
    if not files:
        return LoadReport(
            feed.code, month, last_delivered_month=last_delivered_month(con, feed, month), status=DeliveryStatus.MISSING
        )
    records, quarantine, report = parse_delivery(feed, month, files)
    report.missing_counties = missing_counties(feed, files)
    write_delivery(con, feed, month, records, quarantine, report)
    return report
