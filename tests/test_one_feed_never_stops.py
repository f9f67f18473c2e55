"""One feed never stops the city's month (feeds.md): August arrives with the 特困 roster
missing, the cadre-relatives workbook unreadable, a property file whose ID numbers fail the
blocking suite and one relation written in no known code list. The month is published; only
the rules of the turned-away feeds are held back, their open alerts 暂停."""

import csv
import io
import shutil

import duckdb
import fastexcel
import openpyxl
import pytest

from tests.conftest import run_monthly_command

AUGUST = "2023-08"


def break_the_delivery(folder):
    for path in folder.glob("civil_tekun*"):
        path.unlink()  # the tekun roster did not arrive
    (folder / "civil_tekun 2023年8月.csv").write_bytes(b"a file under a name no feed has")
    (folder / "civil_dibao__141082.csv").unlink()  # 霍州市's 低保 roster did not come
    (folder / "civil_cadre_relatives.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    path = folder / "housing_property.csv"  # hundreds of rows: the valid-ID share gate applies
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    id_column = next(i for i, h in enumerate(rows[0]) if "身份" in h or "证件" in h)
    for row in rows[1:]:
        row[id_column] = "12345"  # every ID number unusable: far below the 80% floor
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    workbook = openpyxl.load_workbook(folder / "rural_monitoring.xlsx")
    sheet = workbook.active
    header = next(r for r in sheet.iter_rows() if any(c.value == "与户主关系" for c in r))
    column = next(c.column for c in header if c.value == "与户主关系")
    sheet.cell(row=header[0].row + 1, column=column, value="之曾孙")  # in no code list
    workbook.save(folder / "rural_monitoring.xlsx")


def return_july_workbook_again(month_runs, landing):
    """The third month of the disposal loop: the county that returned June's workbook cannot
    reach the same person again, and says so on July's workbook in August."""
    from synthetic.county_staff import Disposal, return_workbook

    returned = month_runs["returned"]
    unreachable = next(a for a, d in returned.disposals.items() if d.status == "无法联系")
    july = next((month_runs["2023-07"].output / "2023-07").glob(f"{returned.county_code}_*.xlsx"))
    feedback = landing / AUGUST / "county_feedback" / july.name
    return_workbook(july, feedback, {unreachable: Disposal("无法联系", "2023.8.21")})


@pytest.fixture(scope="module")
def august(city, month_runs, tmp_path_factory):
    work = tmp_path_factory.mktemp("august")
    landing = work / "landing"
    shutil.copytree(city[2].landing_dir / AUGUST, landing / AUGUST)
    break_the_delivery(landing / AUGUST)
    warehouse = work / "warehouse.duckdb"
    shutil.copy(month_runs["2023-07"].warehouse, warehouse)
    return_july_workbook_again(month_runs, landing)
    code, out, err = run_monthly_command(landing, AUGUST, warehouse, work / "out")
    con = duckdb.connect(str(warehouse), read_only=True)
    yield code, out, err, con, work / "out" / AUGUST, month_runs["2023-07"].warehouse
    con.close()


def test_the_month_is_published_with_every_county(august):
    code, out, err, _, folder, _ = august
    assert code == 0, err[-3000:]
    assert len(list(folder.glob("*.xlsx"))) == 17


def test_the_terminal_says_what_was_turned_away_missing_and_unknown(august):
    _, _, err, *_ = august
    assert "TURNED AWAY  civil_cadre_relatives" in err and "unreadable_xlsx" in err
    assert "TURNED AWAY  housing_property" in err and "id_number_status" in err
    assert "MISSING      civil_tekun" in err and "2023-07" in err
    assert "UNKNOWN CODE rural_monitoring: relation_to_head: '之**' ×1" in err
    assert "NOT READ     civil_tekun 2023年8月.csv: no feed is named so" in err
    assert "PARTIAL      civil_dibao: no file for 141082; their previous roster stays in force" in err


def test_turned_away_feeds_keep_their_previous_delivery_in_force(august):
    _, _, _, con, *_ = august
    log = dict(con.execute("SELECT feed_code, status FROM raw.load_log WHERE delivery_month = ?", [AUGUST]).fetchall())
    assert log["civil_cadre_relatives"] == "rejected" and log["housing_property"] == "rejected"
    assert log["civil_tekun"] == "missing" and log["rural_monitoring"] == "loaded"
    months = con.execute("SELECT DISTINCT delivery_month FROM staging.stg_housing_property").fetchall()
    assert months == [("2023-07",)], "July's property register stays in force"
    unknown = con.execute(
        "SELECT count(*) FROM raw.rural_monitoring WHERE delivery_month = ? AND relation_to_head IS NULL "
        "AND row_issues LIKE '%unknown code%'",
        [AUGUST],
    ).fetchall()[0][0]
    assert unknown == 1, "the unknown relation is kept as unknown on its row"


def test_exactly_the_rules_of_turned_away_feeds_are_held_back_and_their_alerts_paused(august):
    _, _, _, con, _, july_warehouse = august
    held = {r for (r,) in con.execute("SELECT rule_id FROM main.held_back_rules").fetchall()}
    assert held == {"S01", "S04", "S06", "S09"}, (
        "housing_property → S04, civil_cadre_relatives → S06; the tekun roster is only a month old, "
        "which holds back only the rules that need this month's rosters (S01, S09)"
    )
    with duckdb.connect(str(july_warehouse), read_only=True) as july:
        open_in_july = {
            a
            for (a,) in july.execute(
                "SELECT alert_id FROM main.alerts WHERE rule_id IN ('S01', 'S04', 'S06', 'S09') AND status <> '已解除'"
            ).fetchall()
        }
    paused = dict(con.execute("SELECT alert_id, rule_id FROM main.alerts WHERE status = '暂停'").fetchall())
    assert open_in_july and set(paused) == open_in_july
    statuses = dict(
        con.execute(
            "SELECT status, count(*) FROM main.alerts WHERE rule_id NOT IN ('S01', 'S04', 'S06', 'S09') GROUP BY 1"
        ).fetchall()
    )
    assert statuses.get("新增", 0) + statuses.get("持续", 0) > 0, "every other rule's alerts are published"


def test_a_feed_missing_for_a_month_runs_on_its_previous_snapshot_and_says_how_old(august):
    _, _, _, con, *_ = august
    age = con.execute(
        "SELECT last_delivered_month, age_months, is_stale FROM intermediate.int_feed_freshness "
        "WHERE feed_code = 'civil_tekun'"
    ).fetchall()
    tekun = con.execute(
        "SELECT count(*) FROM main.person_month WHERE month = ? AND category = 'tekun'", [AUGUST]
    ).fetchall()[0][0]
    evidence = con.execute("SELECT evidence FROM main.alerts WHERE rule_id = 'S05' AND status <> '已解除'").fetchall()
    assert age == [("2023-07", 1, False)]
    assert tekun > 0, "the July tekun roster stays in force"
    assert evidence and all("特困人员供养名册为1个月前交付" in e for (e,) in evidence)


def test_every_workbook_names_the_feeds_turned_away_and_the_rules_held_back(august):
    *_, folder, _ = august
    for path in folder.glob("*.xlsx"):
        summary = fastexcel.read_excel(str(path)).load_sheet("汇总", header_row=None, dtypes="string").to_polars()
        text = "\n".join(v for column in summary.columns for v in summary[column].drop_nulls().to_list())
        assert "村（社区）干部及近亲属备案表：本月交付未通过质量检查" in text, path.name
        assert "规则S04暂停预警" in text and "规则S06暂停预警" in text, path.name


def test_a_county_whose_roster_file_did_not_come_keeps_its_previous_roster(august):
    _, _, _, con, folder, july_warehouse = august
    months = dict(
        con.execute("SELECT county_code, max(delivery_month) FROM staging.stg_civil_dibao GROUP BY 1").fetchall()
    )
    assert months["141082"] == "2023-07" and months["141002"] == AUGUST
    with duckdb.connect(str(july_warehouse), read_only=True) as july:
        members = july.execute("SELECT count(*) FROM staging.stg_civil_dibao WHERE county_code = '141082'").fetchall()
    kept = con.execute("SELECT count(*) FROM staging.stg_civil_dibao WHERE county_code = '141082'").fetchall()
    assert kept == members and members[0][0] > 0, "霍州市's households did not leave 低保"
    query = "SELECT count(*) FROM main.person_month WHERE month = ? AND county_code = '141082' AND category = 'dibao'"
    with duckdb.connect(str(july_warehouse), read_only=True) as july:
        dibao_in_july = july.execute(query, ["2023-07"]).fetchall()[0][0]
    dibao_in_august = con.execute(query, [AUGUST]).fetchall()[0][0]
    assert dibao_in_july > 0 and dibao_in_august >= 0.9 * dibao_in_july, (dibao_in_july, dibao_in_august)
    summary = fastexcel.read_excel(str(next(folder.glob("141082_*.xlsx")))).load_sheet("汇总", header_row=None)
    text = "\n".join(v for c in summary.to_polars().columns for v in summary.to_polars()[c].drop_nulls().cast(str))
    assert "低保对象花名册：霍州市本月未交付，沿用其上次交付的数据" in text


def test_the_third_month_of_the_disposal_loop(august, month_runs):
    """无法联系 in a second month sends the alert to the city list; an alert closed in July on
    the same evidence is not published again."""
    _, _, _, con, folder, _ = august
    returned = month_runs["returned"]
    unreachable = next(a for a, d in returned.disposals.items() if d.status == "无法联系")
    closed = [a for a, d in returned.disposals.items() if d.status in ("已核实不属实", "已落实救助")]
    city = dict(
        con.execute("SELECT alert_id, is_for_city FROM main.alerts WHERE alert_id = ?", [unreachable]).fetchall()
    )
    raised = {a for (a,) in con.execute("SELECT alert_id FROM main.alerts_raised").fetchall()}
    if unreachable in raised:
        assert city == {unreachable: True}
        sheet = fastexcel.read_excel(str(next((folder / "市级").glob("*.xlsx")))).load_sheet("市级督办").to_polars()
        assert unreachable in sheet["预警编号"].to_list()
    published = {a for (a,) in con.execute("SELECT alert_id FROM main.alerts").fetchall()}
    still_closed = [a for a in closed if a in raised]
    assert not set(still_closed) & published, "a closed alert on the same evidence is not published again"
