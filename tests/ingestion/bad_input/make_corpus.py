"""Write the corpus of malformed deliveries and its manifest (cases.csv): what each file must
produce — a file error with its rule, a quarantined row with its rule, or a clean load.

    .venv/bin/python tests/ingestion/bad_input/make_corpus.py

Every file is for the month 2023-06; most hold three valid rows beside the bad one, so the tests
can check that no valid row of the same delivery is lost.
"""

from __future__ import annotations

import csv
import io
import random
import zipfile
from pathlib import Path

import xlsxwriter

from ingestion.normalise import id_check_char

HERE = Path(__file__).parent
FILES = HERE / "files"


def valid_id(first17: str) -> str:
    return first17 + id_check_char(first17)


ID_A, ID_B, ID_C, ID_D = (valid_id(f"14100219600101{n}00") for n in range(1, 5))

EXITS_HEADER = ["区县", "姓名", "身份证号", "原救助类别", "退出日期", "退出原因", "退出时家庭月人均收入"]
EXITS_ROWS = [
    ["尧都区", "张三", ID_A, "低保", "2023-06-03", "收入超标", "900"],
    ["洪洞县", "李四", ID_B, "特困", "2023-06-05", "其他", "300"],
    ["霍州市", "王五", ID_C, "低保", "2023/6/7", "主动申请退出", "1,200.50"],
]
VISITS_HEADER = [
    "走访编号",
    "走访日期",
    "区县",
    "乡镇（街道）",
    "村（社区）",
    "被访人姓名",
    "身份证号",
    "联系电话",
    "家庭人口数",
    "困难类型",
    "情况描述",
    "是否协助申报",
    "走访人",
]
VISITS_ROWS = [
    [
        "ZF001",
        "2023-06-02",
        "尧都区",
        "东关街道",
        "东关社区",
        "赵一",
        ID_A,
        "13900000001",
        2,
        "重病",
        "家中有病人",
        "否",
        "刘干部",
    ],
    ["ZF002", "2023-06-03", "吉县", "城关镇", "北关村", "钱二", "", "13900000002", 1, "残疾", "独居", "是", "刘干部"],
    ["ZF003", "2023-06-04", "蒲县", "黑龙关镇", "东村", "孙三", ID_C, "", 3, "就学困难", "子女上学", "否", "刘干部"],
]

DIBAO_HEADER = [
    "区县",
    "乡镇（街道）",
    "村（社区）",
    "户编号",
    "户主姓名",
    "户主身份证号",
    "成员姓名",
    "成员身份证号",
    "与户主关系",
    "城乡类别",
    "保障人数",
    "月保障金额",
    "家庭月人均收入",
    "健康状况",
    "劳动能力",
    "是否单人保",
    "纳入日期",
    "状态",
]


def dibao_row(county: str, household: str, name: str, id_number: str, **changes: str) -> list[str]:
    """A member of a one-person 低保 household; `changes` by header (`月保障金额="1e308"`)."""
    place = [county, "城关镇", "东街村", household]
    person = [name, id_number, name, id_number, "本人", "农村", "1", "496", "200"]
    row = dict(zip(DIBAO_HEADER, [*place, *person, "健康", "无劳动能力", "是", "2021-03-01", "在保"], strict=True))
    row.update(changes)
    return list(row.values())


DIBAO_ROWS = [
    dibao_row("尧都区", "H001", "张三", ID_A),
    dibao_row("洪洞县", "H002", "李四", ID_B),
    dibao_row("霍州市", "H003", "王五", ID_C),
]

CASES: list[dict] = []


def case(
    name: str,
    feed: str,
    expect: str,
    rule: str,
    description: str,
    row: int | None = None,
    loaded: int | None = None,
    deliver_as: str | None = None,
) -> Path:
    """Register a case; `deliver_as` is the file's name in the landing folder (default: the
    feed's own name with the file's extension)."""
    CASES.append(
        dict(
            file=name,
            feed=feed,
            deliver_as=deliver_as or feed + Path(name).suffix,
            expect=expect,
            rule=rule,
            row="" if row is None else row,
            loaded="" if loaded is None else loaded,
            description=description,
        )
    )
    return FILES / name


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8", delimiter: str = ",") -> None:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


def write_xlsx(path: Path, sheets: list[tuple[str, list[list]]], merge_title: bool = False) -> None:
    workbook = xlsxwriter.Workbook(str(path))
    for name, rows in sheets:
        sheet = workbook.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, (int, float)):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, str(value))
        if merge_title:
            sheet.merge_range(0, 0, 0, 5, rows[0][0])
    workbook.close()


def exits(*extra: list, header: list | None = None) -> list[list]:
    return [header or EXITS_HEADER, *EXITS_ROWS, *extra]


def build() -> None:  # noqa: PLR0915 - one line per case reads best
    FILES.mkdir(exist_ok=True)
    for old in FILES.iterdir():
        old.unlink()
    e, v = "civil_exits", "civil_visits"

    # -- files that cannot be loaded: a clear error, nothing written --------------------------
    case("01_empty_snapshot.csv", "civil_tekun", "error", "empty_file", "a roster of zero bytes").write_bytes(b"")
    case(
        "02_whitespace_only_snapshot.csv", "civil_tekun", "error", "empty_file", "a roster of blank lines"
    ).write_bytes(b"\r\n\r\n  \r\n")
    garbage = random.Random(3)
    case("03_binary_garbage.csv", e, "error", "binary_content", "random bytes with NULs").write_bytes(
        bytes(garbage.randrange(256) for _ in range(2048))
    )
    write_csv(
        case("04_missing_required_column.csv", e, "error", "missing_required_column", "the header lacks 退出日期"),
        [[h for h in EXITS_HEADER if h != "退出日期"], ["尧都区", "张三", ID_A, "低保", "其他", ""]],
    )
    write_csv(
        case(
            "05_unknown_header_variant.csv",
            e,
            "error",
            "missing_required_column",
            "退出时间 is no known variant of 退出日期",
        ),
        exits(header=[h if h != "退出日期" else "退出时间" for h in EXITS_HEADER]),
    )
    write_csv(
        case("06_header_not_found.csv", e, "error", "header_not_found", "a file of another feed"),
        [["学生姓名", "学校名称"], ["张三", "一中"]],
    )
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(exits())
    case(
        "07_double_encoded.csv",
        e,
        "error",
        "header_not_found",
        "UTF-8 read as Latin-1 and saved again: 区县 arrives as Ã¥ÂŒÂº…",
    ).write_bytes(buffer.getvalue().encode("utf-8").decode("latin-1").encode("utf-8"))
    case("08_xlsx_renamed_to_csv.csv", e, "error", "binary_content", "a workbook saved with .csv").write_bytes(
        _zip_bytes()
    )
    write_csv(
        case("09_csv_renamed_to_xlsx.xlsx", e, "error", "unreadable_xlsx", "a text file saved with .xlsx"), exits()
    )
    write_csv(case("10_unsupported_xls.xls", e, "error", "unsupported_format", "old .xls format"), exits())
    write_csv(
        case("11_duplicate_header.csv", e, "error", "duplicate_header", "two 姓名 columns"),
        [EXITS_HEADER + ["姓名"], *[r + ["x"] for r in EXITS_ROWS]],
    )
    write_xlsx(
        case("12_header_too_deep.xlsx", v, "error", "header_not_found", "eleven note rows above the header"),
        [("Sheet1", [[f"说明第{i}行"] for i in range(11)] + [VISITS_HEADER, *VISITS_ROWS])],
    )
    write_xlsx(
        case("13_wrong_month_title.xlsx", v, "error", "wrong_month", "the title says 2023年5月"),
        [("Sheet1", [["临汾市2023年5月入户走访记录"], VISITS_HEADER, *VISITS_ROWS])],
    )
    write_xlsx(
        case("14_no_sheet_with_header.xlsx", v, "error", "header_not_found", "two sheets, neither with the header"),
        [("说明", [["本表说明"]]), ("统计", [["合计", 3]])],
    )
    case("15_broken_utf16.csv", e, "error", "undecodable", "a UTF-16 BOM followed by an odd byte").write_bytes(
        b"\xff\xfe" + "区县".encode("utf-16-le") + b"\x00\xd8"
    )

    # -- files that load, with the bad rows quarantined ---------------------------------------
    truncated = io.StringIO(newline="")
    csv.writer(truncated, lineterminator="\r\n").writerows(exits())
    case(
        "16_truncated.csv", e, "quarantine", "ragged_row", "cut off in the middle of the last row", row=4, loaded=2
    ).write_bytes(truncated.getvalue()[:-25].encode("utf-8"))
    write_csv(
        case(
            "17_ragged_extra_cells.csv",
            e,
            "quarantine",
            "ragged_row",
            "a row with cells beyond the header",
            row=5,
            loaded=3,
        ),
        exits(["尧都区", "赵六", ID_D, "低保", "2023-06-09", "其他", "100", "多余", "多余"]),
    )
    write_csv(
        case("18_county_outside_linfen.csv", e, "quarantine", "county_outside_linfen", "太原市小店区", row=5, loaded=3),
        exits(["太原市小店区", "赵六", ID_D, "低保", "2023-06-09", "其他", "100"]),
    )
    write_csv(
        case("19_future_date.csv", e, "quarantine", "date_out_of_range", "an exit dated 2024", row=5, loaded=3),
        exits(["尧都区", "赵六", ID_D, "低保", "2024-01-09", "其他", "100"]),
    )
    write_csv(
        case("20_date_before_1900.csv", e, "quarantine", "date_out_of_range", "an exit dated 1899", row=5, loaded=3),
        exits(["尧都区", "赵六", ID_D, "低保", "1899-01-09", "其他", "100"]),
    )
    write_csv(
        case("21_negative_amount.csv", e, "quarantine", "negative_amount", "income of -300", row=5, loaded=3),
        exits(["尧都区", "赵六", ID_D, "低保", "2023-06-09", "其他", "-300"]),
    )
    write_csv(
        case("22_impossible_date.csv", e, "quarantine", "invalid_exit_date", "2023-02-30", row=5, loaded=3),
        exits(["尧都区", "赵六", ID_D, "低保", "2023-02-30", "其他", "100"]),
    )
    write_csv(
        case("23_one_megabyte_cell.csv", e, "quarantine", "oversized_cell", "a 1 MB 退出原因", row=5, loaded=3),
        exits(["尧都区", "赵六", ID_D, "低保", "2023-06-09", "x" * 1_000_000, "100"]),
    )
    write_csv(
        case("24_blank_name.csv", e, "quarantine", "missing_required_value", "no 姓名", row=5, loaded=3),
        exits(["尧都区", "", ID_D, "低保", "2023-06-09", "其他", "100"]),
    )
    write_csv(
        case("25_total_row.csv", e, "quarantine", "summary_row", "a 合计 row at the end", row=5, loaded=3),
        exits(["合计", "3人", "", "", "", "", ""]),
    )
    write_csv(
        case("26_exact_duplicate.csv", e, "quarantine", "exact_duplicate", "the first row twice", row=5, loaded=3),
        exits(EXITS_ROWS[0]),
    )
    write_csv(
        case(
            "27_conflicting_natural_key.csv",
            e,
            "quarantine",
            "conflicting_natural_key",
            "same ID and exit date, another reason",
            row=5,
            loaded=3,
        ),
        exits(["尧都区", "张三", ID_A, "低保", "2023-06-03", "死亡", "900"]),
    )
    write_csv(
        case(
            "28_missing_natural_key.csv", e, "quarantine", "missing_natural_key", "no ID number at all", row=5, loaded=3
        ),
        exits(["尧都区", "赵六", "", "低保", "2023-06-09", "其他", "100"]),
    )
    write_xlsx(
        case(
            "29_excel_damaged_id_and_total.xlsx",
            v,
            "quarantine",
            "summary_row",
            "IDs as 4.10102E+17 and a 合计 row: the damaged rows load, the total is quarantined",
            row=7,
            loaded=4,
        ),
        [
            (
                "Sheet1",
                [
                    ["临汾市2023年6月入户走访记录"],
                    VISITS_HEADER,
                    *VISITS_ROWS,
                    ["ZF004", "2023-06-05", "尧都区", "", "", "周四", "1.41002E+17", "", 1, "重病", "", "否", "刘"],
                    ["合计", "4户"],
                ],
            )
        ],
    )
    write_xlsx(
        case(
            "30_wrong_county_in_county_file.xlsx",
            v,
            "quarantine",
            "county_not_of_file",
            "a row of 吉县 in the file of 尧都区",
            row=3,
            loaded=1,
            deliver_as="civil_visits__141002.xlsx",
        ),
        [("Sheet1", [VISITS_HEADER, VISITS_ROWS[0], VISITS_ROWS[1]])],
    )

    # -- files that load whole: the quirks of real deliveries ---------------------------------
    write_csv(
        case("31_gb18030.csv", e, "loaded", "", "GB18030, as 人社 and 住建 export", loaded=3),
        exits(),
        encoding="gb18030",
    )
    write_csv(case("32_utf8_bom.csv", e, "loaded", "", "UTF-8 with a BOM", loaded=3), exits(), encoding="utf-8-sig")
    write_csv(
        case("33_utf16_tab.csv", e, "loaded", "", "Excel's Unicode text: UTF-16, tab-separated", loaded=3),
        exits(),
        encoding="utf-16",
        delimiter="\t",
    )
    write_csv(
        case("34_extra_columns.csv", e, "loaded", "", "two columns nobody asked for", loaded=3),
        [EXITS_HEADER + ["备注", "联系人"], *[r + ["", ""] for r in EXITS_ROWS]],
    )
    write_csv(case("35_header_only.csv", e, "loaded", "", "a header and no rows", loaded=0), [EXITS_HEADER])
    write_csv(
        case("36_header_variants.csv", e, "loaded", "", "公民身份号码, stray spaces", loaded=3),
        exits(header=[" 区县 ", "姓 名", "公民身份号码", "原救助类别", "退出日期", "退出原因", "退出时家庭月人均收入"]),
    )
    write_csv(
        case("37_id_forms.csv", e, "loaded", "", "15 digits, lower-case x, spaces, full-width digits", loaded=4),
        [
            EXITS_HEADER,
            ["尧都区", "甲", ID_A[:6] + ID_A[8:17], "低保", "2023-06-03", "其他", ""],
            ["尧都区", "乙", ID_B[:6] + " " + ID_B[6:], "低保", "2023-06-03", "其他", ""],
            [
                "尧都区",
                "丙",
                ID_C.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
                "低保",
                "20230603",
                "其他",
                "",
            ],
            ["尧都区", "丁", ID_D.lower() + ".0", "低保", "2023年6月3日", "其他", "88元"],
        ],
    )
    write_csv(
        case("38_blank_lines_and_quoted_newline.csv", e, "loaded", "", "blank lines, a quoted line break", loaded=3),
        [
            EXITS_HEADER,
            EXITS_ROWS[0],
            [],
            ["洪洞县", "李四", ID_B, "特困", "2023-06-05", "其他\n说明", "300"],
            [],
            EXITS_ROWS[2],
        ],
    )
    write_xlsx(
        case("39_two_sheets_data_second.xlsx", v, "loaded", "", "a notes sheet first, the data second", loaded=3),
        [("填表说明", [["请按模板填写"]]), ("数据", [VISITS_HEADER, *VISITS_ROWS])],
    )
    write_xlsx(
        case("40_merged_title_cells.xlsx", v, "loaded", "", "a merged title across the header", loaded=3),
        [("Sheet1", [["临汾市2023年6月入户走访记录"], ["填报单位：尧都区民政局"], VISITS_HEADER, *VISITS_ROWS])],
        merge_title=True,
    )
    write_xlsx(
        case("41_excel_serial_dates.xlsx", v, "loaded", "", "dates as Excel serial numbers", loaded=3),
        [("Sheet1", [VISITS_HEADER, *[[r[0], 45079 + i, *r[2:]] for i, r in enumerate(VISITS_ROWS)]])],
    )
    write_csv(
        case(
            "42_unparseable_optional_amount.csv",
            e,
            "loaded",
            "",
            "一千元 in an optional amount: blanked, noted in row_issues",
            loaded=4,
        ),
        exits(["尧都区", "赵六", ID_D, "低保", "2023-06-09", "其他", "一千元"]),
    )

    write_csv(
        case("47_clean_roster.csv", "civil_tekun", "loaded", "", "a clean 特困 roster of two people", loaded=2),
        [
            [
                "区县",
                "乡镇（街道）",
                "村（社区）",
                "姓名",
                "身份证号码",
                "性别",
                "城乡类别",
                "供养方式",
                "生活自理能力",
                "月基本生活费",
                "月照料护理费",
                "纳入日期",
                "状态",
            ],
            [
                "尧都区",
                "东关街道",
                "东关社区",
                "钱七",
                ID_A,
                "男",
                "城市",
                "集中供养",
                "具备",
                "820",
                "100",
                "2020-01-05",
                "在供",
            ],
            [
                "洪洞县",
                "大槐树镇",
                "秦壁村",
                "孙八",
                ID_B,
                "2",
                "农村",
                "分散供养",
                "部分丧失",
                "650",
                "300",
                "2019-03-01",
                "在供",
            ],
        ],
    )
    # -- rows that are not records: the header again, a control character ------------------------
    write_csv(
        case(
            "48_header_repeated_mid_file.csv",
            e,
            "quarantine",
            "repeated_header",
            "the header again at row 3",
            row=3,
            loaded=3,
        ),
        [EXITS_HEADER, EXITS_ROWS[0], EXITS_HEADER, *EXITS_ROWS[1:]],
    )
    write_csv(
        case("49_nul_in_a_name.csv", e, "quarantine", "control_character", "a NUL byte inside a name", row=5, loaded=3),
        exits(["尧都区", "赵\x00六", ID_D, "低保", "2023-06-09", "其他", "500"]),
    )
    # -- an event file without events is a quiet month for that feed (feeds.md) ------------------
    case("43_empty_event_file.csv", e, "loaded", "", "an event file of zero bytes: no events", loaded=0).write_bytes(
        b""
    )
    write_csv(
        case("44_header_only_event_file.csv", e, "loaded", "", "an event file with its header only", loaded=0),
        [EXITS_HEADER],
    )
    write_xlsx(
        case("45_empty_event_workbook.xlsx", v, "loaded", "", "an event workbook with no rows at all", loaded=0),
        [("Sheet1", [])],
    )
    # -- a code outside every known list: kept as unknown on its row, stops nothing -------------
    write_csv(
        case("46_unknown_code.csv", e, "loaded", "", "退出原因 调走 is in no code list: kept as unknown", loaded=4),
        exits(["尧都区", "赵六", ID_D, "低保", "2023-06-09", "调走", "500"]),
    )

    # -- issue 32: one county's file must not stop the city ---------------------------------------
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(exits())
    case(
        "51_bom_then_gb18030.csv",
        e,
        "error",
        "undecodable",
        "a UTF-8 byte-order mark followed by GB18030 bytes: turned away, the file named",
    ).write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("gb18030"))
    d = "civil_dibao"
    write_csv(
        case(
            "52_amount_1e308.csv",
            d,
            "quarantine",
            "amount_out_of_range",
            "月保障金额 1e308: beyond DECIMAL(14,2), quarantined (dbt's cast would stop the month)",
            row=5,
            loaded=3,
        ),
        [DIBAO_HEADER, *DIBAO_ROWS, dibao_row("吉县", "H004", "赵六", ID_D, 月保障金额="1e308")],
        encoding="gb18030",
    )
    write_csv(
        case(
            "53_id_shifted_into_amount.csv",
            d,
            "quarantine",
            "amount_out_of_range",
            "an ID number shifted into 月保障金额: quarantined, the ID not in the detail",
            row=5,
            loaded=3,
        ),
        [DIBAO_HEADER, *DIBAO_ROWS, dibao_row("吉县", "H004", "赵六", ID_D, 月保障金额=ID_D)],
    )
    write_csv(
        case(
            "54_id_shifted_into_count.csv",
            d,
            "quarantine",
            "amount_out_of_range",
            "an ID number shifted into 保障人数: beyond INTEGER, quarantined",
            row=5,
            loaded=3,
        ),
        [DIBAO_HEADER, *DIBAO_ROWS, dibao_row("吉县", "H004", "赵六", ID_D, 保障人数=ID_D[:-1] + "0")],
    )
    write_csv(
        case(
            "55_short_and_invisible_county_names.csv",
            e,
            "loaded",
            "",
            "曲沃, 尧都, 侯马, 霍州 and 尧都区 with a zero-width space: all read as their counties",
            loaded=5,
        ),
        [
            EXITS_HEADER,
            ["曲沃", "张三", ID_A, "低保", "2023-06-03", "收入超标", "900"],
            ["尧都", "李四", ID_B, "特困", "2023-06-05", "其他", "300"],
            ["侯马", "王五", ID_C, "低保", "2023-06-07", "其他", ""],
            ["霍州", "赵六", ID_D, "低保", "2023-06-08", "其他", ""],
            ["尧\u200b都区", "钱七", valid_id("14100219600101500"), "低保", "2023-06-09", "其他", ""],
        ],
    )
    write_csv(
        case(
            "56_shifted_name_and_phone_as_codes.csv",
            d,
            "loaded",
            "",
            "a name in 与户主关系 and a phone number in 健康状况: unknown codes, reported masked",
            loaded=4,
        ),
        [
            DIBAO_HEADER,
            *DIBAO_ROWS,
            dibao_row("吉县", "H004", "赵六", ID_D, 与户主关系="王强晖", 健康状况="13912345678"),
        ],
    )

    # -- a file beyond the read limits is turned away before it is read whole --------------------
    bomb = case("50_workbook_of_filler_rows.xlsx", v, "error", "xlsx_expands", "60 KB unpacking to 400,000 filler rows")
    write_xlsx(bomb, [("Sheet1", [VISITS_HEADER, *VISITS_ROWS])])
    add_filler_rows(bomb, 400_000)

    with open(HERE / "cases.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(CASES[0]))
        writer.writeheader()
        writer.writerows(CASES)


def add_filler_rows(path: Path, rows: int) -> None:
    """Append rows of one repeated cell to the workbook's first sheet, as a runaway export or a
    hostile file does: tiny on disk, huge once unpacked."""
    with zipfile.ZipFile(path) as archive:
        parts = {i.filename: archive.read(i) for i in archive.infolist()}
    filler = '<row><c t="inlineStr"><is><t>-</t></is></c></row>' * rows
    sheet = parts["xl/worksheets/sheet1.xml"].decode("utf-8")
    parts["xl/worksheets/sheet1.xml"] = sheet.replace("</sheetData>", filler + "</sheetData>").encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


if __name__ == "__main__":
    build()
    print(f"{len(CASES)} cases written to {FILES}")
