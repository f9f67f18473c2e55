"""Load one feed's delivery for one month into the warehouse's `raw` schema.

Usable rows go to `raw.<feed_code>` (all text, normalised); rows that cannot be used go to
`raw.quarantine` with file, row number and the rule they broke. Loading is idempotent: a
snapshot replaces that month's snapshot; an event replaces the event with the same natural key,
and a re-delivered month's event file replaces that month's earlier file. Event rows replaced by
a correction are kept in `raw.replaced_events` (the row as it was, when and why it was replaced).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

import duckdb
import pyarrow as pa

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
    Feed,
    normalise_header,
)
from ingestion.errors import FeedFileError
from ingestion.landing import counties_without_file, delivered_names, feed_of
from ingestion.reader import MAX_CELL_CHARS, DeliveredTable, read_delivered
from reference import mask_id_shapes, month_end

META_COLUMNS = ["record_id", "delivery_month", "source_file", "source_row", "row_issues"]
QUARANTINE_COLUMNS = [
    "feed_code",
    "delivery_month",
    "source_file",
    "source_row",
    "rule",
    "detail",
    "raw_values",
]
SUMMARY_MARKERS = {"合计", "总计", "小计"}
# NUL and the other C0 controls but tab and line breaks: never part of a name, a code or a note
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Each distinct delivered value is normalised once: codes, counties, dates and amounts repeat
# across a register's rows (a value that raises is not remembered, and raises again).
_SCALAR: dict[str, Callable[[object], str | None]] = {
    kind: lru_cache(maxsize=1 << 16)(normaliser)
    for kind, normaliser in {
        TEXT: n.normalise_text,
        CODE: n.normalise_code,
        NAME: n.normalise_name,
        DATE: n.normalise_date,
        AMOUNT: n.normalise_amount,
        INT: n.normalise_integer,
        COUNTY: n.normalise_county,
        PHONE: n.normalise_phone,
    }.items()
}


class DeliveryStatus(StrEnum):
    """What became of a feed's delivery for a month (raw.load_log.status)."""

    LOADED = "loaded"
    NO_EVENTS = "no_events"  # an event file with no rows: no events this month (feeds.md)
    REJECTED = "rejected"  # unreadable, or failed its blocking checks: counts as not delivered
    MISSING = "missing"  # nothing delivered: the previous delivery stays in force

    @property
    def delivered(self) -> bool:
        return self in (DeliveryStatus.LOADED, DeliveryStatus.NO_EVENTS)


@dataclass
class LoadReport:
    """What one load did; goes to Dagster metadata (counts only, no personal data)."""

    feed_code: str
    month: str
    files: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    quarantine_by_rule: dict[str, int] = field(default_factory=dict)
    id_status_counts: dict[str, int] = field(default_factory=dict)
    missing_optional_columns: list[str] = field(default_factory=list)
    unknown_headers: list[str] = field(default_factory=list)
    last_delivered_month: str | None = None  # when this month's delivery is missing
    # column -> {delivered value -> rows}: codes outside the glossary and its known variants,
    # kept as unknown (NULL) on their rows (feeds.md, "Coded values")
    unknown_codes: dict[str, dict[str, int]] = field(default_factory=dict)
    status: DeliveryStatus = DeliveryStatus.LOADED
    reason: str = ""
    # a feed delivered one file per county: the counties without a file this month (their
    # previous roster stays in force)
    missing_counties: list[str] = field(default_factory=list)
    # event rows of earlier loads that this delivery corrected or withdrew (kept in history)
    events_replaced: int = 0
    # delivered event rows not loaded because a later month's delivery already corrected them
    events_superseded: int = 0

    @property
    def delivered(self) -> bool:
        return bool(self.files) and self.status.delivered

    @property
    def unknown_code_rows(self) -> int:
        return sum(sum(values.values()) for values in self.unknown_codes.values())


def missing_counties(feed: Feed, files: list[Path]) -> list[str]:
    """Counties without a file when a feed delivered per county (catalogue: Delivery.per_county)
    came as `<feed>__<county>` files; a file for the whole feed covers every county."""
    return counties_without_file(feed, [p.name for p in files]) if feed.delivery.per_county else []


def delivered_files(landing_dir: Path, month: str, feed: Feed) -> list[Path]:
    """`<landing>/<month>/<feed>.<csv|xlsx>` or one file per county `<feed>__<county>.<ext>`."""
    folder = Path(landing_dir) / month
    if not folder.is_dir():
        return []
    return [p for p in delivered_names(folder) if feed_of(p.name)[0] is feed]


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


class RowRejected(Exception):
    def __init__(self, rule: str, detail: str):
        super().__init__(detail)
        self.rule, self.detail = rule, detail


def _normalise_id_into(out: dict, name: str, raw: object) -> None:
    result = n.normalise_id(raw)
    out[name], out[f"{name}_status"], out[f"{name}_raw"] = result.value, result.status, result.cleaned


EARLIEST_DATE = n.EARLIEST_DATE.isoformat()


def _check_range(column, value: str | None, latest_date: str) -> None:
    """Dates between 1900 and the delivery month's end; amounts not negative."""
    if value is None:
        return
    if column.type == DATE and not EARLIEST_DATE <= value <= latest_date:
        raise ValueError(f"date {value} outside {EARLIEST_DATE}..{latest_date}")
    if column.type in (AMOUNT, INT) and value.startswith("-"):
        raise ValueError(f"negative value {value}")


def normalise_row(
    feed: Feed,
    mapping: dict[str, int],
    cells: list[str | None],
    latest_date: str = "9999-12-31",
    unknown_codes: dict[str, dict[str, int]] | None = None,
) -> tuple[dict, list[str]]:
    """Warehouse values of one delivered row, and the optional fields that had to be blanked.
    A coded value is mapped onto the glossary; an unknown one is kept as unknown (NULL), noted
    on the row and counted in `unknown_codes`. Raises RowRejected when the row cannot be used."""
    out: dict[str, str | None] = {}
    issues: list[str] = []
    for column in feed.columns:
        index = mapping.get(column.name)
        raw = cells[index] if index is not None and index < len(cells) else None
        if raw is not None and len(raw) > MAX_CELL_CHARS:
            raise RowRejected("oversized_cell", f"{column.header} holds {len(raw)} characters")
        if column.type == ID:
            _normalise_id_into(out, column.name, raw)
            continue
        if column.type == DISABILITY_CARD:
            card = n.normalise_code(raw)
            out[column.name] = card
            _normalise_id_into(out, "id_number", card[:18] if card else None)
            continue
        try:
            out[column.name] = _SCALAR[column.type](raw)
        except ValueError as exc:
            if column.type == COUNTY:
                raise RowRejected("county_outside_linfen", f"{column.header}: {exc}") from exc
            if column.required:
                raise RowRejected(f"invalid_{column.name}", f"{column.header}: {exc}") from exc
            out[column.name] = None
            issues.append(f"{column.name}: {exc}")
            continue
        try:
            _check_range(column, out[column.name], latest_date)
        except ValueError as exc:
            rule = "negative_amount" if "negative" in str(exc) else "date_out_of_range"
            raise RowRejected(rule, f"{column.header}: {exc}") from exc
        if column.codes is not None and out[column.name] is not None:
            delivered = out[column.name]
            out[column.name] = column.codes.to_glossary(delivered)
            if out[column.name] is None:
                shown = mask_id_shapes(delivered)[:20]
                issues.append(f"{column.name}: unknown code {shown!r}")
                if unknown_codes is not None:
                    counts = unknown_codes.setdefault(column.name, {})
                    counts[shown] = counts.get(shown, 0) + 1
        if column.required and out[column.name] is None:
            raise RowRejected("missing_required_value", f"{column.header} is blank or unknown")
    return out, issues


def natural_key(feed: Feed, values: dict) -> str | None:
    parts = []
    for name in feed.natural_key:
        value = values.get(name)
        if feed.column(name).type == ID:
            value = value or values.get(f"{name}_raw")
        if not value:
            return None
        parts.append(value)
    return "|".join(parts)


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def parse_delivery(feed: Feed, month: str, files: list[Path]) -> tuple[list[dict], list[dict], LoadReport]:
    """Normalise every row of the month's files; no database access."""
    report = LoadReport(feed.code, month, files=[p.name for p in files])
    records: list[dict] = []
    quarantine: list[dict] = []
    seen_keys: dict[str, tuple[int, str]] = {}

    def reject(path: Path, row: int, rule: str, detail: str, cells: list) -> None:
        quarantine.append(
            {
                "feed_code": feed.code,
                "delivery_month": month,
                "source_file": path.name,
                "source_row": row,
                "rule": rule,
                "detail": detail,
                "raw_values": json.dumps(cells, ensure_ascii=False),
            }
        )
        report.quarantine_by_rule[rule] = report.quarantine_by_rule.get(rule, 0) + 1

    latest_date = month_end(month).isoformat()
    for path in files:
        try:
            table = read_delivered(path, feed, month)
        except FeedFileError as exc:
            if exc.rule == "empty_file" and feed.kind == "event":
                continue  # an empty event file: no events this month (feeds.md)
            raise
        file_county = path.stem.split("__", 1)[1] if "__" in path.stem else None
        mapping, missing_optional, unknown = map_headers(table, feed)
        report.missing_optional_columns = sorted(set(report.missing_optional_columns) | set(missing_optional))
        report.unknown_headers = sorted(set(report.unknown_headers) | set(unknown))
        seen_rows: dict[tuple, int] = {}
        width = len(table.headers)
        header_cells = [normalise_header(h) for h in table.headers]
        named = sum(1 for h in header_cells if h)
        for row_number, cells in table.rows:
            if all(c is None or not str(c).strip() for c in cells):
                continue
            report.rows_read += 1
            if any((c or "").strip() in SUMMARY_MARKERS for c in cells[:4]):
                reject(path, row_number, "summary_row", "合计/总计 row, not a record", cells)
                continue
            repeats = sum(1 for c, h in zip(cells, header_cells, strict=False) if c and h and normalise_header(c) == h)
            if repeats * 2 > named:
                reject(path, row_number, "repeated_header", f"the header again ({repeats} of {named} cells)", cells)
                continue
            if any(c and CONTROL_CHARACTERS.search(c) for c in cells):
                reject(path, row_number, "control_character", "a cell holds a NUL or another control character", cells)
                continue
            if len(cells) > width and any(c not in (None, "") for c in cells[width:]):
                reject(path, row_number, "ragged_row", f"{len(cells)} cells under {width} headers", cells)
                continue
            if len(cells) < width and table.encoding != "xlsx":
                reject(path, row_number, "ragged_row", f"{len(cells)} cells under {width} headers", cells)
                continue
            fingerprint = tuple(cells)
            if fingerprint in seen_rows:
                reject(path, row_number, "exact_duplicate", f"same as row {seen_rows[fingerprint]}", cells)
                continue
            seen_rows[fingerprint] = row_number
            try:
                values, issues = normalise_row(feed, mapping, cells, latest_date, report.unknown_codes)
            except RowRejected as exc:
                reject(path, row_number, exc.rule, exc.detail, cells)
                continue
            if file_county and values.get("county") and values["county"] != file_county:
                reject(
                    path,
                    row_number,
                    "county_not_of_file",
                    f"row of {values['county']} in the file of {file_county}",
                    cells,
                )
                continue
            if feed.kind == "event":
                key = natural_key(feed, values)
                if key is None:
                    reject(
                        path,
                        row_number,
                        "missing_natural_key",
                        "natural key " + "+".join(feed.natural_key) + " incomplete",
                        cells,
                    )
                    continue
                content = json.dumps(values, sort_keys=True, ensure_ascii=False)
                if key in seen_keys:
                    first_row, first_content = seen_keys[key]
                    rule = "duplicate_natural_key" if content == first_content else "conflicting_natural_key"
                    reject(path, row_number, rule, f"same natural key as row {first_row}", cells)
                    continue
                seen_keys[key] = (row_number, content)
                record_id = f"{feed.code}:{_digest(key)}"
            else:
                record_id = f"{feed.code}:{month}:{path.stem}:{row_number}"
            values.update(
                record_id=record_id,
                delivery_month=month,
                source_file=path.name,
                source_row=str(row_number),
                row_issues="; ".join(issues) or None,
            )
            records.append(values)
            for role in feed.roles:
                status = values[f"{role.id_number}_status"]
                report.id_status_counts[status] = report.id_status_counts.get(status, 0) + 1
    report.rows_loaded = len(records)
    report.rows_quarantined = len(quarantine)
    if feed.kind == "event" and report.rows_read == 0:
        report.status = DeliveryStatus.NO_EVENTS
    return records, quarantine, report


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def ensure_tables(con: duckdb.DuckDBPyConnection, feed: Feed) -> None:
    """Create the raw schema, the feed's table, the quarantine and the load log if missing."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    columns = ", ".join(f"{_ident(c)} VARCHAR" for c in META_COLUMNS + feed.warehouse_columns())
    con.execute(f"CREATE TABLE IF NOT EXISTS raw.{_ident(feed.code)} ({columns})")
    con.execute(
        "CREATE TABLE IF NOT EXISTS raw.quarantine (feed_code VARCHAR, delivery_month VARCHAR, "
        "source_file VARCHAR, source_row INTEGER, rule VARCHAR, detail VARCHAR, raw_values VARCHAR)"
    )
    con.execute(
        "CREATE TABLE IF NOT EXISTS raw.load_log (feed_code VARCHAR, delivery_month VARCHAR, "
        "files VARCHAR, rows_read INTEGER, rows_loaded INTEGER, rows_quarantined INTEGER, "
        "loaded_at TIMESTAMP)"
    )
    # status and reason came with "one feed never stops the month"; older warehouses get them
    con.execute("ALTER TABLE raw.load_log ADD COLUMN IF NOT EXISTS status VARCHAR DEFAULT 'loaded'")
    con.execute("ALTER TABLE raw.load_log ADD COLUMN IF NOT EXISTS reason VARCHAR")
    con.execute("ALTER TABLE raw.load_log ADD COLUMN IF NOT EXISTS unknown_codes INTEGER DEFAULT 0")
    con.execute("ALTER TABLE raw.load_log ADD COLUMN IF NOT EXISTS missing_counties VARCHAR")
    con.execute(
        "CREATE TABLE IF NOT EXISTS raw.replaced_events (feed_code VARCHAR, record_id VARCHAR, "
        "delivery_month VARCHAR, replaced_in_month VARCHAR, replaced_at TIMESTAMP, why VARCHAR, "
        "replaced_row JSON)"
    )


def write_delivery(
    con: duckdb.DuckDBPyConnection,
    feed: Feed,
    month: str,
    records: list[dict],
    quarantine: list[dict],
    report: LoadReport,
) -> None:
    """Replace this delivery in one transaction: all of it lands, or none of it."""
    table = f"raw.{_ident(feed.code)}"
    columns = META_COLUMNS + feed.warehouse_columns()
    incoming = pa.table({c: pa.array([r.get(c) for r in records], pa.string()) for c in columns})
    con.execute("BEGIN TRANSACTION")
    try:
        con.register("incoming_rows", incoming)
        if feed.kind == "snapshot":
            con.execute(f"DELETE FROM {table} WHERE delivery_month = ?", [month])
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming_rows")
        else:
            _replace_events(con, feed, month, report)
        _replace_quarantine(con, feed, month, quarantine)
        _log_delivery(con, feed, month, report)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("incoming_rows")


def _replace_events(con: duckdb.DuckDBPyConnection, feed: Feed, month: str, report: LoadReport) -> None:
    """Put the delivered events (view `incoming_rows`) in place, inside the caller's transaction.

    The month's file replaces what an earlier delivery of the same month brought, so a row whose
    natural key the department corrected (an exit date fixed, a mistyped ID fixed) replaces its
    earlier row instead of standing beside it; a row with the key of an earlier month's event
    replaces that event; an event a later month already corrected stays as corrected. Every row
    taken out with different content goes to `raw.replaced_events`; reloading the same file
    moves nothing."""
    table = f"raw.{_ident(feed.code)}"
    content = ", ".join(f"{{alias}}.{_ident(c)}" for c in feed.warehouse_columns())
    old_content, new_content = content.format(alias="old"), content.format(alias="new")
    replaced = f"""
        FROM {table} AS old LEFT JOIN incoming_rows AS new USING (record_id)
        WHERE (new.record_id IS NULL AND old.delivery_month = $month)
           OR (new.record_id IS NOT NULL AND old.delivery_month <= $month)
    """
    report.events_replaced = con.execute(
        f"""
        INSERT INTO raw.replaced_events
        SELECT $feed, old.record_id, old.delivery_month, $month, now()::TIMESTAMP,
               CASE WHEN new.record_id IS NULL THEN 'not in the re-delivered file of its month'
                    ELSE 'delivered again with other values' END,
               to_json(old)
        {replaced}
          AND (new.record_id IS NULL OR [{old_content}] IS DISTINCT FROM [{new_content}])
        """,
        {"feed": feed.code, "month": month},
    ).fetchall()[0][0]
    con.execute(f"DELETE FROM {table} WHERE record_id IN (SELECT old.record_id {replaced})", {"month": month})
    report.events_superseded = con.execute(
        f"SELECT count(*) FROM incoming_rows WHERE record_id IN (SELECT record_id FROM {table})"
    ).fetchall()[0][0]
    con.execute(
        f"INSERT INTO {table} BY NAME SELECT * FROM incoming_rows "
        f"WHERE record_id NOT IN (SELECT record_id FROM {table})"
    )


def _replace_quarantine(con: duckdb.DuckDBPyConnection, feed: Feed, month: str, quarantine: list[dict]) -> None:
    """The month's quarantined rows of the feed, replacing those of an earlier load (inside the
    caller's transaction)."""
    rejected = pa.table(
        {
            c: pa.array([q[c] for q in quarantine], pa.int32() if c == "source_row" else pa.string())
            for c in QUARANTINE_COLUMNS
        }
    )
    con.register("incoming_quarantine", rejected)
    con.execute("DELETE FROM raw.quarantine WHERE feed_code = ? AND delivery_month = ?", [feed.code, month])
    con.execute("INSERT INTO raw.quarantine BY NAME SELECT * FROM incoming_quarantine")
    con.unregister("incoming_quarantine")  # after a failure the caller rolls back and closes


def _log_delivery(con: duckdb.DuckDBPyConnection, feed: Feed, month: str, report: LoadReport) -> None:
    con.execute("DELETE FROM raw.load_log WHERE feed_code = ? AND delivery_month = ?", [feed.code, month])
    con.execute(
        "INSERT INTO raw.load_log (feed_code, delivery_month, files, rows_read, rows_loaded, rows_quarantined, "
        "loaded_at, status, reason, unknown_codes, missing_counties) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            feed.code,
            month,
            ",".join(report.files),
            report.rows_read,
            report.rows_loaded,
            report.rows_quarantined,
            datetime.now(UTC).replace(tzinfo=None),
            str(report.status),
            report.reason or None,
            report.unknown_code_rows,
            ",".join(report.missing_counties) or None,
        ],
    )


def record_not_delivered(
    con: duckdb.DuckDBPyConnection, feed: Feed, month: str, report: LoadReport, quarantine: list[dict] | None = None
) -> None:
    """Log a month whose delivery is missing or rejected. The feed's rows are not touched, so
    what was accepted before stays in force; a month already loaded is not marked missing
    (nothing loaded is lost because a file was later taken away)."""
    ensure_tables(con, feed)
    if report.status == DeliveryStatus.MISSING:
        logged = con.execute(
            "SELECT count(*) FROM raw.load_log WHERE feed_code = ? AND delivery_month = ? AND status <> 'missing'",
            [feed.code, month],
        ).fetchall()[0][0]
        if logged:
            return
    con.execute("BEGIN TRANSACTION")
    try:
        if report.status == DeliveryStatus.REJECTED:
            _replace_quarantine(con, feed, month, quarantine or [])
        _log_delivery(con, feed, month, report)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def last_delivered_month(con: duckdb.DuckDBPyConnection, feed: Feed, month: str) -> str | None:
    """The latest month before `month` whose delivery of the feed was accepted."""
    ensure_tables(con, feed)
    return con.execute(
        "SELECT max(delivery_month) FROM raw.load_log WHERE feed_code = ? AND delivery_month < ? "
        "AND status IN ('loaded', 'no_events')",
        [feed.code, month],
    ).fetchall()[0][0]


def load_feed(con: duckdb.DuckDBPyConnection, feed: Feed, landing_dir: Path, month: str) -> LoadReport:
    """Load the month's delivery of one feed. A month without the feed keeps the previous
    snapshot in force (the report says `delivered=False`). Every file is parsed before
    anything is written, so a bad file leaves the warehouse as it was."""
    ensure_tables(con, feed)
    files = delivered_files(landing_dir, month, feed)
    if not files:
        return LoadReport(
            feed.code, month, last_delivered_month=last_delivered_month(con, feed, month), status=DeliveryStatus.MISSING
        )
    records, quarantine, report = parse_delivery(feed, month, files)
    report.missing_counties = missing_counties(feed, files)
    write_delivery(con, feed, month, records, quarantine, report)
    return report
