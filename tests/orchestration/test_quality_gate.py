"""A failed blocking quality check stops the warnings from being published."""

import csv
import io
import shutil
from contextlib import redirect_stderr, redirect_stdout


def run_month(landing, warehouse, out, err=None) -> int:
    from orchestration.run import main

    with redirect_stdout(io.StringIO()), redirect_stderr(err or io.StringIO()):
        return main(["--landing", str(landing), "--month", "2023-06", "--warehouse", str(warehouse), "--out", str(out)])


def test_a_feed_failing_its_blocking_suite_stops_publication(small_month, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(small_month.landing_dir, landing)
    path = landing / "2023-06" / "housing_property.csv"  # hundreds of rows: the share gate applies
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    id_column = next(i for i, h in enumerate(rows[0]) if "身份" in h or "证件" in h)
    for row in rows[1:]:
        row[id_column] = "12345"  # every ID number unusable: far below the 80% floor
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")

    err = io.StringIO()
    code = run_month(landing, tmp_path / "w.duckdb", tmp_path / "out", err)
    assert code == 1
    assert "raw/housing_property:gx_feed_suite (ERROR)" in err.getvalue()
    assert "NOT published" in err.getvalue()
    assert not (tmp_path / "out" / "2023-06").exists()


def test_a_run_stopped_midway_publishes_nothing_and_the_rerun_completes(small_month, tmp_path):
    blocked = tmp_path / "out"
    blocked.write_text("a file where the output folder should be: publication fails")
    err = io.StringIO()
    code = run_month(small_month.landing_dir, tmp_path / "w.duckdb", blocked / "sub", err)
    assert code == 1 and "publication__county_workbooks failed" in err.getvalue()
    assert not list(tmp_path.glob("**/*.xlsx"))
    code = run_month(small_month.landing_dir, tmp_path / "w.duckdb", tmp_path / "out2")
    assert code == 0
    assert len(list((tmp_path / "out2" / "2023-06").glob("*.xlsx"))) == 17
