"""The counties' returned workbooks (feed county_feedback, feeds.md "Returned workbooks"): each a
county workbook as published, filled in by county staff and sent back, any month later.

Everything people do to a spreadsheet is expected: rows sorted, filtered or deleted, the summary
sheet removed, an extra column, the file renamed, dates typed as text (`2023.7.5`, `7月5日`), the
same workbook returned twice (the later disposal of an alert wins). A row that cannot be applied
is not applied and goes, with the reason, to the report back to its county; nothing else of the
file is lost.

The folder is an input like any feed: every entry of `county_feedback/` is read or named (a
hidden name, a `.xls` or `.csv`, a lock file, a folder, a pipe are reported with how to return
the workbook), only regular files are opened (never through a symlink, never a FIFO or a
device), a workbook beyond the feeds' read limits (`ingestion.reader.ReadLimits`: rows, unpacked
size ratio) is turned away whole, rows are streamed (never a whole sheet in memory), and the
problems one file lists are capped per reason with a count of the rest (`FeedbackLimits`).
Nothing a person typed is echoed into a reason; ID numbers are masked wherever a file name or
a 预警编号 is repeated.
"""

from __future__ import annotations

import os
import re
import stat
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

import duckdb
import openpyxl
import pyarrow as pa
from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

from ingestion.errors import FeedFileError
from ingestion.reader import ReadLimits, check_xlsx_expansion
from reference import NO_VALID_ID, county_lookup, mask_id, mask_id_shapes, month_end, table_exists

FEEDBACK_FOLDER = "county_feedback"
DISPOSAL_STATUSES = ("已核实属实", "已核实不属实", "已落实救助", "无法联系")
DISPOSAL_HEADERS = ("处置状态", "处置说明", "处置日期", "处置人")
# the published columns a county may not change: a changed one means the row is not the alert
PROTECTED_COLUMNS = {"预警规则": "rule", "身份证号": "id_shown"}
AS_OF_HEADER = "数据截止日期"  # protected too: compared with the months the alert was published
READ_HEADERS = frozenset({"预警编号", *DISPOSAL_HEADERS, *PROTECTED_COLUMNS, AS_OF_HEADER})
HEADER_SEARCH_ROWS = 10
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
# the zip parts weighed against the feeds' unpacked-size ratio: the sheets and the shared strings
# (read whole by any xlsx reader)
WEIGHED_PARTS = ("xl/worksheets/", "xl/sharedStrings.xml")
SHOWN_CHARS = 40  # of a typed 预警编号 or a file name repeated in a problem row
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
CONFLICT = "同一预警同日有不同的处置"
MORE_ROWS = "另有{count:,}行同样原因未采用，未逐行列出（每个文件每种原因列出前{shown:,}行）"


@dataclass(frozen=True)
class FeedbackLimits:
    """How much of the returned workbooks is read and reported.

    - `read`: the feeds' read limits (`ReadLimits`, LINFEN_MAX_ROWS_PER_FILE and
      LINFEN_MAX_XLSX_EXPANSION): a returned workbook is a delivery like any other.
    - `problems_per_reason` (LINFEN_MAX_FEEDBACK_PROBLEMS_PER_REASON): 200 rows of one file and
      one reason on the 反馈问题 sheet, then one row with the count of the rest. 200 is more than
      the open alerts of 临汾's largest county in a month of the test city scaled to the city
      (about 150), so an honest workbook is listed whole; a million filled-down rows are not.
    """

    read: ReadLimits = field(default_factory=ReadLimits)
    problems_per_reason: int = 200

    @classmethod
    def from_environment(cls) -> FeedbackLimits:
        return cls(
            read=ReadLimits.from_environment(),
            problems_per_reason=int(os.environ.get("LINFEN_MAX_FEEDBACK_PROBLEMS_PER_REASON", cls.problems_per_reason)),
        )


@dataclass
class ReturnedRow:
    """One filled-in row of a returned workbook, as typed (a formula cell: its computed value,
    the formula in `formulas`)."""

    source_file: str
    source_row: int
    alert_id: str
    values: dict[str, object]
    formulas: dict[str, str] = field(default_factory=dict)


@dataclass
class PublishedAlert:
    """What the warehouse published for an alert: the counties it went to, the first day a
    disposal can bear, the protected values, and the months it was in a workbook."""

    counties: list[str]
    first_published: date
    rule: str
    id_shown: str
    as_of: frozenset[date] = frozenset()  # the 数据截止日期 of the workbooks it was in


@dataclass
class FeedbackReport:
    """What one month's returned workbooks gave: counts only (no names) for the metadata."""

    files: list[str] = field(default_factory=list)
    files_not_read: list[str] = field(default_factory=list)
    rows_read: int = 0
    applied: list[dict] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)
    problems_not_listed: Counter = field(default_factory=Counter)
    files_by_county: Counter = field(default_factory=Counter)  # county code (None: unknown) -> files
    rows_by_county: Counter = field(default_factory=Counter)
    not_listed_by_county: Counter = field(default_factory=Counter)

    def by_county(self) -> dict[str, dict[str, int]]:
        """Per county (the file name's; "" when none): files, rows read, disposals applied and
        rows not applied, for the terminal's feedback line and the metadata."""
        problems: Counter = (
            Counter(p["county_code"] for p in self.problems if "未逐行列出" not in p["reason"])
            + self.not_listed_by_county
        )
        applied = Counter(a.get("county_code") for a in self.applied)
        counties = set(self.files_by_county) | set(problems) | set(applied)
        return {
            county or "": {
                "files": self.files_by_county[county],
                "rows": self.rows_by_county[county],
                "applied": applied[county],
                "problems": problems[county],
            }
            for county in sorted(counties, key=lambda c: c or "")
        }

    @property
    def problems_by_reason(self) -> dict[str, int]:
        counts: Counter = Counter()
        for problem in self.problems:
            if "未逐行列出" not in problem["reason"]:  # a count of the rest: added below
                counts[_reason_key(problem["reason"])] += 1
        counts.update(self.problems_not_listed)
        return dict(counts)


def _reason_key(reason: str) -> str:
    return reason.split("：")[0].split("（")[0]


class _ProblemLog:
    """The problems of one file: the first `cap` of each reason listed, the rest counted."""

    def __init__(self, cap: int):
        self.cap = cap
        self.rows: list[dict] = []
        self.more: Counter = Counter()
        self._listed: Counter = Counter()

    def add(self, month: str, county: str | None, file: str, row: int | None, alert_id: str | None, reason: str):
        """One problem (the row built only when it is listed: a million rows cost a count each)."""
        key = (file, county, _reason_key(reason))
        if self._listed[key] < self.cap:
            self._listed[key] += 1
            self.rows.append(_problem(month, county, file, row, alert_id, reason))
        else:
            self.more[key] += 1

    def listed(self, month: str) -> list[dict]:
        """The listed rows, each reason's count of the rest after its rows."""
        out = list(self.rows)
        for (file, county, key), count in sorted(self.more.items(), key=lambda kv: (kv[0][0], kv[0][2])):
            reason = f"{key}：" + MORE_ROWS.format(count=count, shown=self.cap)
            out.append(_problem(month, county, file, None, None, reason))
        return out


# -- the folder: every entry read or named -------------------------------------------------------

_COUNTY_CODE = re.compile(r"^(14\d{4})(?![0-9])")


def name_code(name: str) -> str | None:
    """The county code a published file name starts with (`141002_尧都区_…`), if a county's."""
    found = _COUNTY_CODE.match(name)
    return found.group(1) if found and found.group(1) in set(county_lookup().values()) else None


def county_in_name(name: str) -> str | None:
    """The county a file's name gives: the code it starts with (also behind a leading `.` or
    `~$`), else the county's name in it (`尧都区反馈`)."""
    bare = name.lstrip(".~$ ")
    if code := name_code(bare):
        return code
    named = [form for form in county_lookup() if not form.isdigit() and form in bare]
    return county_lookup()[max(named, key=len)] if named else None


def why_not_read(path: Path) -> str | None:
    """Why an entry of county_feedback/ is not read as a returned workbook (told to its county
    with what to do), or None for a workbook to read. Decided on the entry itself (lstat): a
    symlink is never followed, a pipe or a device never opened."""
    try:
        info = path.lstat()
    except OSError as exc:
        return f"文件无法读取：{type(exc).__name__}"
    name, suffix = path.name, path.suffix.lower()
    if stat.S_ISLNK(info.st_mode):
        return "是一个链接（快捷方式），不是工作簿本身，未读取：请放入工作簿文件本身"
    if stat.S_ISDIR(info.st_mode):
        return "是一个文件夹，未读取：请把退回的工作簿直接放在 county_feedback 文件夹中"
    if not stat.S_ISREG(info.st_mode):
        return "不是普通文件（管道或设备），未读取：请放入工作簿文件本身"
    if name.startswith("~$"):
        return "是 Excel/WPS 打开工作簿时留下的临时文件，未读取：请关闭工作簿，只放入工作簿本身"
    if name.startswith("."):
        return "文件名以“.”开头（隐藏文件），未读取：请按下发时的文件名（如 141002_尧都区_…xlsx）重新放入"
    if suffix in (".xls", ".et", ".ett"):
        return f"是旧版 {suffix} 格式，未读取：请在 Excel 或 WPS 中“另存为”Excel 工作簿（.xlsx）后退回"
    if suffix in (".csv", ".txt"):
        return f"是 {suffix} 文件，未读取：它丢掉了受保护的列和下拉选项，请退回下发的 .xlsx 工作簿本身"
    if suffix not in WORKBOOK_SUFFIXES:
        return f"不是 Excel 工作簿（扩展名 {suffix or '（无）'}），未读取：请退回下发的 .xlsx 工作簿"
    return None


def feedback_entries(landing_dir: Path, month: str) -> list[Path]:
    """Every entry of the month's county_feedback/ folder, by name."""
    folder = Path(landing_dir) / month / FEEDBACK_FOLDER
    if not folder.is_dir():
        return []
    return sorted(folder.iterdir(), key=lambda p: p.name)


def feedback_files(landing_dir: Path, month: str) -> list[Path]:
    """The entries of the month's county_feedback/ that are read as returned workbooks."""
    return [p for p in feedback_entries(landing_dir, month) if why_not_read(p) is None]


def open_regular(path: Path) -> BinaryIO:
    """Open a returned workbook only as the regular file it is: not through a symlink
    (O_NOFOLLOW), never waiting on a FIFO (O_NONBLOCK), and checked once open (fstat), so an
    entry swapped after the listing cannot block or feed /dev/zero."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise FeedFileError(path, None, "not_a_regular_file", "not a regular file")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


# -- one workbook, streamed ----------------------------------------------------------------------


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class _CellParser(WorkSheetParser):
    """openpyxl's streaming sheet parser, reading the computed value of a formula cell (what
    the person saw) and keeping the formula beside it."""

    def parse_cell(self, element):
        cell = super().parse_cell(element)
        formula = element.find(FORMULA_TAG)
        if formula is not None:
            cell["formula"] = "=" + (formula.text or "")
        return cell


@dataclass
class _Workbook:
    name: str
    saved: datetime  # when the workbook was last saved (its document properties, else the file's time)
    rows: Iterator[ReturnedRow]


def _too_many_rows(name: str, rows: int, limits: ReadLimits) -> FeedFileError:
    return FeedFileError(
        name, None, "too_many_rows", f"more than {limits.max_rows:,} rows (LINFEN_MAX_ROWS_PER_FILE), at least {rows:,}"
    )


def _sheet_rows(workbook, sheet, name: str, limits: ReadLimits) -> Iterator[ReturnedRow]:
    """The filled-in rows of one sheet below its header (预警编号 and 处置状态 among the first
    rows), streamed; the declared size is not trusted (rows past a stale <dimension> are read)."""
    declared = sheet.max_row if isinstance(sheet.max_row, int) else 0
    if declared > limits.max_rows + HEADER_SEARCH_ROWS:
        raise _too_many_rows(name, declared, limits)
    with sheet._get_source() as source:
        parser = _CellParser(
            source,
            sheet._shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        headers: dict[int, str] | None = None
        for index, cells in parser.parse():
            if index > limits.max_rows + HEADER_SEARCH_ROWS:
                raise _too_many_rows(name, index, limits)
            if headers is None:
                if index > HEADER_SEARCH_ROWS:
                    return
                found = {c["column"]: _text(c["value"]) for c in cells}
                if {"预警编号", "处置状态"} <= set(found.values()):
                    headers = {col: h for col, h in found.items() if h in READ_HEADERS}
                continue
            values, formulas = {}, {}
            for cell in cells:
                header = headers.get(cell["column"])
                if header is None:
                    continue
                values[header] = cell["value"]
                if "formula" in cell:
                    formulas[header] = cell["formula"]
            alert_id = _text(values.get("预警编号"))
            if alert_id and (
                any(_text(values.get(c)) for c in DISPOSAL_HEADERS) or formulas.keys() & set(DISPOSAL_HEADERS)
            ):
                yield ReturnedRow(name, index, alert_id, values, formulas)


def _rows(handle: BinaryIO, name: str, limits: ReadLimits) -> Iterator[ReturnedRow]:
    workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    try:
        for sheet in workbook.worksheets:
            yield from _sheet_rows(workbook, sheet, name, limits)
    finally:
        workbook.close()


def _saved_at(handle: BinaryIO) -> datetime | None:
    try:
        workbook = openpyxl.load_workbook(handle, read_only=True)
    except Exception:  # noqa: BLE001 - the rows' reading names the broken file
        return None
    try:
        modified = workbook.properties.modified
        return modified.replace(tzinfo=None) if isinstance(modified, datetime) else None
    finally:
        workbook.close()


def read_returned_rows(path: Path, limits: ReadLimits | None = None) -> list[ReturnedRow]:
    """Every filled-in row of a returned workbook (for tools and tests: read_feedback streams)."""
    with open_regular(path) as handle:
        check_xlsx_expansion(path, limits or ReadLimits.from_environment(), handle, WEIGHED_PARTS)
        handle.seek(0)
        return list(_rows(handle, path.name, limits or ReadLimits.from_environment()))


# -- a row against what was published ------------------------------------------------------------

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
            arg_max(h.subject_id_number, h.month) AS id_number,
            list(DISTINCT h.data_as_of) FILTER (WHERE h.data_as_of IS NOT NULL) AS as_of
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
    for alert_id, county, also, first_month, rule, id_number, as_of in rows:
        first = published.get(first_month) or month_end(first_month)
        counties = [county, *[c for c in (also or "").split(",") if c]]
        out[alert_id] = PublishedAlert(counties, first, rule, mask_id(id_number) or NO_VALID_ID, frozenset(as_of or ()))
    return out


def file_county(path: Path, rows: list[ReturnedRow], alerts: dict[str, PublishedAlert]) -> str | None:
    """The county a returned workbook belongs to: its published file name says it; a renamed
    file is the county most of its known alerts were sent to, else the county its name names."""
    if code := name_code(path.name):
        return code
    counts: Counter = Counter(alerts[r.alert_id].counties[0] for r in rows if r.alert_id in alerts)
    return max(sorted(counts), key=counts.get) if counts else county_in_name(path.name)


def check_row(
    row: ReturnedRow, county: str | None, alert: PublishedAlert | None, received_month: str
) -> tuple[dict | None, str | None]:
    """The disposal a row records, or why it cannot be applied. The reason never repeats what
    was typed (a name typed into the wrong cell would reach the logs): the row number says where."""
    if alert is None:
        return None, "预警编号不存在：下发的工作簿中没有这个预警编号"
    if county not in alert.counties:
        return None, "不属于本县（市、区）的预警"
    for header, attribute in PROTECTED_COLUMNS.items():
        shown = _text(row.values.get(header))
        if header in row.values and shown and shown != getattr(alert, attribute):
            return None, f"受保护的列被修改：{header}"
    as_of_typed = row.values.get(AS_OF_HEADER)
    as_of = parse_disposal_date(as_of_typed, received_month)
    if _text(as_of_typed) and as_of not in alert.as_of:
        return None, f"受保护的列被修改：{AS_OF_HEADER}（与下发的工作簿不符）"
    for header in DISPOSAL_HEADERS:
        if header in row.formulas and not _text(row.values.get(header)):
            return None, f"{header}是公式且没有计算结果，未采用：请直接填写文字"
    status = _text(row.values.get("处置状态"))
    if status not in DISPOSAL_STATUSES:
        what = "（空）" if not status else "：请从下拉选项中选择（" + "、".join(DISPOSAL_STATUSES) + "）"
        return None, f"处置状态不在可选范围内{what}"
    raw_date = row.values.get("处置日期")
    disposed_on = parse_disposal_date(raw_date, received_month)
    if disposed_on is None:
        what = "（空）" if not _text(raw_date) else "：请填写如 2023-07-20 的日期"
        return None, f"处置日期无法识别{what}"
    if disposed_on < alert.first_published:
        return None, f"处置日期早于预警发布日期（{alert.first_published.isoformat()}）"
    if disposed_on > month_end(received_month):
        return None, "处置日期晚于本月，不能是将来的日期"
    return {
        "alert_id": row.alert_id,
        "published_month": as_of.strftime("%Y-%m") if as_of else None,
        "disposal_status": status,
        "disposal_note": _text(row.values.get("处置说明")) or None,
        "disposal_date": disposed_on,
        "disposed_by": _text(row.values.get("处置人")) or None,
    }, None


# -- the month: files, disposals, conflicts ------------------------------------------------------


@dataclass
class _Offer:
    """A disposal that can be applied, with where it came from."""

    disposal: dict
    saved: datetime

    @property
    def content(self) -> tuple:
        d = self.disposal
        return d["disposal_status"], d["disposal_note"], d["disposed_by"], d["published_month"]

    @property
    def order(self) -> tuple:
        """Same day: the workbook saved later (returned again) wins, then the row further down."""
        return self.saved, self.disposal["source_file"], self.disposal["source_row"]


class _Disposals:
    """Per alert, the disposals of its latest day, one of each content (a row repeated is
    one disposal), at most `cap` + 1 of them kept."""

    def __init__(self, cap: int):
        self.cap = cap
        self.latest: dict[str, list[_Offer]] = {}
        self.more: Counter = Counter()  # (alert, file, county) -> same-day disposals beyond the cap

    def offer(self, offer: _Offer) -> None:
        alert_id, day = offer.disposal["alert_id"], offer.disposal["disposal_date"]
        kept = self.latest.get(alert_id)
        if kept is None or day > kept[0].disposal["disposal_date"]:
            self.latest[alert_id] = [offer]
            self.more = Counter({k: v for k, v in self.more.items() if k[0] != alert_id})
            return
        if day < kept[0].disposal["disposal_date"]:
            return  # an earlier disposal, replaced by the later one
        same = next((k for k in kept if k.content == offer.content), None)
        if same is not None:
            if offer.order > same.order:  # the same disposal returned again: the later copy
                kept[kept.index(same)] = offer
        elif len(kept) <= self.cap:
            kept.append(offer)
        else:
            self.more[(alert_id, offer.disposal["source_file"], offer.disposal["county_code"])] += 1

    def merge(self, other: _Disposals) -> None:
        for offers in other.latest.values():
            for offer in offers:
                self.offer(offer)
        self.more.update(other.more)

    def resolve(self, month: str, problems: _ProblemLog) -> list[dict]:
        """The disposal applied per alert; each other disposal of the same day reported on its
        own county's sheet, naming the one applied and why."""
        applied = []
        for alert_id, offers in self.latest.items():
            winner = max(offers, key=lambda o: o.order)
            applied.append(winner.disposal)
            w = winner.disposal
            for loser in offers:
                if loser is winner:
                    continue
                d = loser.disposal
                why = (
                    "同一文件中靠下的一行"
                    if d["source_file"] == w["source_file"]
                    else f"该文件保存较晚（{winner.saved:%Y-%m-%d %H:%M}）"
                )
                reason = (
                    f"{CONFLICT}（{w['disposal_date'].isoformat()}）：本行未采用，"
                    f"采用的是《{_shown(w['source_file'])}》第{w['source_row']}行的“{w['disposal_status']}”，因为{why}"
                )
                problems.add(month, d["county_code"], d["source_file"], d["source_row"], alert_id, reason)
            for (more_alert, file, county), count in self.more.items():
                if more_alert == alert_id:
                    for _ in range(count):
                        problems.add(month, county, file, None, alert_id, f"{CONFLICT}：本行未采用")
        return applied


def _shown(text: str) -> str:
    """A typed value as a problem row repeats it: ID numbers masked, at most SHOWN_CHARS."""
    masked = mask_id_shapes(text)
    return masked if len(masked) <= SHOWN_CHARS else masked[: SHOWN_CHARS - 1] + "…"


def _file_time(handle: BinaryIO) -> datetime:
    return datetime.fromtimestamp(os.fstat(handle.fileno()).st_mtime, tz=UTC).replace(tzinfo=None)


def _read_file(
    path: Path, alerts: dict[str, PublishedAlert], month: str, limits: FeedbackLimits
) -> tuple[int, _Disposals, _ProblemLog]:
    """One returned workbook read whole or not at all (a FeedFileError, or openpyxl's own
    errors for a broken file): its rows read, its disposals, its problems."""
    disposals, problems, rows_read = _Disposals(limits.problems_per_reason), _ProblemLog(limits.problems_per_reason), 0
    with open_regular(path) as handle:
        check_xlsx_expansion(path, limits.read, handle, WEIGHED_PARTS)
        handle.seek(0)
        saved = _saved_at(handle) or _file_time(handle)
        county = name_code(path.name)
        if county is None:  # a renamed file: the county most of its known alerts were sent to
            handle.seek(0)
            votes = Counter(
                alerts[r.alert_id].counties[0] for r in _rows(handle, path.name, limits.read) if r.alert_id in alerts
            )
            county = max(sorted(votes), key=votes.get) if votes else county_in_name(path.name)
        handle.seek(0)
        for row in _rows(handle, path.name, limits.read):
            rows_read += 1
            disposal, reason = check_row(row, county, alerts.get(row.alert_id), month)
            if reason:
                problems.add(month, county, path.name, row.source_row, row.alert_id, reason)
                continue
            disposal.update(received_month=month, county_code=county, source_file=path.name, source_row=row.source_row)
            disposals.offer(_Offer(disposal, saved))
    return rows_read, disposals, problems


def read_feedback(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, month: str, limits: FeedbackLimits | None = None
) -> FeedbackReport:
    """Read and check the month's returned workbooks against what was published; no writing."""
    limits = limits or FeedbackLimits.from_environment()
    report = FeedbackReport()
    alerts = published_alerts(con, month)
    disposals = _Disposals(limits.problems_per_reason)
    problems: list[dict] = []
    for path in feedback_entries(landing_dir, month):
        county = county_in_name(path.name)
        report.files_by_county[county] += 1
        if reason := why_not_read(path):
            report.files_not_read.append(_shown(path.name))
            problems.append(_problem(month, county, path.name, None, None, reason))
            continue
        report.files.append(_shown(path.name))
        try:
            rows_read, mine, log = _read_file(path, alerts, month, limits)
        except FeedFileError as exc:
            problems.append(_problem(month, county, path.name, None, None, _file_error(exc, limits)))
            continue
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a broken workbook
            problems.append(_problem(month, county, path.name, None, None, f"文件无法读取：{type(exc).__name__}"))
            continue
        report.rows_read += rows_read
        report.rows_by_county[county] += rows_read
        disposals.merge(mine)
        problems += log.listed(month)
        for (_, file_county, key), count in log.more.items():
            report.problems_not_listed[key] += count
            report.not_listed_by_county[file_county] += count
    conflicts = _ProblemLog(limits.problems_per_reason)
    report.applied = disposals.resolve(month, conflicts)
    problems += conflicts.listed(month)
    for (_, file_county, key), count in conflicts.more.items():
        report.problems_not_listed[key] += count
        report.not_listed_by_county[file_county] += count
    report.problems = problems
    return report


def _file_error(exc: FeedFileError, limits: FeedbackLimits) -> str:
    if exc.rule == "too_many_rows":
        return (
            f"文件行数超过上限（{limits.read.max_rows:,}行，LINFEN_MAX_ROWS_PER_FILE），整个文件未读取："
            "请退回下发的工作簿本身，不要整列向下填充"
        )
    if exc.rule == "xlsx_expands":
        return (
            f"文件解压后远大于正常工作簿（超过{limits.read.max_xlsx_expansion:,.0f}倍，LINFEN_MAX_XLSX_EXPANSION），"
            "整个文件未读取：请退回下发的工作簿本身，不要整列向下填充"
        )
    return f"文件无法读取：{exc.rule}"


def _problem(month: str, county: str | None, file: str, row: int | None, alert_id: str | None, reason: str) -> dict:
    """A problem row, as the warehouse, the logs and the county's 反馈问题 sheet get it: the file
    name and the 预警编号 as typed, ID numbers masked, cut to SHOWN_CHARS."""
    return dict(
        received_month=month,
        county_code=county,
        source_file=_shown(file),
        source_row=row,
        alert_id=_shown(alert_id) if alert_id else None,
        reason=mask_id_shapes(reason),
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
