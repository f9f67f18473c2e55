"""Reference shared by every stage: the counties of 临汾市 (from the `counties` seed), the
month end D every rule is evaluated at, and how ID numbers are shown (masked). Any stage may
import it; it imports no stage."""

from __future__ import annotations

import csv
import fcntl
import re
import time
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds"
NO_VALID_ID = "（无有效身份证号）"  # shown instead of a masked ID when there is none


def month_end(month: str) -> date:
    """The last day of a 'YYYY-MM' month: the date D every rule is evaluated at."""
    year, mon = (int(x) for x in month.split("-"))
    return date(year + (mon == 12), mon % 12 + 1, 1) - timedelta(days=1)


def previous_month(month: str) -> str:
    """'YYYY-MM' of the month before."""
    year, mon = (int(x) for x in month.split("-"))
    return f"{year - (mon == 1):04d}-{(mon - 2) % 12 + 1:02d}"


def next_month(month: str) -> str:
    """'YYYY-MM' of the month after."""
    year, mon = (int(x) for x in month.split("-"))
    return f"{year + (mon == 12):04d}-{mon % 12 + 1:02d}"


@lru_cache(maxsize=1)
def counties() -> tuple[tuple[str, str, int], ...]:
    """(code, name, population in 10k) of the 17 counties, from the `counties` seed."""
    with open(SEEDS_DIR / "counties.csv", encoding="utf-8") as f:
        return tuple((r["county_code"], r["county_name"], int(r["population_10k"])) for r in csv.DictReader(f))


@lru_cache(maxsize=1)
def county_lookup() -> dict[str, str]:
    """Every accepted way of writing a county of 临汾市 mapped to its code, built from the
    `counties` seed so one file holds the reference list."""
    lookup: dict[str, str] = {}
    for code, name, _ in counties():
        for form in (
            code,
            name,
            f"临汾市{name}",
            f"山西省临汾市{name}",
            f"山西省{name}",
            f"山西临汾{name}",
            f"临汾{name}",
        ):
            lookup[form] = code
    return lookup


def county_codes() -> list[str]:
    return sorted(set(county_lookup().values()))


def mask_id(id_number: str | None) -> str:
    """First 6 and last 4 characters shown, as county workbooks and logs require."""
    if not id_number:
        return ""
    if len(id_number) <= 10:
        return "*" * len(id_number)
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]


def _fold_table() -> dict[int, str]:
    """Characters folded for finding ID numbers, one for one (so a match in the folded text is a
    match at the same place in the text): every Unicode decimal digit (full-width １, ٣ …) and
    what NFKC makes a digit or X of, to that ASCII character; every space (NBSP, the
    ideographic space U+3000, tabs, line breaks) and zero-width character to a space; every dash
    (－, ‐, –) to a hyphen."""
    table: dict[int, str] = {}
    for code in (*range(0x80, 0x10000), *range(0x1D7CE, 0x1D800)):
        char = chr(code)
        category = unicodedata.category(char)
        folded = unicodedata.normalize("NFKC", char)
        if category == "Nd":
            table[code] = str(unicodedata.decimal(char))
        elif len(folded) == 1 and folded in "0123456789Xx":
            table[code] = folded
        elif category in ("Zs", "Zl", "Zp") or char in "\u200b\u200c\u200d\u2060\ufeff\u00ad":
            table[code] = " "
        elif category == "Pd":
            table[code] = "-"
    for char in "\t\n\r\v\f":
        table[ord(char)] = " "
    return table


_FOLD = _fold_table()


def fold_text(text: str) -> str:
    """Text as the ID-number rule reads it (Unicode-normalised digits, spaces and dashes; same
    length, so positions carry over)."""
    return text.translate(_FOLD)


def _id_pattern() -> str:
    """15 or 18 ID characters in a row, or an 18-character ID typed with spaces or dashes
    between its digits (`141002 19800101 1234`): for the spaced form the digits must read as an
    area code and a birth date (19xx/20xx, month 0x/1x, day 0x–3x), so that two amounts side by
    side are not taken for an ID. Matched on fold_text's output."""
    digit, separator = "[0-9]", "[ -]{0,2}"
    compact = f"{digit}{{6}}(?:{digit}{{9}}|{digit}{{11}}[0-9Xx])"
    positions = ["[1-9]", *[digit] * 5, "[12]", "[09]", digit, digit, "[01]", digit, "[0-3]", *[digit] * 4, "[0-9Xx]"]
    return f"(?<![0-9])(?:{compact}|{separator.join(positions)})(?![0-9Xx])"


# An ID number in any text (one that escaped masking), on fold_text's output; on plain ASCII text
# it needs no folding.
ID_SHAPED_PATTERN = _id_pattern()
_ID_SHAPED = re.compile(ID_SHAPED_PATTERN)
# GB 11643-1999: the check character of an 18-character citizen ID number
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"


def id_check_char(first17: str) -> str:
    """The check character the first 17 digits of an ID number call for."""
    if len(first17) != 17:
        raise ValueError(f"17 digits expected, got {len(first17)}")
    return ID_CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def is_checksum_valid_id(value: str) -> bool:
    """An 18-character ID number whose last character is the GB 11643 check character."""
    if not re.fullmatch(r"[0-9]{17}[0-9Xx]", value):
        return False
    return id_check_char(value[:17]) == value[-1].upper()


def id_shapes(text: str, household_number: bool = False) -> list[tuple[int, int, str]]:
    """(start, end, the ID's characters) of every ID number in the text, by the one rule every
    published text is masked and checked by. In a 户编号 only a checksum-valid 18-character ID
    counts: a rural 户编码 has 15 digits, a roster's 户编号 14."""
    found = []
    for match in _ID_SHAPED.finditer(fold_text(text)):
        characters = re.sub(r"[ -]", "", match.group(0)).upper()
        if household_number and not is_checksum_valid_id(characters):
            continue
        found.append((match.start(), match.end(), characters))
    return found


def mask_phone(phone: str | None) -> str:
    """First 3 and last 4 digits of a phone number shown."""
    if not phone:
        return ""
    return phone[:3] + "*" * max(len(phone) - 7, 0) + phone[-4:] if len(phone) > 7 else "*" * len(phone)


def mask_id_shapes(text: str, household_number: bool = False) -> str:
    """Mask every ID number in free text (a column shifted by one can put an ID number where a
    name or a code is expected; staff type one, in full-width digits or spaced, into 处置人):
    its first 6 and last 4 characters shown, in ASCII."""
    found = id_shapes(text, household_number)
    for start, end, characters in reversed(found):
        text = text[:start] + mask_id(characters) + text[end:]
    return text


def rule_threshold(name: str) -> float:
    """A configured threshold of the seed rule_thresholds (the one place thresholds live, read by
    dbt's threshold() macro and by the Python stages alike)."""
    import csv

    with open(SEEDS_DIR / "rule_thresholds.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["threshold_name"] == name:
                return float(row["value"])
    raise KeyError(f"no threshold {name!r} in {SEEDS_DIR / 'rule_thresholds.csv'}")


def table_exists(con, schema: str, table: str) -> bool:
    """Whether the warehouse holds schema.table yet (a first month has no history)."""
    query = "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?"
    return con.execute(query, [schema, table]).fetchall()[0][0] > 0


def quote_ident(name: str) -> str:
    """A SQL identifier in double quotes (names from the catalogue, never delivered text)."""
    return '"' + name.replace('"', '""') + '"'


@contextmanager
def exclusive_lock(
    lock_path: Path, wait_seconds: float, timed_out: Callable[[], Exception], on_wait: Callable[[], None] | None = None
) -> Iterator[None]:
    """An exclusive lock on the file `lock_path` (created if missing), waited for up to
    `wait_seconds`, then `timed_out()` raised; `on_wait` is called once when it must wait."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as handle:
        deadline = time.monotonic() + wait_seconds
        waited = False
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not waited and on_wait is not None:
                    on_wait()
                waited = True
                if time.monotonic() > deadline:
                    raise timed_out() from None
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
