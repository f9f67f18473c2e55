"""Two consecutive months into one warehouse: alert identity and lifecycle (新增 / 持续 / 已解除),
overdue escalation, every month's categories kept, entries and exits."""

import contextlib
import csv
import io

import duckdb
import pytest

from synthetic.evaluate import planted_alert_scores
from synthetic.generate import generate_months

MONTHS = ["2023-06", "2023-07"]


@pytest.fixture(scope="module")
def two_months(tmp_path_factory):
    from orchestration.run import main

    base = tmp_path_factory.mktemp("months")
    generated = generate_months(base / "city", people=2500, months=[*MONTHS, "2023-08"], seed=13)
    warehouse = base / "w.duckdb"
    scores, keys = {}, {}
    for month in MONTHS:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(
                [
                    "--landing",
                    str(generated[0].landing_dir),
                    "--month",
                    month,
                    "--warehouse",
                    str(warehouse),
                    "--out",
                    str(base / "out"),
                ]
            )
        assert code == 0, err.getvalue()[-2000:]
        with duckdb.connect(str(warehouse), read_only=True) as con:
            scores[month] = planted_alert_scores(con, generated[MONTHS.index(month)].truth_dir, month)
            keys[month] = keys_of_records_without_valid_id(con, generated[MONTHS.index(month)].truth_dir)
    con = duckdb.connect(str(warehouse), read_only=True)
    yield generated, con, scores, keys
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


def test_short_window_events_expire_and_fixed_cases_resolve(two_months):
    _, con, _, _ = two_months
    resolved = {
        r for (r,) in con.execute("SELECT DISTINCT rule_id FROM main.alerts WHERE status = '已解除'").fetchall()
    }
    assert {"U01", "U02", "U04"} <= resolved  # 30-day windows: June's cases are over by 31 July
    assert "P01" in resolved  # half of June's planted P01 cases had their insurance put in place


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


def test_a_month_without_a_feed_runs_on_its_previous_snapshot_and_says_how_old_it_is(two_months, tmp_path):
    import shutil

    from orchestration.run import main

    generated, con, _, _ = two_months
    landing = generated[0].landing_dir
    for path in (landing / "2023-08").glob("civil_tekun*"):
        path.unlink()  # the August tekun roster did not arrive
    warehouse = tmp_path / "w.duckdb"
    shutil.copy(con.execute("PRAGMA database_list").fetchall()[0][2], warehouse)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(
            [
                "--landing",
                str(landing),
                "--month",
                "2023-08",
                "--warehouse",
                str(warehouse),
                "--out",
                str(tmp_path / "out"),
            ]
        )
    assert code == 0, err.getvalue()[-2000:]
    with duckdb.connect(str(warehouse), read_only=True) as aug:
        age = aug.execute(
            "SELECT last_delivered_month, age_months, is_stale FROM intermediate.int_feed_freshness "
            "WHERE feed_code = 'civil_tekun'"
        ).fetchall()
        tekun = aug.execute(
            "SELECT count(*) FROM main.person_month WHERE month = '2023-08' AND category = 'tekun'"
        ).fetchall()[0][0]
        evidence = aug.execute(
            "SELECT evidence FROM main.alerts WHERE rule_id = 'S05' AND status <> '已解除'"
        ).fetchall()
    assert age == [("2023-07", 1, False)]
    assert tekun > 0, "the July tekun roster stays in force"
    assert evidence and all("特困人员供养名册为1个月前交付" in e for (e,) in evidence)
