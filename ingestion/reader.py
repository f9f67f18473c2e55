"""Read a delivered file as text cells with their row numbers, whatever the encoding (UTF-8,
UTF-8 with BOM, GB18030/GBK) or format (CSV, XLSX with title rows above the header)."""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import fastexcel

from ingestion.catalogue import Feed, normalise_header
from ingestion.errors import FeedFileError

# How far down a header may sit below title rows such as `临汾市2023年6月低保对象花名册`.
HEADER_SEARCH_ROWS = 10
MAX_CELL_CHARS = 10_000
# Let the csv module read an oversized cell, so that its row is quarantined rather than the
# whole file rejected.
csv.field_size_limit(64 * 1024 * 1024)


@dataclass(frozen=True)
class ReadLimits:
    """How big a delivered file may be before it is turned away unread, so that one odd file
    cannot take the machine's memory from the whole city's month.

    - `max_rows` (LINFEN_MAX_ROWS_PER_FILE): 6,000,000 rows, 1.5 × 临汾市's 3,976,481 residents
      (第七次全国人口普查, 2020): no register of the city is longer, so more rows mean a wrong
      export (another city, every month since 2015 appended, a runaway script).
    - `max_xlsx_expansion` (LINFEN_MAX_XLSX_EXPANSION): 100 ×. Department worksheets deflate
      5–10 × (measured on this project's generated workbooks: 4.9–9.6 ×); a workbook of 100 KB
      that opens as a million rows of filler expands far more. Checked from the zip's directory,
      before any cell is parsed; workbooks under `XLSX_EXPANSION_FLOOR` bytes unpacked pass.
    """

    max_rows: int = 6_000_000
    max_xlsx_expansion: float = 100.0

    @classmethod
    def from_environment(cls) -> ReadLimits:
        return cls(
            max_rows=int(os.environ.get("LINFEN_MAX_ROWS_PER_FILE", cls.max_rows)),
            max_xlsx_expansion=float(os.environ.get("LINFEN_MAX_XLSX_EXPANSION", cls.max_xlsx_expansion)),
        )


XLSX_EXPANSION_FLOOR = 16 * 1024 * 1024
# a CSV row of a department export is well under this; a bigger file cannot be within max_rows
MAX_CSV_BYTES_PER_ROW = 2048


@dataclass
class DeliveredTable:
    path: Path
    encoding: str
    header_row: int  # 1-based row number in the file
    headers: list[str]
    rows: list[tuple[int, list[str | None]]]  # (1-based row number, cells)


def decode(path: Path, data: bytes) -> tuple[str, str]:
    """Decode CSV bytes: a BOM means UTF-8; otherwise UTF-8 if it decodes, else GB18030."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" export
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise FeedFileError(path, None, "undecodable", f"broken UTF-16 (byte offset {exc.start})") from exc
    head = data[:4096]
    controls = sum(head.count(bytes([b])) for b in (*range(0, 9), *range(14, 32)))
    if controls > len(head) // 20:  # a stray NUL is one bad row (quarantined), not a binary file
        raise FeedFileError(path, None, "binary_content", "the file holds NUL bytes, not text")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise FeedFileError(
            path,
            None,
            "undecodable",
            f"neither UTF-8 nor GB18030 (byte offset {exc.start})",
        ) from exc


def _too_many_rows(path: Path, rows: int, limits: ReadLimits) -> FeedFileError:
    return FeedFileError(
        path,
        None,
        "too_many_rows",
        f"{rows:,} rows, more than the {limits.max_rows:,} any register of the city has (LINFEN_MAX_ROWS_PER_FILE)",
    )


def _csv_rows(path: Path, limits: ReadLimits) -> tuple[str, list[list[str | None]]]:
    size = path.stat().st_size
    if size > limits.max_rows * MAX_CSV_BYTES_PER_ROW:
        raise FeedFileError(
            path, None, "too_large", f"{size:,} bytes: more than {limits.max_rows:,} rows of a department export"
        )
    data = path.read_bytes()
    if not data.strip():
        raise FeedFileError(path, None, "empty_file", "the file has no content")
    lines = data.count(b"\n")
    if lines > limits.max_rows + HEADER_SEARCH_ROWS:
        raise _too_many_rows(path, lines, limits)
    text, encoding = decode(path, data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise FeedFileError(path, None, "unparseable_csv", str(exc)) from exc
    return encoding, [[cell if cell != "" else None for cell in row] for row in rows]


def check_xlsx_expansion(path: Path, limits: ReadLimits) -> None:
    """Turn away a workbook whose worksheets unpack to far more than a worksheet export does."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = [i for i in archive.infolist() if i.filename.startswith("xl/worksheets/")]
    except (zipfile.BadZipFile, OSError):
        return  # not a zip at all: the workbook reader names it unreadable
    unpacked = sum(i.file_size for i in entries)
    packed = max(1, sum(i.compress_size for i in entries))
    if unpacked > XLSX_EXPANSION_FLOOR and unpacked / packed > limits.max_xlsx_expansion:
        raise FeedFileError(
            path,
            None,
            "xlsx_expands",
            f"worksheets of {packed:,} bytes unpack to {unpacked:,} ({unpacked / packed:,.0f} ×, more than the "
            f"{limits.max_xlsx_expansion:,.0f} × of a worksheet export): filler rows, not records",
        )


def _xlsx_sheets(path: Path, limits: ReadLimits) -> list[tuple[str, list[list[str | None]]]]:
    check_xlsx_expansion(path, limits)
    try:
        reader = fastexcel.read_excel(str(path))
        sheets = []
        for name in reader.sheet_names:
            sheet = reader.load_sheet(
                name, header_row=None, dtypes="string", n_rows=limits.max_rows + HEADER_SEARCH_ROWS + 1
            )
            if sheet.total_height > limits.max_rows + HEADER_SEARCH_ROWS:
                raise _too_many_rows(path, sheet.total_height, limits)
            sheets.append((name, [list(r) for r in sheet.to_polars().iter_rows()]))
    except FeedFileError:
        raise
    except Exception as exc:  # fastexcel raises its own error types for broken workbooks
        raise FeedFileError(path, None, "unreadable_xlsx", type(exc).__name__) from exc
    return sheets


def find_header(path: Path, feed: Feed, rows: list[list[str | None]]) -> int:
    """Index of the first row among the top rows whose cells name at least half of the
    feed's required columns."""
    known = {v for c in feed.columns for v in c.header_variants()}
    required = [c for c in feed.columns if c.required]
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        cells = {normalise_header(c) for c in row if c}
        hits = sum(1 for c in required if c.header_variants() & cells)
        if cells & known and hits * 2 >= len(required):
            return index
    raise FeedFileError(
        path,
        None,
        "header_not_found",
        f"no row among the first {HEADER_SEARCH_ROWS} carries the {feed.code} headers",
    )


_TITLE_MONTH = re.compile(r"(20\d{2})年(\d{1,2})月")


def check_title_month(path: Path, rows: list[list[str | None]], header_index: int, month: str | None) -> None:
    """A title row above the header that names another month means the wrong file."""
    if month is None:
        return
    for row in rows[:header_index]:
        for cell in row:
            found = _TITLE_MONTH.search(str(cell or ""))
            if found and f"{int(found.group(1)):04d}-{int(found.group(2)):02d}" != month:
                raise FeedFileError(
                    path,
                    1,
                    "wrong_month",
                    f"the title names {found.group(1)}年{found.group(2)}月, the delivery is for {month}",
                )


def read_delivered(
    path: Path, feed: Feed, month: str | None = None, limits: ReadLimits | None = None
) -> DeliveredTable:
    """Read a delivered file into its header and text rows (row numbers as in the file). In a
    workbook, the first sheet that carries the feed's header is read. A file beyond the read
    limits is turned away before it is read whole."""
    limits = limits or ReadLimits.from_environment()
    suffix = path.suffix.lower()
    if suffix == ".csv":
        encoding, rows = _csv_rows(path, limits)
        candidates = [("", rows)]
    elif suffix in (".xlsx", ".xlsm"):
        encoding, candidates = "xlsx", _xlsx_sheets(path, limits)
    else:
        raise FeedFileError(path, None, "unsupported_format", f"extension {suffix!r}: deliver CSV or XLSX")
    if not any(rows for _, rows in candidates):
        raise FeedFileError(path, None, "empty_file", "the file has no rows")
    last_error: FeedFileError | None = None
    for _, rows in candidates:
        try:
            header_index = find_header(path, feed, rows)
        except FeedFileError as exc:
            last_error = exc
            continue
        check_title_month(path, rows, header_index, month)
        headers = [h or "" for h in rows[header_index]]
        body = [(header_index + 2 + i, row) for i, row in enumerate(rows[header_index + 1 :])]
        return DeliveredTable(path, encoding, header_index + 1, headers, body)
    raise last_error
