"""Shared fixtures: a small generated month, and one real run of the monthly job over it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from synthetic.generate import GeneratedMonth, generate_month  # noqa: E402

SMALL_CITY = 2500
MONTH = "2023-06"


@pytest.fixture(scope="session")
def small_month(tmp_path_factory) -> GeneratedMonth:
    """About 2,500 synthetic people with every feed of the month and the truth beside it."""
    return generate_month(tmp_path_factory.mktemp("city"), people=SMALL_CITY, month=MONTH, seed=11)


@dataclass
class PipelineRun:
    month: GeneratedMonth
    warehouse: Path
    output: Path
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture(scope="session")
def pipeline_run(small_month, tmp_path_factory) -> PipelineRun:
    """The monthly command, run for real (Dagster, dbt, Splink, GX) on the small month."""
    import contextlib
    import io

    from orchestration.run import main

    work = tmp_path_factory.mktemp("run")
    warehouse, output = work / "warehouse.duckdb", work / "out"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(
            [
                "--landing",
                str(small_month.landing_dir),
                "--month",
                MONTH,
                "--warehouse",
                str(warehouse),
                "--out",
                str(output),
            ]
        )
    return PipelineRun(small_month, warehouse, output, code, out.getvalue(), err.getvalue())
