"""What the corpus of returned workbooks answers: June's alerts of two counties as the warehouse
holds them (main.alert_history, reference.alert_rules, main.publication_log), and the county
workbooks published from them (publication.workbooks)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from ingestion.normalise import id_check_char
from publication.workbooks import to_workbook_row, workbook_name, write_county_workbook

PUBLISHED, RECEIVED = "2023-06", "2023-07"
YAODU, JIXIAN = ("141002", "尧都区"), ("141028", "吉县")


def valid_id(first17: str) -> str:
    return first17 + id_check_char(first17)


ID_A, ID_B, ID_C = (valid_id(f"14100219600101{n}00") for n in range(1, 4))
ID_D = valid_id("14102819700202100")
# (alert id, county, ID number, household number): the third household's 户编号 is its head's ID
ALERTS = [
    ("P01-141002-0001", YAODU[0], ID_A, "14100200000001"),
    ("P01-141002-0002", YAODU[0], ID_B, "141002000000002"),
    ("P01-141002-0003", YAODU[0], ID_C, ID_C),
    ("P01-141028-0004", JIXIAN[0], ID_D, "14102800000004"),
]
RULE_ID, RULE_NAME = "P01", "资助参保未落实"


def alert_dict(alert_id: str, county: str, id_number: str, household: str) -> dict:
    return dict(
        alert_id=alert_id, alert_type="P 政策落实不到位", rule=f"{RULE_ID} {RULE_NAME}", level="黄",
        department="医保局", township="东关街道", village="东关社区", household_number=household,
        subject_name="张三", subject_id_number=id_number, category_label="低保对象", evidence="未参加城乡居民医保",
        data_as_of=date(2023, 6, 30), first_alert_month=PUBLISHED, status="新增", due_date=date(2023, 7, 24),
        is_overdue=False, disposal_record=None, county_code=county, also_county_codes=None,
    )  # fmt: skip


def build_warehouse(path: Path) -> None:
    """The tables read_feedback checks a returned row against."""
    con = duckdb.connect(str(path))
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS reference")
        con.execute(
            "CREATE TABLE main.alert_history (alert_id VARCHAR, month VARCHAR, county_code VARCHAR, "
            "also_county_codes VARCHAR, rule_id VARCHAR, subject_id_number VARCHAR, data_as_of DATE)"
        )
        for alert_id, county, id_number, _ in ALERTS:
            con.execute(
                "INSERT INTO main.alert_history VALUES (?, ?, ?, NULL, ?, ?, ?)",
                [alert_id, PUBLISHED, county, RULE_ID, id_number, date(2023, 6, 30)],
            )
        con.execute("CREATE TABLE reference.alert_rules (rule_id VARCHAR, rule_name VARCHAR)")
        con.execute("INSERT INTO reference.alert_rules VALUES (?, ?)", [RULE_ID, RULE_NAME])
        con.execute("CREATE TABLE main.publication_log (month VARCHAR, published_on DATE, version INTEGER)")
        con.execute("INSERT INTO main.publication_log VALUES (?, ?, 1)", [PUBLISHED, date(2023, 7, 10)])
    finally:
        con.close()


def publish(folder: Path) -> dict[str, Path]:
    """June's workbook of each county, as publication writes it: county code -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for code, name in (YAODU, JIXIAN):
        rows = [to_workbook_row(alert_dict(*a)) for a in ALERTS if a[1] == code]
        path = folder / workbook_name(code, name, PUBLISHED)
        write_county_workbook(path, name, PUBLISHED, rows)
        out[code] = path
    return out
