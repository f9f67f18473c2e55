"""Reference shared by every stage: the counties of 临汾市 (from the `counties` seed), the
month end D every rule is evaluated at, and how ID numbers are shown (masked). Any stage may
import it; it imports no stage."""

from __future__ import annotations

import csv
import re
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


# 15 or 18 ID characters in a row inside any text (an ID number that escaped masking)
ID_SHAPED_PATTERN = r"(?<![0-9])[0-9]{6}(?:[0-9]{9}|[0-9]{11}[0-9Xx])(?![0-9Xx])"
_ID_SHAPED = re.compile(ID_SHAPED_PATTERN)


def mask_phone(phone: str | None) -> str:
    """First 3 and last 4 digits of a phone number shown."""
    if not phone:
        return ""
    return phone[:3] + "*" * max(len(phone) - 7, 0) + phone[-4:] if len(phone) > 7 else "*" * len(phone)


def mask_id_shapes(text: str) -> str:
    """Mask every ID-shaped run (15 or 18 characters) in free text: a column shifted by one
    can put an ID number where a name or a code is expected."""
    return _ID_SHAPED.sub(lambda m: mask_id(m.group(0)), text)


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
