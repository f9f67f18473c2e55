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
# The small city's people known by ID drift 6 % from June to July (planted cases among 2,500
# people; a city's month drifts about 1 %): July keeps June's scoring basis, as a city's next
# month does, so the month tests run the incremental linkage (tests/test_months.py compares it
# with a full rerun).
os.environ["LINFEN_REBASE_DRIFT"] = "0.25"

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


def run_monthly_command(
    landing: Path, month: str, warehouse: Path, output: Path, *options: str
) -> tuple[int, str, str]:
    """`python -m orchestration.run` in this process, its terminal output captured."""
    from orchestration.run import main

    out, err = io.StringIO(), io.StringIO()
    arguments = ["--landing", str(landing), "--month", month, "--warehouse", str(warehouse), "--out", str(output)]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([*arguments, *options])
    return code, out.getvalue(), err.getvalue()


# rules whose planted cases go on holding month after month (no look-back window, not fixed)
LASTING_RULES = ("S", "N01", "N02", "N03", "N06", "N07", "P03", "P04", "P05", "P06", "P07")


@dataclass
class ReturnedWorkbooks:
    """What one county sent back (tests/test_disposal_loop.py checks what became of it)."""

    county_code: str
    disposals: dict  # alert id -> synthetic.county_staff.Disposal
    bad_rows: list  # (alert id as typed, the reason it must be reported)


def return_county_workbooks(warehouse: Path, published: Path, landing: Path, month: str, back_in: str):
    """County staff of the county with most lasting alerts fill in `month`'s workbook and send
    it back in `back_in`, twice (the second time with one more row), with the mistakes people
    make: a mistyped 预警编号, another county's alert, a status typed outside the list, a date
    before the workbook came out; dates typed as text; rows sorted and one deleted; the summary
    sheet removed."""
    import duckdb

    from synthetic.county_staff import Disposal, return_workbook

    with duckdb.connect(str(warehouse), read_only=True) as con:
        alerts = con.execute(
            "SELECT alert_id, county_code FROM main.alerts WHERE month = ? AND status <> '已解除' "
            "AND list_has_any([rule_id, left(rule_id, 1)], ?) ORDER BY alert_id",
            [month, list(LASTING_RULES)],
        ).fetchall()
    by_county: dict[str, list[str]] = {}
    for alert_id, county in alerts:
        by_county.setdefault(county, []).append(alert_id)
    county = max(sorted(by_county), key=lambda c: len(by_county[c]))
    ids, other = by_county[county], next(a for a, c in alerts if c != county)
    year, number = back_in.split("-")
    day = f"{year}.{int(number)}.%d"
    plan = {
        ids[0]: Disposal("已核实不属实", day % 15),
        ids[1 % len(ids)]: Disposal("已落实救助", f"{int(number)}月16日"),
        ids[2 % len(ids)]: Disposal("已核实属实", f"{back_in}-17"),
        ids[3 % len(ids)]: Disposal("无法联系", day % 18),
    }
    bad = [
        ("X01-NOTANALERT", "已核实属实", f"{back_in}-19", "预警编号不存在"),
        (other, "已核实属实", f"{back_in}-19", "不属于本县"),
        (ids[0], "核实中", f"{back_in}-19", "处置状态不在可选范围内"),
        (ids[0], "已核实属实", f"{back_in}-02", "处置日期早于预警发布日期"),
    ]
    source = next(published.glob(f"{county}_*.xlsx"))
    folder = landing / back_in / "county_feedback"
    extra = [[alert_id, status, typed, "李四"] for alert_id, status, typed, _ in bad]
    first = dict(list(plan.items())[:3])
    return_workbook(source, folder / f"{county}_反馈_第一次.xlsx", first, extra_rows=extra)
    return_workbook(source, folder / f"{county}_反馈_第二次.xlsx", plan)  # returned again, one row more
    return ReturnedWorkbooks(county, plan, [(alert_id, reason) for alert_id, _, _, reason in bad])


@pytest.fixture(scope="session")
def month_runs(city, tmp_path_factory) -> dict[str, PipelineRun]:
    """June then July into one warehouse, as the service runs them; June's warehouse is kept
    as it stood after June (a copy) for the tests of one month. Between the two, one county
    returns its June workbook filled in (`returned`)."""
    work = tmp_path_factory.mktemp("service")
    warehouse, output = work / "warehouse" / "linfen.duckdb", work / "out"
    runs = {}
    for generated in city[:2]:
        if generated.month == "2023-07":
            landing = generated.landing_dir
            runs["returned"] = return_county_workbooks(warehouse, output / MONTH, landing, MONTH, "2023-07")
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
