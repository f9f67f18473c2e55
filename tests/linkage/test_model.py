"""The shipped model (linkage/model.json) as data: no single disagreement outside the ID
number vetoes a match, every comparison that can weigh has both m and u, and the parameters
set from first principles are what training leaves in place."""

import json
import math

import pytest

from linkage.model import MODEL_PATH, LinkageConfig
from linkage.train import chance_agreement, with_first_principles

# Any one strong agreement (the same name, about 12 bits or more; ID digits one off, about the
# same) must outweigh any one disagreement: a disagreement costs at most this many bits.
MAX_DISAGREEMENT_BITS = 10.0
MODEL = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
# Not a disagreement of values: "already on that register" says the valid-ID person already
# holds the one row a register keeps per person (m fixed in LinkageConfig, about -9 bits).
NON_ID = [c for c in MODEL["comparisons"] if c["output_column_name"] not in ("id_compare", "register")]


def _weight(level: dict) -> float:
    return math.log2(level["m_probability"] / level["u_probability"])


def _levels(comparison: dict) -> list[dict]:
    return [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]


@pytest.mark.parametrize("comparison", NON_ID, ids=[c["output_column_name"] for c in NON_ID])
def test_no_single_disagreement_outside_the_id_is_a_veto(comparison):
    worst = min(_weight(lv) for lv in _levels(comparison))
    assert worst >= -MAX_DISAGREEMENT_BITS, f"{comparison['output_column_name']}: {worst:.1f} bits"


@pytest.mark.parametrize("comparison", NON_ID, ids=[c["output_column_name"] for c in NON_ID])
def test_every_level_has_m_and_u(comparison):
    for level in _levels(comparison):
        assert level.get("m_probability") and level.get("u_probability"), level["sql_condition"]


def test_an_agreeing_phone_is_evidence_for_a_match():
    phone = next(c for c in MODEL["comparisons"] if c["output_column_name"] == "phone")
    assert _weight(_levels(phone)[0]) > 5, "issue 14: an agreeing phone scored -3.2 when it was never trained"


FIRST_PRINCIPLES_CASES = [
    (
        "a disagreement no training pair showed gets the configured m, the rest scaled to make room",
        {"output_column_name": "phone", "comparison_levels": [
            {"sql_condition": "phone_l IS NULL", "is_null_level": True},
            {"sql_condition": '"phone_l" = "phone_r"', "m_probability": None, "u_probability": None},
            {"sql_condition": "ELSE", "m_probability": None, "u_probability": 1.0},
        ]},
        [0.8, 0.2],
    ),
    (
        "a learnt disagreement below the floor is raised to it",
        {"output_column_name": "person_name", "comparison_levels": [
            {"sql_condition": "a", "m_probability": 0.9, "u_probability": 0.01},
            {"sql_condition": "b", "m_probability": 0.0999, "u_probability": 0.01},
            {"sql_condition": "ELSE", "m_probability": 0.0001, "u_probability": 0.98},
        ]},
        [0.9 * 0.99 / 0.9999, 0.0999 * 0.99 / 0.9999, 0.01],
    ),
    (
        "a learnt disagreement above the floor stays",
        {"output_column_name": "sex", "comparison_levels": [
            {"sql_condition": "a", "m_probability": 0.95, "u_probability": 0.5},
            {"sql_condition": "ELSE", "m_probability": 0.05, "u_probability": 0.5},
        ]},
        [0.95, 0.05],
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("description", "comparison", "expected_m"), FIRST_PRINCIPLES_CASES, ids=[c[0] for c in FIRST_PRINCIPLES_CASES]
)
def test_first_principles(description, comparison, expected_m):
    model = with_first_principles({"comparisons": [comparison]}, LinkageConfig())
    m = [lv["m_probability"] for lv in _levels(model["comparisons"][0])]
    assert m == pytest.approx(expected_m), description


def test_chance_agreement_counts_pairs_of_different_units():
    import polars as pl

    units = pl.DataFrame({"phone": ["a", "a", "b", "c", None]})
    assert chance_agreement(units, "phone") == pytest.approx(2 / (4 * 3)), "one agreeing pair of 6, ordered"
    assert chance_agreement(pl.DataFrame({"phone": ["a", "b"]}), "phone") == pytest.approx(0.5 / 2)


def test_the_shipped_model_blocks_with_the_rules_of_the_code():
    from linkage.model import blocking_rules

    shipped = [r["blocking_rule"] for r in MODEL["blocking_rules_to_generate_predictions"]]
    assert shipped == [r.get_blocking_rule("duckdb").blocking_rule_sql for r in blocking_rules()]


def test_two_valid_ids_are_never_paired_but_a_record_is_paired_with_both():
    """Pairs of two valid-ID units are never merged, so no rule generates them: at city scale
    they were most of the pairs (namesakes of a county); a record is still paired with each."""
    import duckdb
    import polars as pl

    from linkage.scoring import score_pairs
    from linkage.units import UNIT_COLUMNS, linkage_units

    def record(rid: str, id_number: str | None, status: str) -> dict:
        return {
            "person_record_id": rid, "id_number": id_number, "id_number_raw": id_number or "4.10102E+17",
            "id_number_status": status, "person_name": "王伟", "county_code": "141002", "phone": "13800000000",
            "feed_code": "medins_enrollment", "role": "insured", "sex": None, "township": None, "village": None,
        }  # fmt: skip

    from linkage.standardise import standardise

    records = pl.DataFrame(
        [
            record("a", "141002199001011234", "valid"),
            record("b", "141002199202021234", "valid"),
            record("c", None, "excel_damaged"),
        ]
    )
    units, _ = linkage_units(standardise(records))
    assert set(UNIT_COLUMNS) <= set(units.columns)
    with duckdb.connect() as con:
        pairs = score_pairs(con, units, MODEL_PATH, LinkageConfig(candidate_floor=0.0))
    found = {tuple(sorted(p)) for p in pairs.select("unit_id_l", "unit_id_r").iter_rows()}
    ids = [u for u in units["unit_id"] if u.startswith("id:")]
    assert tuple(sorted(ids)) not in found
    assert {tuple(sorted((i, "rec:c"))) for i in ids} <= found
