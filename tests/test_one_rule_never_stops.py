"""One rule never stops the city (the rule gate, expectations/rule_gate.py). After the session's
June and July, August arrives with 45 people of 尧都区 reported by 应急管理局 with collapsed
houses (U01 jumps from a handful of alerts to 45, past three times its floor of 10), one of
them with no 灾害种类, and one 医保 enrolment row whose ID and 参保状态 columns are swapped.
August is published with U01 alone held back (its July alerts 暂停, named on every summary
sheet and on the terminal); rerun with the jump approved, U01 is published too."""

import csv
import io
import shutil

import duckdb
import fastexcel
import pytest

from tests.conftest import run_monthly_command

AUGUST = "2023-08"
VICTIMS = 45


def read_csv(path):
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return list(csv.reader(io.StringIO(raw.decode(encoding)))), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError(f"{path} is neither UTF-8 nor GB18030")


def write_csv(path, rows, encoding):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


def position(feed, column):
    """A column's place in a delivered file: departments keep the catalogue's column order,
    whatever they call the headers this month."""
    from ingestion.catalogue import FEEDS_BY_CODE

    return [c.name for c in FEEDS_BY_CODE[feed].columns].index(column)


def plant_a_jump_and_a_blank(folder):
    roster, _ = read_csv(folder / "civil_dibao__141002.csv")
    name, id_number = position("civil_dibao", "member_name"), position("civil_dibao", "member_id_number")
    township, village = position("civil_dibao", "township"), position("civil_dibao", "village")
    people = list({row[id_number]: row for row in roster[1:]}.values())[:VICTIMS]
    assert len(people) == VICTIMS, "the test city's 尧都区 roster is large enough"
    disasters, encoding = read_csv(folder / "emergency_disaster.csv")
    for i, person in enumerate(people):
        kind = "" if i == 0 else "洪涝"  # one report without 灾害种类: U01 quotes it
        number = f"ZQ20230899{i:05d}"
        disasters.append(
            [
                number,
                "尧都区",
                person[township],
                person[village],
                person[name],
                person[id_number],
                kind,
                "2023-08-20",
                "房屋倒塌",
                "",
            ]  # fmt: skip
        )
    write_csv(folder / "emergency_disaster.csv", disasters, encoding)
    enrolment, encoding = read_csv(folder / "medins_enrollment.csv")
    id_column, status_column = (
        position("medins_enrollment", "id_number"),
        position("medins_enrollment", "enrolment_status"),
    )
    row = enrolment[1]
    row[id_column], row[status_column] = row[status_column], row[id_column]  # columns swapped by hand
    write_csv(folder / "medins_enrollment.csv", enrolment, encoding)


@pytest.fixture(scope="module")
def august_runs(city, month_runs, tmp_path_factory):
    """August run once as delivered, then again with U01's jump approved."""
    work = tmp_path_factory.mktemp("august_rules")
    landing = work / "landing"
    shutil.copytree(city[2].landing_dir / AUGUST, landing / AUGUST)
    plant_a_jump_and_a_blank(landing / AUGUST)
    warehouse = work / "warehouse.duckdb"
    shutil.copy(month_runs["2023-07"].warehouse, warehouse)
    runs = {}
    for name, options in (("held", ()), ("approved", ("--approve-count-jump", "U01"))):
        output = work / f"out-{name}"  # each run's workbooks kept apart, to read both
        code, out, err = run_monthly_command(landing, AUGUST, warehouse, output, *options)
        kept = work / f"{name}.duckdb"
        shutil.copy(warehouse, kept)
        runs[name] = (code, out, err, kept, output / AUGUST)
    return runs


def query(path, sql, *parameters):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, list(parameters)).fetchall()


def summary_text(folder):
    path = next(folder.glob("141002_*.xlsx"))
    sheet = fastexcel.read_excel(str(path)).load_sheet("汇总", header_row=None).to_polars()
    return "\n".join(str(v) for c in sheet.columns for v in sheet[c].drop_nulls().to_list())


def test_the_month_is_published_with_exactly_the_jumping_rule_held_back(august_runs):
    code, out, err, warehouse, folder = august_runs["held"]
    assert code == 0, err[-3000:]
    assert len(list(folder.glob("*.xlsx"))) == 17
    held = query(warehouse, "SELECT rule_id, hold_kinds FROM main.held_back_rules WHERE month = ?", AUGUST)
    assert held == [("U01", "count_jump")]
    ((baseline, before, now, decision),) = query(
        warehouse,
        "SELECT baseline_month, baseline_count, this_month_count, decision FROM main.rule_decisions "
        "WHERE month = ? AND rule_id = 'U01'",
        AUGUST,
    )
    assert (baseline, decision) == ("2023-07", "held_back") and now > 3 * max(before, 10)
    assert "HELD BACK    rule U01" in err and "1 rules held back" in out


def test_the_held_back_rules_open_alerts_are_paused_and_nothing_new_is_raised(august_runs, month_runs):
    *_, warehouse, _ = august_runs["held"]
    july_open = query(
        month_runs["2023-07"].warehouse,
        "SELECT alert_id FROM main.alerts WHERE month = '2023-07' AND rule_id = 'U01' AND status IN ('新增', '持续')",
    )
    august = query(warehouse, "SELECT alert_id, status FROM main.alerts WHERE month = ? AND rule_id = 'U01'", AUGUST)
    assert july_open and sorted(august) == sorted((a, "暂停") for (a,) in july_open)
    others = query(
        warehouse, "SELECT count(DISTINCT rule_id) FROM main.alerts WHERE month = ? AND status <> '暂停'", AUGUST
    )
    assert others[0][0] >= 20, "every other rule is published"


def test_every_summary_sheet_names_the_held_back_rule(august_runs):
    *_, folder = august_runs["held"]
    text = summary_text(folder)
    assert "规则U01暂停预警" in text and "待市局核准后发布" in text


def test_a_quoted_value_missing_leaves_the_evidence_a_text(august_runs):
    *_, warehouse, _ = august_runs["held"]
    assert not query(warehouse, "SELECT 1 FROM main.alerts WHERE month = ? AND evidence IS NULL", AUGUST)
    assert not query(warehouse, "SELECT 1 FROM main.held_back_rules WHERE month = ? AND rule_id = 'P01'", AUGUST)
    # the report's 灾害种类 left blank: the date is followed by the quoted blank (an unpaid amount is quoted too)
    blank = query(
        warehouse,
        "SELECT evidence FROM alert_rules.alert_u01 WHERE regexp_matches(evidence, '\\d{4}-\\d{2}-\\d{2}（未填）')",
    )
    assert len(blank) == 1, "the report without 灾害种类 is quoted as （未填）"


def test_the_approved_jump_is_published_on_the_rerun(august_runs):
    code, out, err, warehouse, folder = august_runs["approved"]
    assert code == 0, err[-3000:]
    assert not query(warehouse, "SELECT rule_id FROM main.held_back_rules WHERE month = ?", AUGUST)
    decision = query(warehouse, "SELECT decision FROM main.rule_decisions WHERE month = ? AND rule_id = 'U01'", AUGUST)
    assert decision == [("approved_jump",)]
    raised = query(
        warehouse, "SELECT count(*) FROM main.alerts WHERE month = ? AND rule_id = 'U01' AND status = '新增'", AUGUST
    )
    assert raised[0][0] > 30, "the 45 reports of collapsed houses, but for people already helped"
    assert "规则U01暂停预警" not in summary_text(folder) and "HELD BACK" not in err
