"""Issue 26: a record stating no ID digits is linked only on evidence beyond the name
(LinkageConfig.blank_id_evidence); a namesake elsewhere with nothing else agreeing goes to
review. Table-driven, each case described."""

from dataclasses import dataclass, field

import polars as pl
import pytest

from linkage.decision import EVIDENCE_COLUMNS, assign_people, beyond_name
from linkage.model import BlankIdEvidence, LinkageConfig
from linkage.scoring import PAIR_SCHEMA
from linkage.units import person_key

CONFIG = LinkageConfig(match_threshold=0.9, review_threshold=0.5)
UNIT_SCHEMA = {
    "unit_id": pl.String,
    "id_compare": pl.String,
    "id_region": pl.String,
    "county_code": pl.String,
    "home_region": pl.String,
    "township": pl.String,
    "village": pl.String,
    "phone": pl.String,
    "birth_date": pl.String,
    "housemates": pl.List(pl.String),
}
assert set(EVIDENCE_COLUMNS) <= set(UNIT_SCHEMA)

# the valid-ID person: 王建华 of 尧都区 (141002), 刘村镇 / 东庄村, phone, born 1961-03-04, lives with H1
PERSON = dict(
    unit_id="id:X1",
    id_compare="X1",
    id_region="141002",
    county_code="141002",
    home_region="141002",
    township="刘村镇",
    village="东庄村",
    phone="13900000001",
    birth_date="1961-03-04",
    housemates=["H1"],
)
ELSEWHERE = dict(county_code="141023", home_region="141023", township="某镇", village="某村")


def record(**values) -> dict:
    """A record without any ID digits, stating nothing but what `values` give."""
    return {**{c: None for c in UNIT_SCHEMA}, "unit_id": "rec:r", **values}


@dataclass(frozen=True)
class Case:
    description: str
    record: dict
    linked: bool  # joins X1; else stays itself and waits in review
    probability: float = 0.999  # the pair's, from the model
    rule: BlankIdEvidence = field(default_factory=BlankIdEvidence)


CASES = [
    Case("a namesake in another county sharing nothing else: review, not a link", record(**ELSEWHERE), False),
    Case(
        "the same record with an agreeing village: linked",
        record(county_code="141002", home_region="141002", township="刘村镇", village="东庄村"),
        True,
    ),
    Case("the same county, nothing else: the least place that counts", record(county_code="141002"), True),
    Case(
        "the same county, another township named: another address, review (issue 26 at 100k: every false merge left)",
        record(county_code="141002", township="龙城镇", village="宁新村"),
        False,
    ),
    Case(
        "the same county and township, another village named: review",
        record(county_code="141002", township="刘村镇", village="西庄村"),
        False,
    ),
    Case(
        "the same county, another township named, when finer places may differ: linked",
        record(county_code="141002", township="龙城镇"),
        True,
        rule=BlankIdEvidence(finer_places_agree=False),
    ),
    Case(
        "the same county, the village named and the township not: nothing finer to contradict, linked",
        record(county_code="141002", village="宁新村"),
        True,
    ),
    Case(
        "the same county when the rule asks for the village: review",
        record(county_code="141002", township="另一镇"),
        False,
        rule=BlankIdEvidence(place="village"),
    ),
    Case(
        "no county named, the home region agrees (the county counted as the model counts it)",
        record(home_region="141002"),
        True,
    ),
    Case("another county, the same phone: linked", record(**ELSEWHERE, phone="13900000001"), True),
    Case("another county, another phone: review", record(**ELSEWHERE, phone="13900000009"), False),
    Case("another county, the stated birth date agrees: linked", record(**ELSEWHERE, birth_date="1961-03-04"), True),
    Case(
        "another county, a stated birth date one digit off: not evidence, review",
        record(**ELSEWHERE, birth_date="1961-03-05"),
        False,
    ),
    Case("another county, a housemate in common: linked", record(**ELSEWHERE, housemates=["H1", "H2"]), True),
    Case("nothing stated but the name: review", record(), False),
    Case(
        "a reviewer's `same` (probability 1) links without further evidence",
        record(**ELSEWHERE),
        True,
        probability=1.0,
    ),
    Case(
        "the rule switched off: the posterior alone decides (before issue 26)",
        record(**ELSEWHERE),
        True,
        rule=BlankIdEvidence(required=False),
    ),
    Case(
        "an Excel-damaged ID still states its region: not a blank ID, the rule does not apply",
        record(**ELSEWHERE, id_region="141023"),
        True,
    ),
]


def units_frame(*rows: dict) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=UNIT_SCHEMA, orient="row")


def decide(rec: dict, pairs: list[tuple], rule: BlankIdEvidence, remembered=None, extra_units=()):
    units = units_frame(PERSON, rec, *extra_units)
    rids = [u["unit_id"].removeprefix("rec:") for u in (rec, *extra_units) if u["unit_id"].startswith("rec:")]
    std = pl.DataFrame(
        {
            "person_record_id": ["a", *rids],
            "id_number": ["X1", *[None] * len(rids)],
            "id_valid": [True] + [False] * len(rids),
        }
    )
    std = std.with_columns(
        signature=pl.lit("sig-") + pl.col("person_record_id"), feed_code=pl.lit("civil_visits"), role=pl.lit("person")
    )
    config = LinkageConfig(match_threshold=0.9, review_threshold=0.5, blank_id_evidence=rule)
    counts: dict[str, int] = {}
    assigned, review = assign_people(
        std,
        std.filter(~pl.col("id_valid")),
        pl.DataFrame(pairs, schema=PAIR_SCHEMA, orient="row"),
        config,
        prior=1e-5,
        n_units=100_000,
        remembered=remembered,
        units=units,
        counts=counts,
    )
    return {r["person_record_id"]: r for r in assigned.to_dicts()}, review, counts


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.description)
def test_a_blank_id_record_is_linked_only_on_evidence_beyond_the_name(case):
    out, review, counts = decide(case.record, [("id:X1", "rec:r", case.probability)], case.rule)
    if case.linked:
        assert out["r"]["person_key"] == person_key("id:X1"), case.description
        assert review.is_empty(), case.description
    else:
        assert out["r"]["person_key"] != person_key("id:X1"), case.description
        assert out["r"]["match_method"] == "singleton", "still a person of its own, not lost"
        assert review.rows() == [("id:X1", "rec:r", pytest.approx(0.99, abs=0.01))], "waits in review"
        assert counts["held_for_evidence"] == 1


def test_two_blank_id_records_alike_by_name_only_are_not_merged_either():
    """Through another record without a valid ID a blank-ID record could reach a person by the
    back door: rec:s shares the person's village, rec:r only the name with rec:s."""
    other = record(unit_id="rec:s", county_code="141002", home_region="141002", township="刘村镇", village="东庄村")
    out, review, _ = decide(
        record(**ELSEWHERE),
        [("id:X1", "rec:s", 0.999), ("rec:r", "rec:s", 0.99)],
        BlankIdEvidence(),
        extra_units=[other],
    )
    assert out["s"]["person_key"] == person_key("id:X1")
    assert out["r"]["person_key"] not in (person_key("id:X1"), out["s"]["person_key"])
    assert ("rec:r", "rec:s") in {(left, right) for left, right, _ in review.rows()}


def test_two_blank_id_records_of_one_county_are_merged():
    other = record(unit_id="rec:s", county_code="141023")
    out, review, _ = decide(record(**ELSEWHERE), [("rec:r", "rec:s", 0.99)], BlankIdEvidence(), extra_units=[other])
    assert out["r"]["person_key"] == out["s"]["person_key"]
    assert review.is_empty()


def test_a_held_back_record_keeps_no_key_remembered_from_a_link_on_the_name_alone():
    remembered = {"rec:r": person_key("id:X1")}
    out, _, _ = decide(record(**ELSEWHERE), [("id:X1", "rec:r", 0.999)], BlankIdEvidence(), remembered)
    assert out["r"]["person_key"] != person_key("id:X1")


def test_beyond_name_reads_the_pair_in_either_order():
    units = units_frame(PERSON, record(county_code="141002"))
    pairs = pl.DataFrame([("rec:r", "id:X1", 0.95)], schema=PAIR_SCHEMA, orient="row")
    needs, shown = beyond_name(pairs, units, BlankIdEvidence())
    assert needs == {"rec:r"} and shown == {("rec:r", "id:X1")}


def test_an_unknown_place_level_is_refused():
    with pytest.raises(ValueError, match="place"):
        BlankIdEvidence(place="province")


@pytest.mark.parametrize(
    "description, stated, one_person",
    [
        ("two 医保 rows 张飞, blank IDs, nothing but the name: two people, not one by their signature", {}, False),
        (
            "two visits to 张飞 of one village, nothing else: one person (the place is evidence)",
            dict(village="东庄村", county_code="141002"),
            True,
        ),
        ("two rows naming the same phone: one person", dict(phone="13900000007"), True),
    ],
)
def test_records_alike_by_name_only_do_not_share_a_key_by_their_signature(description, stated, one_person):
    units = units_frame(PERSON, record(unit_id="rec:r", **stated), record(unit_id="rec:s", **stated))
    std = pl.DataFrame(
        {"person_record_id": ["a", "r", "s"], "id_number": ["X1", None, None], "id_valid": [True, False, False]}
    ).with_columns(signature=pl.lit("same"), feed_code=pl.lit("medins_enrollment"), role=pl.lit("person"))
    assigned, _ = assign_people(
        std, std.filter(~pl.col("id_valid")), pl.DataFrame(schema=PAIR_SCHEMA), CONFIG, units=units
    )
    key = dict(assigned.select("person_record_id", "person_key").iter_rows())
    assert (key["r"] == key["s"]) is one_person, description
    assert key["r"] == person_key("sig:same"), "the first keeps the key its signature gives"
