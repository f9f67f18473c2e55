"""The GX feed suites, case by case: what blocks publication and what only warns."""

import duckdb
import polars as pl
import pytest

from expectations.feed_gate import validate_delivery
from ingestion.catalogue import FEEDS_BY_CODE

FEED = FEEDS_BY_CODE["civil_exits"]


def frame(rows: int = 100, **changes) -> pl.DataFrame:
    base = {
        c: [None] * rows
        for c in ["record_id", "delivery_month", "source_file", "source_row", "row_issues", *FEED.warehouse_columns()]
    }
    base.update(
        record_id=[f"r{i}" for i in range(rows)],
        county=["141002"] * rows,
        person_name=["张三"] * rows,
        id_number_status=["valid"] * rows,
        former_programme=["低保"] * rows,
        exit_date=["2023-06-01"] * rows,
        exit_reason=["其他"] * rows,
        income_per_person_at_exit=["300"] * rows,
    )
    for column, values in changes.items():
        base[column] = values
    return pl.DataFrame(base, schema=dict.fromkeys(base, pl.String))


def some(rows: int, bad: int, good, wrong) -> list:
    return [wrong] * bad + [good] * (rows - bad)


CASES = [
    ("a clean delivery passes both", {}, None, True, True),
    (
        "one unusable ID in a 4-row delivery only warns",
        {"rows": 4, "id_number_status": ["checksum_invalid", "valid", "valid", "valid"]},
        None,
        True,
        False,
    ),
    (
        "10% unusable IDs only warns",
        {"id_number_status": some(100, 10, "valid", "checksum_invalid")},
        None,
        True,
        False,
    ),
    ("25% unusable IDs blocks", {"id_number_status": some(100, 25, "valid", "blank")}, None, False, False),
    ("a county outside 临汾 blocks", {"county": some(100, 1, "141002", "140105")}, None, False, True),
    ("a date that is not ISO blocks", {"exit_date": some(100, 1, "2023-06-01", "2023/6/1")}, None, False, True),
    ("a date in the future blocks", {"exit_date": some(100, 1, "2023-06-01", "2024-01-01")}, None, False, True),
    ("a negative amount blocks", {"income_per_person_at_exit": some(100, 1, "300", "-3")}, None, False, True),
    ("unknown codes kept as unknown (NULL) pass", {"exit_reason": some(100, 30, "其他", None)}, None, True, True),
    (
        "a code outside the glossary after loading blocks (a loader fault)",
        {"exit_reason": some(100, 1, "其他", "调走")},
        None,
        False,
        True,
    ),
    (
        "a duplicated natural key blocks",
        {"record_id": ["r0"] * 2 + [f"r{i}" for i in range(2, 100)]},
        None,
        False,
        True,
    ),
    ("three times last month's rows only warns", {}, 33, True, False),
    ("a missing column blocks", {"exit_date": None}, None, False, True),
]


@pytest.mark.parametrize(
    ("description", "changes", "previous_rows", "blocking_ok", "warning_ok"), CASES, ids=[c[0] for c in CASES]
)
def test_feed_suite(description, changes, previous_rows, blocking_ok, warning_ok):
    """The suites run as SQL in DuckDB on the delivery's Arrow rows, as the feed assets run them."""
    data = frame(**{k: v for k, v in changes.items() if v is not None})
    data = data.drop([column for column, values in changes.items() if values is None])
    with duckdb.connect() as con:
        validation = validate_delivery(con, FEED, data, "2023-06", previous_rows)
    assert validation.blocking.success is blocking_ok, (description, validation.blocking.describe())
    assert validation.warning.success is warning_ok, (description, validation.warning.describe())
