"""Publish a month: the county workbooks, the department and city workbooks and the national
platform files, staged aside, checked by the publication gate, then swapped in whole."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from publication.log import next_version, record_version
from publication.overviews import PLATFORM_FOLDER, write_overviews
from publication.workbooks import (
    CountyWorkbook,
    PublicationGateError,
    alert_counties,
    alert_rows,
    check_staged_workbooks,
    feedback_problems,
    month_notes,
    swap_in,
    to_workbook_row,
    workbook_name,
    write_county_workbook,
)
from reference import counties


def publish_county_workbooks(con: duckdb.DuckDBPyConnection, month: str, output_dir: Path) -> list[CountyWorkbook]:
    """Write `<output>/<month>/<code>_<county>_低收入人口监测预警_<month>.xlsx` for all 17
    counties (a county with no alert still gets its workbook). The month's folder is written
    aside and swapped in whole, so a run stopped midway publishes nothing and a rerun replaces
    the earlier files."""
    folder = Path(output_dir) / month
    staging = Path(output_dir) / f".{month}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    version = next_version(con, month)
    by_county: dict[str, list[list]] = {}
    alerts = alert_rows(con, month)
    for alert in alerts:
        for county in alert_counties(alert):
            by_county.setdefault(county, []).append(to_workbook_row(alert))
    written = []
    for code, name, _ in counties():
        filename = workbook_name(code, name, month)
        rows = by_county.get(code, [])
        notes = month_notes(con, month, code)
        problems = feedback_problems(con, month, code)
        write_county_workbook(staging / filename, name, month, rows, notes, version.label, problems)
        written.append(CountyWorkbook(code, name, folder / filename, len(rows)))
    overviews = write_overviews(con, month, staging)
    try:
        # the platform files carry the full ID number the platform matches on: not for the counties
        readable = [p for p in overviews if p.parent.name != PLATFORM_FOLDER]
        check_staged_workbooks(staging, {a["alert_id"]: alert_counties(a) for a in alerts}, readable)
    except PublicationGateError:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    swap_in(staging, folder, {w.path.name for w in written} | {p.relative_to(staging).parts[0] for p in overviews})
    record_version(con, month, version, len(alerts))
    return written
