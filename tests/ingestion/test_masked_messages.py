"""Issue 32: a delivered value shown in an error message never shows a whole ID number, and a
failure of reading one file names that file."""

import re

import pytest

from ingestion.catalogue import FEEDS_BY_CODE
from ingestion.errors import FeedFileError
from ingestion.normalise import masked_code, normalise_amount, normalise_county, normalise_date, shown
from ingestion.parse import parse_delivery
from reference import ID_SHAPED_PATTERN

ID = "141002196001011003"


@pytest.mark.parametrize(
    "normaliser, raw",
    [
        (normalise_amount, f"x{ID}"),
        (normalise_date, f"{ID}日"),
        (normalise_county, f"{ID}县"),
        (normalise_amount, "abcd" + ID[:16]),
    ],
)
def test_a_value_in_an_error_is_masked(normaliser, raw):
    with pytest.raises(ValueError) as error:
        normaliser(raw)
    assert not re.search(ID_SHAPED_PATTERN, str(error.value)) and ID[:16] not in str(error.value), str(error.value)


def test_shown_masks_before_it_cuts():
    assert shown("备注" + ID + "元") == "'备注141002********1003…'"
    assert shown("电话13912345678") == "'电话***********'"


@pytest.mark.parametrize(
    "value, reported", [("王强晖", "王**"), ("13912345678", "***********"), ("3", "*"), ("Y", "Y"), ("1级", "**")]
)
def test_unknown_codes_are_masked_by_kind(value, reported):
    assert masked_code(value) == reported


def test_any_decode_or_cast_failure_of_a_file_names_it(tmp_path, monkeypatch):
    """An error the reader does not foresee (here a ValueError deep in parsing) turns the file
    away with its name, instead of stopping the month with a bare traceback."""
    import ingestion.parse as parse

    def broken(*args, **kwargs):
        raise ValueError(f"could not convert {ID} to decimal")

    monkeypatch.setattr(parse, "parse_file", broken)
    path = tmp_path / "civil_exits.csv"
    path.write_text(
        "区县,姓名,身份证号,原救助类别,退出日期,退出原因\n尧都区,张三,,低保,2023-06-01,其他\n", encoding="utf-8"
    )
    with pytest.raises(FeedFileError) as error:
        parse_delivery(FEEDS_BY_CODE["civil_exits"], "2023-06", [path])
    assert error.value.rule == "unreadable_file"
    assert str(error.value).startswith("civil_exits.csv: unreadable_file: ValueError")
    assert ID not in str(error.value) and "141002********1003" in str(error.value)
