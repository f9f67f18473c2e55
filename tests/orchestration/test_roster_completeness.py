"""Issue 32: a roster cut short by a stalled writer (quiet time passed, so the sensor started
the month) is turned away, with the county and its rows against last month, instead of its
missing people showing as exits; the previous roster stays in force."""

import duckdb
import pytest

from ingestion.catalogue import FEEDS_BY_CODE, RosterCompleteness
from ingestion.loader import DeliveryStatus
from ingestion.normalise import id_check_char
from orchestration.ingestion_assets import ingest_delivery

TEKUN = FEEDS_BY_CODE["civil_tekun"]
DIBAO = FEEDS_BY_CODE["civil_dibao"]
YAODU, HONGTONG = "尧都区", "洪洞县"


def person_id(n: int) -> str:
    first17 = f"14100219600101{n:03d}"
    return first17 + id_check_char(first17)


def tekun_file(counties: dict[str, int]) -> str:
    lines = [",".join(c.header for c in TEKUN.columns)]
    n = 0
    for county, rows in counties.items():
        for _ in range(rows):
            n += 1
            lines.append(f"{county},城关镇,东街村,人{n},{person_id(n)},男,城市,集中供养,具备,820,100,2020-01-05,在供")
    return "\n".join(lines) + "\n"


def deliver(con, tmp_path, month: str, files: dict[str, str], feed=TEKUN):
    folder = tmp_path / "landing" / month
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return ingest_delivery(con, feed, tmp_path / "landing", month)


@pytest.fixture
def con(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        yield con


def test_a_roster_cut_to_40_percent_in_one_county_is_turned_away(con, tmp_path):
    may = deliver(con, tmp_path, "2023-05", {"civil_tekun.csv": tekun_file({YAODU: 50, HONGTONG: 40})})
    assert may.status == DeliveryStatus.LOADED
    june = deliver(con, tmp_path, "2023-06", {"civil_tekun.csv": tekun_file({YAODU: 20, HONGTONG: 40})})
    assert june.status == DeliveryStatus.REJECTED
    assert "incomplete roster: 141002 20 rows against 50" in june.report.reason
    assert "141021" not in june.report.reason and "洪洞" not in june.report.reason
    assert not june.check_result().passed
    months = con.execute("SELECT DISTINCT delivery_month FROM raw.civil_tekun").fetchall()
    assert months == [("2023-05",)], "May's roster stays in force: nobody appears to leave"


def test_a_county_missing_from_a_whole_file_is_incomplete(con, tmp_path):
    deliver(con, tmp_path, "2023-05", {"civil_tekun.csv": tekun_file({YAODU: 50, HONGTONG: 40})})
    june = deliver(con, tmp_path, "2023-06", {"civil_tekun.csv": tekun_file({YAODU: 50})})
    assert june.status == DeliveryStatus.REJECTED and "141024 0 rows against 40" in june.report.reason


def test_ordinary_churn_and_small_counties_pass(con, tmp_path):
    deliver(con, tmp_path, "2023-05", {"civil_tekun.csv": tekun_file({YAODU: 50, HONGTONG: 10})})
    june = deliver(con, tmp_path, "2023-06", {"civil_tekun.csv": tekun_file({YAODU: 45, HONGTONG: 2})})
    assert june.status == DeliveryStatus.LOADED, june.report.reason


def test_the_tolerance_is_configuration(con, tmp_path, monkeypatch):
    assert RosterCompleteness().tolerance == 0.2
    deliver(con, tmp_path, "2023-05", {"civil_tekun.csv": tekun_file({YAODU: 50})})
    monkeypatch.setenv("LINFEN_ROSTER_TOLERANCE", "0.05")
    june = deliver(con, tmp_path, "2023-06", {"civil_tekun.csv": tekun_file({YAODU: 45})})
    assert june.status == DeliveryStatus.REJECTED and "more than 5% fewer" in june.report.reason


def test_a_county_without_its_file_keeps_its_roster_and_is_not_compared(con, tmp_path):
    """One file per county: 洪洞县's file did not come (PARTIAL), 尧都区's came whole."""
    header = ",".join(c.header for c in DIBAO.columns)

    def dibao(county: str, rows: int, start: int) -> str:
        body = [
            f"{county},城关镇,东街村,H{n},人{n},{person_id(n)},人{n},{person_id(n)},本人,农村,1,496,200,健康,"
            "无劳动能力,是,2021-03-01,在保"
            for n in range(start, start + rows)
        ]
        return "\n".join([header, *body]) + "\n"

    may = {"civil_dibao__141002.csv": dibao(YAODU, 40, 1), "civil_dibao__141024.csv": dibao(HONGTONG, 40, 100)}
    assert deliver(con, tmp_path, "2023-05", may, DIBAO).status == DeliveryStatus.LOADED
    june = deliver(con, tmp_path, "2023-06", {"civil_dibao__141002.csv": dibao(YAODU, 40, 1)}, DIBAO)
    assert june.status == DeliveryStatus.LOADED, june.report.reason
    assert "141024" in june.report.missing_counties
    cut = deliver(con, tmp_path, "2023-06", {"civil_dibao__141002.csv": dibao(YAODU, 10, 1)}, DIBAO)
    assert cut.status == DeliveryStatus.REJECTED and "141002 10 rows against 40" in cut.report.reason
