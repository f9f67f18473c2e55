"""Issue 32: a truncated or zero-byte warehouse exited 1 with "see the errors above" and no
error above; two runs on two warehouses with one `--out` both "succeeded" and the month's
folder was gone (the lock covered the warehouse, not the output)."""

import subprocess
import sys

import duckdb
import pytest

from orchestration.resources import WarehouseFileError, check_warehouse_file, hold_lock


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE t AS SELECT range AS i, random() AS r FROM range(300000)")
    return path


def test_a_whole_warehouse_and_a_new_one_pass(warehouse, tmp_path):
    check_warehouse_file(warehouse)
    check_warehouse_file(tmp_path / "new.duckdb")


def test_a_zero_byte_warehouse_is_named(tmp_path):
    path = tmp_path / "w.duckdb"
    path.write_bytes(b"")
    with pytest.raises(WarehouseFileError, match=r"w\.duckdb is empty \(0 bytes\).*nothing was run"):
        check_warehouse_file(path)


@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_a_truncated_warehouse_is_named(warehouse, keep):
    data = warehouse.read_bytes()
    warehouse.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(WarehouseFileError, match=str(warehouse)):
        check_warehouse_file(warehouse)


def test_a_file_that_is_no_database_is_named(tmp_path):
    path = tmp_path / "w.duckdb"
    path.write_bytes(b"PK\x03\x04 a workbook saved under the warehouse's name" * 100)
    with pytest.raises(WarehouseFileError, match="cannot be opened"):
        check_warehouse_file(path)


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


def test_a_run_waits_for_another_run_holding_its_output_folder_on_another_warehouse(tmp_path):
    landing = tmp_path / "landing" / "2023-06"
    landing.mkdir(parents=True)
    (landing / "civil_exits.csv").write_text("区县,姓名,身份证号,原救助类别,退出日期,退出原因\n", encoding="utf-8")
    out = tmp_path / "out"
    args = [sys.executable, "-c", RUN, str(tmp_path / "landing"), str(tmp_path / "second.duckdb"), str(out)]
    output = ""
    with hold_lock(out.with_name("out.lock"), out, 5):  # a run on another warehouse, publishing to `out`
        run = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in run.stdout:
            output += line
            if "waiting for it to finish" in line or "RUN " in line:
                break
        assert run.poll() is None and "another run holds out" in output, output[-2000:]
    output += run.communicate(timeout=300)[0]
    assert "RUN ok" in output, output[-2000:]
