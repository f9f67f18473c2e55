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


def swapped_pinyin(name: str | None) -> str | None:
    """The pinyin of a three-character name with its given-name characters swapped (张丽华 as
    张华丽), for blocking records that wrote it so; None for other names."""
    if not name or "·" in name or len(name) != 3 or name.startswith(COMPOUND_SURNAMES):
        return None
    return _char_pinyin(name[0]) + _char_pinyin(name[2]) + _char_pinyin(name[1])


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


def surviving_digits(raw: str) -> str | None:
    """The leading ID digits a damaged number still holds: the mantissa of Excel's
    `4.10102E+17` (six digits, the region) or of a longer `4.10102199003071E+17`; the first 15
    of a number Excel stored at its 15-digit precision (`410102199003071000`: region and birth
    date survive, the sequence and check character do not); a short number's digits."""
    m = _EXCEL_MANTISSA.match(raw)
    if m:
        return m.group(1) + m.group(2)
    if len(raw) == 18 and raw.isdigit() and raw.endswith("000"):
        return raw[:15]
    return raw if raw.isdigit() else None


def _raw_region(raw: str) -> str | None:
    """The region a delivered ID that is not 18 digits still states (its first six surviving digits)."""
    digits = surviving_digits(raw) or raw
    return digits[:6] if len(digits) >= 6 and digits[:6].isdigit() else None


def _raw_birth(raw: str) -> str | None:
    """The birth date in the digits that survive, when at least 14 do (region and date)."""
    digits = surviving_digits(raw)
    return digits[6:14] if digits and len(digits) >= 14 else None


STANDARDISED_SCHEMA = {
    "person_record_id": pl.String,
    "feed_code": pl.String,
    "role": pl.String,
    "signature": pl.String,
    "person_name": pl.String,
    "name_pinyin": pl.String,
    "surname_pinyin": pl.String,
    "given_pinyin": pl.String,
    "name_pinyin_swapped": pl.String,
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
    "housemates": pl.List(pl.String),
}
SIGNATURE_COLUMNS = ("feed_code", "role", "person_name", "id_number_raw", "county_code", "township", "village", "phone")


OPTIONAL_COLUMNS = {
    "birth_date_stated": pl.Date,
    "household_ref": pl.String,
    "birth_year_low": pl.Int32,
    "birth_year_high": pl.Int32,
    "register_part": pl.String,
}
REGISTERS = sorted(":".join(r) for r in ONE_ROW_PER_PERSON)


def name_columns(names: pl.Series) -> pl.DataFrame:
    """`name_parts` and `swapped_pinyin` of each distinct name, as columns: the names are split
    into characters and only the few thousand distinct characters go to pypinyin (a Python
    call per name dominated the linkage at city scale)."""
    names = pl.DataFrame({"person_name": names}).filter(pl.col("person_name").str.len_chars() > 0).unique()
    minority = pl.col("person_name").str.contains("·", literal=True)
    chars = (
        names.with_columns(char=pl.col("person_name").str.replace_all("·", "", literal=True).str.split(""))
        .with_columns(position=pl.int_ranges(pl.col("char").list.len()))
        .explode("char", "position", empty_as_null=True)
    )
    distinct = chars["char"].drop_nulls().unique().to_list()
    chars = chars.with_columns(
        pinyin=pl.col("char").replace_strict({c: _char_pinyin(c) for c in distinct}, default="", return_dtype=pl.String)
    )
    compound = pl.col("person_name").str.starts_with(COMPOUND_SURNAMES[0])
    for surname in COMPOUND_SURNAMES[1:]:
        compound = compound | pl.col("person_name").str.starts_with(surname)
    split = pl.when(compound).then(2).otherwise(1)
    parts = chars.group_by("person_name").agg(
        name_pinyin=pl.col("pinyin").str.join(""),
        surname_pinyin=pl.col("pinyin").filter(pl.col("position") < split.first()).str.join(""),
        given_pinyin=pl.col("pinyin").filter(pl.col("position") >= split.first()).str.join(""),
        swapped=pl.col("pinyin").gather([0, 2, 1], null_on_oob=True).str.join(""),
        characters=pl.len(),
        minority=minority.first(),
        compound=compound.first(),
    )
    return parts.select(
        "person_name",
        "name_pinyin",
        surname_pinyin=pl.when(~pl.col("minority")).then("surname_pinyin"),
        given_pinyin=pl.when(pl.col("minority")).then("name_pinyin").otherwise("given_pinyin"),
        name_pinyin_swapped=pl.when(~pl.col("minority") & ~pl.col("compound") & (pl.col("characters") == 3)).then(
            "swapped"
        ),
    )


def surviving_digits_expr(raw: pl.Expr) -> pl.Expr:
    """`surviving_digits` as an expression over a column of delivered ID numbers."""
    mantissa = raw.str.extract_groups(r"^(\d)\.(\d+)E\+?\d+$")
    return (
        pl.when(mantissa.struct.field("1").is_not_null())
        .then(mantissa.struct.field("1") + mantissa.struct.field("2"))
        .when(raw.str.contains(r"^\d{15}000$"))
        .then(raw.str.slice(0, 15))
        .when(raw.str.contains(r"^\d+$"))
        .then(raw)
    )


def raw_region_expr(raw: pl.Expr) -> pl.Expr:
    """`_raw_region` as an expression."""
    head = pl.coalesce(surviving_digits_expr(raw), raw).str.slice(0, 6)
    return pl.when(head.str.contains(r"^\d{6}$")).then(head)


def raw_birth_expr(raw: pl.Expr) -> pl.Expr:
    """`_raw_birth` as an expression."""
    digits = surviving_digits_expr(raw)
    return pl.when(digits.str.len_chars() >= 14).then(digits.str.slice(6, 8))


def _birth_date(id_digits: pl.Expr) -> pl.Expr:
    """ISO birth date of 18 ID characters when it is a real date in the range
    ingestion.normalise accepts (the one derivation in Python; int_people reads valid IDs in SQL)."""
    born = id_digits.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    return pl.when(born.is_between(EARLIEST_BIRTH, LATEST_BIRTH)).then(born.dt.to_string("%Y-%m-%d"))


def with_housemates(std: pl.DataFrame) -> pl.DataFrame:
    """The valid IDs of the other members of the record's roster household (household_ref),
    null when there are none: a roster member whose own ID is damaged is still recognisable
    by the people they live with, when another roster lists them with the same people."""
    members = (
        std.filter(pl.col("id_valid") & pl.col("household_ref").is_not_null())
        .group_by("household_ref")
        .agg(pl.col("id_number").unique().sort().alias("household_ids"))
    )
    own = pl.concat_list(pl.col("id_number").fill_null(""))
    housemates = pl.col("household_ids").list.set_difference(own)
    return (
        std.join(members, on="household_ref", how="left", maintain_order="left")
        .with_columns(housemates=pl.when(housemates.list.len() > 0).then(housemates))
        .drop("household_ids")
    )


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
    r = r.join(name_columns(r["person_name"]), on="person_name", how="left", maintain_order="left")
    # the ID's birth date; else what the damaged ID's surviving digits or the record itself state
    raw_birth = raw_birth_expr(raw)
    birth_date = pl.coalesce(
        _birth_date(pl.col("id_compare")),
        _birth_date(pl.lit("000000") + raw_birth),
        pl.col("birth_date_stated").cast(pl.Date).dt.to_string("%Y-%m-%d"),
    )
    raw_region = raw_region_expr(raw)
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
    out = set_aside_borrowed_ids(
        with_housemates(out).select(pl.col(c).cast(dtype) for c, dtype in STANDARDISED_SCHEMA.items())
    )
    # an ID with a slip keeps either its first ten digits (region, birth year) or its last
    # eight (birth month and day, sequence, check): blocking on each half finds the number it
    # was meant to be, the region digits and the birth year included
    return out.with_columns(
        id_head=pl.col("id_compare").str.slice(0, 10), id_tail=pl.col("id_compare").str.slice(10, 8)
    )


def _differs_by_more_than_one_character(a: str, b: str) -> bool:
    """Two names that are neither the same but for one character nor the same characters with
    the given name swapped: as a family member's name differs from the person's, and a typo
    does not. (Two-character names differing in the given name stay ambiguous: kept.)"""
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) > 1 and not (
            len(a) == 3 and a[0] == b[0] and a[1:] == b[:0:-1]
        )
    short, long = sorted((a, b), key=len)
    return len(long) - len(short) > 1 or not any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def set_aside_borrowed_ids(std: pl.DataFrame) -> pl.DataFrame:
    """A valid ID on a row whose name is clearly someone else's (a family member's number on
    the person's row): when the number's other records agree on another name, more often than
    this name appears under it, the row's ID, and what the ID says (birth date, sex), are set
    aside and the row is linked like a record without a usable ID, living with the number's
    owner (its housemates). Otherwise the deterministic join would merge two people of one
    household."""
    valid = std.filter(pl.col("id_valid") & pl.col("name_pinyin").is_not_null())
    names = valid.group_by("id_number", "person_name", "name_pinyin").len("records")
    owners = (
        names.sort(["records", "person_name"], descending=[True, False])
        .group_by("id_number")
        .agg(
            pl.col("person_name").first().alias("owner_name"),
            pl.col("name_pinyin").first().alias("owner_pinyin"),
            pl.col("records").first().alias("owner_records"),
        )
    )
    candidates = names.join(owners, on="id_number").filter(
        (pl.col("name_pinyin") != pl.col("owner_pinyin")) & (pl.col("records") < pl.col("owner_records"))
    )
    borrowed = [
        (idn, name)
        for idn, name, owner in candidates.select("id_number", "person_name", "owner_name").iter_rows()
        if _differs_by_more_than_one_character(name, owner)
    ]
    if not borrowed:
        return std
    flagged = pl.DataFrame(borrowed, schema={"id_number": pl.String, "person_name": pl.String}, orient="row")
    is_borrowed = pl.col("borrowed").fill_null(False)
    return (
        std.join(
            flagged.with_columns(borrowed=pl.lit(True)),
            on=["id_number", "person_name"],
            how="left",
            maintain_order="left",
        )
        .with_columns(
            id_valid=pl.col("id_valid") & ~is_borrowed,
            **{c: pl.when(is_borrowed).then(None).otherwise(pl.col(c)) for c in ("id_compare", "birth_date", "sex")},
            birth_year=pl.when(is_borrowed).then(None).otherwise(pl.col("birth_year")),
            # the number is a family member's: the person lives with its owner
            housemates=pl.when(is_borrowed).then(pl.concat_list(pl.col("id_number"))).otherwise(pl.col("housemates")),
        )
        .drop("borrowed")
    )
