"""Two runs launched at once on one warehouse both succeed, one after the other: the second
waits for the warehouse instead of failing on DuckDB's file lock."""

import subprocess
import sys

import duckdb

from orchestration.resources import hold_warehouse

# A run of the monthly job's ingestion of one feed for June, launched as its own process.
RUN = """
import sys
from dagster import AssetKey, materialize
from orchestration.ingestion_assets import feed_assets
from orchestration.resources import MonitoringSettings, Warehouse
assets = [a for a in feed_assets if a.key == AssetKey(["raw", "civil_exits"])]
result = materialize(
    assets, partition_key="2023-06", raise_on_error=False,
    resources={"settings": MonitoringSettings(landing_dir=sys.argv[1], output_dir=sys.argv[3]),
               "warehouse": Warehouse(database=sys.argv[2])},
)
print("RUN", "ok" if result.success else "failed", flush=True)
"""


def test_two_runs_on_one_warehouse_both_succeed_one_after_the_other(small_month, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    args = [sys.executable, "-c", RUN, str(small_month.landing_dir), str(warehouse), str(tmp_path / "out")]
    outputs = ["", ""]
    with hold_warehouse(warehouse, 5):  # a run already under way: both new runs must wait
        runs = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
        for i, run in enumerate(runs):  # read until each says it waits for the warehouse
            for line in run.stdout:
                outputs[i] += line
                if "waiting for it to finish" in line:
                    break
        assert all(r.poll() is None for r in runs), "neither run may go on while the warehouse is held"
    outputs = [before + r.communicate(timeout=300)[0] for before, r in zip(outputs, runs, strict=True)]
    assert all("RUN ok" in out for out in outputs), [out[-2000:] for out in outputs]
    assert all("waiting for it to finish" in out for out in outputs)
    assert not any("Could not set lock" in out for out in outputs)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT status FROM raw.load_log WHERE feed_code = 'civil_exits'").fetchall() == [
            ("loaded",)
        ]


def test_a_connection_held_by_another_process_gives_a_clear_error(tmp_path):
    """An analyst who opened the live file (not the copy) makes a step wait, then fail saying so."""
    from orchestration.resources import Warehouse, WarehouseBusyError

    warehouse = tmp_path / "w.duckdb"
    duckdb.connect(str(warehouse)).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(warehouse)!r}); print('open', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        try:
            with Warehouse(database=str(warehouse), open_wait_seconds=2).get_connection():
                raise AssertionError("the file is held: no connection expected")
        except WarehouseBusyError as error:
            assert "held by another process" in str(error) and "analyst" in str(error)
    finally:
        holder.kill()
