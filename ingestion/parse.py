"""Turn a feed's delivered files into warehouse rows and quarantined rows, column by column.

Every check of a delivered row is an expression over the whole file (polars), and every
normaliser runs once per distinct delivered value of a column, so the cost of a register grows
with its distinct values, not with Python work per row. A row is judged by the first check it
fails, in this order (the reason it is quarantined under):

1. wholly blank: skipped, not counted;
2. `summary_row` (合计/总计/小计 in its first cells), `repeated_header`, `control_character`,
   `ragged_row`;
3. `exact_duplicate` of an earlier row of the same file;
4. its cells, column by column in the catalogue's order (`normalise_cell`): `oversized_cell`,
   `county_outside_linfen`, `invalid_<column>`, `date_out_of_range`, `negative_amount`,
   `missing_required_value`;
5. `county_not_of_file` (a per-county file holding another county's row);
6. events only: `missing_natural_key`, then `duplicate_natural_key` / `conflicting_natural_key`
   against the first row of the delivery with the same key.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

import polars as pl

from ingestion import normalise as n
from ingestion.catalogue import (
    AMOUNT,
    CODE,
    COUNTY,
    DATE,
    DISABILITY_CARD,
    ID,
    INT,
    NAME,
    PHONE,
    TEXT,
    VALUE_BOUNDS,
    Column,
    Feed,
    normalise_header,
)
from ingestion.errors import FILE_READING_ERRORS, FeedFileError
from ingestion.reader import (
    CELL_COUNT,
    MAX_CELL_CHARS,
    SOURCE_ROW,
    DeliveredTable,
    cell_column,
    is_cell_column,
    read_delivered,
)
from ingestion.report import META_COLUMNS, DeliveryStatus, LoadReport
from reference import month_end

SUMMARY_MARKERS = ("合计", "总计", "小计")
# NUL and the other C0 controls but tab and line breaks: never part of a name, a code or a note
CONTROL_CHARACTERS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
EARLIEST_DATE = n.EARLIEST_DATE.isoformat()
RULE, DETAIL = "__rule", "__detail"

_SCALAR: dict[str, Callable[[object], str | None]] = {
    TEXT: n.normalise_text,
    CODE: n.normalise_code,
    NAME: n.normalise_name,
    DATE: n.normalise_date,
    AMOUNT: n.normalise_amount,
    INT: n.normalise_integer,
    COUNTY: n.normalise_county,
    PHONE: n.normalise_phone,
}


@dataclass(frozen=True)
class CellOutcome:
    """What one delivered value of a column becomes: the warehouse values it yields (one, or
    the ID's value, status and cleaned text), or the rule that rejects its row; `issue` notes
    an optional value that had to be blanked, `unknown_code` a coded value outside the list."""

    values: tuple[str | None, ...]
    rule: str | None = None
    detail: str | None = None
    issue: str | None = None
    unknown_code: str | None = None


def output_columns(column: Column) -> list[str]:
    """The warehouse columns one delivered column fills (catalogue: Feed.warehouse_columns)."""
    if column.type == ID:
        return [column.name, f"{column.name}_status", f"{column.name}_raw"]
    if column.type == DISABILITY_CARD:
        return [column.name, "id_number", "id_number_status", "id_number_raw"]
    return [column.name]


def _id_values(raw: object) -> tuple[str | None, str | None, str | None]:
    result = n.normalise_id(raw)
    return result.value, str(result.status), result.cleaned


def normalise_cell(column: Column, raw: str | None, latest_date: str = "9999-12-31") -> CellOutcome:
    """The warehouse form of one delivered cell. A coded value is mapped onto the glossary; an
    unknown one is kept as unknown (None) and noted."""
    width = len(output_columns(column))
    if raw is not None and len(raw) > MAX_CELL_CHARS:
        return CellOutcome((None,) * width, "oversized_cell", f"{column.header} holds {len(raw)} characters")
    if column.type == ID:
        return CellOutcome(_id_values(raw))
    if column.type == DISABILITY_CARD:
        card = n.normalise_code(raw)
        return CellOutcome((card, *_id_values(card[:18] if card else None)))
    try:
        value = _SCALAR[column.type](raw)
    except ValueError as exc:
        if column.type == COUNTY:
            return CellOutcome((None,), "county_outside_linfen", f"{column.header}: {exc}")
        if column.required:
            return CellOutcome((None,), f"invalid_{column.name}", f"{column.header}: {exc}")
        return CellOutcome((None,), issue=f"{column.name}: {exc}")
    if value is not None and column.type == DATE and not EARLIEST_DATE <= value <= latest_date:
        return CellOutcome(
            (None,), "date_out_of_range", f"{column.header}: date {value} outside {EARLIEST_DATE}..{latest_date}"
        )
    if value is not None and column.type in (AMOUNT, INT) and value.startswith("-"):
        return CellOutcome((None,), "negative_amount", f"{column.header}: negative value {n.shown(value)}")
    if value is not None and (beyond := _beyond_bounds(column, value)):
        return CellOutcome((None,), "amount_out_of_range", f"{column.header}: {beyond}")
    issue = unknown = None
    if column.codes is not None and value is not None:
        delivered, value = value, column.codes.to_glossary(value)
        if value is None:
            unknown = n.masked_code(delivered)
            issue = f"{column.name}: unknown code {unknown!r}"
    if column.required and value is None:
        return CellOutcome((None,), "missing_required_value", f"{column.header} is blank or unknown")
    return CellOutcome((value,), issue=issue, unknown_code=unknown)


def _beyond_bounds(column: Column, value: str) -> str | None:
    """Why an amount or whole number cannot be held by the warehouse's type (catalogue:
    ValueBounds), or None. The value is described by its digits, never shown."""
    if column.type == AMOUNT:
        amount = Decimal(value)
        if amount.adjusted() > 15 or amount.quantize(Decimal("0.01"), ROUND_HALF_UP) > VALUE_BOUNDS.max_amount:
            digits, bound = amount.adjusted() + 1, VALUE_BOUNDS.max_amount
            return f"a value of {digits} digits before the point, beyond the {bound:,} a DECIMAL(14,2) holds"
    elif column.type == INT and (len(value) > 12 or int(value) > VALUE_BOUNDS.max_integer):
        return f"a value of {len(value)} digits, beyond the {VALUE_BOUNDS.max_integer:,} an INTEGER holds"
    return None


def _outcome_frame(column: Column, raws: list[str | None], latest_date: str) -> pl.DataFrame:
    """One row per distinct delivered value: the value, and what it becomes. ID numbers go
    through `normalise_ids` (column expressions for the plain 18-character ones)."""
    names = output_columns(column)
    fields = [f"__{field}:{column.name}" for field in ("rule", "detail", "issue", "unknown_code")]
    vectorised = pl.DataFrame(schema={"__raw": pl.String, **dict.fromkeys(names + fields, pl.String)})
    if column.type == ID:
        fitting = [raw for raw in raws if raw is None or len(raw) <= MAX_CELL_CHARS]
        ids = n.normalise_ids(pl.Series(fitting, dtype=pl.String))
        vectorised = ids.select(
            pl.col("delivered").alias("__raw"),
            *(pl.col(source).alias(name) for source, name in zip(("value", "status", "cleaned"), names, strict=True)),
            *(pl.lit(None, pl.String).alias(field) for field in fields),
        )
        raws = [raw for raw in raws if raw is not None and len(raw) > MAX_CELL_CHARS]
    outcomes = [normalise_cell(column, raw, latest_date) for raw in raws]
    frame = {"__raw": pl.Series(raws, dtype=pl.String)}
    for index, name in enumerate(names):
        frame[name] = pl.Series([o.values[index] for o in outcomes], dtype=pl.String)
    for field, name in zip(("rule", "detail", "issue", "unknown_code"), fields, strict=True):
        frame[name] = pl.Series([getattr(o, field) for o in outcomes], dtype=pl.String)
    return pl.concat([vectorised, pl.DataFrame(frame)])


def _filled(name: str) -> pl.Expr:
    return pl.col(name).is_not_null() & (pl.col(name) != "")


def _first_failure(frame: pl.DataFrame, checks: list[tuple[pl.Expr, str, pl.Expr]]) -> pl.DataFrame:
    """Set the rule and detail of rows not yet rejected from the first check they fail."""
    rule, detail = pl.col(RULE), pl.col(DETAIL)
    for failed, name, why in checks:
        hit = rule.is_null() & failed.fill_null(False)
        rule = pl.when(hit).then(pl.lit(name)).otherwise(rule)
        detail = pl.when(hit).then(why).otherwise(detail)
    return frame.with_columns(rule.alias(RULE), detail.alias(DETAIL))


def _repeated_header_cells(cells: pl.DataFrame, headers: list[str]) -> pl.Expr:
    """Per row: how many cells repeat their column's header (compared as headers are)."""
    counts = []
    for index, header in enumerate(headers):
        if not header:
            continue
        name = cell_column(index)
        short = cells.filter(pl.col(name).str.len_chars() <= 4 * len(header) + 8)[name].unique()
        hits = [value for value in short.to_list() if value and normalise_header(value) == header]
        if hits:
            counts.append(pl.col(name).is_in(hits).fill_null(False).cast(pl.Int32))
    return pl.sum_horizontal(counts) if counts else pl.lit(0)


def check_structure(table: DeliveredTable) -> pl.DataFrame:
    """The file's non-blank rows with the rule of the first structural check they fail
    (summary, repeated header, control character, ragged, exact duplicate)."""
    width = len(table.headers)
    frame = table.cells
    present = table.width
    frame = frame.with_columns(pl.lit(None, pl.String).alias(cell_column(i)) for i in range(present, width))
    cells = [cell_column(i) for i in range(max(present, width))]
    blank = pl.all_horizontal([pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in cells])
    frame = frame.filter(~blank) if cells else frame.clear()
    frame = frame.with_columns(pl.lit(None, pl.String).alias(RULE), pl.lit(None, pl.String).alias(DETAIL))
    headers = [normalise_header(h) for h in table.headers]
    named = sum(1 for h in headers if h)
    repeats = _repeated_header_cells(frame, headers)
    extra = pl.any_horizontal([_filled(c) for c in cells[width:]]) if len(cells) > width else pl.lit(False)
    ragged = pl.format("{} cells under {} headers", pl.col(CELL_COUNT), pl.lit(width))
    checks = [
        (
            pl.any_horizontal([pl.col(c).str.strip_chars().is_in(SUMMARY_MARKERS) for c in cells[:4]]),
            "summary_row",
            pl.lit("合计/总计 row, not a record"),
        ),
        (
            repeats * 2 > named,
            "repeated_header",
            pl.format("the header again ({} of {} cells)", repeats, pl.lit(named)),
        ),
        (
            pl.any_horizontal([pl.col(c).str.contains(CONTROL_CHARACTERS) for c in cells]),
            "control_character",
            pl.lit("a cell holds a NUL or another control character"),
        ),
        ((pl.col(CELL_COUNT) > width) & extra, "ragged_row", ragged),
        ((pl.col(CELL_COUNT) < width) & pl.lit(table.encoding != "xlsx"), "ragged_row", ragged),
    ]
    frame = _first_failure(frame, checks)
    first = pl.col(SOURCE_ROW).min().over([pl.col(RULE).is_null(), pl.col(CELL_COUNT), *cells])
    duplicate = first != pl.col(SOURCE_ROW)
    return _first_failure(frame, [(duplicate, "exact_duplicate", pl.format("same as row {}", first))])


def normalise_cells(
    frame: pl.DataFrame, feed: Feed, mapping: dict[str, int], latest_date: str
) -> tuple[pl.DataFrame, list[str]]:
    """Add each catalogue column's warehouse values (normalised once per distinct delivered
    value) and reject a row at its first column that cannot be used."""
    rules, details, issues = [], [], []
    for column in feed.columns:
        index = mapping.get(column.name)
        cell = cell_column(index) if index is not None else None
        if cell is None:
            outcome = _outcome_frame(column, [None], latest_date).drop("__raw")
            frame = frame.with_columns(pl.lit(v, pl.String).alias(k) for k, v in outcome.row(0, named=True).items())
        else:
            distinct = frame.filter(pl.col(RULE).is_null())[cell].unique().to_list()
            outcome = _outcome_frame(column, distinct, latest_date)
            frame = frame.join(outcome, left_on=cell, right_on="__raw", how="left", nulls_equal=True, coalesce=False)
            frame = frame.drop("__raw", strict=False)
        rules.append(pl.col(f"__rule:{column.name}"))
        details.append(pl.col(f"__detail:{column.name}"))
        issues.append(pl.col(f"__issue:{column.name}"))
    rejected = pl.col(RULE).is_null() & pl.coalesce(rules).is_not_null()
    frame = frame.with_columns(
        pl.when(rejected).then(pl.coalesce(rules)).otherwise(pl.col(RULE)).alias(RULE),
        pl.when(rejected).then(pl.coalesce(details)).otherwise(pl.col(DETAIL)).alias(DETAIL),
        pl.concat_str(issues, separator="; ", ignore_nulls=True).replace("", None).alias("row_issues"),
    )
    return frame, [f"__unknown_code:{c.name}" for c in feed.columns if c.codes is not None]


def check_county_of_file(frame: pl.DataFrame, file_county: str | None) -> pl.DataFrame:
    """A per-county file (`<feed>__<county>`) holds that county's rows only."""
    if not file_county or "county" not in frame.columns:
        return frame
    other = pl.col("county").is_not_null() & (pl.col("county") != file_county)
    why = pl.format("row of {} in the file of {}", pl.col("county"), pl.lit(file_county))
    return _first_failure(frame, [(other, "county_not_of_file", why)])


@lru_cache(maxsize=1 << 16)
def _key_digest(key: str) -> str:
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def check_natural_keys(frame: pl.DataFrame, feed: Feed) -> pl.DataFrame:
    """Events: a row needs its natural key; the delivery's first row with a key wins, a later
    one is a duplicate (same values) or a conflict (other values). The record ID is a digest
    of the key, so a re-delivered event replaces its earlier row."""
    parts = []
    for name in feed.natural_key:
        part = pl.col(name)
        if feed.column(name).type == ID:
            part = pl.coalesce(part, pl.col(f"{name}_raw"))
        parts.append(pl.when(part != "").then(part))
    key = pl.concat_str(parts, separator="|")  # null when a part is missing
    frame = frame.with_columns(key.alias("__key"))
    incomplete = "natural key " + "+".join(feed.natural_key) + " incomplete"
    frame = _first_failure(frame, [(pl.col("__key").is_null(), "missing_natural_key", pl.lit(incomplete))])
    frame = frame.sort("__file", SOURCE_ROW).with_columns(pl.int_range(pl.len()).alias("__order"))
    window = [pl.col(RULE).is_null(), pl.col("__key")]
    first_row = pl.col(SOURCE_ROW).sort_by("__order").first().over(window)
    is_first = pl.col("__order") == pl.col("__order").min().over(window)
    same = pl.all_horizontal(
        [pl.col(c).eq_missing(pl.col(c).sort_by("__order").first().over(window)) for c in feed.warehouse_columns()]
    )
    why = pl.format("same natural key as row {}", first_row)
    frame = _first_failure(
        frame,
        [
            (~is_first & same, "duplicate_natural_key", why),
            (~is_first & ~same, "conflicting_natural_key", why),
        ],
    )
    return frame.with_columns(
        (pl.lit(f"{feed.code}:") + pl.col("__key").map_elements(_key_digest, return_dtype=pl.String)).alias("record_id")
    )


def quarantine_rows(frame: pl.DataFrame, feed: Feed, month: str) -> list[dict]:
    """The rejected rows as raw.quarantine rows, their delivered cells kept as JSON."""
    rejected = frame.filter(pl.col(RULE).is_not_null()).sort("__file", SOURCE_ROW)
    cells = sorted(filter(is_cell_column, rejected.columns), key=lambda c: int(c[1:]))
    out = []
    for row in rejected.select("source_file", SOURCE_ROW, CELL_COUNT, RULE, DETAIL, *cells).iter_rows():
        source_file, source_row, count, rule, detail, *values = row
        out.append(
            {
                "feed_code": feed.code,
                "delivery_month": month,
                "source_file": source_file,
                "source_row": source_row,
                "rule": rule,
                "detail": detail,
                "raw_values": json.dumps(list(values[:count]), ensure_ascii=False),
            }
        )
    return out


def unknown_code_counts(records: pl.DataFrame, columns: list[str]) -> dict[str, dict[str, int]]:
    """column -> {delivered value (shown masked) -> rows} of codes kept as unknown."""
    counts: dict[str, dict[str, int]] = {}
    for column in columns:
        found = records.filter(pl.col(column).is_not_null())[column].value_counts(sort=True)
        if found.height:
            counts[column.split(":", 1)[1]] = dict(found.iter_rows())
    return counts


def parse_file(
    table: DeliveredTable, feed: Feed, mapping: dict[str, int], latest_date: str, file_index: int
) -> tuple[pl.DataFrame, list[str]]:
    """One delivered file's rows with their warehouse values and, if rejected, the rule."""
    file_county = table.path.stem.split("__", 1)[1] if "__" in table.path.stem else None
    frame = check_structure(table)
    frame, unknown_columns = normalise_cells(frame, feed, mapping, latest_date)
    frame = check_county_of_file(frame, file_county)
    return frame.with_columns(
        pl.lit(file_index, pl.Int32).alias("__file"),
        pl.lit(table.path.name).alias("source_file"),
        pl.lit(table.path.stem).alias("__stem"),
    ), unknown_columns


def map_headers(table: DeliveredTable, feed: Feed) -> tuple[dict[str, int], list[str], list[str]]:
    """Column name -> cell index. Raises when a required column is missing."""
    positions = {normalise_header(h): i for i, h in enumerate(table.headers) if h}
    mapping: dict[str, int] = {}
    for column in feed.columns:
        hits = [i for i, h in enumerate(table.headers) if h and normalise_header(h) in column.header_variants()]
        if len(hits) > 1:
            raise FeedFileError(
                table.path, table.header_row, "duplicate_header", f"{column.header} appears in {len(hits)} columns"
            )
        if hits:
            mapping[column.name] = hits[0]
    missing_required = [c.header for c in feed.columns if c.required and c.name not in mapping]
    if missing_required:
        raise FeedFileError(
            table.path,
            table.header_row,
            "missing_required_column",
            "header lacks " + ", ".join(missing_required),
        )
    missing_optional = [c.name for c in feed.columns if c.name not in mapping]
    known = {v for c in feed.columns for v in c.header_variants()}
    unknown = [h for h in positions if h not in known]
    return mapping, missing_optional, unknown


@contextmanager
def file_named(path: Path) -> Iterator[None]:
    """Turn an error of reading one file's content (a decode or cast failure: catalogue's
    FILE_READING_ERRORS, polars' and the csv module's errors) into a FeedFileError naming the
    file, so that the delivery is turned away instead of the month stopping."""
    try:
        yield
    except FeedFileError:
        raise
    except (*FILE_READING_ERRORS, pl.exceptions.PolarsError, csv.Error) as exc:
        raise FeedFileError.unreadable(path, exc) from exc


def parse_delivery(feed: Feed, month: str, files: list[Path]) -> tuple[pl.DataFrame, list[dict], LoadReport]:
    """Read and check every row of the month's files (ingestion.parse); no database access.
    Returns the usable rows as the raw table's text columns, the quarantined rows and the
    report."""
    report = LoadReport(feed.code, month, files=[p.name for p in files])
    latest_date = month_end(month).isoformat()
    parsed: list[pl.DataFrame] = []
    unknown_columns: list[str] = []
    for file_index, path in enumerate(files):
        try:
            with file_named(path):
                table = read_delivered(path, feed, month)
                mapping, missing_optional, unknown = map_headers(table, feed)
                frame, unknown_columns = parse_file(table, feed, mapping, latest_date, file_index)
        except FeedFileError as exc:
            if exc.rule == "empty_file" and feed.kind == "event":
                continue  # an empty event file: no events this month (feeds.md)
            raise
        report.missing_optional_columns = sorted(set(report.missing_optional_columns) | set(missing_optional))
        report.unknown_headers = sorted(set(report.unknown_headers) | set(unknown))
        parsed.append(frame)
        del table, frame  # a register of millions of rows: hold its cells once, not twice
    columns = META_COLUMNS + feed.warehouse_columns()
    if not parsed:
        empty = pl.DataFrame({c: pl.Series([], dtype=pl.String) for c in columns})
        report.status = DeliveryStatus.NO_EVENTS if feed.kind == "event" else report.status
        return empty, [], report
    with file_named(Path(", ".join(p.name for p in files))):
        return _checked_delivery(feed, month, parsed, unknown_columns, report)


def _checked_delivery(
    feed: Feed, month: str, parsed: list[pl.DataFrame], unknown_columns: list[str], report: LoadReport
) -> tuple[pl.DataFrame, list[dict], LoadReport]:
    """The checks across the delivery's files (natural keys), the rows split into loaded and
    quarantined."""
    columns = META_COLUMNS + feed.warehouse_columns()
    frame = pl.concat(parsed, how="diagonal_relaxed")
    del parsed
    report.rows_read = frame.height
    if feed.kind == "event":
        frame = check_natural_keys(frame, feed)
    else:
        frame = frame.with_columns(
            pl.format("{}:{}:{}:{}", pl.lit(feed.code), pl.lit(month), pl.col("__stem"), pl.col(SOURCE_ROW)).alias(
                "record_id"
            )
        )
    quarantine = quarantine_rows(frame, feed, month)
    for row in quarantine:
        report.quarantine_by_rule[row["rule"]] = report.quarantine_by_rule.get(row["rule"], 0) + 1
    values = [c for c in frame.columns if not is_cell_column(c)]
    loaded = frame.filter(pl.col(RULE).is_null()).select(values).sort("__file", SOURCE_ROW)
    del frame  # the delivered cells: only the quarantined rows' are kept (as JSON)
    report.unknown_codes = unknown_code_counts(loaded, unknown_columns)
    records = loaded.with_columns(
        pl.lit(month).alias("delivery_month"), pl.col(SOURCE_ROW).cast(pl.String).alias("source_row")
    ).select(pl.col(c).cast(pl.String) for c in columns)
    del loaded
    for role in feed.roles:
        for status, count in records[f"{role.id_number}_status"].value_counts().iter_rows():
            report.id_status_counts[status] = report.id_status_counts.get(status, 0) + count
    report.rows_loaded = records.height
    report.rows_quarantined = len(quarantine)
    if feed.kind == "event" and report.rows_read == 0:
        report.status = DeliveryStatus.NO_EVENTS
    return records, quarantine, report
