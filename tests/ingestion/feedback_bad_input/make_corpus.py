"""Write the corpus of hostile returned workbooks and its manifest (cases.csv): what each entry
of `county_feedback/` must give — the disposals applied, and each problem with the county whose
反馈问题 sheet shows it (`-`: no county, the city's).

    .venv/bin/python -m tests.ingestion.feedback_bad_input.make_corpus

Each case is one or more files delivered together (`|` between them) under the names of
`deliver_as`; `make` says how an entry is made at test time instead (a FIFO, a symlink, a
folder: no file in the corpus); `max_rows` sets LINFEN_MAX_ROWS_PER_FILE for the case.
Problems are `county:reason prefix[:count]`, `;` between them.
"""

from __future__ import annotations

import csv
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

from synthetic.county_staff import Disposal, return_workbook
from tests.ingestion.feedback_bad_input.published import ALERTS, ID_A, ID_B, publish

HERE = Path(__file__).parent
FILES = HERE / "files"
A1, A2, A3, A4 = (a[0] for a in ALERTS)
YAODU_FILE = "141002_尧都区_低收入人口监测预警_2023-06.xlsx"
CASES: list[dict] = []


def case(files, deliver_as, description, *, applied="", problems="", make="", max_rows="") -> list[Path]:
    files = [files] if isinstance(files, str) else files
    deliver_as = [deliver_as] if isinstance(deliver_as, str) else deliver_as
    CASES.append(
        dict(
            file="|".join(files),
            deliver_as="|".join(deliver_as),
            make=make,
            max_rows=max_rows,
            applied=applied,
            problems=problems,
            description=description,
        )
    )
    return [FILES / f for f in files]


def patch_part(path: Path, part: str, change) -> None:
    """Rewrite one part of a workbook's zip, as a hostile or careless tool does."""
    with zipfile.ZipFile(path) as archive:
        parts = {i.filename: archive.read(i) for i in archive.infolist()}
    parts[part] = change(parts[part].decode("utf-8")).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def saved_at(path: Path, when: str) -> None:
    """Set the workbook's last-saved time (docProps/core.xml), as Excel or WPS records it."""
    patch_part(
        path,
        "docProps/core.xml",
        lambda xml: re.sub(r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rf"\g<1>{when}\g<2>", xml),
    )


def sheet_rows(path: Path, rows: str) -> None:
    """Append raw <row> elements to the alerts sheet (the second sheet, 预警明细, once 汇总 is gone: the first)."""
    patch_part(path, "xl/worksheets/sheet1.xml", lambda xml: xml.replace("</sheetData>", rows + "</sheetData>"))


def build() -> None:  # noqa: PLR0915 - one block per case reads best
    shutil.rmtree(FILES, ignore_errors=True)
    FILES.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        published = publish(Path(tmp))
        yaodu, jixian = published["141002"], published["141028"]

        def returned(name: str, plan: dict, source: Path = yaodu, **kw) -> Path:
            path = FILES / name
            return_workbook(source, path, plan, **kw)
            return path

        one = {A1: Disposal("已核实属实", "2023.7.20")}

        # -- a workbook read as a baseline ----------------------------------------------------
        (clean,) = case("01_clean_return.xlsx", YAODU_FILE, "尧都区 returns three disposals", applied="3")
        returned(
            clean.name, {A1: one[A1], A2: Disposal("已落实救助", "7月21日"), A3: Disposal("无法联系", "2023-07-22")}
        )

        # -- every entry read or named --------------------------------------------------------
        (hidden,) = case(
            "02_hidden_name.xlsx", ".141028_吉县_反馈.xlsx", "a hidden name: named, on 吉县's sheet",
            problems="141028:文件名以“.”开头",
        )  # fmt: skip
        returned(hidden.name, {A4: Disposal("已核实属实", "2023.7.20")}, jixian)
        (traversal,) = case(
            "03_renamed_path.xlsx", "..%2F反馈.xlsx", "a name like ../: named, no county in it, on the city's sheet",
            problems="-:文件名以“.”开头",
        )  # fmt: skip
        returned(traversal.name, one)
        (csv_file,) = case(
            "04_csv_return.csv", "141002_尧都区_反馈.csv", "saved as CSV: told to return the .xlsx",
            problems="141002:是 .csv 文件",
        )  # fmt: skip
        csv_file.write_text(f"预警编号,处置状态,处置日期\n{A1},已核实属实,2023-07-20\n", encoding="utf-8")
        (xls,) = case(
            "05_old_xls.xls", "141002_尧都区_反馈.xls", "old .xls: told to save as .xlsx",
            problems="141002:是旧版 .xls 格式",
        )  # fmt: skip
        xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
        (pdf,) = case(
            "06_other_suffix.pdf", "141002_尧都区_反馈.pdf", "a PDF: told to return the workbook",
            problems="141002:不是 Excel 工作簿",
        )  # fmt: skip
        pdf.write_bytes(b"%PDF-1.4\n")
        (lock,) = case(
            "07_lock_file.xlsx", "~$141002_尧都区_反馈.xlsx", "Excel's lock file beside the workbook",
            problems="141002:是 Excel/WPS 打开工作簿时留下的临时文件",
        )  # fmt: skip
        lock.write_bytes(b"\x0cWang Keyuan" + bytes(150))
        (corrupt,) = case(
            "08_corrupt_named.xlsx", "141002_尧都区_反馈.xlsx", "not a zip: unreadable, on 尧都区's sheet by its name",
            problems="141002:文件无法读取",
        )  # fmt: skip
        corrupt.write_text("预警编号,处置状态\n", encoding="utf-8")
        (nameless,) = case(
            "09_corrupt_nameless.xlsx", "反馈表.xlsx", "unreadable, no county in the name: the city's sheet",
            problems="-:文件无法读取",
        )  # fmt: skip
        nameless.write_bytes(b"PK\x03\x04" + bytes(64))
        case([], "141002_尧都区_反馈.xlsx", "a FIFO named .xlsx: never opened", make="fifo",
             problems="141002:不是普通文件")  # fmt: skip
        case([], "141002_尧都区_反馈.xlsx", "a symlink to /dev/zero named .xlsx: never followed",
             make="symlink:/dev/zero", problems="141002:是一个链接")  # fmt: skip
        case([], "141002_尧都区_反馈", "a folder", make="folder", problems="141002:是一个文件夹")

        # -- bounded --------------------------------------------------------------------------
        (bomb,) = case(
            "10_filled_down_bomb.xlsx", YAODU_FILE, "处置状态 filled down a million rows: turned away unread",
            problems="141002:文件解压后远大于正常工作簿",
        )  # fmt: skip
        returned(bomb.name, one, drop_summary=True)
        filler = "<row>" + "<c/>" * 17 + '<c t="inlineStr"><is><t>已核实属实</t></is></c></row>'
        sheet_rows(bomb, filler * 1_000_000)
        (many,) = case(
            "11_many_unknown_rows.xlsx", YAODU_FILE,
            "5,000 rows of unknown 预警编号: 200 listed, the rest counted; the good row applied",
            applied="1", problems="141002:预警编号不存在:201",
        )  # fmt: skip
        returned(many.name, one, extra_rows=[[f"X-{n:05d}", "已核实属实", "2023-07-20", "李四"] for n in range(5000)])
        (long_file,) = case(
            "12_too_many_rows.xlsx", YAODU_FILE, "more rows than LINFEN_MAX_ROWS_PER_FILE: the file turned away whole",
            max_rows="50", problems="141002:文件行数超过上限",
        )  # fmt: skip
        returned(
            long_file.name, one, extra_rows=[[f"X-{n:05d}", "已核实属实", "2023-07-20", "李四"] for n in range(100)]
        )
        (stale,) = case(
            "13_stale_dimension.xlsx", YAODU_FILE, "rows past the sheet's declared <dimension> are read",
            applied="2",
        )  # fmt: skip
        returned(stale.name, {A1: one[A1], A2: Disposal("已落实救助", "2023.7.21")}, sort_rows=False)
        patch_part(
            stale,
            "xl/worksheets/sheet1.xml",
            lambda xml: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:U1"', xml),
        )

        # -- silent choices made loud ---------------------------------------------------------
        first, second = case(
            ["14a_conflict_saved_later.xlsx", "14b_conflict_saved_earlier.xlsx"],
            ["141002_尧都区_反馈_1.xlsx", "141002_尧都区_反馈_2.xlsx"],
            "one alert, two disposals, one day: the workbook saved later wins (not the later name); the other reported",
            applied=f"1;{A1}=已核实不属实", problems="141002:同一预警同日有不同的处置:1",
        )  # fmt: skip
        returned(first.name, {A1: Disposal("已核实不属实", "2023-07-20")})
        saved_at(first, "2023-07-21T10:00:00Z")
        returned(second.name, {A1: Disposal("已核实属实", "2023.7.20")})
        saved_at(second, "2023-07-20T09:00:00Z")
        (cached,) = case(
            "15_formula_note_with_value.xlsx", YAODU_FILE, "a formula in 处置说明 with its value: the value kept",
            applied=f"1;{A1}=已核实属实",
        )  # fmt: skip
        returned(cached.name, {A1: Disposal("已核实属实", "2023.7.20", note='="已入户"&"核实"')})
        patch_part(cached, "xl/worksheets/sheet1.xml",
                   lambda xml: re.sub(r'<c r="(S\d+)"( s="\d+")?><f>(.*?)</f><v */>',
                                      r'<c r="\1"\2 t="str"><f>\3</f><v>已入户核实</v>', xml))  # fmt: skip
        (bare,) = case(
            "16_formula_note_without_value.xlsx", YAODU_FILE, "a formula never computed (no value saved): reported",
            problems="141002:处置说明是公式且没有计算结果",
        )  # fmt: skip
        returned(bare.name, {A1: Disposal("已核实属实", "2023.7.20", note='="已入户"&"核实"')})
        (as_of,) = case(
            "17_edited_as_of.xlsx", YAODU_FILE, "the locked 数据截止日期 edited: compared, not believed",
            problems="141002:受保护的列被修改：数据截止日期",
        )  # fmt: skip
        returned(as_of.name, one)
        patch_part(as_of, "xl/worksheets/sheet1.xml", lambda xml: xml.replace("2023-06-30", "2023-07-31"))

        # -- nothing unmasked -----------------------------------------------------------------
        spaced = f"{ID_B[:6]} {ID_B[6:14]}\u3000{ID_B[14:]}"
        full_width = ID_A.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        (typed,) = case(
            "18_ids_typed_by_staff.xlsx", YAODU_FILE, "full-width and spaced IDs in 处置人, 处置说明: applied",
            applied="1",
        )  # fmt: skip
        returned(
            typed.name,
            {A1: Disposal("已核实属实", "2023.7.20", by=f"王科员{full_width}", note=f"户主 {spaced} 已核实")},
        )
        (id_as_alert,) = case(
            "19_id_typed_as_alert_id.xlsx", YAODU_FILE, "an ID number typed into 预警编号: reported, masked",
            problems="141002:预警编号不存在:1",
        )  # fmt: skip
        returned(id_as_alert.name, {}, extra_rows=[[full_width, "已核实属实", "2023-07-20", "王科员"]])
        (huge_cell,) = case(
            "20_megabyte_alert_id.xlsx", YAODU_FILE, "a 1 MB 预警编号: reported, cut short",
            problems="141002:预警编号不存在:1",
        )  # fmt: skip
        returned(huge_cell.name, {}, extra_rows=[["P" * 1_000_000, "已核实属实", "2023-07-20", "王科员"]])
    with open(HERE / "cases.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(CASES[0]))
        writer.writeheader()
        writer.writerows(CASES)


if __name__ == "__main__":
    build()
    print(f"{len(CASES)} cases written to {FILES}")  # noqa: T201
