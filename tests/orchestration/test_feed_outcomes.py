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


def _not_read(*args, **kwargs):
    raise AssertionError("the files were read again")


@pytest.mark.parametrize(
    ("description", "feed", "status"),
    [
        ("a loaded roster", "civil_tekun", DeliveryStatus.LOADED),
        ("an event file", "civil_exits", DeliveryStatus.LOADED),
        ("a roster that was turned away", "civil_marginal", DeliveryStatus.REJECTED),
    ],
)
def test_the_same_files_are_not_read_again_in_a_rerun(small_month, tmp_path, monkeypatch, description, feed, status):
    """A rerun of the month takes the logged outcome of files already loaded (same digest);
    other content, or other reading code, is read again."""
    import shutil

    import ingestion.delivery as assets
    import ingestion.landing

    month_folder = tmp_path / "landing" / "2023-06"
    shutil.copytree(small_month.landing_dir / "2023-06", month_folder)
    if status == DeliveryStatus.REJECTED:  # a roster whose every row is turned away
        for path in month_folder.glob(f"{feed}*"):
            path.unlink()
        (month_folder / f"{feed}.csv").write_text(header(feed) + "合计,1人\n", encoding="utf-8")
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        first = ingest_delivery(con, FEEDS_BY_CODE[feed], tmp_path / "landing", "2023-06")
        table_before = con.execute(f"SELECT count(*) FROM raw.{feed}").fetchall()
        monkeypatch.setattr(assets, "parse_delivery", _not_read)
        again = ingest_delivery(con, FEEDS_BY_CODE[feed], tmp_path / "landing", "2023-06")
        assert again.read_before is not None, description
        assert again.report == first.report, description
        assert again.validation == first.validation, description
        assert again.check_result().passed == first.check_result().passed, description
        assert "not read again" in again.check_result().description
        assert con.execute(f"SELECT count(*) FROM raw.{feed}").fetchall() == table_before
        assert first.status == status, description

        monkeypatch.setattr(ingestion.landing, "READING_FINGERPRINT", "reading code changed")
        with pytest.raises(AssertionError, match="read again"):
            ingest_delivery(con, FEEDS_BY_CODE[feed], tmp_path / "landing", "2023-06")
        monkeypatch.undo()
        changed = next(month_folder.glob(f"{feed}*"))
        changed.write_bytes(changed.read_bytes() + b"\n")
        monkeypatch.setattr(assets, "parse_delivery", _not_read)
        with pytest.raises(AssertionError, match="read again"):
            ingest_delivery(con, FEEDS_BY_CODE[feed], tmp_path / "landing", "2023-06")
