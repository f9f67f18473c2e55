"""The publication gate reads the staged workbooks back: an unmasked ID number or a row in
another county's file stops publication, and nothing is published."""

import pandas as pd
import pytest

from expectations.suites import published_workbooks_suite
from expectations.validate import validate_frame
from publication.workbooks import PublicationGateError, check_staged_workbooks, write_county_workbook

ROW = [
    "P01-AAAA",
    "P 政策落实不到位",
    "P01 资助参保未落实",
    "黄",
    "医保局",
    "东关街道",
    "东关社区",
    "1",
    "张三",
    "141002********1234",
    "低保对象",
    "依据",
    "2023-06-30",
    "2023-06",
    "新增",
    "2023-07-14",
    "",
]


def stage(tmp_path, county_code, rows):
    path = tmp_path / f"{county_code}_测试_低收入人口监测预警_2023-06.xlsx"
    write_county_workbook(path, "测试", "2023-06", rows)
    return tmp_path


CASES = [
    ("a masked ID in its own county passes", "141002", ROW, {"P01-AAAA": ["141002"]}, True),
    ("an unmasked ID fails", "141002", [*ROW[:9], "141002199001011234", *ROW[10:]], {"P01-AAAA": ["141002"]}, False),
    ("a row of another county fails", "141021", ROW, {"P01-AAAA": ["141002"]}, False),
    (
        "a duplicate on the rosters of two counties passes in the second",
        "141021",
        ROW,
        {"P01-AAAA": ["141002", "141021"]},
        True,
    ),
    ("an alert unknown to the warehouse fails", "141002", ROW, {}, False),
    (
        "an ID number quoted in the evidence fails",
        "141002",
        [*ROW[:11], "参保记录 141002199001011234 不符", *ROW[12:]],
        {"P01-AAAA": ["141002"]},
        False,
    ),
    (
        "a 15-digit ID number in a village name fails",
        "141002",
        [*ROW[:6], "141002900101123", *ROW[7:]],
        {"P01-AAAA": ["141002"]},
        False,
    ),
    (
        "a phone number and an amount pass",
        "141002",
        [*ROW[:11], "联系电话13912345678，自付26000.5元", *ROW[12:]],
        {"P01-AAAA": ["141002"]},
        True,
    ),
]


@pytest.mark.parametrize(("description", "county", "row", "counties", "ok"), CASES, ids=[c[0] for c in CASES])
def test_staged_workbooks_gate(description, county, row, counties, ok, tmp_path):
    staging = stage(tmp_path, county, [row])
    if ok:
        check_staged_workbooks(staging, counties)
    else:
        with pytest.raises(PublicationGateError):
            check_staged_workbooks(staging, counties)


def test_the_suite_is_real_great_expectations():
    frame = pd.DataFrame(
        {
            "file_county_code": ["141002"],
            "alert_id": ["x"],
            "alert_county_code": ["141002"],
            "id_number_shown": ["（无有效身份证号）"],
        }
    )
    assert validate_frame(frame, published_workbooks_suite(), "wb").success


def test_an_id_number_in_a_quoted_value_is_masked_before_it_is_written():
    from datetime import date

    from publication.workbooks import to_workbook_row

    alert = dict(
        alert_id="P01-AAAA", alert_type="P 政策落实不到位", rule="P01 资助参保未落实", level="黄", department="医保局",
        township="东关街道", village="东关社区", household_number="1", subject_name="张三",
        subject_id_number="141002199001011234", category_label="低保对象",
        evidence="医保记录写有141002199001011234", data_as_of=date(2023, 6, 30), first_alert_month="2023-06",
        status="新增", due_date=date(2023, 7, 14),
    )  # fmt: skip
    row = to_workbook_row(alert)
    assert row[9] == "141002********1234"
    assert row[11] == "医保记录写有141002********1234"


def test_a_swap_stopped_between_its_renames_is_completed_by_the_next_publication(tmp_path):
    from publication.workbooks import swap_in

    aside = tmp_path / ".2023-06.previous"  # the old folder set aside, the new one never renamed in
    aside.mkdir()
    (aside / "a_county.xlsx").write_bytes(b"published before")
    (aside / "说明.docx").write_bytes(b"a person's note")
    staging = tmp_path / ".2023-06.partial"
    staging.mkdir()
    (staging / "a_county.xlsx").write_bytes(b"published now")
    swap_in(staging, tmp_path / "2023-06", {"a_county.xlsx"})
    assert (tmp_path / "2023-06" / "a_county.xlsx").read_bytes() == b"published now"
    assert (tmp_path / "2023-06" / "说明.docx").exists()
    assert not aside.exists() and not staging.exists()


def test_an_alert_routed_to_every_roster_county_reaches_each():
    from publication.workbooks import alert_counties

    assert alert_counties({"county_code": "141002", "also_county_codes": "141021,141082"}) == [
        "141002",
        "141021",
        "141082",
    ]
    assert alert_counties({"county_code": "141002", "also_county_codes": None}) == ["141002"]


HOSTILE = ["=1+1", "+SUM(A1)", "@x", "-2+3"]


def test_values_from_the_feeds_are_text_and_only_the_disposal_columns_can_be_edited(tmp_path):
    """A name or a reason beginning with = + - @ stays text; the sheet is protected without a
    password and only 处置状态, 处置说明, 处置日期, 处置人 are unlocked; an overdue alert is marked."""
    import openpyxl

    from publication.workbooks import ALERT_COLUMNS, DISPOSAL_COLUMNS, OVERDUE_MARK

    rows = [[*ROW[:8], value, *ROW[9:11], value, *ROW[12:]] for value in HOSTILE]
    rows[0][ALERT_COLUMNS.index("处置时限")] = "2023-07-14" + OVERDUE_MARK
    path = tmp_path / "141002_测试_低收入人口监测预警_2023-06.xlsx"
    write_county_workbook(path, "测试", "2023-06", rows, version="第1版（2023-07-03 09:00发布）")
    sheet = openpyxl.load_workbook(path)["预警明细"]
    name, evidence = ALERT_COLUMNS.index("姓名") + 1, ALERT_COLUMNS.index("预警依据") + 1
    for r, value in enumerate(HOSTILE, start=2):
        for column in (name, evidence):
            cell = sheet.cell(row=r, column=column)
            assert (cell.value, cell.data_type) == (value, "s"), "a text cell, never a formula"
    assert sheet.protection.sheet and not sheet.protection.password
    for c in range(1, len(ALERT_COLUMNS) + len(DISPOSAL_COLUMNS) + 1):
        locked = sheet.cell(row=2, column=c).protection.locked
        assert locked == (c <= len(ALERT_COLUMNS)), sheet.cell(row=1, column=c).value
    assert sheet.cell(row=2, column=ALERT_COLUMNS.index("处置时限") + 1).font.b, "the overdue mark stands out"


def test_rows_in_work_order_the_publication_day_stated_and_enforced(tmp_path):
    """Issues 29 and 31: 红 before 橙 before 黄, overdue first within a level, then the due date;
    the summary and 填报说明 state the publication day, and each row's 处置日期 accepts no day
    before its alert's first publication (an alert of an earlier month: that month's day)."""
    from datetime import date

    import openpyxl

    from publication.instructions import INSTRUCTIONS_SHEET
    from publication.workbooks import ALERT_COLUMNS, OVERDUE_MARK

    level, due = ALERT_COLUMNS.index("预警等级"), ALERT_COLUMNS.index("处置时限")

    def row(alert_id, grade, when):
        r = list(ROW)
        r[0], r[level], r[due] = alert_id, grade, when
        return r

    rows = [
        row("A-YELLOW", "黄", "2023-07-20"),
        row("A-ORANGE-LATE", "橙", "2023-07-30" + OVERDUE_MARK),
        row("A-RED", "红", "2023-07-25"),
        row("A-ORANGE", "橙", "2023-07-21"),
        row("A-RED-LATE", "红", "2023-07-28" + OVERDUE_MARK),
    ]
    path = tmp_path / "141002_测试_低收入人口监测预警_2023-06.xlsx"
    earlier = {"A-YELLOW": date(2023, 6, 12)}
    write_county_workbook(path, "测试", "2023-06", rows, published_on=date(2023, 7, 10), first_published=earlier)
    book = openpyxl.load_workbook(path)
    sheet = book["预警明细"]
    assert [sheet.cell(row=r, column=1).value for r in range(2, 7)] == [
        "A-RED-LATE", "A-RED", "A-ORANGE-LATE", "A-ORANGE", "A-YELLOW",
    ]  # fmt: skip
    summary = [c.value for col in book["汇总"].iter_cols() for c in col if c.value]
    assert any("本表发布日：2023-07-10" in str(v) for v in summary)
    levels = [v for v in summary if v in ("红", "橙", "黄")]
    assert levels == ["红", "橙", "黄"]
    assert INSTRUCTIONS_SHEET in book.sheetnames
    instructions = " ".join(str(c.value) for col in book[INSTRUCTIONS_SHEET].iter_cols() for c in col if c.value)
    assert "2023-07-10" in instructions and "无法联系" in instructions and "反馈期限" in instructions
    date_col = openpyxl.utils.get_column_letter(len(ALERT_COLUMNS) + 3)
    rules = {}
    for validation in sheet.data_validations.dataValidation:
        if validation.type == "date":
            for cell_range in validation.sqref.ranges:
                rules[str(cell_range)] = (validation.operator, validation.formula1)
    yellow_row = 6  # the last row
    assert rules[f"{date_col}{yellow_row}"] == (
        "greaterThanOrEqual",
        str((date(2023, 6, 12) - date(1899, 12, 30)).days),
    )
    assert rules[f"{date_col}2"] == ("greaterThanOrEqual", str((date(2023, 7, 10) - date(1899, 12, 30)).days))
