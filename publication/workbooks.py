"""County alert workbooks: one Chinese workbook per county and month (domain.md, "What the
counties get"), with that county's alerts only, ID numbers masked, grouped by household
(一户一条救助链), and empty columns for the county to record its disposal."""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import fastexcel
import pandas as pd
import xlsxwriter
import xlsxwriter.utility

from expectations.suites import published_text_suite, published_workbooks_suite
from expectations.validate import validate_frame
from ingestion.feedback import DISPOSAL_STATUSES
from publication.instructions import (
    NO_HOUSEHOLD,
    UNKNOWN_PLACE,
    ReturnSettings,
    print_layout,
    return_deadline,
    write_instructions_sheet,
)
from reference import (
    NO_VALID_ID,
    counties,
    fold_text,
    id_shapes,
    mask_id,
    mask_id_shapes,
    month_end,
    table_exists,
)

OVERDUE_MARK = "（已逾期）"
ALERT_COLUMNS = [
    "预警编号",
    "预警类型",
    "预警规则",
    "预警等级",
    "推送部门",
    "乡镇（街道）",
    "村（社区）",
    "户编号",
    "姓名",
    "身份证号",
    "监测类别",
    "预警依据",
    "数据截止日期",
    "首次预警月份",
    "状态",
    "处置时限",
    "以往反馈（只读）",  # what was returned before (an earlier month's disposal), read-only
]
PREVIOUS_DISPOSAL = "以往反馈（只读）"
LEVEL_ORDER = ("红", "橙", "黄")  # what to do first: the notice's levels, highest first

DISPOSAL_COLUMNS = ["处置状态", "处置说明", "处置日期", "处置人"]
DISPOSAL_CHOICES = list(DISPOSAL_STATUSES)
SUMMARY_DIMENSIONS = [
    ("预警类型", "预警类型"),
    ("预警规则", "预警规则"),
    ("预警等级", "预警等级"),
    ("推送部门", "推送部门"),
    ("状态", "状态"),
]


@dataclass
class CountyWorkbook:
    county_code: str
    county_name: str
    path: Path
    alerts: int


def alert_rows(con: duckdb.DuckDBPyConnection, month: str) -> list[dict]:
    """The month's alerts as workbook rows, households kept together."""
    result = con.execute(
        """
        SELECT alert_id, alert_type || ' ' || alert_type_name AS alert_type, rule_id || ' ' || rule_name AS rule,
               level, department, township, village, household_number, household_key, subject_name,
               subject_id_number, category_label,
               -- a paused alert says why on its own row: the rule's hold, city-wide or in its county
               CASE WHEN status = '暂停' THEN '【本月暂停：' || coalesce(city.message, county.message, '规则暂停预警')
                   || '】' ELSE '' END || evidence AS evidence,
               data_as_of, first_alert_month, status, due_date,
               is_overdue, disposal_record, is_for_city, alert_type AS type_code, county_code, also_county_codes
        FROM main.alerts AS alerts
        LEFT JOIN main.held_back_rules AS city USING (month, rule_id)
        LEFT JOIN main.held_back_county_rules AS county USING (month, rule_id, county_code)
        WHERE alerts.month = ?
        ORDER BY county_code NULLS LAST, township NULLS LAST, village NULLS LAST, household_key, rule_id, alert_id
        """,
        [month],
    )
    columns = [c[0] for c in result.description]
    return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]


def alert_counties(alert: dict) -> list[str]:
    """The counties whose workbook holds the alert: the person's own, and for a rule routed to
    every roster county (seed rule_routing, S05) the other counties that list the person."""
    others = [c for c in (alert.get("also_county_codes") or "").split(",") if c]
    return [alert["county_code"], *others]


def to_workbook_row(alert: dict) -> list:
    """The alert as the county sees it: the ID masked, and any ID number in the other values
    (evidence quoting a delivered value, what the county typed into 处置人 shown in 已反馈处置,
    in full-width digits or spaced) masked too; in 户编号 a household number stays (a rural
    户编码 has 15 digits) but a head's ID number used as the household's is masked."""
    household = ALERT_COLUMNS.index("户编号")
    return [
        mask_id_shapes(v, household_number=i == household) if isinstance(v, str) else v
        for i, v in enumerate(_row_values(alert))
    ]


def _row_values(alert: dict) -> list:
    return [
        alert["alert_id"],
        alert["alert_type"],
        alert["rule"],
        alert["level"],
        alert["department"],
        alert["township"] or UNKNOWN_PLACE,
        alert["village"] or UNKNOWN_PLACE,
        alert["household_number"] or NO_HOUSEHOLD,
        alert["subject_name"] or "",
        mask_id(alert["subject_id_number"]) or NO_VALID_ID,
        alert["category_label"],
        alert["evidence"],
        alert["data_as_of"].isoformat() if alert["data_as_of"] else "",
        alert["first_alert_month"] or "",
        alert["status"],
        (alert["due_date"].isoformat() + (OVERDUE_MARK if alert.get("is_overdue") else ""))
        if alert["due_date"]
        else "",
        alert.get("disposal_record") or "",
    ]


def month_notes(con: duckdb.DuckDBPyConnection, month: str, county_code: str | None = None) -> list[str]:
    """What a county must know about the month's data: feeds turned away or not delivered (the
    previous delivery in force), the rules held back (their open alerts 暂停), and those held
    back in this county alone because its own roster file did not come."""
    notes = []
    feeds = con.execute(
        """
        SELECT f.title, l.status, l.reason
        FROM raw.load_log AS l JOIN reference.feeds AS f USING (feed_code)
        WHERE l.delivery_month = ? AND l.status IN ('rejected', 'missing')
        ORDER BY l.status DESC, l.feed_code
        """,
        [month],
    ).fetchall()
    for title, status, _ in feeds:
        what = "本月交付未通过质量检查，未予采用" if status == "rejected" else "本月未交付"
        notes.append(f"{title}：{what}，沿用上次交付的数据")
    names = {code: name for code, name, _ in counties()}
    partial = con.execute(
        """
        SELECT f.title, l.missing_counties
        FROM raw.load_log AS l JOIN reference.feeds AS f USING (feed_code)
        WHERE l.delivery_month = ? AND l.status = 'loaded' AND l.missing_counties IS NOT NULL
        ORDER BY l.feed_code
        """,
        [month],
    ).fetchall()
    for title, missing in partial:
        places = "、".join(names.get(code, code) for code in missing.split(","))
        notes.append(f"{title}：{places}本月未交付，沿用其上次交付的数据")
    held = con.execute("SELECT message FROM main.held_back_rules WHERE month = ? ORDER BY rule_id", [month]).fetchall()
    if county_code is not None:
        held += con.execute(
            "SELECT message FROM main.held_back_county_rules WHERE month = ? AND county_code = ? ORDER BY rule_id",
            [month, county_code],
        ).fetchall()
    notes += [f"{message}；该规则原有预警状态为“暂停”" for (message,) in held]
    return notes


def work_order(row: list) -> tuple:
    """What to do first: 红, 橙, 黄; overdue first within a level; the earliest due date; then
    the household's alerts together (一户一条救助链: the place and 户编号 as published)."""
    level = row[ALERT_COLUMNS.index("预警等级")]
    due = str(row[ALERT_COLUMNS.index("处置时限")])
    places = [str(row[ALERT_COLUMNS.index(c)]) for c in ("乡镇（街道）", "村（社区）", "户编号")]
    return (
        LEVEL_ORDER.index(level) if level in LEVEL_ORDER else len(LEVEL_ORDER),
        not due.endswith(OVERDUE_MARK),
        due[:10] or "9999",
        *places,
        str(row[0]),
    )


def summary_order(column: str, value: object) -> tuple:
    if column == "预警等级" and value in LEVEL_ORDER:
        return (LEVEL_ORDER.index(value), "")
    return (len(LEVEL_ORDER), str(value))


def is_overdue_row(row: list) -> bool:
    return str(row[ALERT_COLUMNS.index("处置时限")]).endswith(OVERDUE_MARK)


# printed on A4 landscape, one page wide: the widths of the alert columns (characters); the
# long ones wrap, the read-only codes stay narrow
DETAIL_WIDTHS = {
    "预警编号": 11, "预警类型": 7, "预警规则": 13, "预警等级": 5, "推送部门": 7, "乡镇（街道）": 9,
    "村（社区）": 9, "户编号": 14, "姓名": 7, "身份证号": 16, "监测类别": 7, "预警依据": 32,
    "数据截止日期": 9, "首次预警月份": 7, "状态": 5, "处置时限": 10, PREVIOUS_DISPOSAL: 13,
    "处置状态": 11, "处置说明": 14, "处置日期": 10, "处置人": 7,
}  # fmt: skip


def shown_lines(text: str, width: float) -> int:
    """How many lines `text` takes wrapped in a column `width` characters wide at 9 pt (a CJK
    character is two wide): the row height is set from it, as LibreOffice and WPS do not grow a
    row for wrapped text written by xlsxwriter."""
    wide = sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
    return max(1, -(-wide // max(int(width * 1.15), 1)))


def write_detail_sheet(
    workbook: xlsxwriter.Workbook,
    name: str,
    rows: list[list],
    first_published: list[date],
    lead: tuple[str, list[str]] | None = None,
    when_empty: str | None = None,
) -> None:
    """The alerts with the four disposal columns to fill in (the rest locked), in work order,
    overdue rows on red; each row's 处置日期 accepts no day before the alert's first publication.
    `lead`: a column put first (the department's sheets: 区县) and its value per row."""
    small = {"font_size": 9, "valign": "top", "text_wrap": True, "border": 1, "border_color": "#BFBFBF"}
    header = workbook.add_format({**small, "bold": True, "bg_color": "#DDEBF7"})
    to_fill = workbook.add_format({**small, "bold": True, "bg_color": "#FFF2CC"})
    plain = workbook.add_format(small)
    late = workbook.add_format({**small, "bg_color": "#FFC7CE", "font_color": "#9C0006"})
    late_due = workbook.add_format({**small, "bg_color": "#FFC7CE", "font_color": "#9C0006", "bold": True})
    fillable = workbook.add_format({**small, "locked": False, "bg_color": "#FFFBEA"})
    date_fillable = workbook.add_format({**small, "locked": False, "bg_color": "#FFFBEA", "num_format": "yyyy-mm-dd"})
    sheet = workbook.add_worksheet(name)
    order = sorted(range(len(rows)), key=lambda i: work_order(rows[i]))
    headers = ([lead[0]] if lead else []) + ALERT_COLUMNS
    shift = len(headers) - len(ALERT_COLUMNS)
    due_at = headers.index("处置时限")
    for col, title in enumerate(headers):
        sheet.write_string(0, col, title, header)
    for col, title in enumerate(DISPOSAL_COLUMNS, start=len(headers)):
        sheet.write_string(0, col, title, to_fill)
    by_day: dict[date, list[int]] = {}
    for r, i in enumerate(order, start=1):
        row = rows[i]
        style = late if is_overdue_row(row) else plain
        values = ([lead[1][i]] if lead else []) + [str(v) for v in row]
        for c, value in enumerate(values):
            sheet.write_string(r, c, value, late_due if style is late and c == due_at else style)
        lines = max(shown_lines(v, DETAIL_WIDTHS.get(t, 7)) for v, t in zip(values, headers, strict=True))
        sheet.set_row(r, 12 * lines + 2)
        for c in range(len(headers), len(headers) + len(DISPOSAL_COLUMNS)):
            sheet.write_blank(
                r, c, None, date_fillable if DISPOSAL_COLUMNS[c - len(headers)] == "处置日期" else fillable
            )
        by_day.setdefault(first_published[i], []).append(r)
    if not rows and when_empty:  # not in a county's book: the gate reads its 预警编号 column
        sheet.write_string(1, 0, when_empty)
    last = max(len(rows), 1)
    status_col = len(headers)
    date_col = status_col + DISPOSAL_COLUMNS.index("处置日期")
    sheet.data_validation(
        1, status_col, last, status_col,
        {"validate": "list", "source": DISPOSAL_CHOICES, "error_title": "处置状态",
         "error_message": "请从下拉选项中选择：" + "、".join(DISPOSAL_CHOICES)},
    )  # fmt: skip
    for day, lines in sorted(by_day.items()):
        cells = " ".join(xlsxwriter.utility.xl_rowcol_to_cell(r, date_col) for r in lines)
        sheet.data_validation(
            lines[0], date_col, lines[0], date_col,
            {"validate": "date", "criteria": ">=", "value": day, "multi_range": cells,
             "input_title": "处置日期", "input_message": f"不早于{day.isoformat()}（预警首次发布日）",
             "error_title": "处置日期", "error_message": f"处置日期不得早于预警首次发布日 {day.isoformat()}"},
        )  # fmt: skip
    sheet.autofilter(0, 0, last, len(headers) + len(DISPOSAL_COLUMNS) - 1)
    sheet.freeze_panes(1, shift + 1)
    for c, title in enumerate([*headers, *DISPOSAL_COLUMNS]):
        sheet.set_column(c, c, DETAIL_WIDTHS.get(title, 7))
    print_layout(sheet, repeat_header=True)
    sheet.set_row(0, 30)
    # no password: the lock keeps the published columns as published, not people out; Excel
    # does not sort a protected sheet's locked cells: filtering works
    sheet.protect(
        "",
        {"autofilter": True, "sort": True, "format_columns": True, "format_rows": True, "select_locked_cells": True},
    )


def write_county_workbook(
    path: Path,
    county_name: str,
    month: str,
    rows: list[list],
    notes: list[str] = (),
    version: str = "",
    problems: list[tuple] = (),
    published_on: date | None = None,
    first_published: dict[str, date] | None = None,
) -> None:
    """The county's workbook: a summary sheet, the alerts, the 填报说明 (what to fill in, by when,
    where it goes back), the report on returned rows. Every value is written as text (a name
    beginning with = is never a formula); the sheet is protected without a password, so that
    only the disposal columns can be filled in, while filtering still works. `published_on`:
    the publication day disposals are checked against (a workbook written outside a run: the
    month end, as the reader falls back to); `first_published`: per alert first published in
    an earlier month, that day."""
    published_on = published_on or month_end(month)
    days = [(first_published or {}).get(r[0], published_on) for r in rows]
    settings = ReturnSettings.from_environment()
    workbook = xlsxwriter.Workbook(str(path))
    title = workbook.add_format({"bold": True, "font_size": 14})
    header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    key = workbook.add_format({"bold": True, "font_color": "#1F4E78"})

    summary = workbook.add_worksheet("汇总")
    summary.write(0, 0, f"{county_name}低收入人口动态监测预警汇总（{month}）", title)
    households = len({r[ALERT_COLUMNS.index("户编号")] if r[ALERT_COLUMNS.index("户编号")] != NO_HOUSEHOLD
                      else r[ALERT_COLUMNS.index("预警编号")] for r in rows})  # fmt: skip
    summary.write_string(1, 0, f"预警总数：{len(rows)}；涉及户数：{households}（明细按等级、逾期、处置时限排列）")
    overdue = sum(1 for r in rows if is_overdue_row(r))
    summary.write_string(2, 0, f"已逾期未反馈：{overdue}条" + (f"；{version}" if version else ""))
    summary.write_string(
        3, 0,
        f"本表发布日：{published_on.isoformat()}（处置日期不得早于预警首次发布日）；"
        f"请于 {return_deadline(published_on, settings).isoformat()} 前反馈，填法和报送方式见“填报说明”表。",
        key,
    )  # fmt: skip
    line = 5
    for label, column in SUMMARY_DIMENSIONS:
        index = ALERT_COLUMNS.index(column)
        counts = Counter(r[index] for r in rows)
        summary.write(line, 0, f"按{label}", header)
        summary.write(line, 1, "条数", header)
        line += 1
        for value, count in sorted(counts.items(), key=lambda kv: summary_order(column, kv[0])):
            summary.write_string(line, 0, str(value))
            summary.write_number(line, 1, count)
            line += 1
        line += 1
    if notes:
        summary.write(line, 0, "本月数据情况", header)
        line += 1
        note_format = workbook.add_format({"text_wrap": True, "valign": "top", "font_color": "#9C0006"})
        for note in notes:
            summary.merge_range(line, 0, line, 3, note, note_format)
            summary.set_row(line, 15 * (1 + len(note) // 30))  # about 30 characters a line across A:D
            line += 1
    summary.set_column(0, 0, 28)
    print_layout(summary)

    write_detail_sheet(workbook, "预警明细", rows, days)
    write_instructions_sheet(workbook, "本县（市、区）", published_on, settings)
    if problems:
        write_problems_sheet(workbook, problems, header)
    workbook.close()


def first_publication_days(con: duckdb.DuckDBPyConnection, month: str) -> dict[str, date]:
    """Per alert first raised in an earlier month that was published, that month's first
    publication day: the day the disposal reader checks its 处置日期 against."""
    if not (table_exists(con, "main", "alert_history") and table_exists(con, "main", "publication_log")):
        return {}
    return dict(
        con.execute(
            """
            WITH firsts AS (
                SELECT alert_id, min(month) AS first_month FROM main.alert_history WHERE month <= ? GROUP BY 1
            ), days AS (
                SELECT month, arg_min(published_on, version) AS day FROM main.publication_log GROUP BY 1
            )
            SELECT alert_id, day FROM firsts JOIN days ON days.month = firsts.first_month
            WHERE first_month < ? AND day IS NOT NULL
            """,
            [month, month],
        ).fetchall()
    )


FEEDBACK_PROBLEM_COLUMNS = ["退回文件", "行号", "预警编号", "未采用原因"]


def write_problems_sheet(workbook: xlsxwriter.Workbook, problems: list[tuple], header) -> None:
    """反馈问题: the rows of the county's returned workbooks that could not be applied, and why,
    so that the county can correct them in this month's workbook."""
    sheet = workbook.add_worksheet("反馈问题")
    for col, name in enumerate(FEEDBACK_PROBLEM_COLUMNS):
        sheet.write_string(0, col, name, header)
    for r, problem in enumerate(problems, start=1):
        for c, value in enumerate(problem):
            sheet.write_string(r, c, "" if value is None else mask_id_shapes(str(value)))
    sheet.set_column(0, 0, 40)
    sheet.set_column(2, 2, 18)
    sheet.set_column(3, 3, 50)


def feedback_problems(con: duckdb.DuckDBPyConnection, month: str, county_code: str | None) -> list[tuple]:
    """The month's problems of the county's returned workbooks; `None`: those of no county (a
    file whose name and rows name none), for the city's workbook."""
    if not table_exists(con, "raw", "feedback_problems"):
        return []
    return con.execute(
        "SELECT source_file, source_row, alert_id, reason FROM raw.feedback_problems "
        "WHERE received_month = ? AND county_code IS NOT DISTINCT FROM ? "
        "ORDER BY source_file, source_row NULLS LAST, reason",
        [month, county_code],
    ).fetchall()


def workbook_name(county_code: str, county_name: str, month: str) -> str:
    return f"{county_code}_{county_name}_低收入人口监测预警_{month}.xlsx"


def swap_in(staging: Path, folder: Path, ours: set[str]) -> None:
    """Replace the month's folder by the staged one with renames only (the old folder is moved
    aside, the new one renamed in, then the old one deleted), so a reader sees the old set or
    the new set, never a mix. Files a person put in the month's folder are kept."""
    aside = folder.with_name(f".{folder.name}.previous")
    if aside.exists() and not folder.exists():
        aside.rename(folder)  # a run stopped between the two renames: the set aside is the published one
    shutil.rmtree(aside, ignore_errors=True)
    if folder.exists():
        folder.rename(aside)
    staging.rename(folder)
    if aside.exists():
        for path in aside.iterdir():
            if path.name not in ours and not (folder / path.name).exists():
                path.rename(folder / path.name)
        shutil.rmtree(aside)


class PublicationGateError(Exception):
    """The workbooks about to be published broke the gate; nothing was published."""


def sheet_text(reader: fastexcel.ExcelReader, name: str) -> tuple[list[str], list[str]]:
    """Every text cell of a sheet, and apart the cells of its 户编号 column (a household number,
    checked by the rule for household numbers)."""
    frame = reader.load_sheet(name, header_row=None, dtypes="string").to_polars()
    household = [c for c in frame.columns if frame.height and frame[c][0] == "户编号"]
    cells = [v for c in frame.columns if c not in household for v in frame[c].drop_nulls().to_list()]
    return cells, [v for c in household for v in frame[c].drop_nulls().to_list()[1:]]


def text_frame(cells: list[str], household_numbers: list[str]) -> pd.DataFrame:
    """The publication text gate's frame: every cell folded as the ID-number rule reads it
    (full-width digits, NBSP, ideographic spaces), and per 户编号 whether it is an ID number."""
    column = [fold_text(v) for v in cells] + [None] * len(household_numbers)
    flags = [None] * len(cells) + [bool(id_shapes(v, household_number=True)) for v in household_numbers]
    return pd.DataFrame({"cell": column, "household_number_is_id": flags}, dtype="object")


def check_staged_workbooks(
    staging: Path, counties_of_alert: dict[str, list[str]], other_workbooks: list[Path] = ()
) -> None:
    """Read the staged workbooks back and validate them with GX before anyone receives them:
    every ID number masked, every row in the file of its own county, and no ID-shaped text in
    any cell of any sheet (a shifted column can put an ID number into a quoted value)."""
    rows, cells, households = [], [], []
    for path in sorted(staging.glob("*.xlsx")):
        reader = fastexcel.read_excel(str(path))
        sheet = reader.load_sheet("预警明细", dtypes="string").to_polars()
        for alert_id, shown in zip(sheet["预警编号"].to_list(), sheet["身份证号"].to_list(), strict=True):
            routed = counties_of_alert.get(alert_id) or [None]
            county = path.name[:6] if path.name[:6] in routed else routed[0]
            rows.append((path.name[:6], alert_id, county, shown or ""))
        for name in reader.sheet_names:  # the alerts, the summary, the report back on returned rows
            text, numbers = sheet_text(reader, name)
            cells, households = cells + text, households + numbers
    for path in other_workbooks:  # the department and city workbooks: text only
        reader = fastexcel.read_excel(str(path))
        for name in reader.sheet_names:
            text, numbers = sheet_text(reader, name)
            cells, households = cells + text, households + numbers
    frame = pd.DataFrame(rows, columns=["file_county_code", "alert_id", "alert_county_code", "id_number_shown"])
    summary = validate_frame(frame, published_workbooks_suite(), "county_workbooks")
    text = validate_frame(text_frame(cells, households), published_text_suite(), "workbook_text")
    if not text.success:
        summary.success, summary.failed = False, summary.failed + text.failed
    if not summary.success:
        raise PublicationGateError(f"county workbooks not published: {summary.describe()}")
