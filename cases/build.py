"""Merge every case of `cases/library/*.yaml` into one landing per month, in the formats the
departments deliver (feeds.md; the file names, encodings and title rows of ingestion.catalogue).

    .venv/bin/python -m cases.build --out /tmp/cases/landing

Every feed is delivered every month (an empty file with its delivered headers when no case has
a row in it), 低保 once per county, so no feed is held back as missing.
"""

from __future__ import annotations

import argparse
import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter
import yaml

from ingestion.catalogue import FEEDS, FEEDS_BY_CODE, normalise_header

LIBRARY = Path(__file__).resolve().parent / "library"
MONTHS = ("2023-06", "2023-07")
COUNTIES = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds" / "counties.csv"


class CaseError(ValueError):
    """A case file that cannot be built: names the file, the row and what is wrong."""


@dataclass
class Case:
    name: str
    path: Path
    story: str
    clause: str
    classes: list[str]
    people: dict[str, str]  # case person -> ID number (or a name when the ID is blank)
    feeds: dict[str, dict[str, list[dict]]]  # feed -> month -> rows with delivered headers
    expect: list[dict] = field(default_factory=list)
    must_not: list[dict] = field(default_factory=list)
    known_defect: str | None = None


def load_cases(library: Path = LIBRARY) -> list[Case]:
    cases = []
    for path in sorted(library.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key in ("story", "clause", "classes", "people", "feeds"):
            if key not in data:
                raise CaseError(f"{path.name}: missing `{key}`")
        cases.append(
            Case(
                name=path.stem,
                path=path,
                story=data["story"],
                clause=data["clause"],
                classes=[str(c) for c in data["classes"]],
                people={k: str(v) for k, v in data["people"].items()},
                feeds=data["feeds"],
                expect=data.get("expect") or [],
                must_not=data.get("must_not") or [],
                known_defect=data.get("known_defect"),
            )
        )
    return cases


def _counties() -> dict[str, str]:
    """county code -> name (seed counties.csv); case rows may write either."""
    with COUNTIES.open(encoding="utf-8") as f:
        return {r["county_code"]: r["county_name"] for r in csv.DictReader(f)}


def _rows_by_feed(cases: list[Case], month: str) -> dict[str, list[list[str]]]:
    out: dict[str, list[list[str]]] = {f.code: [] for f in FEEDS}
    for case in cases:
        for code, months in case.feeds.items():
            if code not in FEEDS_BY_CODE:
                raise CaseError(f"{case.path.name}: unknown feed `{code}`")
            feed = FEEDS_BY_CODE[code]
            headers = {normalise_header(c.header): c.name for c in feed.columns}
            for i, row in enumerate((months or {}).get(month) or [], start=1):
                unknown = [h for h in row if normalise_header(h) not in headers]
                if unknown:
                    raise CaseError(f"{case.path.name}: {code} {month} row {i}: unknown headers {unknown}")
                by_name = {headers[normalise_header(h)]: v for h, v in row.items()}
                out[code].append(["" if by_name.get(c.name) is None else str(by_name[c.name]) for c in feed.columns])
    return out


def _write_csv(path: Path, headers: list[str], body: list[list[str]], encoding: str) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(body)
    path.write_bytes(buffer.getvalue().encode(encoding))


def _write_xlsx(path: Path, headers: list[str], body: list[list[str]], titles: list[str], total: bool) -> None:
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    sheet = workbook.add_worksheet("Sheet1")
    r = 0
    for title in titles:
        sheet.write_string(r, 0, title)
        r += 1
    sheet.write_row(r, 0, headers)
    for row in body:
        r += 1
        for c, value in enumerate(row):
            if value != "":
                sheet.write_string(r, c, value)
    if total:
        sheet.write_string(r + 1, 0, "合计")
        sheet.write_string(r + 1, 1, f"{len(body)}人")
    workbook.close()


def build(out: Path, cases: list[Case] | None = None, months: tuple[str, ...] = MONTHS) -> dict[str, Path]:
    """Write `<out>/<month>/` for each month; return month -> landing folder."""
    cases = load_cases() if cases is None else cases
    landing = {}
    for month in months:
        folder = out / month
        folder.mkdir(parents=True, exist_ok=True)
        year, mon = month.split("-")
        for code, body in _rows_by_feed(cases, month).items():
            feed = FEEDS_BY_CODE[code]
            spec = feed.delivery
            headers = [c.header for c in feed.columns]
            groups: dict[str, list[list[str]]] = {}
            if spec.per_county:
                county_at = feed.column_names.index("county")
                for county, county_name in _counties().items():
                    groups[f"{code}__{county}"] = [r for r in body if r[county_at] in (county, county_name)]
            else:
                groups[code] = body
            titles = [f"临汾市{year}年{int(mon)}月{feed.title}", f"填报单位：临汾市{feed.department}"]
            titles = titles[: spec.title_rows]
            for name, rows in groups.items():
                path = folder / f"{name}.{spec.format}"
                if spec.format == "csv":
                    _write_csv(path, headers, rows, spec.encoding)
                else:
                    _write_xlsx(path, headers, rows, titles, spec.total_row)
        landing[month] = folder
    return landing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    for month, folder in build(args.out).items():
        print(f"{month}: {folder}")  # noqa: T201 (the command's output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
