"""Linkage input: each person-bearing record with the columns the model compares — the name
in toneless pinyin (homophones become equal), and what the ID number says (region, birth date,
sex) even when its checksum fails."""

from __future__ import annotations

import re
from functools import lru_cache

import polars as pl
from pypinyin import lazy_pinyin

from ingestion.catalogue import ONE_ROW_PER_PERSON
from ingestion.normalise import birth_date_from_id, sex_from_id

_EXCEL_MANTISSA = re.compile(r"^(\d)\.(\d+)E\+?\d+$")
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐")


@lru_cache(maxsize=200_000)
def name_parts(name: str | None) -> tuple[str | None, str | None, str | None]:
    """(full pinyin, surname pinyin, given-name pinyin) of a Chinese name, toneless."""
    if not name:
        return None, None, None
    clean = name.replace("·", "")
    if "·" in name:  # minority names: no surname split
        full = "".join(lazy_pinyin(clean))
        return full, None, full
    split = 2 if clean.startswith(COMPOUND_SURNAMES) else 1
    surname = "".join(lazy_pinyin(clean[:split]))
    given = "".join(lazy_pinyin(clean[split:]))
    return surname + given, surname, given


def _id_digits(id_number: str | None, raw: str | None) -> str | None:
    """The 18 characters to compare: the valid number, else what was delivered if it still
    has the shape of one (a mistyped digit keeps 17 good ones)."""
    if id_number:
        return id_number
    if raw and len(raw) == 18 and raw[:17].isdigit():
        return raw
    return None


def _region(id_digits: str | None, raw: str | None) -> str | None:
    if id_digits:
        return id_digits[:6]
    if raw:
        m = _EXCEL_MANTISSA.match(raw)
        digits = (m.group(1) + m.group(2)) if m else raw
        if len(digits) >= 6 and digits[:6].isdigit():
            return digits[:6]
    return None


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
    "household_ref": pl.String,
}
SIGNATURE_COLUMNS = ("feed_code", "role", "person_name", "id_number_raw", "county_code", "township", "village", "phone")


def standardise(records: pl.DataFrame) -> pl.DataFrame:
    """Add the comparison columns to lnk_person_records rows."""
    out = []
    for r in records.iter_rows(named=True):
        full, surname, given = name_parts(r["person_name"])
        digits = _id_digits(r["id_number"], r["id_number_raw"])
        birth_date = birth_date_from_id(digits)
        region = _region(digits, r["id_number_raw"])
        register = (r["feed_code"], r["role"])
        out.append(
            {
                "person_record_id": r["person_record_id"],
                # what the record says of its person, the same every month: anchors the key of a
                # person without a valid ID number (a snapshot row's record id changes monthly)
                "signature": "|".join(str(r.get(c) or "") for c in SIGNATURE_COLUMNS),
                "person_name": r["person_name"],
                "name_pinyin": full,
                "surname_pinyin": surname,
                "given_pinyin": given,
                "id_number": r["id_number"],
                "id_compare": digits,
                "id_region": region,
                # where the person belongs: the ID's region, else the county the record names
                "home_region": region or r["county_code"],
                "id_valid": r["id_number_status"] in ("valid", "converted_15"),
                "birth_date": birth_date,
                "birth_year": int(birth_date[:4]) if birth_date else None,
                # the birth years a record implies without a date (a pupil's stage, a pension)
                "birth_year_low": r.get("birth_year_low"),
                "birth_year_high": r.get("birth_year_high"),
                "sex": sex_from_id(r["id_number"]) or r["sex"],
                "phone": r["phone"],
                "county_code": r["county_code"],
                "township": r["township"],
                "village": r["village"],
                "sole_feed": ":".join((*register, r.get("register_part") or "")).rstrip(":")
                if register in ONE_ROW_PER_PERSON
                else None,
                "household_ref": r.get("household_ref"),
            }
        )
    return pl.DataFrame(out, schema=STANDARDISED_SCHEMA)
