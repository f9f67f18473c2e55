"""The delivery decisions (ingestion.delivery) as plain functions: no warehouse, no Dagster; and
the publication day from one pure place (ingestion.calendar), the stored one read without DDL."""

from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ingestion.calendar import expected_publication_day
from ingestion.catalogue import FEEDS_BY_CODE, RosterCompleteness
from ingestion.delivery import ERROR, WARN, FeedOutcome, rejection_reason, roster_shortfall, rows_by_county
from ingestion.report import DeliveryStatus, LoadReport
from publication.log import publication_day
from reference import month_end, rule_threshold

TEKUN, EXITS = FEEDS_BY_CODE["civil_tekun"], FEEDS_BY_CODE["civil_exits"]
FILES = [Path("civil_tekun.csv")]
STRICT = RosterCompleteness(tolerance=0.2, min_previous_rows=10)


def report(**counts) -> LoadReport:
    return LoadReport("civil_tekun", "2023-06", files=["civil_tekun.csv"], **counts)


@pytest.mark.parametrize(
    ("description", "feed", "counts", "expected"),
    [
        ("a roster without rows is not a month in which everyone left", TEKUN, {}, "an empty roster"),
        ("an event file without rows is a month without events", EXITS, {}, None),
        ("every row quarantined is not a quiet month", EXITS,
         {"rows_read": 3, "rows_quarantined": 3, "quarantine_by_rule": {"summary_row": 1, "ragged_row": 2}},
         "every one of the 3 rows was quarantined (ragged_row ×2, summary_row ×1)"),
        ("one row loaded is a delivery", TEKUN, {"rows_read": 3, "rows_loaded": 1, "rows_quarantined": 2}, None),
    ],
)  # fmt: skip
def test_rejection_reason(description, feed, counts, expected):
    reason = rejection_reason(feed, report(**counts), FILES)
    if expected is None:
        assert reason is None, description
    else:
        assert expected in reason, (description, reason)


@pytest.mark.parametrize(
    ("description", "before", "now", "missing", "short"),
    [
        ("a first delivery has nothing to be compared with", {}, {"141002": 1}, [], None),
        ("within the tolerance", {"141002": 100}, {"141002": 80}, [], None),
        ("beyond the tolerance", {"141002": 100}, {"141002": 79}, [], "141002 79 rows against 100"),
        ("a county gone whole", {"141002": 100, "141021": 50}, {"141021": 50}, [], "141002 0 rows against 100"),
        ("a county without its file keeps its roster", {"141002": 100}, {}, ["141002"], None),
        ("a county too small to compare", {"141002": 9}, {"141002": 1}, [], None),
    ],
)
def test_roster_shortfall(description, before, now, missing, short):
    reason = roster_shortfall(TEKUN, before, now, missing, STRICT)
    if short is None:
        assert reason is None, description
    else:
        assert short in reason and "incomplete roster" in reason, (description, reason)


def test_an_event_feed_is_never_short():
    assert roster_shortfall(EXITS, {"141002": 100}, {}, [], STRICT) is None


def test_rows_by_county():
    records = pl.DataFrame({"county": ["141002", "141002", "141021"]})
    assert rows_by_county(TEKUN, records) == {"141002": 2, "141021": 1}
    assert rows_by_county(TEKUN, records.clear()) == {}


@pytest.mark.parametrize(
    ("status", "counties", "passed", "severity", "text"),
    [
        (DeliveryStatus.REJECTED, [], False, ERROR, "turned away"),
        (DeliveryStatus.MISSING, [], False, WARN, "last delivery (never) in force"),
        (DeliveryStatus.NO_EVENTS, [], True, WARN, "no events this month"),
        (DeliveryStatus.NO_EVENTS, ["141002"], False, WARN, "no file for 1 counties (141002)"),
    ],
)
def test_the_check_of_an_outcome(status, counties, passed, severity, text):
    outcome = FeedOutcome(LoadReport("civil_exits", "2023-06", status=status, missing_counties=counties))
    check = outcome.check_result()
    assert (check.passed, check.severity) == (passed, severity)
    assert text in check.description
    assert check.metadata["delivery_status"] == str(status)


def test_an_outcome_logged_and_read_back_is_the_same_with_its_time():
    outcome = FeedOutcome(report(rows_read=5, rows_loaded=4, quarantine_by_rule={"ragged_row": 1}))
    again = FeedOutcome.from_json(outcome.to_json(), "2023-07-01 09:00")
    assert again.report == outcome.report and again.validation is None
    assert again.check_result().description.startswith("same files as loaded at 2023-07-01 09:00 UTC")


def test_the_expected_publication_day():
    end = month_end("2023-06")
    live = int(rule_threshold("live_run_days"))
    expected = end + timedelta(days=int(rule_threshold("publication_day_of_month")))
    assert expected_publication_day("2023-06", end + timedelta(days=3)) == end + timedelta(days=3), "a live run"
    assert expected_publication_day("2023-06", end + timedelta(days=live + 1)) == expected, "a replay"
    assert expected_publication_day("2023-06", end) == expected, "a run before the month ended"


def test_the_stored_publication_day_is_read_without_changing_the_table(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        today = month_end("2023-06") + timedelta(days=2)
        assert publication_day(con, "2023-06", today) == today, "no log yet"
        con.execute("CREATE TABLE main.publication_log (month VARCHAR, version INTEGER)")
        con.execute("INSERT INTO main.publication_log VALUES ('2023-06', 1)")
        assert publication_day(con, "2023-06", today) == today, "an old log without the day"
        columns = con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'publication_log'")
        assert [c for (c,) in columns.fetchall()] == ["month", "version"], "no ALTER TABLE"
        con.execute("ALTER TABLE main.publication_log ADD COLUMN published_on DATE")
        con.execute("INSERT INTO main.publication_log VALUES ('2023-06', 2, DATE '2023-07-20')")
        con.execute("UPDATE main.publication_log SET published_on = DATE '2023-07-03' WHERE version = 1")
        assert publication_day(con, "2023-06", today) == date(2023, 7, 3), "the first publication's day"
