"""A year of months at city size, run as the service runs them, into one warehouse.

    make soak SIZE=200000 MONTHS=12   (= .venv/bin/python -m bench.soak --people 200000 --months 12)

Generates the city's consecutive months (timed apart), then disturbs the deliveries the way a
year does: one county's 低保 roster file missing one month, a department's feed a month late
(missing one month, back the next), a department re-delivering mid-month (the month run again
with the corrected file), and every month several counties returning last month's workbooks
filled in (synthetic.county_staff). Each month goes through the monthly command in a process
of its own (bench.pipeline.measured samples the whole process tree's memory).

Prints per month: published or not, seconds, peak MB, warehouse MB, alerts per status
(新增/持续/已解除/暂停/已处置), overdue, disposals applied, rules held back; then month 12
against month 2 (history must not slow the month) and the warehouse's growth per month. Exits
1 when any month was not published.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bench.pipeline import MONTH, measured, peak

STATUSES = ("新增", "持续", "已解除", "暂停", "已处置")
# month index (0 = the first) -> what happens to that month's delivery
MISSING_COUNTY_ROSTER = (3, "civil_dibao__141029")  # 乡宁县's roster file does not come
LATE_FEED = (5, "hrss_insurance")  # 人社局's file comes a month late: missing this month
REDELIVERED_FEED = (7, "medins_settlements")  # 医保局 re-delivers mid-month: the month is run again
RETURNING_COUNTIES = 4  # counties returning last month's workbook, each month
DISPOSED_SHARE = 0.4  # of a returning county's alerts, disposed


@dataclass
class MonthFigures:
    month: str
    run: str  # "" or "rerun (re-delivered …)"
    published: bool
    seconds: float
    peak_mb: float
    warehouse_mb: float
    statuses: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    disposed: int = 0
    held_back: list[str] = field(default_factory=list)

    def line(self) -> str:
        statuses = "/".join(str(self.statuses.get(s, 0)) for s in STATUSES)
        held = ",".join(self.held_back) or "-"
        return (
            f"{self.month} {self.run:<9}{'yes' if self.published else 'NO':>4}{self.seconds:>8.1f}{self.peak_mb:>9.0f}"
            f"{self.warehouse_mb:>8.0f}  {statuses:<24}{self.overdue:>8}{self.disposed:>9}  {held}"
        )


HEADER = (
    f"{'month':<8}{'':<9}{'pub':>4}{'seconds':>8}{'peak MB':>9}{'wh MB':>8}  "
    f"{'新增/持续/已解除/暂停/已处置':<24}{'overdue':>8}{'disposed':>9}  held back"
)


def disturb(landing: Path, months: list[str]) -> list[str]:
    """Apply the year's delivery faults to the generated months; what was done, in words."""
    said = []
    index, stem = MISSING_COUNTY_ROSTER
    if index < len(months):
        for path in (landing / months[index]).glob(f"{stem}.*"):
            path.unlink()
        said.append(f"{months[index]}: {stem} missing (that county's previous roster stays in force)")
    index, feed = LATE_FEED
    if index < len(months):
        for path in (landing / months[index]).glob(f"{feed}.*"):
            path.unlink()
        said.append(f"{months[index]}: {feed} a month late (missing this month, delivered the next)")
    return said


def redeliver(folder: Path, feed: str) -> str:
    """The department's corrected delivery: the same file with its last 2% of rows withdrawn."""
    path = next(folder.glob(f"{feed}.*"))
    if path.suffix == ".csv":
        raw = path.read_bytes()
        encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "gb18030"
        rows = list(csv.reader(io.StringIO(raw.decode(encoding))))
        keep = rows[: max(2, int(len(rows) * 0.98))]
        buffer = io.StringIO()
        csv.writer(buffer).writerows(keep)
        path.write_bytes(buffer.getvalue().encode(encoding))
        return f"{path.name}: {len(rows) - len(keep)} rows withdrawn"
    import openpyxl

    workbook = openpyxl.load_workbook(path)
    sheet = workbook.active
    withdrawn = max(1, int(sheet.max_row * 0.02))
    sheet.delete_rows(sheet.max_row - withdrawn + 1, withdrawn)
    workbook.save(path)
    return f"{path.name}: {withdrawn} rows withdrawn"


def return_workbooks(published: Path, landing: Path, back_in: str, rng: random.Random) -> int:
    """Several counties send last month's workbook back filled in; the rows disposed."""
    import openpyxl

    from synthetic.county_staff import Disposal, return_workbook

    books = sorted(published.glob("14*_*.xlsx"))
    year, month = (int(x) for x in back_in.split("-"))
    statuses = ["已核实属实", "已核实不属实", "已落实救助", "无法联系"]
    disposed = 0
    for path in rng.sample(books, min(RETURNING_COUNTIES, len(books))):
        workbook = openpyxl.load_workbook(path, read_only=True)
        ids = [row[0] for row in workbook["预警明细"].iter_rows(min_row=2, values_only=True) if row and row[0]]
        workbook.close()
        chosen = {
            alert_id: Disposal(rng.choice(statuses), f"{year}.{month}.{rng.randint(20, 28)}")
            for alert_id in ids
            if rng.random() < DISPOSED_SHARE
        }
        return_workbook(path, landing / back_in / "county_feedback" / f"{path.stem}_反馈.xlsx", chosen)
        disposed += len(chosen)
    return disposed


def month_figures(warehouse: Path, month: str) -> dict:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        statuses = dict(
            con.execute("SELECT status, count(*) FROM main.alerts WHERE month = ? GROUP BY ALL", [month]).fetchall()
        )
        overdue, disposed = con.execute(
            "SELECT count(*) FILTER (WHERE is_overdue), count(*) FILTER (WHERE disposal_received_month = ?) "
            "FROM main.alerts WHERE month = ?",
            [month, month],
        ).fetchall()[0]
        held = [
            r
            for (r,) in con.execute(
                "SELECT rule_id FROM main.held_back_rules WHERE month = ? ORDER BY 1", [month]
            ).fetchall()
        ]
    return {"statuses": statuses, "overdue": overdue, "disposed": disposed, "held_back": held}


def size_mb(warehouse: Path) -> float:
    wal = warehouse.with_name(warehouse.name + ".wal")
    return (warehouse.stat().st_size + (wal.stat().st_size if wal.exists() else 0)) / 2**20


def run_one(python: str, landing: Path, warehouse: Path, out: Path, month: str, run: str = "") -> MonthFigures:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}  # ephemeral instance
    command = [python, "-m", "orchestration.run", "--landing", str(landing), "--month", month,
               "--warehouse", str(warehouse), "--out", str(out)]  # fmt: skip
    log = out.parent / "soak-logs" / f"{month}{'-' + run if run else ''}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    seconds, samples, code = measured(command, env, log)
    if code:
        print(f"  {month}: the monthly command exited {code}; its terminal output: {log}")
    figures = MonthFigures(
        month, run, code == 0, seconds, peak(samples), size_mb(warehouse) if warehouse.exists() else 0
    )
    if warehouse.exists():
        for key, value in month_figures(warehouse, month).items():
            setattr(figures, key, value)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--work", help="folder to work in (default: a temporary one)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    work = Path(args.work or tempfile.mkdtemp(prefix="linfen-soak-"))
    work.mkdir(parents=True, exist_ok=True)
    python = sys.executable
    print(f"soak: {args.people} people, {args.months} months from {MONTH}, work folder {work}, {os.cpu_count()} cores")
    generate = ["-m", "synthetic", "--people", str(args.people), "--month", MONTH, "--months", str(args.months),
                "--seed", str(args.seed), "--out", str(work / "city")]  # fmt: skip
    seconds, samples, code = measured([python, *generate])
    if code:
        return code
    print(f"generate (not part of the months): {seconds:.1f} s, peak {peak(samples):.0f} MB")
    landing, out, warehouse = work / "city" / "landing", work / "out", work / "warehouse" / "linfen.duckdb"
    months = sorted(p.name for p in landing.iterdir() if p.is_dir())
    for line in disturb(landing, months):
        print(f"  delivery: {line}")
    rng = random.Random(args.seed)
    print(HEADER)
    figures: list[MonthFigures] = []
    for index, month in enumerate(months):
        if index and figures[-1].published:
            disposed = return_workbooks(out / months[index - 1], landing, month, rng)
            print(f"  {RETURNING_COUNTIES} counties return {months[index - 1]}'s workbooks: {disposed} rows disposed")
        figures.append(run_one(python, landing, warehouse, out, month))
        print(figures[-1].line(), flush=True)
        if index == REDELIVERED_FEED[0]:
            print(f"  re-delivered mid-month: {redeliver(landing / month, REDELIVERED_FEED[1])}")
            figures.append(run_one(python, landing, warehouse, out, month, "rerun"))
            print(figures[-1].line(), flush=True)
    firsts = [f for f in figures if not f.run]
    if len(firsts) >= 3:
        print(f"month {len(firsts)} against month 2: {firsts[-1].seconds / firsts[1].seconds:.2f} × the seconds "
              f"(target ≤ 1.2)")  # fmt: skip
        growth = [b.warehouse_mb - a.warehouse_mb for a, b in zip(firsts, firsts[1:], strict=False)]
        print("warehouse growth per month (MB): " + ", ".join(f"{g:.0f}" for g in growth))
    unpublished = [f"{f.month}{' ' + f.run if f.run else ''}" for f in figures if not f.published]
    where = f"; NOT published: {', '.join(unpublished)} (logs in {warehouse.parent / 'logs'})" if unpublished else ""
    print(f"published: {len(figures) - len(unpublished)} of {len(figures)} runs{where}")
    return 1 if unpublished else 0


if __name__ == "__main__":
    sys.exit(main())
