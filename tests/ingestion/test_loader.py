"""Every feed loads from generated files; bad rows are quarantined with their reason; a bad
file names file, row and rule and leaves the warehouse as it was; reloading changes nothing."""

import shutil

import duckdb
import pytest
import xlsxwriter

import ingestion.landing
from ingestion.catalogue import FEEDS, FEEDS_BY_CODE
from ingestion.delivery import ingest_delivery
from ingestion.landing import delivered_files
from ingestion.normalise import id_check_char
from ingestion.report import DeliveryStatus

MONTH = "2023-06"
VALID_ID = "14100219900101123" + id_check_char("14100219900101123")
OTHER_ID = "14102219850505432" + id_check_char("14102219850505432")


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "w.duckdb"))
    yield connection
    connection.close()


def count(con, sql, params=()):
    return con.execute(sql, list(params)).fetchall()[0][0]


def test_every_feed_loads_from_generated_files(small_month, con):
    for feed in FEEDS:
        files = delivered_files(small_month.landing_dir, MONTH, feed)
        assert files, f"the generator wrote no file for {feed.code}"
        report = ingest_delivery(con, feed, small_month.landing_dir, MONTH).report
        assert report.rows_loaded > 0, feed.code
        assert report.rows_loaded + report.rows_quarantined == report.rows_read, feed.code
        assert count(con, f'SELECT count(*) FROM raw."{feed.code}"') == report.rows_loaded
        assert not report.unknown_headers, (feed.code, report.unknown_headers)


def test_nothing_valid_is_dropped(small_month, con):
    """Every truth record lands in its raw table, or in quarantine as an exact duplicate."""
    import csv

    with open(small_month.truth_dir / "records.csv", encoding="utf-8") as f:
        truth = {(r["feed_code"], r["source_file"], int(r["source_row"])) for r in csv.DictReader(f)}
    landed = set()
    for feed in FEEDS:
        ingest_delivery(con, feed, small_month.landing_dir, MONTH)
        landed |= {
            (feed.code, file, int(row))
            for file, row in con.execute(f'SELECT source_file, source_row FROM raw."{feed.code}"').fetchall()
        }
    quarantined = {
        (f, file, row): rule
        for f, file, row, rule in con.execute(
            "SELECT feed_code, source_file, source_row, rule FROM raw.quarantine"
        ).fetchall()
    }
    missing = truth - landed
    assert all(quarantined.get(key) == "exact_duplicate" for key in missing), sorted(missing)[:5]
    assert landed <= truth


def read_again(monkeypatch) -> None:
    """The next ingest_delivery reads the same files again instead of taking their logged
    outcome (as after a change of the reading code)."""
    monkeypatch.setattr(ingestion.landing, "READING_FINGERPRINT", "reading code changed")


def test_reloading_the_same_delivery_changes_nothing(small_month, con, monkeypatch):
    feed = FEEDS_BY_CODE["medins_settlements"]
    first = ingest_delivery(con, feed, small_month.landing_dir, MONTH).report
    before = con.execute('SELECT * FROM raw."medins_settlements" ORDER BY record_id').fetchall()
    read_again(monkeypatch)
    second = ingest_delivery(con, feed, small_month.landing_dir, MONTH).report
    after = con.execute('SELECT * FROM raw."medins_settlements" ORDER BY record_id').fetchall()
    assert before == after
    assert first.rows_loaded == second.rows_loaded
    assert (
        count(con, "SELECT count(*) FROM raw.quarantine WHERE feed_code = 'medins_settlements'")
        == first.rows_quarantined
    )


def test_excel_title_rows_and_total_row(small_month, con):
    report = ingest_delivery(con, FEEDS_BY_CODE["civil_marginal"], small_month.landing_dir, MONTH).report
    assert report.quarantine_by_rule.get("summary_row") == 1
    assert count(con, "SELECT count(*) FROM raw.civil_marginal WHERE member_name IS NULL") == 0


def test_gb18030_files_load(small_month, con):
    path = delivered_files(small_month.landing_dir, MONTH, FEEDS_BY_CODE["hrss_insurance"])[0]
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    report = ingest_delivery(con, FEEDS_BY_CODE["hrss_insurance"], small_month.landing_dir, MONTH).report
    assert report.rows_loaded > 0


def write_landing(tmp_path, name, text, encoding="utf-8"):
    folder = tmp_path / "landing" / MONTH
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(text.encode(encoding))
    return tmp_path / "landing"


EXITS_HEADER = "区县,姓名,身份证号,原救助类别,退出日期,退出原因,退出时家庭月人均收入\n"


def test_bad_rows_are_quarantined_with_their_reason(tmp_path, con):
    landing = write_landing(
        tmp_path,
        "civil_exits.csv",
        EXITS_HEADER
        + "尧都区,张三,"
        + VALID_ID
        + ",低保,2023-06-03,收入超标,900\n"
        + "太原市,李四,"
        + VALID_ID
        + ",低保,2023-06-04,其他,300\n"
        + "洪洞县,王五,,低保,2023年6月5日,死亡,\n"
        + "洪洞县,赵六,141024198001011234,低保,2023-06-31,其他,100\n"
        + "合计,3人,,,,,\n",
    )
    report = ingest_delivery(con, FEEDS_BY_CODE["civil_exits"], landing, MONTH).report
    rules = dict(con.execute("SELECT source_row, rule FROM raw.quarantine").fetchall())
    assert report.rows_loaded == 1
    assert rules == {3: "county_outside_linfen", 4: "missing_natural_key", 5: "invalid_exit_date", 6: "summary_row"}


def test_a_file_without_a_required_column_names_file_row_and_rule_and_keeps_what_was_loaded(tmp_path, con):
    feed = FEEDS_BY_CODE["civil_exits"]
    landing = write_landing(
        tmp_path, "civil_exits.csv", EXITS_HEADER + "尧都区,张三," + VALID_ID + ",低保,2023-06-03,收入超标,900\n"
    )
    ingest_delivery(con, feed, landing, MONTH)
    shutil.rmtree(landing / MONTH)
    bad = write_landing(tmp_path, "civil_exits.csv", "区县,姓名,身份证号,退出原因\n尧都区,张三,1,其他\n")
    outcome = ingest_delivery(con, feed, bad, MONTH)
    assert outcome.status == DeliveryStatus.REJECTED
    message = outcome.report.reason
    assert "civil_exits.csv" in message and "row 1" in message and "missing_required_column" in message
    assert "原救助类别" in message and "退出日期" in message
    assert count(con, "SELECT count(*) FROM raw.civil_exits") == 1


def test_header_variants_and_stray_spaces_map_to_one_column(tmp_path, con):
    landing = write_landing(
        tmp_path,
        "civil_exits.csv",
        " 区县 ,姓名,公民身份号码,原救助类别,退出日期,退出原因,退出时家庭月人均收入\n"
        "141002,张三," + VALID_ID + ",特困,20230603,其他,\n",
        encoding="utf-8-sig",
    )
    report = ingest_delivery(con, FEEDS_BY_CODE["civil_exits"], landing, MONTH).report
    assert report.rows_loaded == 1
    row = con.execute(
        "SELECT county, id_number_status, exit_date, income_per_person_at_exit FROM raw.civil_exits"
    ).fetchall()[0]
    assert row == ("141002", "valid", "2023-06-03", None)


def test_a_month_without_the_feed_keeps_the_previous_snapshot(small_month, con):
    feed = FEEDS_BY_CODE["civil_tekun"]
    first = ingest_delivery(con, feed, small_month.landing_dir, MONTH).report
    report = ingest_delivery(con, feed, small_month.landing_dir, "2023-07").report
    assert not report.delivered
    assert count(con, "SELECT count(*) FROM raw.civil_tekun WHERE delivery_month = ?", [MONTH]) == first.rows_loaded


APPLICATIONS_HEADER = (
    "申报编号,申报日期,受理渠道,申报人姓名,身份证号,联系电话,区县,乡镇（街道）,村（社区）,申报救助类别,"
    "家庭人口数,自报家庭月收入,困难情况,办理状态,办结日期\n"
)


def test_a_redelivered_event_replaces_the_old_one_across_months(tmp_path, con):
    feed = FEEDS_BY_CODE["civil_applications"]
    june = write_landing(
        tmp_path / "a",
        "civil_applications.csv",
        APPLICATIONS_HEADER
        + "SB001,2023-06-02,乡镇社会救助窗口,张三,"
        + VALID_ID
        + ",,尧都区,,,低保,3,900,困难,审核中,\n"
        + "SB002,2023-06-03,乡镇社会救助窗口,李四,,,尧都区,,,低保,2,800,困难,已受理,\n",
    )
    ingest_delivery(con, feed, june, MONTH)
    july_folder = tmp_path / "a" / "landing" / "2023-07"
    july_folder.mkdir(parents=True)
    (july_folder / "civil_applications.csv").write_text(
        APPLICATIONS_HEADER
        + "SB001,2023-06-02,乡镇社会救助窗口,张三,"
        + VALID_ID
        + ",,尧都区,,,低保,3,900,困难,不予认定,2023-07-05\n",
        encoding="utf-8",
    )
    ingest_delivery(con, feed, june, "2023-07")
    rows = con.execute(
        "SELECT application_number, processing_status, delivery_month FROM raw.civil_applications ORDER BY 1"
    ).fetchall()
    assert rows == [("SB001", "不予认定", "2023-07"), ("SB002", "已受理", MONTH)]


def exits_row(person: str, id_number: str, exit_date: str) -> str:
    return f"尧都区,{person},{id_number},低保,{exit_date},收入超标,900\n"


CORRECTIONS = [
    (
        "the exit date fixed: the corrected row replaces the earlier one",
        exits_row("张三", VALID_ID, "2023-06-03"),
        exits_row("张三", VALID_ID, "2023-06-13"),
        [(VALID_ID, "2023-06-13")],
    ),
    (
        "a mistyped ID fixed: one exit, with the right ID",
        exits_row("张三", VALID_ID[:-2] + VALID_ID[-1] + VALID_ID[-2], "2023-06-03"),
        exits_row("张三", VALID_ID, "2023-06-03"),
        [(VALID_ID, "2023-06-03")],
    ),
    (
        "a row withdrawn: the month's file is what the department says it is",
        exits_row("张三", VALID_ID, "2023-06-03") + exits_row("李四", OTHER_ID, "2023-06-04"),
        exits_row("李四", OTHER_ID, "2023-06-04"),
        [(OTHER_ID, "2023-06-04")],
    ),
]


@pytest.mark.parametrize(
    "description, first_file, corrected_file, expected_exits", CORRECTIONS, ids=[c[0] for c in CORRECTIONS]
)
def test_a_corrected_redelivery_replaces_the_months_rows_and_keeps_the_old_in_history(
    tmp_path, con, monkeypatch, description, first_file, corrected_file, expected_exits
):
    feed = FEEDS_BY_CODE["civil_exits"]
    landing = write_landing(tmp_path, "civil_exits.csv", EXITS_HEADER + first_file)
    ingest_delivery(con, feed, landing, MONTH)
    (landing / MONTH / "civil_exits.csv").write_text(EXITS_HEADER + corrected_file, encoding="utf-8")
    report = ingest_delivery(con, feed, landing, MONTH).report
    exits = con.execute("SELECT id_number, exit_date FROM raw.civil_exits WHERE id_number IS NOT NULL").fetchall()
    assert exits == expected_exits, description
    history = con.execute("SELECT replaced_in_month, why, replaced_row->>'exit_date' FROM raw.replaced_events")
    assert history.fetchall() == [(MONTH, "not in the re-delivered file of its month", "2023-06-03")], description
    assert report.events_replaced == 1
    read_again(monkeypatch)
    assert ingest_delivery(con, feed, landing, MONTH).read_before is None
    assert count(con, "SELECT count(*) FROM raw.replaced_events") == 1, "the same file again moves nothing"


def test_rerunning_an_earlier_month_keeps_a_later_correction(tmp_path, con, monkeypatch):
    feed = FEEDS_BY_CODE["civil_applications"]
    landing = write_landing(
        tmp_path,
        "civil_applications.csv",
        APPLICATIONS_HEADER + "SB001,2023-06-02,乡镇社会救助窗口,张三,,,尧都区,,,低保,3,900,困难,审核中,\n",
    )
    (landing / "2023-07").mkdir()
    (landing / "2023-07" / "civil_applications.csv").write_text(
        APPLICATIONS_HEADER + "SB001,2023-06-02,乡镇社会救助窗口,张三,,,尧都区,,,低保,3,900,困难,不予认定,2023-07-05\n",
        encoding="utf-8",
    )
    ingest_delivery(con, feed, landing, MONTH)
    july = ingest_delivery(con, feed, landing, "2023-07").report
    read_again(monkeypatch)  # the same June files: read again, not taken from the log
    rerun = ingest_delivery(con, feed, landing, MONTH).report
    rows = con.execute("SELECT processing_status, delivery_month FROM raw.civil_applications").fetchall()
    assert rows == [("不予认定", "2023-07")]
    assert (july.events_replaced, rerun.events_superseded) == (1, 1)
    history = con.execute("SELECT delivery_month, why FROM raw.replaced_events").fetchall()
    assert history == [(MONTH, "delivered again with other values")]


@pytest.mark.parametrize("name", ["civil_exits.csv", "civil_visits.xlsx"])
def test_a_file_longer_than_any_register_is_turned_away_before_it_is_read(tmp_path, con, monkeypatch, name):
    monkeypatch.setenv("LINFEN_MAX_ROWS_PER_FILE", "50")
    feed = FEEDS_BY_CODE[name.split(".")[0]]
    folder = tmp_path / "landing" / MONTH
    folder.mkdir(parents=True)
    rows = [[f"ZF{i}", "2023-06-02", "尧都区", "", "", "张三", "", "", "", "", "", "", ""] for i in range(80)]
    if name.endswith(".csv"):
        (folder / name).write_text(EXITS_HEADER + exits_row("张三", VALID_ID, "2023-06-03") * 80, encoding="utf-8")
    else:
        workbook = xlsxwriter.Workbook(str(folder / name))
        sheet = workbook.add_worksheet()
        sheet.write_row(0, 0, ["走访编号", "走访日期", "区县", "乡镇（街道）", "村（社区）", "被访人姓名"])
        for r, row in enumerate(rows, start=1):
            sheet.write_row(r, 0, row)
        workbook.close()
    reason = ingest_delivery(con, feed, tmp_path / "landing", MONTH).report.reason
    assert reason.startswith(name) and ": too_many_rows: " in reason and "81 rows" in reason
