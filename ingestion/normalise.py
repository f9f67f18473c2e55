"""Normalisers for the values department files deliver (feeds.md, "What real department files
look like"). Each takes the delivered text and returns the warehouse form, or raises
`ValueError` with a message that never repeats a whole ID number.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache

import polars as pl

from reference import ID_CHECK_CHARS, ID_WEIGHTS, county_lookup, id_check_char, mask_id, mask_id_shapes

# GB 11643-1999: weights of the first 17 digits and the check character for sum mod 11.
_EXCEL_SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+?\d{1,2}$")
_WHITESPACE = re.compile(r"\s+")
# Characters that show as nothing (zero-width space and joiners, direction marks, word joiner,
# soft hyphen, a BOM inside a cell): a county, a name or a code typed or pasted with one is the
# same value without it.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u206a-\u206f\ufeff]")
# runs of digits shown in an error message: an ID number (15 to 18 characters) is shown masked
# (first 6, last 4), any other run of 7 or more digits (a phone number) as stars
_DIGIT_RUN = re.compile(r"[0-9]{7,}[0-9Xx]?")
_NAME_DOTS = str.maketrans({".": "·", "•": "·", "・": "·", "‧": "·", "．": "·", "∙": "·"})
EXCEL_EPOCH = date(1899, 12, 30)  # day 0 of Excel serial dates


class IdStatus(StrEnum):
    """What the normaliser could make of a delivered ID number (raw.<feed>.<column>_status)."""

    VALID = "valid"
    CONVERTED_15 = "converted_15"  # first-generation 15-digit number, upgraded to 18
    CHECKSUM_INVALID = "checksum_invalid"  # 18 characters, but a digit is mistyped
    BIRTH_DATE_INVALID = "birth_date_invalid"
    EXCEL_DAMAGED = "excel_damaged"  # 4.10102E+17: digits lost by Excel, not recoverable
    MALFORMED = "malformed"
    BLANK = "blank"


# The statuses whose number identifies a person.
USABLE_ID_STATUSES = (IdStatus.VALID, IdStatus.CONVERTED_15)


@dataclass(frozen=True)
class NormalisedId:
    """`value` is the 18-character number when it is usable, `cleaned` what was delivered
    after removing spaces, full-width forms and Excel's `.0`, for fuzzy linkage."""

    value: str | None
    cleaned: str | None
    status: str


EARLIEST_DATE = date(1900, 1, 1)  # feeds.md dates before 1900 are errors
# Birth dates an ID number may state: older ones are typos, later ones not yet issued.
EARLIEST_BIRTH, LATEST_BIRTH = date(1890, 1, 1), date(2030, 12, 31)


@lru_cache(maxsize=1 << 16)
def _valid_birth(yyyymmdd: str) -> bool:
    try:
        born = datetime.strptime(yyyymmdd, "%Y%m%d").date()
    except ValueError:
        return False
    return EARLIEST_BIRTH <= born <= LATEST_BIRTH


def _clean_text(raw: object) -> str:
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", str(raw)))
    return _WHITESPACE.sub("", text).strip("'\"`")


def shown(raw: object, limit: int = 20) -> str:
    """A delivered value as an error message may show it: ID numbers masked (first 6 and last 4
    characters), other runs of 7 or more digits starred, at most `limit` characters, quoted.
    Masked before it is cut, so a cut never leaves an ID's digits unmasked."""
    text = mask_id_shapes(str(raw))

    def masked(found: re.Match) -> str:
        run = found.group(0)
        return mask_id(run) if len(run) >= 15 else "*" * len(run)

    text = _DIGIT_RUN.sub(masked, text)
    return repr(text[:limit] + ("…" if len(text) > limit else ""))


def masked_code(value: str) -> str:
    """An unknown coded value as the run reports it (terminal, load log, Dagster metadata): a
    column shifted by one puts a name or a phone number where a code belongs, so digits are
    masked and text keeps its first character and its length only (`王强晖` → `王**`,
    `13912345678` → `***********`)."""
    if not value:
        return value
    if re.fullmatch(r"[0-9Xx+\-.]+", value):
        return "*" * len(value)
    first = "*" if value[0].isdigit() else value[0]
    return first + "*" * (len(value) - 1)


def normalise_id(raw: object) -> NormalisedId:
    """Normalise a delivered ID number (GB 11643-1999).

    Handles lower-case x, spaces, full-width digits, a leading apostrophe, Excel's trailing
    `.0`, the 15-digit first-generation form (converted to 18), and recognises Excel's
    scientific notation (`4.10102E+17`) as damage that cannot be repaired.
    """
    if raw is None:
        return NormalisedId(None, None, IdStatus.BLANK)
    # most delivered numbers are already clean ASCII: no folding or stripping to do
    plain = isinstance(raw, str) and len(raw) == 18 and raw.isascii() and raw.isalnum()
    text = raw.upper() if plain else _clean_text(raw).upper()
    if text in ("", "NONE", "NULL", "NAN", "-", "无"):
        return NormalisedId(None, None, IdStatus.BLANK)
    if _EXCEL_SCIENTIFIC.match(text):
        return NormalisedId(None, text, IdStatus.EXCEL_DAMAGED)
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    if len(text) == 15 and text.isdigit():
        birth = "19" + text[6:12]
        if not _valid_birth(birth):
            return NormalisedId(None, text, IdStatus.BIRTH_DATE_INVALID)
        first17 = text[:6] + birth + text[12:15]
        return NormalisedId(first17 + id_check_char(first17), text, IdStatus.CONVERTED_15)
    if len(text) == 18 and text[:17].isdigit() and (text[17].isdigit() or text[17] == "X"):
        if not _valid_birth(text[6:14]):
            return NormalisedId(None, text, IdStatus.BIRTH_DATE_INVALID)
        if id_check_char(text[:17]) != text[17]:
            return NormalisedId(None, text, IdStatus.CHECKSUM_INVALID)
        return NormalisedId(text, text, IdStatus.VALID)
    return NormalisedId(None, text, IdStatus.MALFORMED)


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日")


def normalise_date(raw: object) -> str | None:
    """ISO date from `2023-06-01`, `2023/6/1`, `20230601`, `2023年6月1日`, `2023.06.01`,
    an Excel serial number or a datetime. Blank is None; anything else raises ValueError."""
    if raw is None:
        return None
    if isinstance(raw, datetime):
        return raw.date().isoformat()
    if isinstance(raw, date):
        return raw.isoformat()
    text = _clean_text(raw)
    if text == "":
        return None
    if " " in str(raw).strip() or "T" in text:  # "2023-06-01 00:00:00" from a spreadsheet cell
        text = re.split(r"[ T]", str(raw).strip())[0]
    serial = text[:-2] if text.endswith(".0") else text
    if serial.isdigit() and len(serial) <= 5:
        number = int(serial)
        if 1 <= number <= 80000:
            return (EXCEL_EPOCH + timedelta(days=number)).isoformat()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    raise ValueError(f"not a date: {shown(text)}")


def normalise_amount(raw: object) -> str | None:
    """Decimal text from `1,234.50`, `1234.5元`, `￥1234`; blank means unknown (None), not 0."""
    if raw is None:
        return None
    text = _clean_text(raw).replace(",", "").replace("元", "").replace("¥", "").replace("￥", "")
    if text == "":
        return None
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {shown(text)}") from exc
    if not value.is_finite():
        raise ValueError(f"not an amount: {shown(text)}")
    return format(value.normalize(), "f") if value != value.to_integral() else str(int(value))


def normalise_integer(raw: object) -> str | None:
    """Whole-number text; `2.0` from a spreadsheet is 2; blank is None."""
    amount = normalise_amount(raw)
    if amount is None:
        return None
    value = Decimal(amount)
    if value != value.to_integral():
        raise ValueError(f"not a whole number: {shown(amount)}")
    return str(int(value))


def normalise_name(raw: object) -> str | None:
    """Person name without inner spaces, full-width forms folded, `·` unified."""
    if raw is None:
        return None
    text = _clean_text(raw).translate(_NAME_DOTS)
    return text or None


def normalise_text(raw: object) -> str | None:
    """Free text and coded values: full-width forms folded, outer whitespace trimmed."""
    if raw is None:
        return None
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", str(raw))).strip()
    return text or None


def normalise_code(raw: object) -> str | None:
    """Coded values (状态, 等级 …): all whitespace removed, full-width folded.
    Kept in the delivered Chinese; GX checks the domains."""
    if raw is None:
        return None
    text = _clean_text(raw)
    # NFKC folds the full-width brackets of codes such as 村（社区）代为申报; deliver them
    # back in the form the agreement uses.
    text = text.replace("(", "（").replace(")", "）")
    return text or None


def normalise_phone(raw: object) -> str | None:
    """Digits only; a `.0` from a spreadsheet cell is dropped."""
    if raw is None:
        return None
    text = _clean_text(raw)
    if text.endswith(".0"):
        text = text[:-2]
    digits = re.sub(r"\D", "", text)
    return digits or None


# County names as departments write them short, the 区/县/市 left off (`尧都`, `曲沃`, `侯马`,
# `霍州`). Only names of two characters or more once shortened: 古县, 吉县, 隰县 and 蒲县 are
# never written as one character, and one character would match too much.
_COUNTY_SUFFIXES = ("区", "县", "市")
_COUNTY_PREFIXES = ("", "临汾市", "临汾", "山西省临汾市", "山西临汾", "山西省")


@lru_cache(maxsize=1)
def county_forms() -> dict[str, str]:
    """Every accepted way of writing a county of 临汾市 (reference.county_lookup: code, name, long
    names) and the short names, mapped to its code."""
    forms = dict(county_lookup())
    names = {name: code for name, code in forms.items() if not name.isdigit() and len(name) <= 4}
    for name, code in names.items():
        if name.endswith(_COUNTY_SUFFIXES) and len(name) >= 3:
            for prefix in _COUNTY_PREFIXES:
                forms.setdefault(prefix + name[:-1], code)
    return forms


def normalise_county(raw: object) -> str | None:
    """County code from a name, a short name (`尧都`), a long name or a code, invisible
    characters ignored; ValueError outside 临汾市."""
    if raw is None:
        return None
    text = _clean_text(raw)
    if text.endswith(".0"):
        text = text[:-2]
    if text == "":
        return None
    code = county_forms().get(text)
    if code is None:
        raise ValueError(f"county not in 临汾市: {shown(text, 30)}")
    return code


_CLEAN_ID = r"^[0-9]{17}[0-9X]$"


def normalise_ids(delivered: pl.Series) -> pl.DataFrame:
    """`normalise_id` over a column of distinct delivered values: (delivered, value, status,
    cleaned). Numbers already written as 18 plain characters — nearly all of a register — are
    checked by column expressions (birth date, then GB 11643 check character); anything else
    goes through `normalise_id` one value at a time."""
    frame = pl.DataFrame({"delivered": delivered.cast(pl.String)})
    upper = pl.col("delivered").str.to_uppercase()
    clean = frame.filter(upper.str.contains(_CLEAN_ID).fill_null(False)).with_columns(upper.alias("cleaned"))
    born = pl.col("cleaned").str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    total = pl.sum_horizontal(
        pl.col("cleaned").str.slice(i, 1).cast(pl.Int32) * weight for i, weight in enumerate(ID_WEIGHTS)
    )
    check = pl.lit(list(ID_CHECK_CHARS), dtype=pl.List(pl.String)).list.get(total % 11)
    status = (
        pl.when(born.is_null() | (born < EARLIEST_BIRTH) | (born > LATEST_BIRTH))
        .then(pl.lit(str(IdStatus.BIRTH_DATE_INVALID)))
        .when(check != pl.col("cleaned").str.slice(17, 1))
        .then(pl.lit(str(IdStatus.CHECKSUM_INVALID)))
        .otherwise(pl.lit(str(IdStatus.VALID)))
    )
    clean = clean.with_columns(status.alias("status")).select(
        "delivered",
        pl.when(pl.col("status") == str(IdStatus.VALID)).then(pl.col("cleaned")).alias("value"),
        "status",
        "cleaned",
    )
    rest = frame.join(clean, on="delivered", how="anti", nulls_equal=True)["delivered"].to_list()
    results = [normalise_id(raw) for raw in rest]
    other = pl.DataFrame(
        {
            "delivered": pl.Series(rest, dtype=pl.String),
            "value": pl.Series([r.value for r in results], dtype=pl.String),
            "status": pl.Series([str(r.status) for r in results], dtype=pl.String),
            "cleaned": pl.Series([r.cleaned for r in results], dtype=pl.String),
        }
    )
    return pl.concat([clean, other])
