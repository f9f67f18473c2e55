"""Linkage input: names in toneless pinyin, what a damaged ID number still tells."""

from datetime import date

import polars as pl
import pytest

from linkage.standardise import (
    _raw_birth,
    _raw_region,
    name_columns,
    name_parts,
    raw_birth_expr,
    raw_region_expr,
    standardise,
    swapped_pinyin,
)

NAME_CASES = [
    ("homophones become one pinyin", "张丽", "张莉", True),
    ("another homophone", "李峰", "李锋", True),
    ("different names stay different", "王伟", "王芳", False),
]


@pytest.mark.parametrize(("description", "a", "b", "same"), NAME_CASES, ids=[c[0] for c in NAME_CASES])
def test_name_pinyin(description, a, b, same):
    assert (name_parts(a)[0] == name_parts(b)[0]) is same, description


def test_compound_surname_is_split_whole():
    assert name_parts("欧阳锋") == ("ouyangfeng", "ouyang", "feng")


COLUMN_NAME_CASES = [
    ("a three-character name", "张丽华"),
    ("a two-character name", "王伟"),
    ("a one-character name", "王"),
    ("a compound surname", "欧阳锋"),
    ("a compound surname alone", "欧阳"),
    ("a three-character name after a compound surname", "司马懿"),
    ("a minority name with its dot", "阿依·木拉提"),
    ("a dot alone", "·"),
    ("a Latin letter in the name", "李a"),
    ("a full-width letter", "Ａ张"),
    ("a four-character name", "诸葛亮亮"),
    ("a rare character", "王垚"),
]


def test_name_columns_give_what_name_parts_gives():
    names = [name for _, name in COLUMN_NAME_CASES]
    columns = name_columns(pl.Series(names + ["", None, "王伟"])).sort("person_name")
    assert columns["person_name"].to_list() == sorted(names), "one row per distinct name, blanks left out"
    for name, full, surname, given, swapped in columns.iter_rows():
        description = next(d for d, n in COLUMN_NAME_CASES if n == name)
        assert (full, surname, given) == name_parts(name), description
        assert swapped == swapped_pinyin(name), description


RAW_ID_CASES = [
    ("Excel's short mantissa", "1.41002E+17"),
    ("Excel's long mantissa", "1.41002199003071E+17"),
    ("Excel's mantissa without the plus", "1.41002199003071E17"),
    ("15 digits kept, three zeros after", "141002199003071000"),
    ("a valid-looking number", "141002199003071234"),
    ("a short number", "1410021990"),
    ("six digits only", "141002"),
    ("five digits", "14100"),
    ("a letter inside", "14100X199003071234"),
    ("the region then letters", "141002abc"),
    ("full-width digits", "１４１００２１９９００３０７１２３４"),
    ("blank", ""),
]


@pytest.mark.parametrize(("description", "raw"), RAW_ID_CASES, ids=[c[0] for c in RAW_ID_CASES])
def test_raw_id_expressions_give_what_the_functions_give(description, raw):
    row = pl.DataFrame({"raw": [raw]}).select(
        region=raw_region_expr(pl.col("raw")), birth=raw_birth_expr(pl.col("raw"))
    )
    assert row.row(0) == (_raw_region(raw), _raw_birth(raw)), description


def test_standardise_keeps_what_a_damaged_id_says():
    records = pl.DataFrame(
        {
            "person_record_id": ["a", "b", "c"],
            "feed_code": ["medins_enrollment", "civil_visits", "edu_students"],
            "role": ["person", "person", "person"],
            "person_name": ["张莉", "张丽", "王伟"],
            "id_number": ["141002199001011230", None, None],
            "id_number_raw": ["141002199001011230", "141002199001011239", "1.41002E+17"],
            "id_number_status": ["valid", "checksum_invalid", "excel_damaged"],
            "sex": [None, None, "男"],
            "phone": [None, None, None],
            "county_code": ["141002", None, None],
            "township": [None, None, None],
            "village": [None, None, None],
            "birth_year_low": [None, None, 2010],
            "birth_year_high": [None, None, 2012],
            "household_ref": [None, None, None],
        }
    )
    out = standardise(records).to_dicts()
    assert out[0]["id_valid"] and not out[1]["id_valid"]
    assert out[1]["id_compare"] == "141002199001011239"
    assert out[1]["birth_date"] == "1990-01-01"
    assert out[2]["id_compare"] is None and out[2]["id_region"] == "141002"
    assert out[0]["name_pinyin"] == out[1]["name_pinyin"]
    assert (
        out[0]["birth_year"] == 1990
        and out[2]["birth_year"] is None
        and (out[2]["birth_year_low"], out[2]["birth_year_high"]) == (2010, 2012)
    )


def test_home_region_is_the_id_region_else_the_county_named():
    records = pl.DataFrame(
        {
            "person_record_id": ["a", "b"],
            "feed_code": ["civil_dibao", "civil_cadre_relatives"],
            "role": ["member", "relative"],
            "person_name": ["张莉", "王伟"],
            "id_number": [None, None],
            "id_number_raw": ["1.41023E+17", None],
            "id_number_status": ["excel_damaged", "blank"],
            "sex": [None, None],
            "phone": [None, None],
            "county_code": ["141002", "141026"],
            "township": [None, None],
            "village": [None, None],
            "birth_year_low": [None, None],
            "birth_year_high": [None, None],
            "household_ref": ["civil:141002:H1", None],
        }
    )
    out = standardise(records).to_dicts()
    assert [r["home_region"] for r in out] == ["141023", "141026"], "the damaged ID's region wins over the county"
    assert out[0]["sole_feed"] == "civil_dibao:member", "the 低保 roster holds a member once"
    assert out[1]["sole_feed"] is None, "a cadre's relatives list may name a person under several cadres"


def _records(raw_ids: list[str | None], statuses: list[str], stated: list[str | None]) -> pl.DataFrame:
    n = len(raw_ids)
    return pl.DataFrame(
        {
            "person_record_id": [f"r{i}" for i in range(n)],
            "feed_code": ["civil_visits"] * n,
            "role": ["person"] * n,
            "person_name": ["张莉"] * n,
            "id_number": [None] * n,
            "id_number_raw": raw_ids,
            "id_number_status": statuses,
            "sex": [None] * n,
            "phone": [None] * n,
            "county_code": ["141002"] * n,
            "township": [None] * n,
            "village": [None] * n,
            "birth_date_stated": [None if s is None else date.fromisoformat(s) for s in stated],
        },
        schema_overrides={"birth_date_stated": pl.Date},
    )


BIRTH_CASES = [
    ("Excel kept 15 significant digits: region and birth date survive", "141002199003071000", "1990-03-07", "141002"),
    ("a longer Excel mantissa keeps the birth date too", "1.41002199003071E+17", "1990-03-07", "141002"),
    ("the short Excel mantissa keeps only the region", "1.41002E+17", None, "141002"),
    ("a blank ID tells nothing", None, None, "141002"),
]


@pytest.mark.parametrize(("description", "raw", "birth", "region"), BIRTH_CASES, ids=[c[0] for c in BIRTH_CASES])
def test_a_damaged_id_is_compared_on_the_digits_that_survive(description, raw, birth, region):
    out = standardise(_records([raw], ["excel_damaged" if raw else "blank"], [None])).row(0, named=True)
    assert (out["birth_date"], out["home_region"]) == (birth, region), description


def test_a_birth_date_the_record_states_counts_when_the_id_gives_none():
    out = standardise(
        _records(["141002199001011239", None], ["checksum_invalid", "blank"], ["1985-05-05", "1985-05-05"])
    ).to_dicts()
    assert out[0]["birth_date"] == "1990-01-01", "the ID's own digits first"
    assert out[1]["birth_date"] == "1985-05-05" and out[1]["birth_year"] == 1985, "else what the record states"


BORROWED_CASES = [
    # (description, names on rows carrying one valid ID, the names whose rows are set aside)
    ("a family member's name on one row of three", ["张小明", "张小明", "张红"], {"张红"}),
    ("a one-character typo is the same person", ["张小明", "张小明", "张小鸣"], set()),
    ("swapped given-name characters are the same person", ["张小明", "张小明", "张明小"], set()),
    ("two names one row each: nobody can tell whose the number is", ["张小明", "李红"], set()),
    ("two-character names one character apart stay (a typo or a sibling)", ["李明", "李明", "李红"], set()),
]


@pytest.mark.parametrize(("description", "names", "set_aside"), BORROWED_CASES, ids=[c[0] for c in BORROWED_CASES])
def test_a_family_members_id_on_a_row_is_set_aside(description, names, set_aside):
    n = len(names)
    records = _records(["141002199001011230"] * n, ["valid"] * n, [None] * n).with_columns(
        person_name=pl.Series(names), id_number=pl.lit("141002199001011230")
    )
    out = standardise(records)
    aside = set(out.filter(~pl.col("id_valid"))["person_name"])
    assert aside == set_aside, description
    aside_rows = out.filter(~pl.col("id_valid"))
    assert aside_rows["id_compare"].null_count() == len(aside_rows), "the number is not compared as theirs"
    assert all(h == ["141002199001011230"] for h in aside_rows["housemates"].to_list()), "they live with its owner"
