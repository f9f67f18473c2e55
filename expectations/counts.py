"""Per-rule alert counts against last month, for the publication gate."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pandas as pd

from expectations.suites import QualityThresholds

OVERRIDES = Path(__file__).parent / "alert_count_overrides.csv"


def overrides(path: Path = OVERRIDES) -> set[tuple[str, str]]:
    """(month, rule_id) pairs whose jump in count was examined and accepted."""
    with open(path, encoding="utf-8") as f:
        return {(r["month"], r["rule_id"]) for r in csv.DictReader(f)}


def count_changes(
    con: duckdb.DuckDBPyConnection,
    month: str,
    thresholds: QualityThresholds,
    accepted: set[tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """One row per rule compared: counts of this and the previous month in alert_history and
    the factor between them (∞ when one side is 0)."""
    accepted = overrides() if accepted is None else accepted
    rows = con.execute(
        """
        WITH previous AS (SELECT max(month) AS month FROM main.alert_history WHERE month < ?),
        counts AS (
            SELECT r.rule_id,
                   count(*) FILTER (WHERE h.month = ?) AS this_month,
                   count(*) FILTER (WHERE h.month = (SELECT month FROM previous)) AS last_month
            FROM reference.alert_rules r LEFT JOIN main.alert_history h USING (rule_id)
            GROUP BY r.rule_id
        )
        SELECT rule_id, this_month, last_month FROM counts
        WHERE (SELECT month FROM previous) IS NOT NULL AND greatest(this_month, last_month) >= ?
        ORDER BY rule_id
        """,
        [month, month, thresholds.alert_count_min_for_factor],
    ).fetchall()
    frame = pd.DataFrame(
        [
            (rule, now, before, max(now, before) / min(now, before) if min(now, before) else float("inf"))
            for rule, now, before in rows
            if (month, rule) not in accepted
        ],
        columns=["rule_id", "this_month", "last_month", "change_factor"],
    )
    return frame
