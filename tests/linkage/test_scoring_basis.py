"""The next month scores only what changed (linkage.scoring_basis): the same person keys,
pairs and review table as Splink scoring every pair on the same basis."""

import random

import duckdb
import polars as pl
import pytest

from ingestion.normalise import id_check_char
from linkage.link import link_records
from linkage.model import LinkageConfig

SURNAMES = "王李张刘陈杨赵黄周吴"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明"]
COUNTIES = ["141002", "141021", "141022", "141023"]
FEEDS = [("medins_enrollment", "insured"), ("hrss_insurance", "insured"), ("civil_visits", "person")]


def valid_id(county: str, born: str, sequence: int) -> str:
    first17 = f"{county}{born}{sequence:03d}"
    return first17 + id_check_char(first17)


def people(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    return [
        {
            "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", *GIVEN]),
            "county": rng.choice(COUNTIES),
            "id": valid_id(rng.choice(COUNTIES), f"19{rng.randint(50, 99)}0{rng.randint(1, 9)}1{rng.randint(0, 9)}", i),
            "phone": f"139{rng.randint(0, 99_999_999):08d}",
        }
        for i in range(n)
    ]


def records(population: list[dict], month: str, damaged: set[int]) -> pl.DataFrame:
    """Each person on every feed; the people in `damaged` with a blank ID on civil_visits.
    Record IDs carry the month, as a snapshot row's do."""
    rows = []
    for i, person in enumerate(population):
        for feed, role in FEEDS:
            blank = feed == "civil_visits" and i in damaged
            rows.append(
                {
                    "person_record_id": f"{month}:{feed}:{i}#{role}",
                    "feed_code": feed,
                    "role": role,
                    "person_name": person["name"],
                    "id_number": None if blank else person["id"],
                    "id_number_raw": "" if blank else person["id"],
                    "id_number_status": "blank" if blank else "valid",
                    "sex": None,
                    "phone": person["phone"] if feed == "civil_visits" else None,
                    "county_code": person["county"],
                    "township": None,
                    "village": None,
                }
            )
    return pl.DataFrame(rows)


def load(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS linkage_input")
    con.register("records_frame", frame.to_arrow())
    con.execute("CREATE OR REPLACE TABLE linkage_input.lnk_person_records AS SELECT * FROM records_frame")
    con.unregister("records_frame")


def outcome(con: duckdb.DuckDBPyConnection) -> tuple[list, list]:
    """Person keys by what the record says (record IDs differ by run) and the review table."""
    keys = con.execute(
        "SELECT l.feed_code, l.person_name, l.county_code, l.id_number, rp.person_key, rp.match_probability, "
        "rp.match_method FROM linkage.record_person rp JOIN linkage_input.lnk_person_records l USING "
        "(person_record_id) ORDER BY ALL"
    ).fetchall()
    review = con.execute("SELECT * EXCLUDE (decision) FROM linkage.review_pairs ORDER BY ALL").fetchall()
    return keys, review


@pytest.fixture(scope="module")
def city():
    population = people(400, seed=5)
    damaged = set(range(0, 400, 4))
    june = records(population, "2023-06", damaged)
    # July: one damaged person moved county, one new damaged person, one person left
    july_people = [dict(p) for p in population[:-1]]
    july_people[0]["county"] = "141023" if july_people[0]["county"] != "141023" else "141002"
    july_people.append({**people(1, seed=9)[0], "name": population[4]["name"]})  # a namesake of a damaged one
    july = records(july_people, "2023-07", damaged | {len(july_people) - 1})
    # a person on no register but civil_visits, without an ID: twice in June, once in July
    visitor = {"person_record_id": "v1", "feed_code": "civil_visits", "role": "person", "person_name": "欧阳明",
               "id_number": None, "id_number_raw": "", "id_number_status": "blank", "sex": None,
               "phone": "13900000001", "county_code": "141021", "township": None, "village": None}  # fmt: skip
    june = pl.concat([june, pl.DataFrame([visitor, {**visitor, "person_record_id": "v2"}], schema=june.schema)])
    july = pl.concat([july, pl.DataFrame([{**visitor, "person_record_id": "v3"}], schema=july.schema)])
    return june, july


def linked(june: pl.DataFrame, july: pl.DataFrame, config: LinkageConfig, rerun: bool = False):
    with duckdb.connect() as con:
        load(con, june)
        link_records(con, config=config, month="2023-06")
        load(con, july)
        report = link_records(con, config=config, month="2023-07")
        if rerun:
            report = link_records(con, config=config, month="2023-07")
        return report, outcome(con)


def test_the_next_month_scores_only_pairs_with_a_changed_unit_and_gives_the_full_result(city):
    june, july = city
    incremental, result = linked(june, july, LinkageConfig())
    full, full_result = linked(june, july, LinkageConfig(reuse_scored_pairs=False))
    assert incremental.scoring_basis_month == full.scoring_basis_month == "2023-06", "June's basis is kept"
    assert 0 < incremental.changed_unit_share <= 0.05
    assert 0 < incremental.basis_drift <= 0.05
    assert full.pairs_scored_afresh == full.pairs_scored == incremental.pairs_scored > 0
    assert 0 < incremental.pairs_scored_afresh < incremental.pairs_scored / 4, "most pairs come from June"
    assert result == full_result, "the same keys, probabilities and review pairs as scoring every pair"


def test_a_rerun_of_the_next_month_gives_the_same_result(city):
    june, july = city
    once, result = linked(june, july, LinkageConfig())
    twice, rerun_result = linked(june, july, LinkageConfig(), rerun=True)
    assert twice.scoring_basis_month == once.scoring_basis_month
    assert twice.pairs_scored_afresh == once.pairs_scored_afresh
    assert rerun_result == result


def test_a_month_past_the_drift_limit_scores_every_pair_on_a_basis_of_its_own(city):
    june, july = city
    report, _ = linked(june, july, LinkageConfig(rebase_drift=0.0))
    assert report.scoring_basis_month == "2023-07"
    assert report.pairs_scored_afresh == report.pairs_scored
