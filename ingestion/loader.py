"""Load one feed's delivery for one month into the warehouse's `raw` schema.

Usable rows go to `raw.<feed_code>` (all text, normalised); rows that cannot be used go to
`raw.quarantine` with file, row number and the rule they broke. Loading is idempotent: a
snapshot replaces that month's snapshot; an event replaces the event with the same natural key,
and a re-delivered month's event file replaces that month's earlier file. Event rows replaced by
a correction are kept in `raw.replaced_events` (the row as it was, when and why it was replaced).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb
import polars as pl
import pyarrow as pa

from ingestion.catalogue import Feed
from ingestion.report import META_COLUMNS, QUARANTINE_COLUMNS, DeliveryStatus, LoadReport
from reference import quote_ident

__all__ = ["META_COLUMNS", "DeliveryStatus", "LoadReport"]  # the raw tables' columns and the load's status


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


def previous_rows(con: duckdb.DuckDBPyConnection, feed: Feed, month: str) -> int | None:
    """Rows loaded by the feed's latest loaded delivery before `month` (None: no such delivery)."""
    rows = con.execute(
        "SELECT rows_loaded FROM raw.load_log WHERE feed_code = ? AND delivery_month < ? "
        "AND status = 'loaded' ORDER BY delivery_month DESC LIMIT 1",
        [feed.code, month],
    ).fetchall()
    return rows[0][0] if rows else None


def logged_outcome(con: duckdb.DuckDBPyConnection, feed: Feed, month: str, digest: str) -> tuple[dict, str] | None:
    """The outcome (JSON) logged by the month's last load of the feed and when it ran, if that
    load read files of this digest (ingestion.landing.delivery_digest)."""
    rows = con.execute(
        "SELECT outcome, strftime(loaded_at, '%Y-%m-%d %H:%M') FROM raw.load_log "
        "WHERE feed_code = ? AND delivery_month = ? AND content_digest = ? AND outcome IS NOT NULL",
        [feed.code, month, digest],
    ).fetchall()
    return (json.loads(rows[0][0]), rows[0][1]) if rows else None
