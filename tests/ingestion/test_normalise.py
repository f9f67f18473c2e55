"""Every nasty value of feeds.md, as a table of cases with what each one tests."""

import pytest

from ingestion.normalise import (
    IdStatus,
    id_check_char,
    normalise_amount,
    normalise_county,
    normalise_date,
    normalise_id,
    normalise_integer,
    normalise_name,
)
from reference import mask_id

VALID = "141002199001011230"
VALID = VALID[:17] + id_check_char(VALID[:17])
VALID_X = next(f"14102219850512{n:03d}X" for n in range(1000) if id_check_char(f"14102219850512{n:03d}") == "X")

ID_CASES = [
    ("a clean 18-digit number", VALID, VALID, IdStatus.VALID),
    ("a final X", VALID_X, VALID_X, IdStatus.VALID),
    ("a final lower-case x", VALID_X.lower(), VALID_X, IdStatus.VALID),
    ("spaces inside", f"{VALID[:6]} {VALID[6:14]} {VALID[14:]}", VALID, IdStatus.VALID),
    ("full-width digits", VALID.translate(str.maketrans("0123456789", "０１２３４５６７８９")), VALID, IdStatus.VALID),
    ("Excel's trailing .0", VALID + ".0", VALID, IdStatus.VALID),
    ("a leading apostrophe from a text cell", "'" + VALID, VALID, IdStatus.VALID),
    ("15-digit first generation", VALID[:6] + VALID[8:17], VALID, IdStatus.CONVERTED_15),
    ("Excel scientific notation", "4.10102E+17", None, IdStatus.EXCEL_DAMAGED),
    ("Excel scientific notation, lower-case e", "1.41002e+17", None, IdStatus.EXCEL_DAMAGED),
    ("a mistyped digit", VALID[:15] + str((int(VALID[15]) + 1) % 10) + VALID[16:], None, IdStatus.CHECKSUM_INVALID),
    ("two digits transposed", VALID[:14] + VALID[15] + VALID[14] + VALID[16:], None, IdStatus.CHECKSUM_INVALID),
    ("an impossible birth date", "141002199013401230", None, IdStatus.BIRTH_DATE_INVALID),
    ("too short", "1410021990", None, IdStatus.MALFORMED),
    ("blank", "  ", None, IdStatus.BLANK),
    ("missing", None, None, IdStatus.BLANK),
]


@pytest.mark.parametrize(("description", "raw", "value", "status"), ID_CASES, ids=[c[0] for c in ID_CASES])
def test_normalise_id(description, raw, value, status):
    result = normalise_id(raw)
    assert (result.value, result.status) == (value, status), description


DATE_CASES = [
    ("ISO", "2023-06-01", "2023-06-01"),
    ("slashes without padding", "2023/6/1", "2023-06-01"),
    ("compact", "20230601", "2023-06-01"),
    ("Chinese", "2023年6月1日", "2023-06-01"),
    ("dots", "2023.06.01", "2023-06-01"),
    ("Excel serial", "45078", "2023-06-01"),
    ("Excel serial as a float", "45078.0", "2023-06-01"),
    ("a spreadsheet datetime", "2023-06-01 00:00:00", "2023-06-01"),
    ("blank", "", None),
]


@pytest.mark.parametrize(("description", "raw", "expected"), DATE_CASES, ids=[c[0] for c in DATE_CASES])
def test_normalise_date(description, raw, expected):
    assert normalise_date(raw) == expected, description


@pytest.mark.parametrize("raw", ["2023-13-01", "not a date", "2023年13月"])
def test_bad_dates_raise(raw):
    with pytest.raises(ValueError):
        normalise_date(raw)


AMOUNT_CASES = [
    ("thousands separator", "1,234.50", "1234.5"),
    ("yuan suffix", "1234.5元", "1234.5"),
    ("whole number", "600", "600"),
    ("currency sign", "￥88", "88"),
    ("blank is unknown, not zero", "", None),
    ("missing is unknown", None, None),
]


@pytest.mark.parametrize(("description", "raw", "expected"), AMOUNT_CASES, ids=[c[0] for c in AMOUNT_CASES])
def test_normalise_amount(description, raw, expected):
    assert normalise_amount(raw) == expected, description


def test_bad_amounts_and_integers_raise():
    with pytest.raises(ValueError):
        normalise_amount("一千元")
    with pytest.raises(ValueError):
        normalise_integer("2.5")
    assert normalise_integer("2.0") == "2"


COUNTY_CASES = [
    ("short name", "尧都区", "141002"),
    ("city and county", "临汾市尧都区", "141002"),
    ("province, city and county", "山西省临汾市霍州市", "141082"),
    ("code", "141033", "141033"),
    ("code from a numeric cell", "141033.0", "141033"),
    ("spaces", " 洪洞 县 ", "141024"),
]


@pytest.mark.parametrize(("description", "raw", "expected"), COUNTY_CASES, ids=[c[0] for c in COUNTY_CASES])
def test_normalise_county(description, raw, expected):
    assert normalise_county(raw) == expected, description


def test_county_outside_linfen_raises():
    with pytest.raises(ValueError, match="not in 临汾市"):
        normalise_county("太原市小店区")


NAME_CASES = [
    ("inner space", "张 三", "张三"),
    ("full-width space", "王\u3000伟", "王伟"),
    ("minority name with a middle dot", "阿依古丽·买买提", "阿依古丽·买买提"),
    ("minority name with a full stop for the dot", "买买提.艾力", "买买提·艾力"),
    ("minority name with a bullet", "买买提•艾力", "买买提·艾力"),
]


@pytest.mark.parametrize(("description", "raw", "expected"), NAME_CASES, ids=[c[0] for c in NAME_CASES])
def test_normalise_name(description, raw, expected):
    assert normalise_name(raw) == expected, description


def test_mask_shows_first_six_and_last_four():
    assert mask_id(VALID) == VALID[:6] + "********" + VALID[-4:]
    assert mask_id(None) == ""


def test_normalise_ids_over_a_column_agrees_with_normalise_id_on_every_value():
    """The column path (plain 18-character numbers by expressions) gives what normalise_id
    gives, value by value: valid, lower-case x, wrong check character, impossible and
    out-of-range birth dates, 15 digits, Excel damage, full-width, blank, malformed."""
    import random

    import polars as pl

    from ingestion.normalise import id_check_char, normalise_id, normalise_ids

    rng = random.Random(3)
    values = [None, "", " ", "无", "4.10102E+17", "410102900101123", "41010219900101123X.0", "１２３", "abc"]
    for _ in range(3000):
        head = "".join(rng.choice("0123456789") for _ in range(6))
        born = rng.choice(["19900101", "20310101", "18891231", "19900230", "19901301", "20000229", "19000229"])
        first17 = head + born + "".join(rng.choice("0123456789") for _ in range(3))
        values += [first17 + id_check_char(first17), first17 + rng.choice("0123456789Xx"), first17.lower() + "x"]
    values = list(dict.fromkeys(values))
    got = {row[0]: row[1:] for row in normalise_ids(pl.Series(values, dtype=pl.String)).iter_rows()}
    assert len(got) == len(values)
    for value in values:
        expected = normalise_id(value)
        assert got[value] == (expected.value, str(expected.status), expected.cleaned), value
