"""Write rendered feeds as departments deliver them, and the truth beside them."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import xlsxwriter

from ingestion.catalogue import FEEDS_BY_CODE, ID, ID_HEADER_STEMS
from reference import county_codes
from synthetic.feeds import RenderedFeed


def delivered_headers(code: str, rng: random.Random) -> list[str]:
    """The feed's headers as one department writes them this month: an ID header variant,
    sometimes a stray space or half-width brackets."""
    headers = []
    for column in FEEDS_BY_CODE[code].columns:
        header = column.header
        if column.type == ID and rng.random() < 0.5:
            stem = next(s for s in sorted(ID_HEADER_STEMS, key=len, reverse=True) if header.endswith(s))
            header = header[: -len(stem)] + rng.choice(ID_HEADER_STEMS)
        if "（" in header and rng.random() < 0.3:
            header = header.replace("（", "(").replace("）", ")")
        if rng.random() < 0.05:
            header = f" {header} "
        headers.append(header)
    return headers


def department_spelling(code: str) -> dict[str, dict[str, str]]:
    """column -> {glossary value: how this department's system writes it} (feeds.md, "Coded
    values"): the catalogue's code lists, read backwards."""
    return {
        c.name: {value: c.codes.spelling_of(value) for value in c.codes.values}
        for c in FEEDS_BY_CODE[code].columns
        if c.codes is not None
    }


def _title(code: str, month: str) -> list[str]:
    year, mon = month.split("-")
    return [
        f"临汾市{year}年{int(mon)}月{FEEDS_BY_CODE[code].title}",
        f"填报单位：临汾市{FEEDS_BY_CODE[code].department}",
    ]


def write_feed(
    feed: RenderedFeed, month_dir: Path, month: str, rng: random.Random, duplicate_rate: float
) -> list[dict]:
    """Write one feed's files; return truth rows with the file and row each record landed on."""
    spec = FEEDS_BY_CODE[feed.code].delivery
    columns = FEEDS_BY_CODE[feed.code].column_names
    spell = department_spelling(feed.code) if spec.department_codes else {}
    groups: dict[str, list[int]] = {}
    for i, county in enumerate(feed.counties):
        key = county if spec.per_county else ""
        groups.setdefault(key, []).append(i)
    if spec.per_county:
        for county in county_codes():  # a county with nobody on the list still delivers its file
            groups.setdefault(county, [])
    if not groups:
        groups[""] = []
    truth_rows: list[dict] = []
    for county, indices in sorted(groups.items()):
        name = f"{feed.code}__{county}" if county else feed.code
        path = month_dir / f"{name}.{spec.format}"
        headers = delivered_headers(feed.code, rng)
        body: list[list] = []
        body_truth: list[list[dict]] = []
        for i in indices:
            row = [spell[c].get(v, v) if c in spell else v for c, v in ((c, feed.rows[i].get(c)) for c in columns)]
            copies = 2 if rng.random() < duplicate_rate else 1
            for _ in range(copies):
                body.append(row)
                body_truth.append(feed.truth[i])
        first_row = spec.title_rows + 2  # 1-based row of the first record
        for offset, truths in enumerate(body_truth):
            for t in truths:
                truth_rows.append(dict(feed_code=feed.code, source_file=path.name, source_row=first_row + offset, **t))
        if spec.format == "csv":
            _write_csv(path, headers, body, spec.encoding)
        else:
            _write_xlsx(path, headers, body, _title(feed.code, month)[: spec.title_rows], spec.total_row)
    return truth_rows


def _write_csv(path: Path, headers: list[str], body: list[list], encoding: str) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([["" if v is None else v for v in row] for row in body])
    path.write_bytes(buffer.getvalue().encode(encoding))


def _write_xlsx(path: Path, headers: list[str], body: list[list], titles: list[str], total_row: bool) -> None:
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    sheet = workbook.add_worksheet("Sheet1")
    row_index = 0
    for title in titles:
        sheet.write_string(row_index, 0, title)
        row_index += 1
    sheet.write_row(row_index, 0, headers)
    row_index += 1
    for row in body:
        for col, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, (int, float)):
                sheet.write_number(row_index, col, value)
            else:
                sheet.write_string(row_index, col, str(value))
        row_index += 1
    if total_row:
        sheet.write_string(row_index, 0, "合计")
        sheet.write_string(row_index, 1, f"{len(body)}人")
    workbook.close()
