"""The linkage evaluation compares three methods on the records of a month the monthly command
ran (the session's June), against the generator's truth."""

import shutil

import duckdb

from bench.linkage_eval import SUBSETS, compare_methods


def test_the_evaluation_compares_three_methods_on_every_subset(pipeline_run, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    shutil.copy(pipeline_run.warehouse, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        rows, ceiling = compare_methods(con, pipeline_run.month.truth_dir / "records.csv", 0.0)
    assert {(r["method"], r["subset"]) for r in rows} == {
        (m, s) for m in ("exact ID join", "plain Splink", "this project") for s in SUBSETS
    }
    score = {(r["method"], r["subset"]): r for r in rows}
    assert score[("exact ID join", "mistyped/transposed ID")]["recall"] == 0, "an exact join cannot link a typo"
    assert score[("this project", "mistyped/transposed ID")]["recall"] > 0.8
    assert score[("this project", "all")]["precision"] >= 0.995
    assert 0 < ceiling.singled_out <= ceiling.with_known_person <= ceiling.damaged_records
    assert score[("this project", "all")]["recall"] > score[("plain Splink", "all")]["recall"]
