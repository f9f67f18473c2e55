"""Assigning person keys from scored pairs: table-driven, each case described."""

import polars as pl

from linkage.link import assign_people, person_key


def std(rows):
    frame = pl.DataFrame(
        rows, schema={"person_record_id": pl.String, "id_number": pl.String, "id_valid": pl.Boolean}, orient="row"
    )
    return frame.with_columns(signature=pl.lit("sig-") + pl.col("person_record_id"))


def run(records, pairs):
    s = std(records)
    unresolved = s.filter(~pl.col("id_valid"))
    frame = pl.DataFrame(
        pairs, schema={"unit_id_l": pl.String, "unit_id_r": pl.String, "match_probability": pl.Float64}, orient="row"
    )
    return {r["person_record_id"]: r for r in assign_people(s, unresolved, frame).to_dicts()}


def test_records_with_the_same_valid_id_are_one_person():
    out = run([("a", "X1", True), ("b", "X1", True)], [])
    assert out["a"]["person_key"] == out["b"]["person_key"] == person_key("id:X1")
    assert out["a"]["match_method"] == "exact_id"


def test_a_damaged_record_joins_its_best_id():
    out = run(
        [("a", "X1", True), ("b", "X2", True), ("c", None, False)], [("id:X1", "rec:c", 0.97), ("id:X2", "rec:c", 0.99)]
    )
    assert out["c"]["person_key"] == person_key("id:X2")
    assert out["c"]["match_probability"] == 0.99


def test_two_valid_ids_are_never_merged_even_when_scored_alike():
    out = run([("a", "X1", True), ("b", "X2", True)], [("id:X1", "id:X2", 0.999)])
    assert out["a"]["person_key"] != out["b"]["person_key"]


def test_records_without_id_cluster_and_follow_a_member_that_found_its_id():
    out = run(
        [("a", "X1", True), ("c", None, False), ("d", None, False), ("e", None, False)],
        [("rec:c", "rec:d", 0.98), ("id:X1", "rec:d", 0.96)],
    )
    assert out["c"]["person_key"] == out["d"]["person_key"] == person_key("id:X1")
    assert out["e"]["person_key"] == person_key("sig:sig-e")
    assert out["e"]["match_method"] == "singleton"


def test_a_cluster_without_any_id_is_keyed_on_its_smallest_signature():
    out = run([("m", None, False), ("k", None, False)], [("rec:m", "rec:k", 0.97)])
    assert out["m"]["person_key"] == out["k"]["person_key"] == person_key("sig:sig-k")
