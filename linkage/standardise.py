"""Linkage input: each person-bearing record with the columns the model compares — the name
in toneless pinyin (homophones become equal), and what the ID number says (region, birth date,
sex) even when its checksum fails."""

from __future__ import annotations

import re
from functools import lru_cache

import polars as pl
from pypinyin import lazy_pinyin

from ingestion.catalogue import ONE_ROW_PER_PERSON
from ingestion.normalise import EARLIEST_BIRTH, LATEST_BIRTH, USABLE_ID_STATUSES

_EXCEL_MANTISSA = re.compile(r"^(\d)\.(\d+)E\+?\d+$")
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐")


@lru_cache(maxsize=20_000)
def _char_pinyin(char: str) -> str:
    return "".join(lazy_pinyin(char))


def _pinyin(text: str) -> str:
    """Toneless pinyin character by character: a name is not a phrase (read as one, 殷红 would
    become "yanhong"), and a few thousand characters cover every name, so this is fast."""
    return "".join(_char_pinyin(c) for c in text)


@lru_cache(maxsize=200_000)
def name_parts(name: str | None) -> tuple[str | None, str | None, str | None]:
    """(full pinyin, surname pinyin, given-name pinyin) of a Chinese name, toneless."""
    if not name:
        return None, None, None
    clean = name.replace("·", "")
    if "·" in name:  # minority names: no surname split
        full = _pinyin(clean)
        return full, None, full
    split = 2 if clean.startswith(COMPOUND_SURNAMES) else 1
    surname, given = _pinyin(clean[:split]), _pinyin(clean[split:])
    return surname + given, surname, given


def _raw_region(raw: str) -> str | None:
    """The region a delivered ID that is not 18 digits still states: the mantissa of Excel's
    `1.41002E+17` keeps exactly the six region digits; a short or malformed number its first six."""
    m = _EXCEL_MANTISSA.match(raw)
    digits = (m.group(1) + m.group(2)) if m else raw
    return digits[:6] if len(digits) >= 6 and digits[:6].isdigit() else None


STANDARDISED_SCHEMA = {
    "person_record_id": pl.String,
    "signature": pl.String,
    "person_name": pl.String,
    "name_pinyin": pl.String,
    "surname_pinyin": pl.String,
    "given_pinyin": pl.String,
    "id_number": pl.String,
    "id_compare": pl.String,
    "id_region": pl.String,
    "home_region": pl.String,
    "id_valid": pl.Boolean,
    "birth_date": pl.String,
    "birth_year": pl.Int32,
    "birth_year_low": pl.Int32,
    "birth_year_high": pl.Int32,
    "sex": pl.String,
    "phone": pl.String,
    "county_code": pl.String,
    "township": pl.String,
    "village": pl.String,
    "sole_feed": pl.String,
}
SIGNATURE_COLUMNS = ("feed_code", "role", "person_name", "id_number_raw", "county_code", "township", "village", "phone")


OPTIONAL_COLUMNS = {
    "birth_year_low": pl.Int32,
    "birth_year_high": pl.Int32,
    "register_part": pl.String,
}
REGISTERS = sorted(":".join(r) for r in ONE_ROW_PER_PERSON)


def _per_value(column: pl.Series, fn, dtype) -> pl.Series:
    """fn applied once per distinct value: names and ID numbers repeat across feeds, and a
    Python call per record would dominate the linkage's time."""
    values = column.drop_nulls().unique().to_list()
    return column.replace_strict({v: fn(v) for v in values}, default=None, return_dtype=dtype)


def _birth_date(id_digits: pl.Expr) -> pl.Expr:
    """ISO birth date of 18 ID characters when it is a real date in the range
    ingestion.normalise accepts (the one derivation in Python; int_people reads valid IDs in SQL)."""
    born = id_digits.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    return pl.when(born.is_between(EARLIEST_BIRTH, LATEST_BIRTH)).then(born.dt.to_string("%Y-%m-%d"))


def standardise(records: pl.DataFrame) -> pl.DataFrame:
    """Add the comparison columns to lnk_person_records rows."""
    r = records.with_columns(pl.lit(None, dtype).alias(c) for c, dtype in OPTIONAL_COLUMNS.items() if c not in records)
    r = r.with_columns(pl.col(c).cast(pl.String) for c in r.columns if r.schema[c] == pl.Null)  # all-blank columns
    raw = pl.col("id_number_raw")
    r = r.with_columns(
        id_compare=pl.when(pl.col("id_number").is_not_null())
        .then(pl.col("id_number"))
        .when((raw.str.len_chars() == 18) & raw.str.slice(0, 17).str.contains(r"^\d{17}$"))
        .then(raw)
    )
    full, surname, given = (_per_value(r["person_name"], lambda n, i=i: name_parts(n)[i], pl.String) for i in range(3))
    birth_date = _birth_date(pl.col("id_compare"))
    raw_region = _per_value(r["id_number_raw"], _raw_region, pl.String)
    id_sex = (
        pl.when(pl.col("id_number").str.len_chars() == 18)
        .then(pl.col("id_number").str.slice(16, 1).cast(pl.Int32, strict=False).mod(2))
        .replace_strict({1: "男", 0: "女"}, default=None, return_dtype=pl.String)
    )  # GB 11643-1999: the 17th digit is odd for men
    register = pl.concat_str("feed_code", "role", separator=":")
    out = r.with_columns(
        # what the record says of its person, the same every month: anchors the key of a
        # person without a valid ID number (a snapshot row's record id changes monthly)
        signature=pl.concat_str([pl.col(c).cast(pl.String).fill_null("") for c in SIGNATURE_COLUMNS], separator="|"),
        name_pinyin=full,
        surname_pinyin=surname,
        given_pinyin=given,
        id_region=pl.coalesce(pl.col("id_compare").str.slice(0, 6), raw_region),
        id_valid=pl.col("id_number_status").is_in([str(s) for s in USABLE_ID_STATUSES]),
        birth_date=birth_date,
        birth_year=birth_date.str.slice(0, 4).cast(pl.Int32),
        sex=pl.coalesce(id_sex, pl.col("sex")),
        sole_feed=pl.when(register.is_in(REGISTERS)).then(
            pl.concat_str("feed_code", "role", "register_part", separator=":", ignore_nulls=True)
        ),
    ).with_columns(
        # where the person belongs: the ID's region, else the county the record names
        home_region=pl.coalesce("id_region", "county_code"),
    )
    return out.select(pl.col(c).cast(dtype) for c, dtype in STANDARDISED_SCHEMA.items())
