"""Months as partitions: arguments checked before anything runs, months run in order, and a
month whose predecessor never ran says so."""

import io
import shutil
from contextlib import redirect_stderr, redirect_stdout

import duckdb
import pytest

from orchestration.linkage_assets import KEY_MEMORY
from orchestration.partitions import MonthError, MonthOrderError, check_month_order, dbt_vars, parse_month
from orchestration.run import main


@pytest.mark.parametrize(
    ("description", "month", "message"),
    [
        ("thirteenth month", "2023-13", "YYYY-MM"),
        ("month without its leading zero", "2023-6", "YYYY-MM"),
        ("before the notice", "2022-12", "before 2023-01"),
        ("not ended yet", "2999-01", "has not ended"),
    ],
)
def test_a_month_that_is_no_partition_is_refused(description, month, message):
    with pytest.raises(MonthError, match=message):
        parse_month(month)


def test_dbt_vars_come_from_the_partition_key():
    assert dbt_vars("2023-06") == {"month": "2023-06", "first_month": "2023-06"}, "a new warehouse's first month"
    assert dbt_vars("2023-08", first_month="2023-06")["first_month"] == "2023-06"


def run(*args) -> tuple[int, str]:
    err = io.StringIO()
    with redirect_stdout(io.StringIO()), redirect_stderr(err):
        code = main(list(args))
    return code, err.getvalue()


@pytest.mark.parametrize(
    ("description", "landing", "month", "message"),
    [
        ("a month that cannot be", "{landing}", "2023-13", "YYYY-MM"),
        ("a landing folder that does not exist", "{tmp}/nowhere", "2023-06", "does not exist"),
        ("a month folder that was never delivered", "{landing}", "2023-09", "no folder 2023-09"),
        ("a month folder with no feed in it", "{tmp}/empty", "2023-06", "holds no feed file"),
    ],
)
def test_bad_arguments_stop_before_anything_runs(city, tmp_path, description, landing, month, message):
    (tmp_path / "empty" / "2023-06").mkdir(parents=True)
    (tmp_path / "empty" / "2023-06" / "说明.txt").write_text("no data this month")
    landing = landing.format(landing=city[0].landing_dir, tmp=tmp_path)
    code, err = run(
        "--landing", landing, "--month", month, "--warehouse", str(tmp_path / "w.duckdb"), "--out", str(tmp_path / "o")
    )
    assert code == 2 and message in err and "nothing ran" in err, (description, err)
    assert not (tmp_path / "w.duckdb").exists() and not (tmp_path / "o").exists()


def test_a_month_whose_predecessor_never_ran_says_so(city, month_runs, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    shutil.copy(month_runs["2023-07"].warehouse, warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert check_month_order(con, "2023-08") == "2023-08 carries over from 2023-07"
        assert "first month" in check_month_order(con, "2023-06")  # a rerun of the first month
        with pytest.raises(MonthOrderError, match="2023-08 never ran"):
            check_month_order(con, "2023-09")
    september = tmp_path / "landing" / "2023-09"
    shutil.copytree(city[2].landing_dir / "2023-08", september)
    code, err = run(
        "--landing",
        str(september.parent),
        "--month",
        "2023-09",
        "--warehouse",
        str(warehouse),
        "--out",
        str(tmp_path / "o"),
    )
    assert code == 2 and "2023-08 never ran" in err


def test_the_graph_declares_that_a_month_carries_over_from_the_month_before():
    from dagster import TimeWindowPartitionMapping

    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    assert KEY_MEMORY in graph.get(KEY_MEMORY).parent_keys
    mapping = graph.get_partition_mapping(KEY_MEMORY, KEY_MEMORY)
    assert isinstance(mapping, TimeWindowPartitionMapping) and (mapping.start_offset, mapping.end_offset) == (-1, -1)
    job = defs.resolve_job_def("monthly_monitoring")
    assert job.partitions_def.get_partition_keys()[0] == "2023-01"


def test_a_month_with_no_feed_delivered_stops_before_anything_is_published(tmp_path):
    """Launched from the UI or the schedule (the command refuses it earlier): the delivery log
    fails the run instead of publishing last month's data as this month's."""
    from dagster import AssetKey

    from orchestration.definitions import MONTHLY_JOB, build_definitions
    from orchestration.ingestion_assets import feed_assets
    from orchestration.resources import MonitoringSettings, Warehouse

    (tmp_path / "landing" / "2023-06").mkdir(parents=True)
    (tmp_path / "landing" / "2023-06" / "说明.txt").write_text("nothing this month")
    settings = MonitoringSettings(landing_dir=str(tmp_path / "landing"), output_dir=str(tmp_path / "out"))
    defs = build_definitions(settings, Warehouse(database=str(tmp_path / "w.duckdb")))
    selection = [a.key for a in feed_assets] + [AssetKey(["raw", "load_log"]), AssetKey(["raw", "quarantine"])]
    result = defs.resolve_job_def(MONTHLY_JOB).execute_in_process(
        partition_key="2023-06", asset_selection=selection, raise_on_error=False
    )
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.error
    assert "no feed was delivered" in str(failure.message) + str(failure.cause and failure.cause.message)


def test_a_ui_run_of_a_month_whose_predecessor_never_ran_stops_before_writing(month_runs, tmp_path):
    """The check runs when the run takes the warehouse, before any feed of the month is loaded."""
    from dagster import AssetKey

    from orchestration.definitions import MONTHLY_JOB, build_definitions
    from orchestration.resources import MonitoringSettings, Warehouse

    warehouse = tmp_path / "w.duckdb"
    shutil.copy(month_runs["2023-07"].warehouse, warehouse)
    settings = MonitoringSettings(landing_dir=str(tmp_path), output_dir=str(tmp_path / "out"))
    job = build_definitions(settings, Warehouse(database=str(warehouse))).resolve_job_def(MONTHLY_JOB)
    result = job.execute_in_process(
        partition_key="2023-09", asset_selection=[AssetKey(["raw", "civil_exits"])], raise_on_error=False
    )
    assert not result.success
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.load_log WHERE delivery_month = '2023-09'").fetchall() == [(0,)]
