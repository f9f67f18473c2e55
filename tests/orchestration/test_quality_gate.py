"""Failure paths of publication, run on the asset they concern (the county workbooks of a
month already computed), through Dagster."""

import re
import shutil

import fastexcel
from dagster import materialize

from orchestration.publication_assets import county_workbooks
from orchestration.resources import MonitoringSettings, Warehouse


def publish(warehouse, output, month="2023-06"):
    settings = MonitoringSettings(landing_dir=str(output.parent), output_dir=str(output))
    resources = {"settings": settings, "warehouse": Warehouse(database=str(warehouse))}
    return materialize([county_workbooks], partition_key=month, resources=resources, raise_on_error=False)


def test_a_publication_stopped_midway_publishes_nothing_and_the_rerun_completes(pipeline_run, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    shutil.copy(pipeline_run.warehouse, warehouse)
    blocked = tmp_path / "out"
    blocked.write_text("a file where the output folder should be: publication fails")
    assert not publish(warehouse, blocked / "sub").success
    assert not list(tmp_path.glob("**/*.xlsx"))
    assert publish(warehouse, tmp_path / "out2").success
    assert len(list((tmp_path / "out2" / "2023-06").glob("*.xlsx"))) == 17


def test_a_republished_month_replaces_its_workbooks_and_keeps_other_files(pipeline_run, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    shutil.copy(pipeline_run.warehouse, warehouse)
    assert publish(warehouse, tmp_path / "out").success
    folder = tmp_path / "out" / "2023-06"
    (folder / "县里的说明.docx").write_bytes(b"a note a person left beside the workbooks")
    first = sorted(p.name for p in folder.glob("*.xlsx"))
    assert publish(warehouse, tmp_path / "out").success
    assert sorted(p.name for p in folder.glob("*.xlsx")) == first
    assert (folder / "县里的说明.docx").exists()
    left = [p for p in (tmp_path / "out").glob(".*") if p.suffix != ".lock"]  # the month's lock file stays
    assert not left, "nothing staged or set aside is left behind"
    version = int(re.search(r"第(\d+)版", summary_text(folder)).group(1))
    assert publish(warehouse, tmp_path / "out").success
    assert f"第{version + 1}版" in summary_text(folder) and f"替换第{version}版" in summary_text(folder), (
        "the republished month says which version it is"
    )


def summary_text(folder):
    summary = fastexcel.read_excel(str(next(folder.glob("*.xlsx")))).load_sheet("汇总", header_row=None).to_polars()
    return "\n".join(str(v) for c in summary.columns for v in summary[c].drop_nulls().to_list())
