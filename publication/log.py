"""The publication log (main.publication_log): every publication of a month, its version and
the publication day that due dates count from and disposals may not precede."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import duckdb

from ingestion.calendar import expected_publication_day


def publication_day(con: duckdb.DuckDBPyConnection, month: str, today: date) -> date:
    """The day due dates count from and disposals may not precede: the month's first publication
    if there was one (read only, no DDL); else ingestion.calendar.expected_publication_day."""
    if _column_exists(con, "publication_log", "published_on"):
        first = con.execute(
            "SELECT published_on FROM main.publication_log WHERE month = ? ORDER BY version LIMIT 1", [month]
        ).fetchall()
        if first and first[0][0] is not None:
            return first[0][0]
    return expected_publication_day(month, today)


def _column_exists(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    query = (
        "SELECT count(*) FROM information_schema.columns "
        "WHERE table_schema = 'main' AND table_name = ? AND column_name = ?"
    )
    return con.execute(query, [table, column]).fetchall()[0][0] > 0


@dataclass(frozen=True)
class Version:
    number: int
    published_at: datetime
    published_on: date  # the publication day due dates count from (a replay: the expected day)

    @property
    def label(self) -> str:
        when = self.published_at.strftime("%Y-%m-%d %H:%M")
        replaces = f"，替换第{self.number - 1}版" if self.number > 1 else ""
        return f"第{self.number}版（{when}发布{replaces}）"


def next_version(con: duckdb.DuckDBPyConnection, month: str) -> Version:
    """The month's workbooks are versioned: a month published again (a feed re-delivered, a
    rerun) says which version it is and that it replaces the one before."""
    now = datetime.now().replace(microsecond=0)
    published_on = publication_day(con, month, now.date())
    con.execute(
        "CREATE TABLE IF NOT EXISTS main.publication_log "
        "(month VARCHAR, version INTEGER, published_at TIMESTAMP, alerts INTEGER, published_on DATE)"
    )
    con.execute("ALTER TABLE main.publication_log ADD COLUMN IF NOT EXISTS published_on DATE")
    last = con.execute("SELECT max(version) FROM main.publication_log WHERE month = ?", [month]).fetchall()[0][0]
    return Version((last or 0) + 1, now, published_on)


def record_version(con: duckdb.DuckDBPyConnection, month: str, version: Version, alerts: int) -> None:
    con.execute(
        "INSERT INTO main.publication_log (month, version, published_at, alerts, published_on) VALUES (?, ?, ?, ?, ?)",
        [month, version.number, version.published_at, alerts, version.published_on],
    )
