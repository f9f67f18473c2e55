"""What becomes of a feed's delivery (ingest_delivery, the body of every feed asset), case by case."""

import duckdb
import pytest

from ingestion.catalogue import FEEDS_BY_CODE
from ingestion.loader import DeliveryStatus
from orchestration.ingestion_assets import ingest_delivery


def header(feed: str) -> str:
    return ",".join(c.header for c in FEEDS_BY_CODE[feed].columns) + "\n"


TEKUN_HEADER, EXITS_HEADER = header("civil_tekun"), header("civil_exits")


@pytest.mark.parametrize(
    ("description", "feed", "files", "status", "reason"),
    [
        ("a roster with its header only is turned away", "civil_tekun", {"civil_tekun.csv": TEKUN_HEADER},
         DeliveryStatus.REJECTED, "an empty roster"),
        ("an event file with its header only means no events", "civil_exits", {"civil_exits.csv": EXITS_HEADER},
         DeliveryStatus.NO_EVENTS, ""),
        ("an unreadable workbook is turned away with its file and rule", "civil_visits",
         {"civil_visits.xlsx": "PK not a workbook"}, DeliveryStatus.REJECTED, "civil_visits.xlsx: unreadable_xlsx"),
        ("no file at all is missing", "civil_exits", {}, DeliveryStatus.MISSING, ""),
        ("a delivery whose every row is quarantined is turned away, not a quiet month", "civil_exits",
         {"civil_exits.csv": EXITS_HEADER + "太原市,张三,,低保,2023-06-03,其他,100\n合计,1人,,,,,\n"},
         DeliveryStatus.REJECTED, "rows was quarantined"),
    ],
)  # fmt: skip
def test_a_delivery_outcome(tmp_path, description, feed, files, status, reason):
    folder = tmp_path / "landing" / "2023-06"
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        outcome = ingest_delivery(con, FEEDS_BY_CODE[feed], tmp_path / "landing", "2023-06")
        logged = con.execute("SELECT status FROM raw.load_log WHERE feed_code = ?", [feed]).fetchall()
    assert outcome.status == status, description
    assert reason in outcome.report.reason, (description, outcome.report.reason)
    assert logged == [(str(status),)]
    check = outcome.check_result()
    assert check.passed == (status == DeliveryStatus.NO_EVENTS), description
