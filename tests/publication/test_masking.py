"""One ID-number rule for every published text (reference.id_shapes), on Unicode-folded text:
what county staff type into the disposal columns — a full-width or a spaced ID number — comes
back in 以往反馈（只读） and on the 反馈问题 sheet masked, and the publication gate, reading the
staged workbooks back, finds any that escaped, 户编号 included."""

import re
import shutil
from datetime import date

import duckdb
import fastexcel
import pytest

from ingestion.feedback import read_feedback
from publication.workbooks import (
    ALERT_COLUMNS,
    PublicationGateError,
    check_staged_workbooks,
    to_workbook_row,
    write_county_workbook,
)
from reference import ID_SHAPED_PATTERN, fold_text, id_shapes, mask_id_shapes
from synthetic.county_staff import Disposal, return_workbook
from tests.ingestion.feedback_bad_input.published import (
    ALERTS,
    ID_A,
    ID_B,
    ID_C,
    RECEIVED,
    alert_dict,
    build_warehouse,
    publish,
)

FULL_WIDTH = ID_A.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
NBSP_SPACED = f"{ID_B[:6]}\u00a0{ID_B[6:14]}\u00a0{ID_B[14:]}"
IDEOGRAPHIC_SPACED = f"{ID_C[:6]}\u3000{ID_C[6:10]} {ID_C[10:14]} {ID_C[14:]}"
TYPED = {"full-width": FULL_WIDTH, "NBSP-spaced": NBSP_SPACED, "ideographic-spaced": IDEOGRAPHIC_SPACED}
STAFF_COLUMNS = ["处置状态", "处置说明", "处置日期", "处置人"]
A1 = ALERTS[0][0]


def unmasked(text: str) -> bool:
    return bool(re.search(ID_SHAPED_PATTERN, fold_text(text)))


@pytest.mark.parametrize("form", TYPED, ids=list(TYPED))
def test_the_rule_masks_each_typed_form_to_first_six_and_last_four(form):
    masked = mask_id_shapes(f"王科员{TYPED[form]}")
    assert not unmasked(masked)
    digits = re.sub(r"\s", "", fold_text(TYPED[form]))
    assert masked == f"王科员{digits[:6]}********{digits[-4:]}"


def test_a_household_number_stays_unless_it_is_an_id_number():
    assert mask_id_shapes("141002000000002", household_number=True) == "141002000000002", "a 15-digit 户编码"
    assert mask_id_shapes("14100200000001", household_number=True) == "14100200000001"
    assert mask_id_shapes(ID_C, household_number=True) == f"{ID_C[:6]}********{ID_C[-4:]}"
    spaced = f"{ID_C[:6]} {ID_C[6:]}".translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert not unmasked(mask_id_shapes(spaced, household_number=True))


@pytest.mark.parametrize("column", STAFF_COLUMNS)
@pytest.mark.parametrize("form", TYPED, ids=list(TYPED))
def test_an_id_typed_into_a_disposal_column_is_published_masked(column, form, tmp_path):
    """The county types an ID into one of the columns it fills; July's run reads it back (the
    disposal applied, or the row reported) and every published text of it is masked and passes
    the gate."""
    warehouse = tmp_path / "w.duckdb"
    build_warehouse(warehouse)
    published = publish(tmp_path / "published")
    plan = dict(status="已核实属实", date_typed="2023.7.20", by="王科员", note="已入户核实")
    field = {"处置状态": "status", "处置说明": "note", "处置日期": "date_typed", "处置人": "by"}[column]
    plan[field] = f"{plan[field]}{TYPED[form]}" if column in ("处置说明", "处置人") else TYPED[form]
    landing = tmp_path / "landing"
    return_workbook(published["141002"], landing / RECEIVED / "county_feedback" / published["141002"].name,
                    {A1: Disposal(**plan)})  # fmt: skip
    with duckdb.connect(str(warehouse), read_only=True) as con:
        report = read_feedback(con, landing, RECEIVED)
    problems = [(p["source_file"], p["source_row"], p["alert_id"], p["reason"]) for p in report.problems]
    assert report.applied or problems, "applied or reported"
    alerts = []
    for alert_id, county, id_number, household in ALERTS:
        if county != "141002":
            continue
        alert = alert_dict(alert_id, county, id_number, household)
        for disposal in (d for d in report.applied if d["alert_id"] == alert_id):  # as main.alerts shows it
            alert["disposal_record"] = (
                f"{disposal['disposal_status']}（{disposal['disposal_date']:%Y-%m-%d}，{disposal['disposed_by']}）"
            )
            alert["evidence"] += f"；说明：{disposal['disposal_note']}"
        alerts.append(alert)
    staging = tmp_path / "staging"
    staging.mkdir()
    path = staging / "141002_尧都区_低收入人口监测预警_2023-07.xlsx"
    write_county_workbook(path, "尧都区", "2023-07", [to_workbook_row(a) for a in alerts], problems=problems)
    check_staged_workbooks(staging, {a["alert_id"]: ["141002"] for a in alerts})
    reader = fastexcel.read_excel(str(path))
    for name in reader.sheet_names:
        frame = reader.load_sheet(name, header_row=None, dtypes="string").to_polars()
        for c in frame.columns:
            household = frame[c][0] == "户编号"  # a 15-digit 户编码 is the household's own number
            for value in frame[c].drop_nulls().to_list():
                assert not id_shapes(value, household_number=household), (name, value)
    if column == "处置人" and report.applied:
        shown = reader.load_sheet("预警明细", dtypes="string").to_polars()["以往反馈（只读）"].to_list()
        assert any("王科员" in (v or "") and "********" in v for v in shown)


def _staged_raw(tmp_path, column: str, value: str):
    """A county workbook written around the masking (as a bug would), for the gate to catch."""
    row = to_workbook_row(alert_dict(*ALERTS[0]))
    row[ALERT_COLUMNS.index(column)] = value
    staging = tmp_path / "staging"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    write_county_workbook(staging / "141002_尧都区_低收入人口监测预警_2023-07.xlsx", "尧都区", "2023-07", [row])
    return staging


@pytest.mark.parametrize("column", ["以往反馈（只读）", "预警依据", "户编号", "村（社区）"])
@pytest.mark.parametrize("form", [*TYPED, "ascii"], ids=[*TYPED, "ascii"])
def test_the_gate_stops_an_unmasked_id_in_any_column(column, form, tmp_path):
    value = ID_C if form == "ascii" else IDEOGRAPHIC_SPACED if column == "户编号" else TYPED[form]
    staging = _staged_raw(tmp_path, column, f"已核实属实（2023-07-20，王科员{value}）" if column != "户编号" else value)
    with pytest.raises(PublicationGateError):
        check_staged_workbooks(staging, {A1: ["141002"]})


def test_the_gate_lets_a_household_number_through(tmp_path):
    for number in ("141002000000002", "14100200000001"):
        check_staged_workbooks(_staged_raw(tmp_path, "户编号", number), {A1: ["141002"]})


def test_a_household_numbered_by_its_heads_id_is_published_masked():
    alert = alert_dict(*ALERTS[2])  # 户编号 = the head's ID number
    row = to_workbook_row(alert)
    assert row[ALERT_COLUMNS.index("户编号")] == f"{ID_C[:6]}********{ID_C[-4:]}"
    assert to_workbook_row(alert_dict(*ALERTS[1]))[ALERT_COLUMNS.index("户编号")] == "141002000000002"
    assert date(2023, 6, 30) == alert["data_as_of"]
