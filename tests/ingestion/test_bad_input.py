"""The corpus of malformed deliveries (tests/ingestion/bad_input, made by make_corpus.py):
each file gives a clear error naming file, row and rule, or quarantines its bad rows with
their reason; no valid row of the same delivery is lost; loading twice changes nothing; a bad
file leaves what was loaded before untouched."""

import csv
import re
import shutil
from pathlib import Path

import duckdb
import pytest

import ingestion.landing
from ingestion.catalogue import FEEDS_BY_CODE
from ingestion.delivery import ingest_delivery
from ingestion.report import DeliveryStatus
from reference import ID_SHAPED_PATTERN

CORPUS = Path(__file__).parent / "bad_input"
MONTH = "2023-06"
with open(CORPUS / "cases.csv", encoding="utf-8") as f:
    CASES = list(csv.DictReader(f))


def deliver(tmp_path: Path, case: dict) -> Path:
    folder = tmp_path / "landing" / MONTH
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(CORPUS / "files" / case["file"], folder / case["deliver_as"])
    return tmp_path / "landing"


def table_rows(con, feed):
    return con.execute(f'SELECT * FROM raw."{feed}" ORDER BY record_id').fetchall()


def test_every_corpus_file_has_its_case_and_every_case_its_file():
    assert {c["file"] for c in CASES} == {p.name for p in (CORPUS / "files").iterdir()}


def read_again(monkeypatch) -> None:
    """The next ingest_delivery reads the same files again instead of taking their logged
    outcome (as after a change of the reading code)."""
    monkeypatch.setattr(ingestion.landing, "READING_FINGERPRINT", "reading code changed")


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_each_malformed_file_gets_its_outcome(case, tmp_path, monkeypatch):
    feed = FEEDS_BY_CODE[case["feed"]]
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        landing = deliver(tmp_path, case)
        if case["expect"] == "error":
            outcome = ingest_delivery(con, feed, landing, MONTH)
            assert outcome.status == DeliveryStatus.REJECTED, case["description"]
            assert f": {case['rule']}: " in outcome.report.reason, (case["description"], outcome.report.reason)
            assert outcome.report.reason.startswith(case["deliver_as"]), "the message names the file"
            return
        report = ingest_delivery(con, feed, landing, MONTH).report
        assert report.rows_loaded == int(case["loaded"]), case["description"]
        quarantined = con.execute("SELECT source_row, rule FROM raw.quarantine").fetchall()
        if case["expect"] == "quarantine":
            assert (int(case["row"]), case["rule"]) in quarantined, (case["description"], quarantined)
        else:
            assert quarantined == [], (case["description"], quarantined)
        before = table_rows(con, feed.code), con.execute("SELECT * FROM raw.quarantine ORDER BY 4").fetchall()
        read_again(monkeypatch)
        assert ingest_delivery(con, feed, landing, MONTH).read_before is None, "read again, not taken from the log"
        after = table_rows(con, feed.code), con.execute("SELECT * FROM raw.quarantine ORDER BY 4").fetchall()
        assert before == after, "loading the same file twice changes nothing"
    finally:
        con.close()


@pytest.mark.parametrize("case", [c for c in CASES if c["expect"] == "error"], ids=lambda c: c["file"])
def test_a_bad_file_leaves_the_previous_delivery_in_place(case, tmp_path):
    feed = FEEDS_BY_CODE[case["feed"]]
    good = next(c for c in CASES if c["feed"] == case["feed"] and c["expect"] == "loaded" and int(c["loaded"]) > 0)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        ingest_delivery(con, feed, deliver(tmp_path / "good", good), MONTH)
        before = table_rows(con, feed.code)
        outcome = ingest_delivery(con, feed, deliver(tmp_path / "bad", case), MONTH)
        assert outcome.status == DeliveryStatus.REJECTED
        assert table_rows(con, feed.code) == before
    finally:
        con.close()


def test_an_unusable_optional_value_is_blanked_and_noted(tmp_path):
    case = next(c for c in CASES if c["file"].startswith("42_"))
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        ingest_delivery(con, FEEDS_BY_CODE[case["feed"]], deliver(tmp_path, case), MONTH)
        issues = con.execute("SELECT row_issues FROM raw.civil_exits WHERE row_issues IS NOT NULL").fetchall()
        assert issues == [("income_per_person_at_exit: not an amount: '一千'",)]
    finally:
        con.close()


def test_an_unknown_code_is_kept_as_unknown_counted_and_noted(tmp_path):
    case = next(c for c in CASES if c["file"].startswith("46_"))
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        report = ingest_delivery(con, FEEDS_BY_CODE[case["feed"]], deliver(tmp_path, case), MONTH).report
        assert report.unknown_codes == {"exit_reason": {"调*": 1}}, "text: its first character and length only"
        rows = con.execute("SELECT exit_reason, row_issues FROM raw.civil_exits WHERE person_name = '赵六'").fetchall()
        assert rows == [(None, "exit_reason: unknown code '调*'")]
    finally:
        con.close()


def test_unknown_codes_are_reported_masked_by_kind(tmp_path):
    """Issue 32: a column shifted by one put a name in 与户主关系 and a phone number in 健康状况;
    the run reports them masked (digits starred; text: first character and length)."""
    case = next(c for c in CASES if c["file"].startswith("56_"))
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        report = ingest_delivery(con, FEEDS_BY_CODE[case["feed"]], deliver(tmp_path, case), MONTH).report
        assert report.unknown_codes == {"relation_to_head": {"王**": 1}, "health_status": {"***********": 1}}
        issues = con.execute("SELECT row_issues FROM raw.civil_dibao WHERE row_issues IS NOT NULL").fetchall()
        assert issues == [("relation_to_head: unknown code '王**'; health_status: unknown code '***********'",)]
        logged = " ".join(str(v) for v in con.execute("SELECT * FROM raw.load_log").fetchall()[0])
        assert "王强晖" not in logged and "13912345678" not in logged
    finally:
        con.close()


def test_short_and_invisible_county_names_are_their_counties(tmp_path):
    case = next(c for c in CASES if c["file"].startswith("55_"))
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        ingest_delivery(con, FEEDS_BY_CODE[case["feed"]], deliver(tmp_path, case), MONTH)
        counties = con.execute("SELECT person_name, county FROM raw.civil_exits ORDER BY source_row").fetchall()
        assert counties == [
            ("张三", "141021"),
            ("李四", "141002"),
            ("王五", "141081"),
            ("赵六", "141082"),
            ("钱七", "141002"),
        ]
    finally:
        con.close()


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_no_message_carries_a_whole_id_number(case, tmp_path):
    """Neither a file error nor a quarantined row's detail shows an ID number unmasked (the
    quarantine's raw_values keep the delivered cells, in the warehouse only)."""
    feed = FEEDS_BY_CODE[case["feed"]]
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        report = ingest_delivery(con, feed, deliver(tmp_path, case), MONTH).report
        assert not re.search(ID_SHAPED_PATTERN, report.reason), report.reason
        details = [d for (d,) in con.execute("SELECT detail FROM raw.quarantine").fetchall()]
        issues = [i for (i,) in con.execute(f'SELECT row_issues FROM raw."{feed.code}"').fetchall() if i]
        for text in [*details, *issues, str(report.unknown_codes)]:
            assert not re.search(ID_SHAPED_PATTERN, text), text
    finally:
        con.close()
