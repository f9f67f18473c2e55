"""Two consecutive months into one warehouse: alert identity and lifecycle (新增 / 持续 / 已解除),
overdue escalation, every month's categories kept, entries and exits."""

import csv
import shutil

import duckdb
import pytest

from bench.planted_scores import absent_alerts_raised, misrouted_alerts, planted_alert_scores

MONTHS = ["2023-06", "2023-07"]


@pytest.fixture(scope="module")
def two_months(city, month_runs):
    """June and July run into one warehouse (conftest.month_runs), read month by month."""
    scores, keys = {}, {}
    for month in MONTHS:
        with duckdb.connect(str(month_runs[month].warehouse), read_only=True) as con:
            truth = city[MONTHS.index(month)].truth_dir
            scores[month] = planted_alert_scores(con, truth, month)
            scores[month, "absent"] = absent_alerts_raised(con, truth, month)
            scores[month, "misrouted"] = misrouted_alerts(con, truth, month)
            keys[month] = keys_of_records_without_valid_id(con, city[MONTHS.index(month)].truth_dir)
    con = duckdb.connect(str(month_runs["2023-07"].warehouse), read_only=True)
    yield city, con, scores, keys
    con.close()


def keys_of_records_without_valid_id(con, truth_dir) -> dict[tuple, str]:
    """(feed, role, true person) -> (person key, match method), for the month's snapshot
    records whose ID is blank or damaged (their key cannot come from the ID)."""
    rows = con.execute(
        """
        SELECT l.feed_code, l.role, t.pid, any_value((rp.person_key, rp.match_method))
        FROM linkage_input.lnk_person_records l
        JOIN linkage.record_person rp USING (person_record_id)
        JOIN read_csv(?, all_varchar = true) t
          ON t.feed_code = l.feed_code AND t.source_file = l.source_file
         AND cast(t.source_row AS INTEGER) = l.source_row AND t.role = l.role
        WHERE l.id_number IS NULL
          AND l.feed_code IN ('medins_enrollment', 'hrss_insurance', 'civil_dibao', 'edu_students')
        GROUP BY ALL
        """,
        [str(truth_dir / "records.csv")],
    ).fetchall()
    return {(feed, role, pid): tuple(key_and_method) for feed, role, pid, key_and_method in rows}


def planted(generated, month):
    with open(generated[MONTHS.index(month)].truth_dir / "planted_alerts.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_every_planted_case_raises_its_alert_in_both_months(two_months):
    _, _, scores, _ = two_months
    for month in MONTHS:
        assert all(s.recall == 1 for s in scores[month]), [(month, s.rule_id) for s in scores[month] if s.recall < 1]


def test_ordinary_near_misses_raise_nothing_and_alerts_go_where_people_live(two_months):
    """A 单人保 member's relatives, a 特困 person's family, the dead, a household whose grant went
    to one member raise nothing; a person who moved is sent to the county she lives in now."""
    _, _, scores, _ = two_months
    for month in MONTHS:
        assert scores[month, "absent"] == [], month
        assert scores[month, "misrouted"] == [], month


def test_the_second_month_shows_new_ongoing_and_resolved_alerts(two_months):
    _, con, _, _ = two_months
    statuses = dict(
        con.execute("SELECT status, count(*) FROM main.alerts WHERE month = '2023-07' GROUP BY 1").fetchall()
    )
    assert statuses.get("新增", 0) > 0 and statuses.get("持续", 0) > 0 and statuses.get("已解除", 0) > 0


def test_a_person_without_a_valid_id_keeps_the_key_from_month_to_month(two_months):
    *_, keys = two_months
    june, july = keys["2023-06"], keys["2023-07"]
    linked = [k for k in june.keys() & july.keys() if june[k][1] != "singleton"]
    assert len(linked) >= 10, "records without a valid ID, linked to a person in June, delivered again in July"
    changed = [(june[k], july[k]) for k in linked if june[k][0] != july[k][0]]
    assert not changed, f"{len(changed)} of {len(linked)} linked records changed key: {changed[:3]}"
    assert any(method == "remembered" for _, method in july.values()), "some held by the memory of June's links"


def test_an_alert_keeps_its_identity_from_month_to_month(two_months):
    _, con, _, _ = two_months
    ongoing = con.execute("""
        SELECT a.alert_id, a.first_alert_month, h.month
        FROM main.alerts a JOIN main.alert_history h ON h.alert_id = a.alert_id AND h.month = '2023-06'
        WHERE a.status = '持续'""").fetchall()
    assert ongoing and all(first == "2023-06" for _, first, _ in ongoing)


def test_unanswered_emergencies_stay_open_and_fixed_cases_resolve(two_months):
    """June's emergencies (U01, U02, U04: 30-day windows) got no 临时救助 by 31 July: they stay
    open (持续), never 已解除 by the calendar; P01 cases whose insurance was put in place resolve."""
    _, con, _, _ = two_months
    by_status = con.execute(
        "SELECT rule_id, status FROM main.alerts WHERE rule_id IN ('U01', 'U02', 'U04', 'P01') "
        "AND first_alert_month = '2023-06' AND month = '2023-07'"
    ).fetchall()
    for rule in ("U01", "U02", "U04"):
        statuses = {status for r, status in by_status if r == rule}
        assert statuses and "已解除" not in statuses and "持续" in statuses, (rule, statuses)
    assert ("P01", "已解除") in by_status  # half of June's planted P01 cases had their insurance put in place


def test_an_overdue_alert_rises_one_level(two_months):
    _, con, _, _ = two_months
    rows = con.execute("""
        SELECT a.level, r.level AS catalogue_level, a.is_overdue
        FROM main.alerts a JOIN reference.alert_rules r USING (rule_id)
        WHERE a.status = '持续' AND a.rule_id IN ('P01', 'S04', 'S06')""").fetchall()
    assert rows and all(overdue for _, _, overdue in rows)
    assert all({"黄": "橙", "橙": "红", "红": "红"}[catalogue] == level for level, catalogue, _ in rows)


def test_every_month_keeps_its_categories_and_the_changes_are_recorded(two_months):
    _, con, _, _ = two_months
    months = [m for (m,) in con.execute("SELECT DISTINCT month FROM main.person_month ORDER BY 1").fetchall()]
    assert months == MONTHS
    changes = dict(con.execute("SELECT change, count(*) FROM main.category_changes GROUP BY 1").fetchall())
    assert changes.get("entered", 0) > 0
    assert con.execute("SELECT count(DISTINCT month) FROM main.alert_history").fetchall()[0][0] == 2


# What two runs of one month differ in though their results are the same: when they ran.
RUN_TIME_COLUMNS = {"loaded_at", "published_at", "generated_at", "run_started_at", "created_at"}


def table_contents(con, schema: str, table: str) -> list[tuple]:
    columns = [
        c
        for (c,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
            "ORDER BY ordinal_position",
            [schema, table],
        ).fetchall()
        if c not in RUN_TIME_COLUMNS
    ]
    listed = ", ".join(f'"{c}"' for c in columns)
    return con.execute(f'SELECT {listed} FROM "{schema}"."{table}" ORDER BY ALL').fetchall()


def test_the_next_month_scores_only_what_changed_and_gives_what_a_full_rerun_gives(month_runs, tmp_path):
    """July keeps June's scoring basis and its pairs of unchanged people, Splink scoring only
    the pairs of new or changed ones; July run again from June's warehouse with every pair
    scored by Splink (--rescore-all-pairs) gives the same person keys, pairs and marts."""
    from tests.conftest import run_monthly_command

    july = month_runs["2023-07"]
    warehouse = tmp_path / "warehouse" / "linfen.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(month_runs["2023-06"].warehouse, warehouse)
    code, _, err = run_monthly_command(
        july.month.landing_dir, "2023-07", warehouse, tmp_path / "out", "--rescore-all-pairs"
    )
    assert code == 0, err[-3000:]
    with (
        duckdb.connect(str(july.warehouse), read_only=True) as incremental,
        duckdb.connect(str(warehouse), read_only=True) as full,
    ):
        query = "SELECT basis_month, basis_drift, pairs, pairs_scored_afresh FROM linkage.scored_months WHERE month = ?"
        basis, drift, pairs, afresh = incremental.execute(query, ["2023-07"]).fetchone()
        assert basis == "2023-06" and 0 < drift <= 0.25, (basis, drift)
        assert 0 < afresh < pairs / 2, (afresh, pairs)
        assert full.execute(query, ["2023-07"]).fetchone() == (basis, drift, pairs, pairs)
        tables = [("linkage", "record_person"), ("linkage", "review_pairs")] + full.execute(
            "SELECT 'main', table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()
        for schema, table in tables:
            assert table_contents(incremental, schema, table) == table_contents(full, schema, table), table
