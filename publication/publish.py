"""Publish a month: the county workbooks, the department and city workbooks and the national
platform files, staged aside, checked by the publication gate, then swapped in whole."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from publication.log import next_version, record_version
from publication.overviews import PLATFORM_FOLDER, write_overviews
from publication.workbooks import (
    CountyWorkbook,
    alert_counties,
    alert_rows,
    check_staged_workbooks,
    feedback_problems,
    first_publication_days,
    month_notes,
    swap_in,
    to_workbook_row,
    workbook_name,
    write_county_workbook,
)
from reference import counties, exclusive_lock

# How long a publication waits for another one writing the same month's folder.
PUBLISH_WAIT_SECONDS = 3600


class OutputBusyError(RuntimeError):
    """Another run kept the month's output folder for longer than this one would wait."""


@contextmanager
def month_folder_held(output_dir: Path, month: str, wait_seconds: float = PUBLISH_WAIT_SECONDS) -> Iterator[None]:
    """An exclusive lock on `<output>/.<month>.lock` while the month's folder is staged and
    swapped in: two runs publishing one month into one folder (two warehouses, one `--out`)
    take turns instead of deleting each other's staging and the published folder."""
    folder = Path(output_dir) / month

    def busy() -> OutputBusyError:
        return OutputBusyError(f"{folder} stayed held by another run for {wait_seconds:.0f} s")

    with exclusive_lock(Path(output_dir) / f".{month}.lock", wait_seconds, busy):
        yield


def publish_county_workbooks(con: duckdb.DuckDBPyConnection, month: str, output_dir: Path) -> list[CountyWorkbook]:
    """Write `<output>/<month>/<code>_<county>_低收入人口监测预警_<month>.xlsx` for all 17
    counties (a county with no alert still gets its workbook). The month's folder is written
    aside and swapped in whole, so a run stopped midway publishes nothing and a rerun replaces
    the earlier files."""
    with month_folder_held(output_dir, month):
        return _publish(con, month, Path(output_dir))


def _publish(con: duckdb.DuckDBPyConnection, month: str, output_dir: Path) -> list[CountyWorkbook]:
    folder = output_dir / month
    for stale in output_dir.glob(f".{month}.partial*"):  # of a run killed while it staged
        shutil.rmtree(stale, ignore_errors=True)
    staging = output_dir / f".{month}.partial-{os.getpid()}"
    staging.mkdir(parents=True)
    try:
        return _staged_and_swapped(con, month, folder, staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # a failed run leaves nothing half-written


def _staged_and_swapped(
    con: duckdb.DuckDBPyConnection, month: str, folder: Path, staging: Path
) -> list[CountyWorkbook]:
    version = next_version(con, month)
    by_county: dict[str, list[list]] = {}
    alerts = alert_rows(con, month)
    for alert in alerts:
        for county in alert_counties(alert):
            by_county.setdefault(county, []).append(to_workbook_row(alert))
    firsts = first_publication_days(con, month)
    written = []
    for code, name, _ in counties():
        filename = workbook_name(code, name, month)
        rows = by_county.get(code, [])
        notes = month_notes(con, month, code)
        problems = feedback_problems(con, month, code)
        write_county_workbook(
            staging / filename, name, month, rows, notes, version.label, problems, version.published_on, firsts
        )
        written.append(CountyWorkbook(code, name, folder / filename, len(rows)))
    overviews = write_overviews(con, month, staging, version.published_on, firsts)
    # the platform files carry the full ID number the platform matches on: not for the counties
    readable = [p for p in overviews if p.parent.name != PLATFORM_FOLDER]
    check_staged_workbooks(staging, {a["alert_id"]: alert_counties(a) for a in alerts}, readable)
    swap_in(staging, folder, {w.path.name for w in written} | {p.relative_to(staging).parts[0] for p in overviews})
    record_version(con, month, version, len(alerts))
    return written
