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

from expectations.suites import published_text_suite, published_workbooks_suite
from expectations.validate import validate_frame
from ingestion.feedback import DISPOSAL_STATUSES
from reference import NO_VALID_ID, counties, fold_text, id_shapes, mask_id, mask_id_shapes, table_exists

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
    "已反馈处置",  # what the county returned before, read-only
]
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
        alert["township"] or "",
        alert["village"] or "",
        alert["household_number"] or "",
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


def write_county_workbook(
    path: Path,
    county_name: str,
    month: str,
    rows: list[list],
    notes: list[str] = (),
    version: str = "",
    problems: list[tuple] = (),
) -> None:
    """The county's workbook: a summary sheet, then the alerts. Every value is written as text
    (a name beginning with = is never a formula); the sheet is protected without a password,
    so that only the disposal columns can be filled in, while filtering and sorting still work."""
    workbook = xlsxwriter.Workbook(str(path))
    title = workbook.add_format({"bold": True, "font_size": 14})
    header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    to_fill = workbook.add_format({"bold": True, "bg_color": "#FFF2CC", "border": 1})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})

    summary = workbook.add_worksheet("汇总")
    summary.write(0, 0, f"{county_name}低收入人口动态监测预警汇总（{month}）", title)
    households = len({r[ALERT_COLUMNS.index("户编号")] or r[ALERT_COLUMNS.index("预警编号")] for r in rows})
    summary.write_string(1, 0, f"预警总数：{len(rows)}；涉及户数：{households}（明细按户排列，一户一条救助链）")
    overdue = sum(1 for r in rows if str(r[ALERT_COLUMNS.index("处置时限")]).endswith(OVERDUE_MARK))
    summary.write_string(2, 0, f"已逾期未反馈：{overdue}条" + (f"；{version}" if version else ""))
    line = 4
    for label, column in SUMMARY_DIMENSIONS:
        index = ALERT_COLUMNS.index(column)
        counts = Counter(r[index] for r in rows)
        summary.write(line, 0, f"按{label}", header)
        summary.write(line, 1, "条数", header)
        line += 1
        for value, count in sorted(counts.items()):
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
    summary.fit_to_pages(1, 0)  # printed: one page wide

    sheet = workbook.add_worksheet("预警明细")
    fillable = workbook.add_format({"locked": False, "bg_color": "#FFFBEA", "border": 1})
    overdue_format = workbook.add_format({"font_color": "#9C0006", "bg_color": "#FFC7CE", "bold": True})
    for col, name in enumerate(ALERT_COLUMNS):
        sheet.write_string(0, col, name, header)
    for col, name in enumerate(DISPOSAL_COLUMNS, start=len(ALERT_COLUMNS)):
        sheet.write_string(0, col, name, to_fill)
    due = ALERT_COLUMNS.index("处置时限")
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            late = c == due and str(value).endswith(OVERDUE_MARK)
            sheet.write_string(
                r, c, str(value), overdue_format if late else wrap if ALERT_COLUMNS[c] == "预警依据" else None
            )
        for c in range(len(ALERT_COLUMNS), len(ALERT_COLUMNS) + len(DISPOSAL_COLUMNS)):
            sheet.write_blank(r, c, None, fillable)
    last = max(len(rows), 1)
    disposal_col = len(ALERT_COLUMNS)
    sheet.data_validation(1, disposal_col, last, disposal_col, {"validate": "list", "source": DISPOSAL_CHOICES})
    sheet.data_validation(
        1, disposal_col + 2, last, disposal_col + 2, {"validate": "date", "criteria": ">", "value": date(2000, 1, 1)}
    )
    sheet.autofilter(0, 0, last, len(ALERT_COLUMNS) + len(DISPOSAL_COLUMNS) - 1)
    sheet.freeze_panes(1, 2)
    sheet.set_landscape()
    sheet.set_paper(8)  # A3: the alerts print one page wide, the header on each page
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)
    sheet.set_column(0, 1, 16)
    sheet.set_column(2, 2, 22)
    sheet.set_column(5, 7, 14)
    sheet.set_column(9, 9, 20)
    sheet.set_column(11, 11, 60)
    sheet.set_column(12, 13, 12)
    sheet.set_column(ALERT_COLUMNS.index("处置时限"), ALERT_COLUMNS.index("处置时限"), 20)
    sheet.set_column(ALERT_COLUMNS.index("已反馈处置"), ALERT_COLUMNS.index("已反馈处置"), 30)
    sheet.set_column(disposal_col, disposal_col + len(DISPOSAL_COLUMNS) - 1, 14, fillable)
    # no password: the lock keeps the published columns as published, not people out
    sheet.protect(
        "",
        {"autofilter": True, "sort": True, "format_columns": True, "format_rows": True, "select_locked_cells": True},
    )
    if problems:
        write_problems_sheet(workbook, problems, header)
    workbook.close()


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
