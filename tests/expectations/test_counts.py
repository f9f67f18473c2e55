"""Per-rule alert counts may not jump by more than the configured factor unless overridden."""

import duckdb
import pytest

from expectations.counts import count_changes
from expectations.suites import QualityThresholds, alert_count_suite
from expectations.validate import validate_frame


@pytest.fixture
def con():
    connection = duckdb.connect()
    connection.execute(
        "CREATE SCHEMA reference; CREATE TABLE reference.alert_rules AS "
        "SELECT * FROM (VALUES ('P01'), ('N05'), ('S01')) t(rule_id)"
    )
    connection.execute("CREATE TABLE main.alert_history (month VARCHAR, rule_id VARCHAR, alert_id VARCHAR)")
    rows = (
        [("2023-06", "P01", f"a{i}") for i in range(10)]
        + [("2023-07", "P01", f"b{i}") for i in range(31)]
        + [("2023-06", "N05", f"c{i}") for i in range(12)]
        + [("2023-07", "N05", f"d{i}") for i in range(30)]
        + [("2023-06", "S01", "e1"), ("2023-07", "S01", "e2"), ("2023-07", "S01", "e3"), ("2023-07", "S01", "e4")]
    )
    connection.executemany("INSERT INTO main.alert_history VALUES (?, ?, ?)", rows)
    yield connection
    connection.close()


CASES = [
    ("10 to 31 is more than threefold and fails", set(), False),
    ("the same jump with a recorded override passes", {("2023-07", "P01")}, True),
]


@pytest.mark.parametrize(("description", "accepted", "passes"), CASES, ids=[c[0] for c in CASES])
def test_count_jumps(description, accepted, passes, con):
    thresholds = QualityThresholds()
    changes = count_changes(con, "2023-07", thresholds, accepted)
    assert "S01" not in set(changes["rule_id"]), "1 to 3 is below the minimum count compared"
    assert set(changes["rule_id"]) >= {"N05"}, "12 to 30 is compared and within the factor"
    assert validate_frame(changes, alert_count_suite(thresholds), "counts").success is passes, description


def test_the_first_month_compares_nothing(con):
    assert count_changes(con, "2023-06", QualityThresholds(), set()).empty
