"""The linkage evaluation runs the three methods on the same generated records."""

from bench.linkage_eval import SUBSETS, evaluate


def test_the_evaluation_compares_three_methods_on_every_subset(tmp_path):
    rows, ceiling = evaluate(1500, 1.0, tmp_path)
    assert {(r["method"], r["subset"]) for r in rows} == {
        (m, s) for m in ("exact ID join", "plain Splink", "this project") for s in SUBSETS
    }
    score = {(r["method"], r["subset"]): r for r in rows}
    assert score[("exact ID join", "mistyped/transposed ID")]["recall"] == 0, "an exact join cannot link a typo"
    assert score[("this project", "mistyped/transposed ID")]["recall"] > 0.8
    assert score[("this project", "all")]["precision"] >= 0.995
    assert 0 < ceiling.singled_out <= ceiling.with_known_person <= ceiling.damaged_records
    assert score[("this project", "all")]["recall"] > score[("plain Splink", "all")]["recall"]
