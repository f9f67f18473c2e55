"""Read a delivered file as text cells with their row numbers, whatever the encoding (UTF-8,
UTF-8 with BOM, GB18030/GBK) or format (CSV, XLSX with title rows above the header)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import fastexcel

from ingestion.catalogue import Feed, normalise_header
from ingestion.errors import FeedFileError

# How far down a header may sit below title rows such as `临汾市2023年6月低保对象花名册`.
HEADER_SEARCH_ROWS = 10
MAX_CELL_CHARS = 10_000


@dataclass
class DeliveredTable:
    path: Path
    encoding: str
    header_row: int  # 1-based row number in the file
    headers: list[str]
    rows: list[tuple[int, list[str | None]]]  # (1-based row number, cells)


def decode(path: Path, data: bytes) -> tuple[str, str]:
    """Decode CSV bytes: a BOM means UTF-8; otherwise UTF-8 if it decodes, else GB18030."""
    if b"\x00" in data[:4096]:
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


def _csv_rows(path: Path) -> tuple[str, list[list[str | None]]]:
    data = path.read_bytes()
    if not data.strip():
        raise FeedFileError(path, None, "empty_file", "the file has no content")
    text, encoding = decode(path, data)
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise FeedFileError(path, None, "unparseable_csv", str(exc)) from exc
    return encoding, [[cell if cell != "" else None for cell in row] for row in rows]


def _xlsx_rows(path: Path) -> tuple[str, list[list[str | None]]]:
    try:
        reader = fastexcel.read_excel(str(path))
        frame = reader.load_sheet(0, header_row=None, dtypes="string").to_polars()
    except Exception as exc:  # fastexcel raises its own error types for broken workbooks
        raise FeedFileError(path, None, "unreadable_xlsx", type(exc).__name__) from exc
    return "xlsx", [list(r) for r in frame.iter_rows()]


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


def read_delivered(path: Path, feed: Feed) -> DeliveredTable:
    """Read a delivered file into its header and text rows (row numbers as in the file)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        encoding, rows = _csv_rows(path)
    elif suffix in (".xlsx", ".xlsm"):
        encoding, rows = _xlsx_rows(path)
    else:
        raise FeedFileError(path, None, "unsupported_format", f"extension {suffix!r}")
    if not rows:
        raise FeedFileError(path, None, "empty_file", "the file has no rows")
    header_index = find_header(path, feed, rows)
    headers = [h or "" for h in rows[header_index]]
    body = [(header_index + 2 + i, row) for i, row in enumerate(rows[header_index + 1 :])]
    return DeliveredTable(path, encoding, header_index + 1, headers, body)
