"""What the departments and the city get (domain.md): one workbook per department with its
alerts across all counties, one workbook for 市民政局 with the month's counts, a chart, the
alerts the city takes up (无法联系 twice) and those whose person has no known county; and the
month's entries, exits and category changes per county for the national platform."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import xlsxwriter

from publication.instructions import ReturnSettings, print_layout, return_deadline, write_instructions_sheet
from publication.workbooks import (
    ALERT_COLUMNS,
    alert_rows,
    feedback_problems,
    month_notes,
    to_workbook_row,
    write_detail_sheet,
    write_problems_sheet,
)
from reference import SEEDS_DIR, counties, month_end, table_exists

DEPARTMENT_FOLDER = "部门"
CITY_FOLDER = "市级"
PLATFORM_FOLDER = "国家平台上报"
# The national platform's batch-import template is not public here: these columns are the
# fields domain.md names (placeholder until the platform's own template is loaded).
PLATFORM_COLUMNS = ["区县代码", "区县", "姓名", "身份证号", "变动类型", "原类别", "现类别", "变动月份", "说明"]
CHANGE_LABELS = {"entered": "新纳入", "left": "退出", "changed": "类别变更"}


def alert_types() -> list[tuple[str, str]]:
    """The alert types of the rule catalogue (seed alert_rules), in the notice's order P N U S."""
    with open(SEEDS_DIR / "alert_rules.csv", encoding="utf-8") as f:
        types = {row["alert_type"]: row["alert_type_name"] for row in csv.DictReader(f)}
    return sorted(types.items(), key=lambda t: "PNUS".index(t[0]) if t[0] in "PNUS" else 9)


def departments() -> list[str]:
    """The departments the notice pushes warnings to (seed departments)."""
    with open(SEEDS_DIR / "departments.csv", encoding="utf-8") as f:
        return [row["department"] for row in csv.DictReader(f)]


def _formats(workbook: xlsxwriter.Workbook) -> dict:
    return {
        "title": workbook.add_format({"bold": True, "font_size": 14}),
        "header": workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}),
        "wrap": workbook.add_format({"text_wrap": True, "valign": "top"}),
        # a share under 0.05 % is not printed as 0.0 %: two decimals below 1 %, and none at zero
        "percent": workbook.add_format({"num_format": "[<0.01]0.00%;0.0%"}),
        "zero_share": workbook.add_format({"num_format": '"0"'}),
        "change": workbook.add_format({"num_format": "+0;-0;0"}),
    }


def write_alert_sheet(
    workbook: xlsxwriter.Workbook, name: str, alerts: list[dict], formats: dict, when_empty: str = "本月无预警"
) -> None:
    """Alerts across counties: the county first, then the county workbook's columns (IDs masked,
    every value as text); a sheet with none says so on its first row."""
    sheet = workbook.add_worksheet(name)
    if not alerts:
        sheet.write_string(1, 0, when_empty)
    county_names = {code: county for code, county, _ in counties()}
    headers = ["区县", *ALERT_COLUMNS]
    for col, header in enumerate(headers):
        sheet.write_string(0, col, header, formats["header"])
    for r, alert in enumerate(alerts, start=1):
        values = [county_names.get(alert["county_code"], "区县不明"), *to_workbook_row(alert)]
        for c, value in enumerate(values):
            sheet.write_string(r, c, str(value), formats["wrap"] if headers[c] == "预警依据" else None)
    sheet.autofilter(0, 0, max(len(alerts), 1), len(headers) - 1)
    sheet.freeze_panes(1, 2)
    sheet.set_column(0, 1, 16)
    sheet.set_column(3, 3, 22)
    sheet.set_column(headers.index("预警依据"), headers.index("预警依据"), 60)
    print_layout(sheet, repeat_header=True)


def write_department_workbook(
    path: Path,
    department: str,
    month: str,
    alerts: list[dict],
    notes: list[str] = (),
    published_on: date | None = None,
    first_published: dict[str, date] | None = None,
) -> None:
    """A department's alerts across the counties, with the disposal columns the counties have
    (the notice 二(三) pushes the warning to the department: it answers it the same way, its
    returned workbook read back like a county's, the department named as who disposed); the
    summary names the month's notes (feeds turned away, rules held back: their open alerts 暂停),
    the publication day and the return deadline; the 填报说明 sheet says how."""
    published_on = published_on or month_end(month)
    settings = ReturnSettings.from_environment()
    workbook = xlsxwriter.Workbook(str(path))
    formats = _formats(workbook)
    summary = workbook.add_worksheet("汇总")
    summary.write_string(0, 0, f"{department}低收入人口动态监测预警（{month}，全市）", formats["title"])
    summary.write_string(1, 0, f"推送本部门的预警：{len(alerts)}条" if alerts else "本月无推送本部门的预警")
    summary.write_string(
        2, 0,
        f"本表发布日：{published_on.isoformat()}（处置日期不得早于预警首次发布日）；"
        f"请于 {return_deadline(published_on, settings).isoformat()} 前反馈，填法和报送方式见“填报说明”表。",
    )  # fmt: skip
    for r, note in enumerate(notes, start=3):
        summary.write_string(r, 0, note)
    top = 4 + len(notes)
    names = {code: county for code, county, _ in counties()}
    by_county = Counter(names.get(a["county_code"], "区县不明") for a in alerts)
    summary.write_string(top, 0, "区县", formats["header"])
    summary.write_string(top, 1, "条数", formats["header"])
    for r, (county, count) in enumerate(sorted(by_county.items()), start=top + 1):
        summary.write_string(r, 0, county)
        summary.write_number(r, 1, count)
    summary.set_column(0, 0, 28)
    print_layout(summary)
    rows = [to_workbook_row(a) for a in alerts]
    days = [(first_published or {}).get(a["alert_id"], published_on) for a in alerts]
    places = [names.get(a["county_code"], "区县不明") for a in alerts]
    write_detail_sheet(workbook, "预警明细", rows, days, ("区县", places), "本月无推送本部门的预警")
    write_instructions_sheet(workbook, department, published_on, settings)
    workbook.close()


def county_table(alerts: list[dict], previous: dict[str | None, int] | None = None) -> list[list]:
    """Per county, then those of no known county and the city's total: alerts by type (not
    已解除), total, the change against the last published month's total (`previous`, county code
    -> total, "*" the city's; None: no month published before), overdue share, disposal share
    (this episode)."""
    rows, types = [], alert_types()
    places = [*counties(), (None, "区县不明", 0), ("*", "全市合计", 0)]
    for code, name, _ in places:
        mine = [a for a in alerts if code in ("*", a["county_code"]) and a["status"] != "已解除"]
        by_type = Counter(a["type_code"] for a in mine)
        overdue = sum(1 for a in mine if a["is_overdue"])
        disposed = sum(1 for a in mine if a["disposal_record"] and not a["disposal_record"].startswith("上次"))
        total = len(mine)
        change = None if previous is None else total - previous.get(code, 0)
        rows.append(
            [name, *[by_type.get(t, 0) for t, _ in types], total, change, overdue / total if total else 0.0,
             disposed / total if total else 0.0]
        )  # fmt: skip
    return rows


def previous_totals(con: duckdb.DuckDBPyConnection, month: str) -> tuple[str | None, dict[str | None, int] | None]:
    """The last month published before this one and its alerts (not 已解除) per county code (None:
    no known county; "*": the city), as its workbooks showed them."""
    if not table_exists(con, "main", "publication_log") or not table_exists(con, "main", "alert_history"):
        return None, None
    last = con.execute("SELECT max(month) FROM main.publication_log WHERE month < ?", [month]).fetchall()[0][0]
    if last is None:
        return None, None
    counts = con.execute(
        # the month's raised and open alerts (its resolved ones are not in the history)
        "SELECT county_code, count(*) FROM main.alert_history WHERE month = ? GROUP BY 1",
        [last],
    ).fetchall()
    totals: dict[str | None, int] = dict(counts)
    totals["*"] = sum(totals.values())
    return last, totals


def write_city_workbook(
    path: Path,
    month: str,
    alerts: list[dict],
    notes: list[str] = (),
    problems: list[tuple] = (),
    previous: tuple[str | None, dict[str | None, int] | None] = (None, None),
) -> None:
    """市民政局's overview: counts by county and type (with a chart; the city's total and the
    alerts of no known county in the table), by rule and by status, overdue and disposal shares
    per county; the month's notes (feeds turned away, rules held back); the city's list; the
    alerts without a county; the returned files that name no county (反馈问题)."""
    workbook = xlsxwriter.Workbook(str(path))
    formats = _formats(workbook)
    summary = workbook.add_worksheet("汇总")
    summary.write_string(0, 0, f"临汾市低收入人口动态监测预警汇总（{month}）", formats["title"])
    for r, note in enumerate(notes, start=1):
        summary.write_string(r, 0, note)
    top = len(notes)
    last_month, last_totals = previous
    change = f"较{last_month}增减" if last_month else "较上月增减"
    headers = [
        "区县",
        *[f"{t} {name}" for t, name in alert_types()],
        "合计",
        change,
        "逾期未反馈占比",
        "已反馈处置占比",
    ]
    for col, header in enumerate(headers):
        summary.write_string(top + 2, col, header, formats["header"])
    table = county_table(alerts, last_totals)
    for r, row in enumerate(table, start=top + 3):
        summary.write_string(r, 0, row[0])
        for c, value in enumerate(row[1:], start=1):
            if value is None:
                summary.write_string(r, c, "—（此前无发布）")
            elif c >= len(headers) - 2:
                summary.write_number(r, c, value, formats["percent"] if value else formats["zero_share"])
            else:
                summary.write_number(r, c, value, formats["change"] if headers[c] == change else None)
    last = top + len(table)  # the chart leaves out the city's total (the table's last row)
    chart = workbook.add_chart({"type": "column", "subtype": "stacked"})
    for c, (t, name) in enumerate(alert_types(), start=1):
        chart.add_series(
            {
                "name": f"{t} {name}",
                "categories": ["汇总", top + 3, 0, last + 1, 0],
                "values": ["汇总", top + 3, c, last + 1, c],
            }
        )
    chart.set_title({"name": "各区县预警（不含已解除）"})
    chart.set_y_axis({"name": "条数"})
    chart.set_size({"width": 760, "height": 340})
    summary.insert_chart(last + 4, 0, chart)
    line = last + 24
    for label, key in (("按预警规则", "rule"), ("按状态", "status"), ("按推送部门", "department")):
        summary.write_string(line, 0, label, formats["header"])
        summary.write_string(line, 1, "条数", formats["header"])
        line += 1
        for value, count in sorted(Counter(a[key] for a in alerts).items()):
            summary.write_string(line, 0, str(value))
            summary.write_number(line, 1, count)
            line += 1
        line += 1
    summary.set_column(0, 0, 26)
    summary.set_column(1, len(headers) - 1, 14)
    print_layout(summary)
    write_alert_sheet(workbook, "市级督办", [a for a in alerts if a["is_for_city"]], formats, "本月无督办事项")
    unknown = [a for a in alerts if a["county_code"] is None]
    write_alert_sheet(workbook, "区县不明", unknown, formats, "本月无区县不明的预警")
    if problems:
        write_problems_sheet(workbook, list(problems), formats["header"])
    workbook.close()


def platform_changes(con: duckdb.DuckDBPyConnection, month: str) -> list[dict]:
    """The month's entries, exits and category changes, per person, for the national platform."""
    result = con.execute(
        """
        SELECT coalesce(now.county_code, before.county_code) AS county_code,
               coalesce(now.person_name, before.person_name) AS person_name,
               coalesce(now.id_number, before.id_number) AS id_number,
               changes.change, changes.previous_category_label, changes.category_label
        FROM main.category_changes AS changes
        LEFT JOIN main.person_month AS now ON now.person_key = changes.person_key AND now.month = changes.month
        LEFT JOIN main.person_month AS before
            ON before.person_key = changes.person_key
            AND before.month = (SELECT max(month) FROM main.person_month WHERE month < ?)
        WHERE changes.month = ?
        ORDER BY 1, 2
        """,
        [month, month],
    )
    columns = [c[0] for c in result.description]
    return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]


def write_platform_file(path: Path, county_code: str, county_name: str, month: str, changes: list[dict]) -> None:
    """The import file of one county: the full ID number, which the platform matches on (this
    file goes to the platform, not to the county's staff)."""
    workbook = xlsxwriter.Workbook(str(path))
    formats = _formats(workbook)
    sheet = workbook.add_worksheet("变动人员")
    for col, header in enumerate(PLATFORM_COLUMNS):
        sheet.write_string(0, col, header, formats["header"])
    for r, change in enumerate(changes, start=1):
        values = [
            county_code,
            county_name,
            change["person_name"] or "",
            change["id_number"] or "",
            CHANGE_LABELS[change["change"]],
            change["previous_category_label"] or "",
            change["category_label"] or "",
            month,
            "" if change["id_number"] else "无有效身份证号，需人工核对",
        ]
        for c, value in enumerate(values):
            sheet.write_string(r, c, value)
    sheet.set_column(0, len(PLATFORM_COLUMNS) - 1, 16)
    notes = workbook.add_worksheet("说明")
    notes.write_string(
        0, 0, "模板为占位：列为本市监测所需的字段，待国家低收入人口动态监测信息平台的批量导入模板到位后替换。"
    )
    workbook.close()


def write_overviews(
    con: duckdb.DuckDBPyConnection,
    month: str,
    staging: Path,
    published_on: date | None = None,
    first_published: dict[str, date] | None = None,
) -> list[Path]:
    """The department workbooks, the city workbook and the platform files, in their folders of
    the staged month."""
    alerts = alert_rows(con, month)
    notes = month_notes(con, month)
    written = []
    folder = staging / DEPARTMENT_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    for department in departments():
        path = folder / f"{department}_低收入人口监测预警_{month}.xlsx"
        mine = [a for a in alerts if a["department"] == department]
        write_department_workbook(path, department, month, mine, notes, published_on, first_published)
        written.append(path)
    folder = staging / CITY_FOLDER
    folder.mkdir(exist_ok=True)
    path = folder / f"市民政局_低收入人口监测预警汇总_{month}.xlsx"
    write_city_workbook(path, month, alerts, notes, feedback_problems(con, month, None), previous_totals(con, month))
    written.append(path)
    folder = staging / PLATFORM_FOLDER
    folder.mkdir(exist_ok=True)
    changes = platform_changes(con, month)
    for code, name, _ in counties():
        path = folder / f"{code}_{name}_低收入人口变动_{month}.xlsx"
        write_platform_file(path, code, name, month, [c for c in changes if c["county_code"] == code])
        written.append(path)
    return written
