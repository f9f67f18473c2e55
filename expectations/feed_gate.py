"""The feed gate: a delivery is validated with its GX suites before any of it is written, so a
delivery that fails its blocking expectations is not loaded at all (feeds.md: it counts as not
delivered, the previous delivery stays in force)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from expectations.duckdb_sql import handed_over
from expectations.suites import AS_DATE, QualityThresholds, feed_suites
from expectations.validate import ValidationSummary, update_data_docs, validate_sql
from ingestion.catalogue import DATE, Feed
from ingestion.loader import META_COLUMNS
from reference import month_end, quote_ident


@dataclass
class FeedValidation:
    blocking: ValidationSummary
    warning: ValidationSummary

    @property
    def passed(self) -> bool:
        return self.blocking.success


def checked_rows_query(feed: Feed, table: str, columns: list[str]) -> str:
    """The delivery's rows as the raw table will hold them (all text), with each date column
    among `columns` also parsed (`<column>__as_date`) for the range checks."""
    dates = [c.name for c in feed.columns if c.type == DATE and c.name in columns]
    parsed = "".join(f", TRY_STRPTIME({quote_ident(c)}, '%Y-%m-%d')::DATE AS {quote_ident(c + AS_DATE)}" for c in dates)
    return f"SELECT *{parsed} FROM {quote_ident(table)}"  # names from the catalogue only


def validate_delivery(
    con: duckdb.DuckDBPyConnection,
    feed: Feed,
    records: pl.DataFrame,
    month: str,
    previous_rows: int | None,
    docs_root: Path | None = None,
    thresholds: QualityThresholds | None = None,
) -> FeedValidation:
    """Run the feed's blocking and warning suites on the parsed delivery, as SQL in DuckDB on
    the rows' Arrow buffers (a cursor of the warehouse connection `con`)."""
    thresholds = thresholds or QualityThresholds()
    suites = feed_suites(feed, thresholds, previous_rows, month_end(month).isoformat(), rows=records.height)
    table, view = f"incoming_{feed.code}", f"checked_{feed.code}"
    rows = records.select(c for c in META_COLUMNS + feed.warehouse_columns() if c in records.columns)
    with handed_over(con, {table: rows.to_arrow()}, {view: checked_rows_query(feed, table, rows.columns)}):
        blocking = validate_sql(view, records.height, suites["blocking"], feed.code, docs_root)
        warning = validate_sql(view, records.height, suites["warning"], feed.code, docs_root)
    if not blocking.success and docs_root is not None:
        update_data_docs(docs_root)  # the delivery is turned away: show why
    return FeedValidation(blocking, warning)
