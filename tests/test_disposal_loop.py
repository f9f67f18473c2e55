"""The disposal loop (闭环) over June and July: one county fills in its June workbook and sends
it back in July, twice (tests/conftest.return_county_workbooks); July's run applies what can be
applied, reports the rest back on the county's July workbook, and moves each alert as domain.md
says: 已处置 on 不属实 / 已落实救助, open and no longer overdue on 已核实属实, open and overdue on
无法联系."""

import duckdb
import fastexcel
import pytest

JULY = "2023-07"


@pytest.fixture(scope="module")
def july(month_runs):
    con = duckdb.connect(str(month_runs[JULY].warehouse), read_only=True)
    yield month_runs["returned"], con, month_runs[JULY]
    con.close()


def test_every_disposal_that_can_be_applied_is_recorded_with_who_and_when(july):
    returned, con, _ = july
    applied = dict(con.execute("SELECT alert_id, disposal_status FROM raw.county_feedback").fetchall())
    assert applied == {alert_id: d.status for alert_id, d in returned.disposals.items()}
    who = con.execute("SELECT DISTINCT disposed_by FROM raw.county_feedback").fetchall()
    assert who == [("张科员",)]
    days = {d.day for (d,) in con.execute("SELECT disposal_date FROM raw.county_feedback").fetchall()}
    assert days == {15, 16, 17, 18}, "2023.7.15, 7月16日, 2023-07-17, 2023.7.18 all read as dates"


def test_a_row_that_cannot_be_applied_goes_back_to_its_county_with_the_reason(july):
    returned, con, run = july
    problems = con.execute("SELECT alert_id, reason FROM raw.feedback_problems ORDER BY source_row").fetchall()
    for alert_id, reason in returned.bad_rows:
        assert any(a == alert_id and r.startswith(reason) for a, r in problems), (alert_id, reason, problems)
    workbook = next((run.output / JULY).glob(f"{returned.county_code}_*.xlsx"))
    reader = fastexcel.read_excel(str(workbook))
    assert "反馈问题" in reader.sheet_names
    sheet = reader.load_sheet("反馈问题", dtypes="string").to_polars()
    assert len(sheet) == len(problems) and all(reason for reason in sheet["未采用原因"].to_list())


def test_each_disposal_moves_its_alert(july):
    returned, con, _ = july
    july_alerts = {
        a: (status, overdue)
        for a, status, overdue in con.execute(
            "SELECT alert_id, status, is_overdue FROM main.alerts WHERE month = ?", [JULY]
        ).fetchall()
    }
    raised_again = {a for (a,) in con.execute("SELECT alert_id FROM main.alerts_raised").fetchall()}
    expected = {"已核实不属实": ("已处置", False), "已落实救助": ("已处置", False), "已核实属实": ("持续", False)}
    expected["无法联系"] = ("持续", True)
    checked = 0
    for alert_id, disposal in returned.disposals.items():
        if alert_id in raised_again:  # the rule still finds it (a planted case that lasts)
            assert july_alerts[alert_id] == expected[disposal.status], (alert_id, disposal.status)
            checked += 1
    assert checked >= 2, "most planted cases last from June to July"


def test_an_open_alert_without_a_disposal_is_overdue_and_due_dates_count_from_publication(july):
    _, con, _ = july
    published = dict(con.execute("SELECT month, published_on FROM main.publication_log").fetchall())
    assert published["2023-06"].isoformat() == "2023-07-10", "a replayed month: the configured publication day"
    overdue = con.execute(
        "SELECT count(*) FILTER (WHERE is_overdue), count(*) FROM main.alerts a "
        "LEFT JOIN raw.county_feedback f USING (alert_id) "
        "WHERE a.status = '持续' AND a.first_alert_month = '2023-06' AND f.alert_id IS NULL"
    ).fetchall()[0]
    assert overdue[1] > 0 and overdue[0] == overdue[1], "June's alerts, due in July, nothing returned"
    new_due = con.execute("SELECT min(due_date) FROM main.alerts WHERE status = '新增'").fetchall()[0][0]
    assert new_due.isoformat() > "2023-08-10", "July's new alerts count from July's publication"


def test_the_department_and_city_workbooks_add_up_to_the_county_files(july):
    _, con, run = july
    folder = run.output / JULY

    def ids(path, sheet="预警明细"):  # a sheet with no alert says so on its first row, with no 预警编号
        column = fastexcel.read_excel(str(path)).load_sheet(sheet, dtypes="string").to_polars()["预警编号"]
        return column.drop_nulls().to_list()

    in_counties = {a for path in folder.glob("14*_*.xlsx") for a in ids(path)}
    in_departments = [a for path in (folder / "部门").glob("*.xlsx") for a in ids(path)]
    assert len(list((folder / "部门").glob("*.xlsx"))) == 8
    unknown = {a for (a,) in con.execute("SELECT alert_id FROM main.alerts WHERE county_code IS NULL").fetchall()}
    assert len(in_departments) == len(set(in_departments)), "each alert in one department's workbook"
    assert set(in_departments) == in_counties | unknown
    city = next((folder / "市级").glob("*.xlsx"))
    table = fastexcel.read_excel(str(city)).load_sheet("汇总", header_row=2).to_polars().head(17)
    open_alerts = con.execute(
        "SELECT count(*) FROM main.alerts WHERE status <> '已解除' AND county_code IS NOT NULL"
    ).fetchall()[0][0]
    assert int(table["合计"].sum()) == open_alerts
    assert set(ids(city, "区县不明")) == unknown
    total = fastexcel.read_excel(str(city)).load_sheet("汇总", header_row=2).to_polars().row(18, named=True)
    every_open = con.execute("SELECT count(*) FROM main.alerts WHERE status <> '已解除'").fetchall()[0][0]
    assert total["区县"] == "全市合计" and int(total["合计"]) == every_open, "the city's total counts 区县不明 too"


def test_the_workbook_shows_what_the_county_returned(july):
    returned, con, run = july
    workbook = next((run.output / JULY).glob(f"{returned.county_code}_*.xlsx"))
    sheet = fastexcel.read_excel(str(workbook)).load_sheet("预警明细", dtypes="string").to_polars()
    shown = dict(zip(sheet["预警编号"].to_list(), sheet["以往反馈（只读）"].to_list(), strict=True))
    recorded = dict(
        con.execute("SELECT alert_id, disposal_record FROM main.alerts WHERE disposal_record IS NOT NULL").fetchall()
    )
    on_this_file = {a: r for a, r in recorded.items() if a in shown}
    assert on_this_file and all(shown[a] == r for a, r in on_this_file.items())
