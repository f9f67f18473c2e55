"""Shared fixtures: one generated city of three months, and real runs of the monthly job over
it (Dagster, dbt, Splink, GX), each run once per session and shared by the tests."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

# Test runs go to an ephemeral Dagster instance, not the UI's (make exports DAGSTER_HOME): the
# UI's history stays the engineers', and an in-memory event log is faster (about 6 s a month).
os.environ.pop("DAGSTER_HOME", None)
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from synthetic.generate import GeneratedMonth, generate_month, generate_months  # noqa: E402

SMALL_CITY = 2500
MONTH = "2023-06"
MONTHS = ["2023-06", "2023-07", "2023-08"]


@pytest.fixture(scope="session")
def small_month(tmp_path_factory) -> GeneratedMonth:
    """About 2,500 synthetic people with every feed of the month and the truth beside it."""
    return generate_month(tmp_path_factory.mktemp("city"), people=SMALL_CITY, month=MONTH, seed=11)


@pytest.fixture(scope="session")
def city(tmp_path_factory) -> list[GeneratedMonth]:
    """One city of about 2,500 people over June, July and August 2023."""
    return generate_months(tmp_path_factory.mktemp("months") / "city", people=SMALL_CITY, months=MONTHS, seed=13)


@dataclass
class PipelineRun:
    month: GeneratedMonth
    warehouse: Path  # a copy of the warehouse as it stood after this month
    output: Path
    exit_code: int
    stdout: str
    stderr: str
    service_dir: Path  # the live warehouse's folder: run logs, Data Docs, review CSVs, analyst copy


def run_monthly_command(landing: Path, month: str, warehouse: Path, output: Path) -> tuple[int, str, str]:
    """`python -m orchestration.run` in this process, its terminal output captured."""
    from orchestration.run import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--landing", str(landing), "--month", month, "--warehouse", str(warehouse), "--out", str(output)])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="session")
def month_runs(city, tmp_path_factory) -> dict[str, PipelineRun]:
    """June then July into one warehouse, as the service runs them; June's warehouse is kept
    as it stood after June (a copy) for the tests of one month."""
    work = tmp_path_factory.mktemp("service")
    warehouse, output = work / "warehouse" / "linfen.duckdb", work / "out"
    runs = {}
    for generated in city[:2]:
        code, out, err = run_monthly_command(generated.landing_dir, generated.month, warehouse, output)
        assert code == 0, err[-3000:]
        kept = work / generated.month / "linfen.duckdb"
        kept.parent.mkdir()
        shutil.copy(warehouse, kept)
        runs[generated.month] = PipelineRun(generated, kept, output, code, out, err, warehouse.parent)
    return runs


@pytest.fixture(scope="session")
def pipeline_run(month_runs) -> PipelineRun:
    """The monthly command, run for real on the first month of the city."""
    return month_runs[MONTH]


def pytest_collection_modifyitems(items):
    """Tests that need the session's month runs are marked slow (`pytest -m "not slow"` leaves
    them out: about 20 s instead of 3 minutes)."""
    for item in items:
        if "month_runs" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
