"""The calendar the month runs on: China's official working days (with the 调休 working weekends)
as a warehouse table, from the maintained chinese-calendar library rather than a hand-typed
list; and the expected publication day of a month, which due dates count from."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import duckdb
import pyarrow as pa

from reference import month_end, rule_threshold


def expected_publication_day(month: str, today: date) -> date:
    """The day a month not yet published counts its due dates from: today for a live run (within
    threshold live_run_days after the month end); for a replay of an old month, or a run before
    the month ended, the expected day (threshold publication_day_of_month of the next month),
    not the day someone happens to run it. Both thresholds: rule_thresholds.csv (placeholders)."""
    end = month_end(month)
    if end < today <= end + timedelta(days=int(rule_threshold("live_run_days"))):
        return today
    return end + timedelta(days=int(rule_threshold("publication_day_of_month")))


def working_days(first_year: int, last_year: int) -> pa.Table:
    """One row per day: whether it is a working day, and where that answer comes from. Years
    the library does not cover yet fall back to Monday-Friday, marked as such."""
    days, flags, sources = [], [], []
    day = date(first_year, 1, 1)
    while day <= date(last_year, 12, 31):
        try:
            is_working, source = chinese_calendar.is_workday(day), "chinese_calendar"
        except NotImplementedError:
            is_working, source = day.weekday() < 5, "weekday_fallback"
        days.append(day)
        flags.append(is_working)
        sources.append(source)
        day += timedelta(days=1)
    return pa.table({"day": days, "is_working_day": flags, "source": sources})


def load_working_days(con: duckdb.DuckDBPyConnection, first_year: int = 2018, last_year: int = 2030) -> int:
    table = working_days(first_year, last_year)
    con.execute("CREATE SCHEMA IF NOT EXISTS reference")
    con.register("calendar_days", table)
    try:
        con.execute("CREATE OR REPLACE TABLE reference.working_days AS SELECT * FROM calendar_days")
    finally:
        con.unregister("calendar_days")
    return table.num_rows
