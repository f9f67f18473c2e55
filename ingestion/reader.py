"""Read a delivered file as a frame of text cells with their row numbers, whatever the encoding
(UTF-8, UTF-8 with BOM, GB18030/GBK) or format (CSV, XLSX with title rows above the header).

The cells land in a polars frame column by column: a CSV is split by the csv module (its
quoting rules, so a malformed quote means the same here as in Excel) in chunks of
`CSV_CHUNK_ROWS` rows, so that no more than a chunk is ever held as Python strings; a workbook
goes from fastexcel to polars without passing through Python rows."""

from __future__ import annotations

import csv
import io
import itertools
import os
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import fastexcel
import polars as pl

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


# Rows of a CSV turned into columns at a time (bounds the Python strings held at once).
CSV_CHUNK_ROWS = 200_000
SOURCE_ROW, CELL_COUNT = "source_row", "cell_count"


def cell_column(index: int) -> str:
    """Name of the frame column holding the delivered row's cell at `index` (0-based)."""
    return f"c{index}"


def is_cell_column(name: str) -> bool:
    return name.startswith("c") and name[1:].isdigit()


@dataclass
class DeliveredTable:
    """A delivered file below its header: one frame row per file row, with `source_row` (the
    1-based row number in the file), `cell_count` (how many cells the row had: a CSV row may
    be ragged, a worksheet row has the sheet's width) and the cells as text in c0, c1, …
    (blank cells are null; columns past a row's cells are null)."""

    path: Path
    encoding: str
    header_row: int  # 1-based row number in the file
    headers: list[str]
    cells: pl.DataFrame

    @property
    def width(self) -> int:
        return sum(1 for name in self.cells.columns if is_cell_column(name))

    @property
    def rows(self) -> int:
        return self.cells.height


def cells_frame(rows: list[list[str | None]], first_row: int) -> pl.DataFrame:
    """Rows of cells (any lengths) as a frame of text columns, row numbers from `first_row`."""
    width = max((len(r) for r in rows), default=0)
    columns = list(itertools.zip_longest(*rows)) if rows else []
    frame = {
        SOURCE_ROW: pl.Series(range(first_row, first_row + len(rows)), dtype=pl.Int64),
        CELL_COUNT: pl.Series([len(r) for r in rows], dtype=pl.Int32),
    }
    for index in range(width):
        frame[cell_column(index)] = pl.Series(columns[index], dtype=pl.String)
    blank_is_null = [pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in map(cell_column, range(width))]
    return pl.DataFrame(frame).with_columns(blank_is_null)


def stacked(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """Chunks of one file stacked, the narrower ones padded with null cells."""
    if not frames:
        return cells_frame([], 1)
    return pl.concat(frames, how="diagonal_relaxed") if len(frames) > 1 else frames[0]


def _line_of(data: bytes, offset: int) -> int:
    """The 1-based line of the file holding byte `offset`."""
    return data.count(b"\n", 0, offset) + 1


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
        try:
            return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            # a UTF-8 BOM before GB18030 bytes: an export tool that wrote the mark and then the
            # system's own encoding; guessing would load garbled names, so the file is turned away
            raise FeedFileError(
                path,
                _line_of(data, exc.start + 3),
                "undecodable",
                f"a UTF-8 byte-order mark, then bytes that are not UTF-8 (byte offset {exc.start + 3}): "
                "save the file again as UTF-8 or as GB18030 without the mark",
            ) from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise FeedFileError(
            path,
            _line_of(data, exc.start),
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


def _csv_rows(path: Path, limits: ReadLimits) -> tuple[str, Iterator[list[str]]]:
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
    del data
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","

    def rows() -> Iterator[list[str]]:
        try:
            yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        except csv.Error as exc:
            raise FeedFileError(path, None, "unparseable_csv", str(exc)) from exc

    return encoding, rows()


def check_xlsx_expansion(
    path: Path, limits: ReadLimits, source: object = None, parts: tuple[str, ...] = ("xl/worksheets/",)
) -> None:
    """Turn away a workbook whose worksheets unpack to far more than a worksheet export does.
    `source` is an open binary file of `path` when the caller opened it itself (a returned
    workbook is opened once, as a regular file); `parts` are the zip entries weighed (by name
    prefix)."""
    try:
        with zipfile.ZipFile(source if source is not None else path) as archive:
            entries = [i for i in archive.infolist() if i.filename.startswith(parts)]
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


def _xlsx_sheets(path: Path, limits: ReadLimits) -> list[pl.DataFrame]:
    """Every worksheet as a frame of text cells c0, c1, … (row numbers come with the header)."""
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
            frame = sheet.to_polars()
            frame.columns = [cell_column(i) for i in range(frame.width)]
            sheets.append(frame.cast(pl.String))
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


def _located(path: Path, feed: Feed, month: str | None, top: list[list[str | None]]) -> int:
    header_index = find_header(path, feed, top)
    check_title_month(path, top, header_index, month)
    return header_index


def _csv_table(path: Path, feed: Feed, month: str | None, limits: ReadLimits) -> DeliveredTable:
    encoding, rows = _csv_rows(path, limits)
    top = list(itertools.islice(rows, HEADER_SEARCH_ROWS))
    header_index = _located(path, feed, month, top)
    headers = [h or "" for h in top[header_index]]
    first_row = header_index + 2
    chunks = [cells_frame(top[header_index + 1 :], first_row)]
    first_row += chunks[0].height
    while chunk := list(itertools.islice(rows, CSV_CHUNK_ROWS)):
        chunks.append(cells_frame(chunk, first_row))
        first_row += len(chunk)
    return DeliveredTable(path, encoding, header_index + 1, headers, stacked(chunks))


def _xlsx_table(path: Path, feed: Feed, month: str | None, limits: ReadLimits) -> DeliveredTable:
    sheets = _xlsx_sheets(path, limits)
    if not any(sheet.height for sheet in sheets):
        raise FeedFileError(path, None, "empty_file", "the file has no rows")
    last_error: FeedFileError | None = None
    for sheet in sheets:
        top = [list(row) for row in sheet.head(HEADER_SEARCH_ROWS).iter_rows()]
        try:
            header_index = _located(path, feed, month, top)
        except FeedFileError as exc:
            if exc.rule == "wrong_month":
                raise
            last_error = exc
            continue
        headers = [h or "" for h in top[header_index]]
        body = sheet.slice(header_index + 1)
        body = body.select(
            pl.int_range(header_index + 2, header_index + 2 + body.height, dtype=pl.Int64).alias(SOURCE_ROW),
            pl.lit(sheet.width, dtype=pl.Int32).alias(CELL_COUNT),
            pl.all(),
        )
        return DeliveredTable(path, "xlsx", header_index + 1, headers, body)
    raise last_error


def read_delivered(
    path: Path, feed: Feed, month: str | None = None, limits: ReadLimits | None = None
) -> DeliveredTable:
    """Read a delivered file into its header and a frame of its text cells (row numbers as in
    the file). In a workbook, the first sheet that carries the feed's header is read. A file
    beyond the read limits is turned away before it is read whole."""
    limits = limits or ReadLimits.from_environment()
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_table(path, feed, month, limits)
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_table(path, feed, month, limits)
    raise FeedFileError(path, None, "unsupported_format", f"extension {suffix!r}: deliver CSV or XLSX")
