"""What a workbook tells the person who fills it in (the 填报说明 sheet), where and by when it
goes back, and the print layout every published workbook shares (A4 landscape, one page wide,
the header repeated on each page).

The return settings are configuration, each with its source:
- `LINFEN_RETURN_DAYS` (default 20): days after the publication day by which a filled-in
  workbook is to be back. *Placeholder*: 临市民发〔2023〕31号 names no return deadline; 20 days
  keep a return inside the month after publication, read by that month's run.
- `LINFEN_RETURN_TO` (default below): to whom and how a workbook goes back. *Placeholder*
  until the city names its channel; the file itself goes, unrenamed, to the city's
  `<landing>/<month>/county_feedback/` folder (feeds.md), which no county officer sees.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta

NO_HOUSEHOLD = "无户编号（未在册）"  # a person on no roster: found by name, ID and 预警依据
UNKNOWN_PLACE = "不明"
RETURN_DAYS_DEFAULT = 20
RETURN_TO_DEFAULT = "市民政局低收入人口动态监测工作联系人（报送渠道待市民政局确定：占位，LINFEN_RETURN_TO）"
INSTRUCTIONS_SHEET = "填报说明"
A4 = 9  # xlsxwriter's paper code


@dataclass(frozen=True)
class ReturnSettings:
    days: int
    send_to: str
    source: str

    @classmethod
    def from_environment(cls) -> ReturnSettings:
        raw = os.environ.get("LINFEN_RETURN_DAYS", "").strip()
        try:
            days = int(raw) if raw else RETURN_DAYS_DEFAULT
        except ValueError as exc:
            raise ValueError(f"LINFEN_RETURN_DAYS must be a whole number of days, not {raw!r}") from exc
        if days < 1:
            raise ValueError(f"LINFEN_RETURN_DAYS must be at least 1, not {days}")
        source = "配置值（LINFEN_RETURN_DAYS）" if raw else "占位值：临市民发〔2023〕31号未规定反馈期限"
        return cls(days, os.environ.get("LINFEN_RETURN_TO", "").strip() or RETURN_TO_DEFAULT, source)


def return_deadline(published_on: date, settings: ReturnSettings | None = None) -> date:
    return published_on + timedelta(days=(settings or ReturnSettings.from_environment()).days)


# what each disposal status does to the alert (domain.md, the disposal loop)
STATUS_MEANINGS = [
    ("已核实属实", "情况属实，正在处理：预警保持开放，直到情况不再存在；不再计为逾期。"),
    ("已核实不属实", "核实后情况不属实：预警关闭（已处置）；依据不变不再预警，出现新依据时重新预警。"),
    ("已落实救助", "已给予相应救助帮扶：预警关闭（已处置）；出现新依据时重新预警。"),
    ("无法联系", "未能联系到本人或家庭：预警保持开放并计为逾期；连续两个月无法联系的转市民政局督办。"),
]


def instruction_lines(
    who: str, published_on: date, settings: ReturnSettings, first_day_note: str = ""
) -> list[tuple[str, str]]:
    """The 填报说明 sheet's rows (heading, text)."""
    deadline = return_deadline(published_on, settings)
    return [
        (
            "本表发布日",
            f"{published_on.isoformat()}。处置日期不得早于预警的首次发布日：本月新增的预警即本日，"
            "以往月份已发布的预警为其首次发布日（处置日期列的输入限制已按每行设置）。" + first_day_note,
        ),
        (
            "反馈期限",
            f"请于 {deadline.isoformat()} 前反馈（发布日后{settings.days}天；{settings.source}）。"
            "逾期送达的，在送达当月的处理中读取，不会丢失。",
        ),
        (
            "反馈方式",
            f"填写本工作簿“预警明细”表右侧黄色的四列后，原文件（不改文件名，不另存为其他格式）报送：{settings.send_to}。"
            "可多次报送；同一预警以处置日期最晚的一次为准。",
        ),
        (
            "需要填写的列",
            f"处置状态（从下拉选项中选择）、处置说明、处置日期（如 {deadline.isoformat()}，"
            "不得早于发布日，不得晚于报送当月）、处置人。其余列受保护，不可修改。",
        ),
        *[(f"处置状态：{status}", meaning) for status, meaning in STATUS_MEANINGS],
        (
            "以往反馈（只读）",
            "以前月份已反馈并采用的处置（状态、日期、处置人），供参考；本月的处置请填写在黄色的“处置状态”等列。",
        ),
        (
            "状态列",
            "新增：本月首次预警（或解除后再次出现）；持续：上月已预警，情况仍在；已解除：新数据显示情况已不存在；"
            "暂停：所需数据本月未到或过期，预警保持开放（原因见该行预警依据开头的【本月暂停：…】）；已处置：已按反馈关闭。",
        ),
        (
            "行的顺序",
            "按预警等级（红、橙、黄）排列，同一等级中已逾期的在前，再按处置时限先后。已逾期的行以红底标出。"
            "表头可筛选；工作表受保护，Excel 不能对其排序，需要时请先筛选。",
        ),
        (
            "查找当事人",
            f"按乡镇（街道）、村（社区）、户编号查找；未在低保、特困等名册中的人没有户编号，显示“{NO_HOUSEHOLD}”，"
            f"所在地不明的显示“{UNKNOWN_PLACE}”：请按姓名、身份证号（显示前6位和后4位）和预警依据中提到的部门记录查找。",
        ),
        (f"反馈给{who}的问题", "上次反馈中未能采用的行及原因，列在“反馈问题”表中，请在本月工作簿中更正后重新反馈。"),
    ]


def write_instructions_sheet(
    workbook, who: str, published_on: date, settings: ReturnSettings | None = None, first_day_note: str = ""
) -> None:
    """The 填报说明 sheet: what to fill in, what each status does, by when and where it goes back."""
    settings = settings or ReturnSettings.from_environment()
    sheet = workbook.add_worksheet(INSTRUCTIONS_SHEET)
    title = workbook.add_format({"bold": True, "font_size": 14})
    head = workbook.add_format({"bold": True, "valign": "top", "text_wrap": True, "border": 1, "bg_color": "#DDEBF7"})
    body = workbook.add_format({"valign": "top", "text_wrap": True, "border": 1})
    sheet.write_string(0, 0, "填报说明", title)
    for r, (heading, text) in enumerate(instruction_lines(who, published_on, settings, first_day_note), start=2):
        sheet.write_string(r, 0, heading, head)
        sheet.write_string(r, 1, text, body)
        sheet.set_row(r, 15 * (1 + len(text) // 58))  # about 58 characters a line at width 110
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 110)
    print_layout(sheet)
    sheet.protect("", {"select_locked_cells": True})


def print_layout(sheet, repeat_header: bool = False, hide_gridlines: bool = False) -> None:
    """A4 landscape, one page wide, narrow margins, the header row on every page, page numbers."""
    sheet.set_paper(A4)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.set_footer("&C第 &P 页，共 &N 页")
    if repeat_header:
        sheet.repeat_rows(0)
    if hide_gridlines:
        sheet.hide_gridlines(0)
