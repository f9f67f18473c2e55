"""The corpus of hostile returned workbooks (tests/ingestion/feedback_bad_input, made by its
make_corpus.py): every entry of county_feedback/ is read or named on the 反馈问题 sheet of the
county its name or its rows give (else the city's), within the feeds' read limits, with nothing
unmasked; the disposals that can be applied are, whatever else lies in the folder."""

import csv
import os
import re
import shutil
import signal
from pathlib import Path

import duckdb
import pytest

from ingestion.feedback import FeedbackLimits, read_feedback, write_feedback
from ingestion.reader import ReadLimits
from reference import ID_SHAPED_PATTERN, fold_text
from tests.ingestion.feedback_bad_input.published import RECEIVED, build_warehouse

CORPUS = Path(__file__).parent / "feedback_bad_input"
with open(CORPUS / "cases.csv", encoding="utf-8") as f:
    CASES = list(csv.DictReader(f))


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("feedback") / "w.duckdb"
    build_warehouse(path)
    return path


def deliver(landing: Path, case: dict) -> Path:
    """The case's entries in <landing>/<month>/county_feedback/."""
    folder = landing / RECEIVED / "county_feedback"
    folder.mkdir(parents=True, exist_ok=True)
    names = case["deliver_as"].split("|")
    if case["make"] == "fifo":
        os.mkfifo(folder / names[0])
    elif case["make"].startswith("symlink:"):
        os.symlink(case["make"].split(":", 1)[1], folder / names[0])
    elif case["make"] == "folder":
        (folder / names[0]).mkdir()
    else:
        for file, name in zip(case["file"].split("|"), names, strict=True):
            shutil.copy(CORPUS / "files" / file, folder / name)
    return landing


def limits_of(case: dict) -> FeedbackLimits:
    read = ReadLimits(max_rows=int(case["max_rows"])) if case["max_rows"] else ReadLimits()
    return FeedbackLimits(read=read)


def read_case(warehouse: Path, tmp_path: Path, case: dict):
    """Read the case's folder with an alarm: a FIFO or /dev/zero must not block."""
    landing = deliver(tmp_path / "landing", case)
    con = duckdb.connect(str(warehouse), read_only=True)
    signal.signal(signal.SIGALRM, lambda *_: pytest.fail("reading county_feedback blocked"))
    signal.alarm(60)
    try:
        return read_feedback(con, landing, RECEIVED, limits_of(case)), landing
    finally:
        signal.alarm(0)
        con.close()


def expected_problems(case: dict) -> list[tuple[str | None, str, int | None]]:
    out = []
    for entry in filter(None, case["problems"].split(";")):
        county, prefix, *count = entry.split(":", 2) if entry.count(":") >= 2 else [*entry.split(":", 1)]
        if count and not count[0].isdigit():  # a reason with a colon in it
            prefix, count = f"{prefix}:{count[0]}", []
        out.append((None if county == "-" else county, prefix, int(count[0]) if count else None))
    return out


def test_every_corpus_file_has_its_case_and_every_case_its_file():
    named = {f for c in CASES for f in c["file"].split("|") if f}
    assert named == {p.name for p in (CORPUS / "files").iterdir()}


@pytest.mark.parametrize("case", CASES, ids=[c["file"] or c["make"] for c in CASES])
def test_each_returned_entry_gets_its_outcome(case, warehouse, tmp_path):
    report, _ = read_case(warehouse, tmp_path, case)
    applied, *statuses = (case["applied"] or "0").split(";")
    assert len(report.applied) == int(applied), (case["description"], report.applied, report.problems)
    for expected in statuses:
        alert_id, status = expected.split("=")
        assert {d["alert_id"]: d["disposal_status"] for d in report.applied}[alert_id] == status, case["description"]
    wanted = expected_problems(case)
    for county, prefix, count in wanted:
        mine = [p for p in report.problems if p["reason"].startswith(prefix)]
        assert mine, (case["description"], prefix, report.problems)
        assert {p["county_code"] for p in mine} == {county}, (case["description"], mine)
        if count is not None:
            assert len(mine) == count, (case["description"], len(mine))
    if not wanted:
        assert report.problems == [], (case["description"], report.problems)
    names = case["deliver_as"].split("|")
    assert set(names) <= set(report.files) | set(report.files_not_read), "every entry read or named"


@pytest.mark.parametrize("case", CASES, ids=[c["file"] or c["make"] for c in CASES])
def test_no_problem_row_carries_a_whole_id_number(case, warehouse, tmp_path):
    """Neither the file name, the 预警编号 repeated nor the reason shows an ID number: they go to
    the county's sheet, the warehouse and the run's log."""
    report, _ = read_case(warehouse, tmp_path, case)
    for problem in report.problems:
        for value in (problem["source_file"], problem["alert_id"], problem["reason"]):
            assert not re.search(ID_SHAPED_PATTERN, fold_text(value or "")), problem
            assert len(value or "") <= 200, "a typed value is cut short"


@pytest.mark.parametrize("case", CASES, ids=[c["file"] or c["make"] for c in CASES])
def test_reading_twice_writes_the_same(case, warehouse, tmp_path):
    report, landing = read_case(warehouse, tmp_path, case)
    con = duckdb.connect(str(tmp_path / "copy.duckdb"))
    try:
        for _ in range(2):
            write_feedback(con, RECEIVED, report)
        rows = con.execute("SELECT count(*) FROM raw.county_feedback").fetchall()[0][0]
        problems = con.execute("SELECT count(*) FROM raw.feedback_problems").fetchall()[0][0]
        assert (rows, problems) == (len(report.applied), len(report.problems))
    finally:
        con.close()


def test_problems_beyond_the_cap_are_counted_not_lost(warehouse, tmp_path):
    case = next(c for c in CASES if c["file"].startswith("11_"))
    report, _ = read_case(warehouse, tmp_path, case)
    summary = [p for p in report.problems if p["source_row"] is None]
    assert len(summary) == 1 and "另有4,800行" in summary[0]["reason"], summary
    assert report.problems_by_reason["预警编号不存在"] == 5000
    assert report.rows_read == 5001


def test_a_conflict_names_the_disposal_applied_and_why(warehouse, tmp_path):
    case = next(c for c in CASES if c["file"].startswith("14a_"))
    report, _ = read_case(warehouse, tmp_path, case)
    (conflict,) = [p for p in report.problems if p["reason"].startswith("同一预警同日")]
    assert conflict["source_file"] == "141002_尧都区_反馈_2.xlsx"
    assert "《141002_尧都区_反馈_1.xlsx》" in conflict["reason"] and "已核实不属实" in conflict["reason"]
    assert "保存较晚" in conflict["reason"]


def test_a_formula_note_keeps_the_text_the_person_saw(warehouse, tmp_path):
    case = next(c for c in CASES if c["file"].startswith("15_"))
    report, _ = read_case(warehouse, tmp_path, case)
    assert report.applied[0]["disposal_note"] == "已入户核实"


def test_ids_typed_by_staff_are_kept_in_the_warehouse_as_typed(warehouse, tmp_path):
    """The warehouse keeps what the county typed (it holds full ID numbers anyway); every
    published text masks it (tests/publication/test_masking.py)."""
    case = next(c for c in CASES if c["file"].startswith("18_"))
    report, _ = read_case(warehouse, tmp_path, case)
    assert report.applied[0]["disposed_by"].startswith("王科员１４１００２")
