"""The rule gate: one rule's failed model, failed test or count jump holds back that rule
alone; the limits take small counts and a warehouse's warm-up month into account."""

import duckdb
import pytest

from expectations.rule_gate import (
    CountCheck,
    HoldKind,
    NonRuleNodeFailed,
    approved_from_tag,
    count_checks,
    count_limits,
    decisions_frame,
    failed_rules,
    jump_holds,
    record_decisions,
)
from expectations.suites import QualityThresholds, alert_count_suite
from expectations.validate import validate_frame

LIMIT_CASES = [
    ("2 alerts becoming 6 is chance: small counts compare as if they were 10", 2, 6, False),
    ("2 becoming 31 is past three times the floor of 10", 2, 31, True),
    ("10 becoming 30 is within a factor of 3", 10, 30, False),
    ("10 becoming 31 is a jump", 10, 31, True),
    ("12 falling to 4 is within a factor of 3", 12, 4, False),
    ("12 falling to 3 is a jump down (false 已解除 en masse)", 12, 3, True),
    ("5 falling to 0 is not judged: a baseline under 10 says nothing of a drop", 5, 0, False),
    ("0 becoming 30 is within the floor's limit", 0, 30, False),
]


@pytest.mark.parametrize(("description", "baseline", "now", "jumps"), LIMIT_CASES, ids=[c[0] for c in LIMIT_CASES])
def test_count_limits(description, baseline, now, jumps):
    lower, upper = count_limits(baseline, QualityThresholds())
    check = CountCheck("N08", now, "2023-07", baseline, lower, upper)
    assert check.is_jump is jumps, description


@pytest.fixture
def con():
    """A warehouse of three months (June, July, August) and N08's rule table for August."""
    connection = duckdb.connect()
    connection.execute(
        "CREATE TABLE main.person_month AS SELECT * FROM (VALUES ('2023-06'), ('2023-07'), ('2023-08')) t(month)"
    )
    connection.execute(
        "CREATE TABLE main.alert_history (month VARCHAR, rule_id VARCHAR, alert_id VARCHAR, is_paused BOOLEAN)"
    )
    rows = (
        [("2023-06", "N08", f"a{i}", False) for i in range(2)]
        + [("2023-07", "N08", f"b{i}", False) for i in range(12)]
        + [("2023-07", "N08", f"p{i}", True) for i in range(30)]  # paused rows are not the rule's count
        + [("2023-06", "S01", f"c{i}", False) for i in range(40)]
    )
    connection.executemany("INSERT INTO main.alert_history VALUES (?, ?, ?, ?)", rows)
    connection.execute("CREATE SCHEMA alert_rules")
    connection.execute("CREATE TABLE alert_rules.alert_n08 AS SELECT range AS k FROM range(43)")
    connection.execute("CREATE TABLE alert_rules.alert_s01 AS SELECT range AS k FROM range(2)")
    yield connection
    connection.close()


TABLES = {"N08": ("alert_rules", "alert_n08"), "S01": ("alert_rules", "alert_s01")}


def test_a_jump_holds_back_that_rule_and_is_recorded(con):
    checks = count_checks(con, "2023-08", TABLES, QualityThresholds(), set())
    by_rule = {c.rule_id: c for c in checks}
    assert (by_rule["N08"].baseline_month, by_rule["N08"].baseline_count) == ("2023-07", 12), "paused rows left out"
    holds = jump_holds(checks)
    assert [(h.rule_id, h.kind) for h in holds] == [("N08", HoldKind.COUNT_JUMP)]
    assert "12" in holds[0].detail and "43" in holds[0].detail
    assert by_rule["S01"].baseline_month == "2023-07" and by_rule["S01"].baseline_count == 0, (
        "S01 raised nothing in July: 0 against 2 is within the floor"
    )
    frame = record_decisions(con, "2023-08", checks, holds, ["N08", "S01", "P01"])
    assert dict(zip(frame["rule_id"], frame["decision"], strict=True)) == {
        "N08": "held_back",
        "P01": "published",
        "S01": "published",
    }
    assert validate_frame(decisions_frame(con, "2023-08"), alert_count_suite(), "counts").success


def test_an_approved_jump_is_published_and_the_gate_accepts_it(con):
    checks = count_checks(con, "2023-08", TABLES, QualityThresholds(), approved_from_tag("2023-08", "n08, S01"))
    assert not jump_holds(checks)
    frame = record_decisions(con, "2023-08", checks, [], ["N08", "S01"])
    assert dict(zip(frame["rule_id"], frame["decision"], strict=True))["N08"] == "approved_jump"
    assert validate_frame(decisions_frame(con, "2023-08"), alert_count_suite(), "counts").success


def test_the_publication_gate_refuses_a_jump_published_unapproved(con):
    checks = count_checks(con, "2023-08", TABLES, QualityThresholds(), set())
    record_decisions(con, "2023-08", checks, [], ["N08", "S01"])  # the hold forgotten
    assert not validate_frame(decisions_frame(con, "2023-08"), alert_count_suite(), "counts").success


def test_the_month_after_the_warehouses_first_compares_with_nothing(con):
    """July against June: June was the warehouse's first month (warm-up), so 2 → 43 is no jump."""
    checks = count_checks(con, "2023-07", TABLES, QualityThresholds(), set())
    assert all(c.baseline_month is None and not c.is_jump for c in checks)


def test_a_month_the_rule_was_held_back_is_no_baseline(con):
    record_decisions(con, "2023-07", [], [], ["S01"])
    con.execute("UPDATE main.rule_decisions SET decision = 'held_back' WHERE rule_id = 'S01'")
    con.execute("INSERT INTO main.person_month VALUES ('2023-05')")  # June is no longer the first
    checks = {c.rule_id: c for c in count_checks(con, "2023-08", TABLES, QualityThresholds(), set())}
    assert (checks["S01"].baseline_month, checks["S01"].baseline_count) == ("2023-06", 40)
    assert checks["S01"].is_jump, "40 in June, its last published month, falling to 2"


def node(kind, name, *parents, rule=True):
    fqn = ["linfen_monitoring", "marts", "alert_rules" if rule else "intermediate", name]
    return {"resource_type": kind, "name": name, "fqn": fqn, "depends_on": {"nodes": list(parents)}}


MANIFEST = {
    "nodes": {
        "model.p.alert_p01": node("model", "alert_p01"),
        "model.p.alert_s10": node("model", "alert_s10"),
        "model.p.int_people": node("model", "int_people", rule=False),
        "test.p.not_null_alert_p01_evidence": node("test", "not_null_alert_p01_evidence", "model.p.alert_p01"),
        "test.p.unique_alert_s10_subject": node("test", "unique_alert_s10_subject", "model.p.alert_s10"),
    }
}


def results(*entries):
    return {"results": [{"unique_id": u, "status": s, "message": m} for u, s, m in entries]}


def test_a_failed_test_and_a_failed_model_hold_back_their_rules_only():
    run = results(
        ("model.p.int_people", "success", ""),
        ("model.p.alert_p01", "success", ""),
        ("test.p.not_null_alert_p01_evidence", "warn", "Got 1 result"),
        ("model.p.alert_s10", "error", "Conversion Error: Could not convert string '141002199001011232' to DECIMAL"),
        ("test.p.unique_alert_s10_subject", "skipped", ""),
    )
    holds = {h.rule_id: h for h in failed_rules(run, MANIFEST)}
    assert holds["P01"].kind == HoldKind.TESTS_FAILED and "not_null_alert_p01_evidence" in holds["P01"].engineer_detail
    assert holds["S10"].kind == HoldKind.MODEL_FAILED
    assert "141002199001011232" not in holds["S10"].engineer_detail, "the value dbt quotes is masked"


def test_a_failed_model_every_rule_relies_on_stops_the_month():
    with pytest.raises(NonRuleNodeFailed, match="int_people"):
        failed_rules(results(("model.p.int_people", "error", "boom")), MANIFEST)
