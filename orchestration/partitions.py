"""Months as Dagster partitions: the monitoring month is a partition key `YYYY-MM`, from the
first month the bureau monitors (2023-01) to the last month that has ended."""

from __future__ import annotations

import warnings
from datetime import date

from dagster import BetaWarning, MonthlyPartitionsDefinition, PreviewWarning, TimeWindowPartitionMapping

from ingestion.landing import MONTH_FOLDER
from reference import next_month, previous_month, table_exists

# allow_nonexistent_upstream_partitions (beta) and partitioned asset checks (preview) are what
# the first month and the per-month gate need; the warnings say so on every import.
warnings.filterwarnings("ignore", category=BetaWarning)
warnings.filterwarnings("ignore", category=PreviewWarning)

FIRST_MONTH = "2023-01"  # the notice 临市民发〔2023〕31号 takes effect in 2023
MONTHS = MonthlyPartitionsDefinition(start_date=FIRST_MONTH, fmt="%Y-%m", timezone="Asia/Shanghai")

# A month carries over from the month before (person keys, alert history): the self-dependency
# that makes a backfill run months in order. The first month has no predecessor.
PREVIOUS_MONTH = TimeWindowPartitionMapping(start_offset=-1, end_offset=-1, allow_nonexistent_upstream_partitions=True)


class MonthError(ValueError):
    """A month argument that is not a partition of the monitoring job."""


def parse_month(text: str) -> str:
    """`text` when it is a month the job can run (`YYYY-MM`, from 2023-01 to the last month
    that has ended); MonthError saying why otherwise."""
    if not MONTH_FOLDER.match(text or ""):
        raise MonthError(f"month {text!r} is not of the form YYYY-MM (e.g. 2023-06)")
    keys = MONTHS.get_partition_keys()
    if text < FIRST_MONTH:
        raise MonthError(f"month {text} is before {FIRST_MONTH}, the first month monitored")
    if text not in keys:
        raise MonthError(f"month {text} has not ended yet: the last month that can run is {keys[-1]}")
    return text


def dbt_vars(partition_key: str, published_on: date | None = None, first_month: str | None = None) -> dict[str, str]:
    """The dbt project's variables for one month's partition; `published_on` is the day the
    month's workbooks are published, which due dates count from; `first_month` the warehouse's
    first month (its older events are history: macro raisable_when_delivered), the month itself
    when the warehouse holds none before it."""
    month = parse_month(partition_key)
    out = {"month": month, "first_month": min(first_month or month, month)}
    if published_on is not None:
        out["publication_date"] = published_on.isoformat()
    return out


class MonthOrderError(RuntimeError):
    """A month run before the month it carries over from."""


def months_run(con) -> list[str]:
    """Months whose people and alerts this warehouse holds (main.person_month keeps every month)."""
    if not table_exists(con, "main", "person_month"):
        return []
    return [m for (m,) in con.execute("SELECT DISTINCT month FROM main.person_month ORDER BY month").fetchall()]


def check_month_order(con, month: str) -> str:
    """Raise MonthOrderError when the warehouse holds earlier months but not the one just
    before `month` (its alert history and person keys would be carried over from the wrong
    month); otherwise say what the month carries over from."""
    earlier = [m for m in months_run(con) if m < month]
    if not earlier:
        return f"{month} is the first month in this warehouse"
    before = previous_month(month)
    if before not in earlier:
        raise MonthOrderError(
            f"month {month} cannot run yet: this warehouse's last month is {earlier[-1]} and {before} never ran; "
            f"run {next_month(earlier[-1])} to {before} first, in order (a backfill of "
            f"{next_month(earlier[-1])}..{month} runs them in month order)"
        )
    return f"{month} carries over from {before}"
