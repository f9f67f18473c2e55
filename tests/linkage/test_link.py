"""Assigning person keys from scored pairs, and the reviewers' decisions: table-driven, each
case described."""

import polars as pl
import pytest

from linkage.decision import assign_people, estimate_linked_shares
from linkage.errors import ReviewedPairsError
from linkage.model import LinkageConfig
from linkage.review import apply_decisions, read_decisions
from linkage.scoring import PAIR_SCHEMA
from linkage.units import person_key, without_housemates

CONFIG = LinkageConfig(match_threshold=0.9, review_threshold=0.5)


def std(rows):
    frame = pl.DataFrame(
        rows, schema={"person_record_id": pl.String, "id_number": pl.String, "id_valid": pl.Boolean}, orient="row"
    )
    return frame.with_columns(
        signature=pl.lit("sig-") + pl.col("person_record_id"), feed_code=pl.lit("civil_visits"), role=pl.lit("person")
    )


def pair_frame(pairs):
    return pl.DataFrame(pairs, schema=PAIR_SCHEMA, orient="row")


def run(records, pairs):
    s = std(records)
    unresolved = s.filter(~pl.col("id_valid"))
    assigned, review = assign_people(s, unresolved, pair_frame(pairs), CONFIG, prior=1e-5, n_units=100_000)
    return {r["person_record_id"]: r for r in assigned.to_dicts()}, review


def test_records_with_the_same_valid_id_are_one_person():
    out, _ = run([("a", "X1", True), ("b", "X1", True)], [])
    assert out["a"]["person_key"] == out["b"]["person_key"] == person_key("id:X1")
    assert out["a"]["match_method"] == "exact_id"


def test_a_damaged_record_joins_the_id_that_alone_explains_it():
    out, review = run(
        [("a", "X1", True), ("b", "X2", True), ("c", None, False)],
        [("id:X1", "rec:c", 0.55), ("id:X2", "rec:c", 0.999)],
    )
    assert out["c"]["person_key"] == person_key("id:X2")
    assert out["c"]["match_probability"] == pytest.approx(0.9987, abs=1e-4), "its share of the look-alikes' weight"
    assert review.is_empty()


def test_a_record_resembling_two_ids_alike_goes_to_review_not_to_either():
    out, review = run(
        [("a", "X1", True), ("b", "X2", True), ("c", None, False)], [("id:X1", "rec:c", 0.97), ("id:X2", "rec:c", 0.99)]
    )
    assert out["c"]["match_method"] == "singleton"
    assert sorted(review["unit_id_l"].to_list()) == ["id:X1", "id:X2"]


def test_a_pair_in_the_grey_band_goes_to_review():
    out, review = run([("a", "X1", True), ("c", None, False)], [("id:X1", "rec:c", 0.2)])
    assert out["c"]["match_method"] == "singleton"
    assert [(left, right) for left, right, _ in review.rows()] == [("id:X1", "rec:c")]
    assert 0.5 <= review["match_probability"][0] < 0.9, "the posterior, between the review and match thresholds"


def test_the_posterior_weighs_the_people_nobody_knows_by_id():
    lone = [("a", "X1", True), ("c", None, False)]
    out, _ = run(lone, [("id:X1", "rec:c", 0.6)])
    assert out["c"]["match_method"] == "probabilistic", "odds 1.5 at prior 1e-5 outweigh 100,000 x ~0.1/0.9 unknowns"
    _, review = run(lone, [("id:X1", "rec:c", 0.05)])
    assert review.is_empty(), "a weak pair is neither linked nor worth a reviewer's time"


def test_two_valid_ids_are_never_merged_even_when_scored_alike():
    out, _ = run([("a", "X1", True), ("b", "X2", True)], [("id:X1", "id:X2", 0.999)])
    assert out["a"]["person_key"] != out["b"]["person_key"]


def test_records_without_id_cluster_and_follow_a_member_that_found_its_id():
    out, _ = run(
        [("a", "X1", True), ("c", None, False), ("d", None, False), ("e", None, False)],
        [("rec:c", "rec:d", 0.98), ("id:X1", "rec:d", 0.96)],
    )
    assert out["c"]["person_key"] == out["d"]["person_key"] == person_key("id:X1")
    assert out["e"]["person_key"] == person_key("sig:sig-e")
    assert out["e"]["match_method"] == "singleton"


def test_a_cluster_without_any_id_is_keyed_on_its_smallest_signature():
    out, _ = run([("m", None, False), ("k", None, False)], [("rec:m", "rec:k", 0.97)])
    assert out["m"]["person_key"] == out["k"]["person_key"] == person_key("sig:sig-k")


UNITS = pl.DataFrame(
    {
        "unit_id": ["id:X1", "id:X2", "rec:c"],
        "unit_key": [person_key("id:X1"), person_key("id:X2"), person_key("sig:sig-c")],
    }
)
DECISION_CASES = [
    ("'same' lifts a grey-band pair to certain", [("id:X1", "rec:c", 0.7)], "same", [("id:X1", "rec:c", 1.0)]),
    ("'different' removes a pair the model liked", [("id:X1", "rec:c", 0.99)], "different", []),
    ("'same' adds a pair the model scored below the band", [], "same", [("id:X1", "rec:c", 1.0)]),
]


@pytest.mark.parametrize(
    ("description", "scored", "decision", "expected"), DECISION_CASES, ids=[c[0] for c in DECISION_CASES]
)
def test_reviewed_decisions_replace_the_model(description, scored, decision, expected):
    decisions = {tuple(sorted((person_key("id:X1"), person_key("sig:sig-c")))): decision}
    pairs, applied = apply_decisions(pair_frame(scored), UNITS, decisions)
    unordered = lambda rows: sorted((*sorted(r[:2]), r[2]) for r in rows)  # noqa: E731
    assert unordered(pairs.rows()) == unordered(expected), description
    assert applied == 1


def test_the_decisions_file_is_read_and_a_bad_row_is_named(tmp_path):
    good = tmp_path / "reviewed.csv"
    good.write_text("left_key,right_key,decision\nPa,Pb,Same\nPc,Pd,\n", encoding="utf-8")
    assert read_decisions(good) == {("Pa", "Pb"): "same"}, "blank decisions are not yet reviewed"
    assert read_decisions(tmp_path / "absent.csv") == {}
    bad = tmp_path / "bad.csv"
    bad.write_text("left_key,right_key,decision\nPa,Pb,same\nPa,Pc,maybe\n", encoding="utf-8")
    with pytest.raises(ReviewedPairsError, match=r"bad.csv, row 3: decision_not_same_or_different: 'maybe'"):
        read_decisions(bad)


def test_the_review_csv_keeps_formula_like_values_as_text_and_masks_only_values(tmp_path):
    import duckdb
    import polars as pl

    from linkage.review import export_review

    con = duckdb.connect()
    con.execute("CREATE SCHEMA linkage")
    frame = pl.DataFrame(
        {
            "left_key": ["P1"],
            "right_key": ["P2"],
            "left_person_name": ['=HYPERLINK("http://x","点")'],
            "right_person_name": ["+cmd|' /C calc'!A0"],
            "left_id_number": ["141002199001011234"],
            "left_phone": ["13912345678"],
            "weight_phone": [-3.2],  # a comparison's weight, not a phone number: left as it is
            "match_probability": [0.7],
        }
    )
    con.register("review_frame", frame.to_arrow())
    con.execute("CREATE TABLE linkage.review_pairs AS SELECT * FROM review_frame")
    export_review(con, tmp_path / "review.csv")
    written = pl.read_csv(tmp_path / "review.csv", infer_schema=False).row(0, named=True)
    assert written["left_person_name"].startswith("'=") and written["right_person_name"].startswith("'+")
    assert written["left_id_number"] == "141002********1234"
    assert written["left_phone"] == "139****5678" and written["weight_phone"] == "-3.2"


SHARE_CASES = [
    # (description, the register's records' candidate Bayes factors, expected share range)
    ("records that all find someone strongly: the share rises", [1e9] * 400, (0.95, 0.99)),
    ("records that find nobody: the share falls", [0.0] * 400, (0.05, 0.1)),
    ("half and half", [1e9] * 200 + [0.0] * 200, (0.45, 0.55)),
    ("three records cannot move it far from the city's", [0.0] * 3, (0.75, 0.9)),
]


@pytest.mark.parametrize(("description", "factors", "expected"), SHARE_CASES, ids=[c[0] for c in SHARE_CASES])
def test_the_share_of_known_people_is_estimated_per_register(description, factors, expected):
    records = {f"rec:{i}": "civil_visits:person" for i in range(len(factors))}
    # a second register at the configured share keeps the city's estimate near it
    others = {f"rec:o{i}": "medins_enrollment:person" for i in range(2000)}
    sums = dict(zip(records, factors, strict=True)) | {r: (1e9 if i % 10 else 0.0) for i, r in enumerate(others)}
    shares = estimate_linked_shares(sums, records | others, 100_000, CONFIG)
    low, high = expected
    assert low <= shares["civil_visits:person"] <= high, description
    assert 0.85 <= shares["medins_enrollment:person"] <= 0.95


def test_a_register_full_of_unknown_people_raises_the_bar_for_its_records():
    """The same pair evidence links a record of a register whose people are mostly known and
    not one of a register whose people mostly are not (issue 14: a fixed share misjudged both)."""
    known = [(f"k{i}", f"K{i}", True) for i in range(300)]
    strong = [(f"s{i}", None, False) for i in range(300)]  # each finds its ID person clearly
    strangers = [(f"u{i}", None, False) for i in range(300)]  # nobody
    records = std(known + strong + strangers).with_columns(
        feed_code=pl.when(pl.col("person_record_id").str.starts_with("u") | (pl.col("person_record_id") == "s0"))
        .then(pl.lit("civil_reports"))
        .otherwise(pl.lit("civil_visits"))
    )
    pairs = [(f"id:K{i}", f"rec:s{i}", 0.999999) for i in range(1, 300)] + [("id:K0", "rec:s0", 0.6)]
    shares: dict[str, float] = {}
    assigned, _ = assign_people(
        records, records.filter(~pl.col("id_valid")), pair_frame(pairs), CONFIG, 1e-5, 100_000, shares=shares
    )
    assert shares["civil_reports:person"] < 0.2 < 0.9 < shares["civil_visits:person"]
    method = dict(assigned.select("person_record_id", "match_method").iter_rows())
    assert method["s0"] == "singleton", "odds 1.5 are not enough where nine in ten are strangers"


def test_a_record_is_never_the_person_it_lives_with():
    """A roster member with a damaged ID and a household member of the same name (a child
    named after a sibling): the pair is dropped however alike the two look."""
    units = pl.DataFrame(
        {"unit_id": ["rec:r1", "id:A", "id:B"], "housemates": [["A"], None, None]},
        schema={"unit_id": pl.String, "housemates": pl.List(pl.String)},
    )
    pairs = pair_frame([("id:A", "rec:r1", 0.99), ("id:B", "rec:r1", 0.5), ("rec:r1", "id:A", 0.9)])
    kept = without_housemates(pairs, units)
    assert kept.rows() == [("id:B", "rec:r1", 0.5)]
