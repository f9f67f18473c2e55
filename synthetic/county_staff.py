"""County staff working through their alert workbook, as people do it in Excel or WPS: the
disposal columns filled in (from the dropdown or typed), dates typed as text, rows sorted and
one deleted, the summary sheet removed, the file renamed and re-saved. Writes the returned
workbook for `<landing>/<month>/county_feedback/` (feeds.md, "Returned workbooks")."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import openpyxl


@dataclass(frozen=True)
class Disposal:
    """What the county writes for one alert."""

    status: str
    date_typed: str  # as typed: 2023-09-05, 2023.9.5, 9月6日 …
    by: str = "张科员"
    note: str = "已入户核实"


def return_workbook(
    published: Path,
    returned: Path,
    disposals: dict[str, Disposal],
    *,
    extra_rows: list[list] = (),
    drop_summary: bool = True,
    sort_rows: bool = True,
    delete_one_row: bool = True,
) -> None:
    """Fill `disposals` (alert id -> disposal) into a copy of a published workbook; extra rows
    (a mistyped 预警编号, another county's alert) are appended as someone would paste them."""
    workbook = openpyxl.load_workbook(published)
    if drop_summary and "汇总" in workbook.sheetnames:
        del workbook["汇总"]
    sheet = workbook["预警明细"]
    sheet.protection.sheet = False  # WPS re-saves without the protection flag
    headers = [c.value for c in sheet[1]]
    column = {name: i for i, name in enumerate(headers)}
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    untouched = [r for r in rows if r[column["预警编号"]] not in disposals]
    if delete_one_row and untouched:
        rows.remove(untouched[-1])  # a row nobody needed, deleted
    for row in rows:
        disposal = disposals.get(row[column["预警编号"]])
        if disposal:
            row[column["处置状态"]] = disposal.status
            row[column["处置说明"]] = disposal.note
            row[column["处置日期"]] = disposal.date_typed
            row[column["处置人"]] = disposal.by
    for extra in extra_rows:
        row = [None] * len(headers)
        for name, value in zip(("预警编号", "处置状态", "处置日期", "处置人"), extra, strict=False):
            row[column[name]] = value
        rows.append(row)
    if sort_rows:
        rows.sort(key=lambda r: str(r[column["预警规则"]] or ""), reverse=True)
    sheet.delete_rows(2, sheet.max_row)
    for row in rows:
        sheet.append(row)
    returned.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(returned)


def return_month(published: Path, landing: Path, back_in: str, seed: int = 5, share: float = 0.5) -> int:
    """Every county sends its workbook of `published` back in `back_in`, about `share` of its
    alerts disposed with a status drawn from the list and a date of the month typed as text.
    Returns the number of rows disposed."""
    import random

    rng = random.Random(seed)
    year, month = (int(x) for x in back_in.split("-"))
    statuses = ["已核实属实", "已核实不属实", "已落实救助", "无法联系"]
    disposed = 0
    for path in sorted(published.glob("14*_*.xlsx")):
        sheet = openpyxl.load_workbook(path, read_only=True)["预警明细"]
        ids = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row and row[0]]
        chosen = {
            alert_id: Disposal(rng.choice(statuses), rng.choice([f"{year}.{month}.{day}", f"{month}月{day}日"]))
            for alert_id in ids
            if rng.random() < share
            for day in [rng.randint(20, 28)]
        }
        return_workbook(path, landing / back_in / "county_feedback" / f"{path.stem}_反馈.xlsx", chosen)
        disposed += len(chosen)
    return disposed


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m synthetic.county_staff", description=return_month.__doc__)
    parser.add_argument("--published", required=True, help="the month's output folder, e.g. data/output/2023-06")
    parser.add_argument("--landing", required=True, help="the landing root, e.g. data/demo/landing")
    parser.add_argument("--back-in", required=True, help="the month the workbooks come back, e.g. 2023-07")
    args = parser.parse_args(argv)
    rows = return_month(Path(args.published), Path(args.landing), args.back_in)
    print(f"{rows} alerts disposed in the returned workbooks under {args.landing}/{args.back_in}/county_feedback")


if __name__ == "__main__":
    main()
