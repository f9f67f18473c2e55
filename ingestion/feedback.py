"""The counties' returned workbooks (feed county_feedback, feeds.md "Returned workbooks"): each a
county workbook as published, filled in by county staff and sent back, any month later.

Everything people do to a spreadsheet is expected: rows sorted, filtered or deleted, the summary
sheet removed, an extra column, the file renamed, dates typed as text (`2023.7.5`, `7月5日`), the
same workbook returned twice (the later disposal of an alert wins). A row that cannot be applied
is not applied and goes, with the reason, to the report back to its county; nothing else of the
file is lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import openpyxl
import pyarrow as pa

from reference import NO_VALID_ID, mask_id, month_end, table_exists

FEEDBACK_FOLDER = "county_feedback"
DISPOSAL_STATUSES = ("已核实属实", "已核实不属实", "已落实救助", "无法联系")
# the published columns a county may not change: a changed one means the row is not the alert
PROTECTED_COLUMNS = {"预警规则": "rule", "身份证号": "id_shown"}
HEADER_SEARCH_ROWS = 10
FEEDBACK_COLUMNS = [
    "received_month",
    "alert_id",
    "county_code",
    "published_month",
    "disposal_status",
    "disposal_note",
    "disposal_date",
    "disposed_by",
    "source_file",
    "source_row",
]
PROBLEM_COLUMNS = ["received_month", "county_code", "source_file", "source_row", "alert_id", "reason"]


@dataclass
class ReturnedRow:
    """One filled-in row of a returned workbook, as typed."""

    source_file: str
    source_row: int
    alert_id: str
    values: dict[str, object]


@dataclass
class PublishedAlert:
    """What the warehouse published for an alert: the counties it went to, the first day a
    disposal can bear, and the protected values."""

    counties: list[str]
    first_published: date
    rule: str
    id_shown: str


@dataclass
class FeedbackReport:
    """What one month's returned workbooks gave: counts only (no names) for the metadata."""

    files: list[str] = field(default_factory=list)
    rows_read: int = 0
    applied: list[dict] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)

    @property
    def problems_by_reason(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for problem in self.problems:
            key = problem["reason"].split("：")[0]
            counts[key] = counts.get(key, 0) + 1
        return counts


def feedback_files(landing_dir: Path, month: str) -> list[Path]:
    folder = Path(landing_dir) / month / FEEDBACK_FOLDER
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.iterdir() if p.suffix.lower() in (".xlsx", ".xlsm") and not p.name.startswith(("~$", "."))
    )


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_returned_rows(path: Path) -> list[ReturnedRow]:
    """Every row of the sheet that carries 预警编号 and 处置状态 with something filled in the
    disposal columns. Columns are found by their header, wherever they were moved."""
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows: list[ReturnedRow] = []
    try:
        for sheet in workbook.worksheets:
            lines = list(sheet.iter_rows(values_only=True))
            header_index = next(
                (
                    i
                    for i, line in enumerate(lines[:HEADER_SEARCH_ROWS])
                    if {"预警编号", "处置状态"} <= {_text(c) for c in line}
                ),
                None,
            )
            if header_index is None:
                continue
            headers = [_text(c) for c in lines[header_index]]
            for offset, line in enumerate(lines[header_index + 1 :], start=header_index + 2):
                values = {h: line[i] if i < len(line) else None for i, h in enumerate(headers) if h}
                alert_id = _text(values.get("预警编号"))
                filled = any(_text(values.get(c)) for c in ("处置状态", "处置说明", "处置日期", "处置人"))
                if alert_id and filled:
                    rows.append(ReturnedRow(path.name, offset, alert_id, values))
    finally:
        workbook.close()
    return rows


_FULL_DATE = re.compile(r"^(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?")
_MONTH_DAY = re.compile(r"^(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?$")


def parse_disposal_date(value: object, received_month: str) -> date | None:
    """A date as county staff type it: a real date, 2023-07-05, 2023.7.5, 2023/7/5, 2023年7月5日,
    7月5日 (the year of the month it came back, or the year before when that would lie ahead),
    or an Excel serial number."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        return None
    if re.fullmatch(r"\d{5}", text):  # an Excel serial number kept as text
        return date(1899, 12, 30) + timedelta(days=int(text))
    try:
        if found := _FULL_DATE.match(text):
            return date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
        if found := _MONTH_DAY.match(text):
            end = month_end(received_month)
            day = date(end.year, int(found.group(1)), int(found.group(2)))
            return day if day <= end else date(end.year - 1, day.month, day.day)
    except ValueError:
        return None
    return None


def published_alerts(con: duckdb.DuckDBPyConnection, month: str) -> dict[str, PublishedAlert]:
    """The alerts published up to the month, with what a returned row is checked against."""
    if not table_exists(con, "main", "alert_history"):
        return {}
    rows = con.execute(
        """
        SELECT
            h.alert_id,
            arg_max(h.county_code, h.month) AS county_code,
            arg_max(h.also_county_codes, h.month) AS also_county_codes,
            min(h.month) AS first_month,
            arg_max(h.rule_id || ' ' || r.rule_name, h.month) AS rule,
            arg_max(h.subject_id_number, h.month) AS id_number
        FROM main.alert_history AS h
        JOIN reference.alert_rules AS r USING (rule_id)
        WHERE h.month <= ?
        GROUP BY h.alert_id
        """,
        [month],
    ).fetchall()
    published = {}
    if table_exists(con, "main", "publication_log"):
        query = "SELECT month, arg_min(published_on, version) FROM main.publication_log GROUP BY month"
        published = {m: d for m, d in con.execute(query).fetchall() if d is not None}
    out = {}
    for alert_id, county, also, first_month, rule, id_number in rows:
        first = published.get(first_month) or month_end(first_month)
        counties = [county, *[c for c in (also or "").split(",") if c]]
        out[alert_id] = PublishedAlert(counties, first, rule, mask_id(id_number) or NO_VALID_ID)
    return out


def file_county(path: Path, rows: list[ReturnedRow], alerts: dict[str, PublishedAlert]) -> str | None:
    """The county a returned workbook belongs to: its published file name says it; a renamed
    file is the county most of its known alerts were sent to."""
    if re.match(r"^14\d{4}_", path.name):
        return path.name[:6]
    counts: dict[str, int] = {}
    for row in rows:
        if row.alert_id in alerts:
            home = alerts[row.alert_id].counties[0]
            counts[home] = counts.get(home, 0) + 1
    return max(counts, key=counts.get) if counts else None


def check_row(
    row: ReturnedRow, county: str | None, alert: PublishedAlert | None, received_month: str
) -> tuple[dict | None, str | None]:
    """The disposal a row records, or why it cannot be applied."""
    if alert is None:
        return None, f"预警编号不存在：{row.alert_id}"
    if county not in alert.counties:
        return None, "不属于本县（市、区）的预警"
    for header, attribute in PROTECTED_COLUMNS.items():
        shown = _text(row.values.get(header))
        if header in row.values and shown and shown != getattr(alert, attribute):
            return None, f"受保护的列被修改：{header}"
    status = _text(row.values.get("处置状态"))
    if status not in DISPOSAL_STATUSES:
        return None, f"处置状态不在可选范围内：{status or '（空）'}"
    raw_date = row.values.get("处置日期")
    disposed_on = parse_disposal_date(raw_date, received_month)
    if disposed_on is None:
        return None, f"处置日期无法识别：{_text(raw_date) or '（空）'}"
    if disposed_on < alert.first_published:
        return None, f"处置日期早于预警发布日期（{alert.first_published.isoformat()}）"
    if disposed_on > month_end(received_month):
        return None, "处置日期晚于本月，不能是将来的日期"
    as_of = parse_disposal_date(row.values.get("数据截止日期"), received_month)
    return {
        "alert_id": row.alert_id,
        "published_month": as_of.strftime("%Y-%m") if as_of else None,
        "disposal_status": status,
        "disposal_note": _text(row.values.get("处置说明")) or None,
        "disposal_date": disposed_on,
        "disposed_by": _text(row.values.get("处置人")) or None,
    }, None


def read_feedback(con: duckdb.DuckDBPyConnection, landing_dir: Path, month: str) -> FeedbackReport:
    """Read and check the month's returned workbooks against what was published; no writing."""
    report = FeedbackReport()
    alerts = published_alerts(con, month)
    latest: dict[str, dict] = {}
    for path in feedback_files(landing_dir, month):
        report.files.append(path.name)
        try:
            rows = read_returned_rows(path)
        except Exception as exc:  # openpyxl raises many kinds for a broken workbook
            report.problems.append(_problem(month, None, path.name, None, None, f"文件无法读取：{type(exc).__name__}"))
            continue
        county = file_county(path, rows, alerts)
        for row in rows:
            report.rows_read += 1
            disposal, reason = check_row(row, county, alerts.get(row.alert_id), month)
            if reason:
                report.problems.append(_problem(month, county, row.source_file, row.source_row, row.alert_id, reason))
                continue
            disposal.update(
                received_month=month, county_code=county, source_file=row.source_file, source_row=row.source_row
            )
            before = latest.get(row.alert_id)
            # the later disposal wins; on the same day, the file read later (returned again)
            if before is None or disposal["disposal_date"] >= before["disposal_date"]:
                latest[row.alert_id] = disposal
    report.applied = list(latest.values())
    return report


def _problem(month: str, county: str | None, file: str, row: int | None, alert_id: str | None, reason: str) -> dict:
    return dict(
        received_month=month, county_code=county, source_file=file, source_row=row, alert_id=alert_id, reason=reason
    )


def ensure_feedback_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(
        "CREATE TABLE IF NOT EXISTS raw.county_feedback (received_month VARCHAR, alert_id VARCHAR, "
        "county_code VARCHAR, published_month VARCHAR, disposal_status VARCHAR, disposal_note VARCHAR, "
        "disposal_date DATE, disposed_by VARCHAR, source_file VARCHAR, source_row INTEGER)"
    )
    con.execute(
        "CREATE TABLE IF NOT EXISTS raw.feedback_problems (received_month VARCHAR, county_code VARCHAR, "
        "source_file VARCHAR, source_row INTEGER, alert_id VARCHAR, reason VARCHAR)"
    )


def write_feedback(con: duckdb.DuckDBPyConnection, month: str, report: FeedbackReport) -> None:
    """Replace the month's disposals and problems in one transaction (a rerun changes nothing)."""
    ensure_feedback_tables(con)
    applied = pa.Table.from_pylist(report.applied, schema=_schema(FEEDBACK_COLUMNS, {"disposal_date": pa.date32()}))
    problems = pa.Table.from_pylist(report.problems, schema=_schema(PROBLEM_COLUMNS, {}))
    con.execute("BEGIN TRANSACTION")
    try:
        for table, rows in (("county_feedback", applied), ("feedback_problems", problems)):
            con.register("incoming", rows)
            con.execute(f"DELETE FROM raw.{table} WHERE received_month = ?", [month])
            con.execute(f"INSERT INTO raw.{table} BY NAME SELECT * FROM incoming")
            con.unregister("incoming")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def _schema(columns: list[str], types: dict[str, pa.DataType]) -> pa.Schema:
    return pa.schema([(c, types.get(c, pa.int32() if c == "source_row" else pa.string())) for c in columns])
