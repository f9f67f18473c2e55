"""Benchmark the month as a user runs it: the monthly command on a generated city.

    make bench SIZE=200000            (= .venv/bin/python -m bench.pipeline --people 200000)
    make bench SIZE=200000 MONTHS=2   the next month too, into the same warehouse
    make bench SIZE=1000000 ENGINES=duckdb,spark   the same city on both engines, compared

Generates the city (timed apart: not part of the month), then runs `python -m
orchestration.run` for each month in turn, in a process of its own while a sampler reads the
resident memory of the whole process tree (the command and its dbt subprocesses) from /proc
every 0.2 s. The command writes each Dagster step's start and end (`--timings`); the benchmark
prints, per month and stage, the seconds, the peak memory of every process together, and rows
per second. `--baseline` then links the last month's records with plain Splink (library
defaults, trained on the month) and prints its seconds and F1 beside this project's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

MONTH = "2023-06"  # the first month; --months N runs the N months from it
PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20
# Dagster steps by stage, in the order they run.
STAGES = [
    (
        "ingest + feed suites",
        lambda step: step.startswith("raw__") or step in ("delivery_log", "reference__working_days"),
    ),
    ("dbt before linkage", lambda step: step == "dbt_before_linkage"),
    ("linkage", lambda step: step == "record_linkage"),
    ("dbt after linkage", lambda step: step == "dbt_after_linkage"),
    ("publication gate", lambda step: step.startswith("main__")),
    ("workbooks + analyst copy", lambda step: step.startswith("publication__")),
]


def tree_rss_mb(root: int) -> float:
    """Resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(fields[21]) * PAGE_MB
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0.0)
        todo += children.get(pid, [])
    return total


def measured(
    command: list[str], env: dict | None = None, log: Path | None = None
) -> tuple[float, list[tuple[float, float]], int]:
    """Run a command (its output to `log` when given); (seconds, [(time, tree RSS MB)], exit code)."""
    samples: list[tuple[float, float]] = []
    started = time.time()
    output = open(log, "w", encoding="utf-8") if log else None  # noqa: SIM115 - closed below
    process = subprocess.Popen(command, env=env, stdout=output, stderr=output)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            samples.append((time.time(), tree_rss_mb(process.pid)))
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = process.wait()
    done.set()
    sampler.join()
    if output:
        output.close()
    return time.time() - started, samples, code


def peak(samples: list[tuple[float, float]], start: float = 0.0, end: float = float("inf")) -> float:
    return max((mb for t, mb in samples if start <= t <= end), default=0.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.pipeline", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--months", type=int, default=1, help="consecutive months, run in turn (default 1)")
    parser.add_argument("--work", help="folder to work in (default: a temporary one)")
    parser.add_argument("--baseline", action="store_true", help="also link the records with plain Splink")
    parser.add_argument(
        "--engines",
        default=os.environ.get("LINFEN_ENGINE", "duckdb"),
        help="comma-separated engines to run the same city on, in turn (duckdb,spark); with two, "
        "their warehouses are compared table by table",
    )
    args = parser.parse_args(argv)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    work = Path(args.work or tempfile.mkdtemp(prefix="linfen-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    python = sys.executable
    print(f"benchmark: {args.people} people, {args.months} month(s) from {MONTH}, work folder {work}, "
          f"{os.cpu_count()} cores")  # fmt: skip
    generate = ["-m", "synthetic", "--people", str(args.people), "--month", MONTH, "--months", str(args.months)]
    seconds, samples, code = measured([python, *generate, "--out", str(work / "city")])
    if code:
        return code
    print(f"generate (not part of the month): {seconds:.1f} s, peak {peak(samples):.0f} MB")
    months = sorted(p.name for p in (work / "city" / "landing").iterdir() if p.is_dir())
    warehouses, unpublished = [], []
    for engine in engines:
        os.environ["LINFEN_ENGINE"] = engine  # the monthly command's engine (engines/settings.py)
        folder = work if len(engines) == 1 else work / engine
        warehouse = folder / "warehouse" / "linfen.duckdb"
        warehouses.append(warehouse)
        print(f"engine: {engine}")
        for month in months:
            code, run, steps = run_month(python, work, warehouse, month)
            if code and not run:
                return code
            if code:
                unpublished.append(f"{month} ({engine})")
    if len(warehouses) > 1:
        from engines.compare import differing_tables

        for engine, other in zip(engines[1:], warehouses[1:], strict=True):
            differences = differing_tables(warehouses[0], other)
            print(f"{engines[0]} vs {engine}: " + ("every compared table identical" if not differences else ""))
            for table, what in differences.items():
                print(f"  {table}: {what}")
    if args.baseline:
        baseline(warehouses[-1], work, months[-1], run, steps)
    if unpublished:
        print(f"NOT published: {', '.join(unpublished)}: the benchmark fails")
        return 1
    return 0


def run_month(python: str, work: Path, warehouse: Path, month: str) -> tuple[int, dict, list[dict]]:
    """The monthly command for one month; prints its stages."""
    timings = warehouse.parent / f"timings-{month}.json"
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}  # ephemeral instance: no runs left behind
    command = [python, "-m", "orchestration.run", "--landing", str(work / "city" / "landing"), "--month", month,
               "--warehouse", str(warehouse), "--out", str(work / "out"), "--timings", str(timings)]  # fmt: skip
    seconds, samples, code = measured(command, env)
    if code and not timings.exists():
        print(f"the monthly command failed (exit {code}); see {warehouse.parent / 'logs'}")
        return code, {}, []
    if code:  # the month ran but was not published (a gate stopped it): its stages still count
        print(f"month {month}: not published (exit {code}; see {warehouse.parent / 'logs'}); its stages:")
    run = json.loads(timings.read_text(encoding="utf-8"))
    steps = run["steps"]
    first = min(s["start"] for s in steps)
    print(f"month {month}")
    print(f"{'stage':<28}{'seconds':>9}{'peak MB':>9}  rows/s")
    print(f"{'start-up (imports, checks)':<28}{first - samples[0][0]:>9.1f}{peak(samples, 0, first):>9.0f}")
    for name, belongs in STAGES:
        mine = [s for s in steps if belongs(s["step"])]
        if not mine:
            continue
        start, end = min(s["start"] for s in mine), max(s["end"] for s in mine)
        rate = f"{run['rows_read'] / (end - start):,.0f}" if name.startswith("ingest") else ""
        print(f"{name:<28}{end - start:>9.1f}{peak(samples, start, end):>9.0f}  {rate}")
    print(f"{'the month (monthly command)':<28}{seconds:>9.1f}{peak(samples):>9.0f}  "
          f"{run['rows_read'] / seconds:,.0f} delivered rows/s; {run['alerts']} alerts")  # fmt: skip
    print(linkage_scoring(warehouse, month))
    return code, run, steps


def linkage_scoring(warehouse: Path, month: str) -> str:
    """The month's row of linkage.scored_months, in words."""
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        row = con.execute(
            "SELECT basis_month, changed_share, basis_drift, pairs, pairs_scored_afresh FROM linkage.scored_months "
            "WHERE month = ?",
            [month],
        ).fetchone()
    if row is None:
        return "linkage: no scoring recorded"
    basis, share, drift, pairs, afresh = row
    if basis == month:
        return f"linkage: every pair scored by Splink on this month's own basis ({pairs:,} pairs)"
    return (
        f"linkage: {share:.1%} of the units new or changed since the month before; scoring basis of {basis} "
        f"(drifted {drift:.1%}); "
        f"{afresh:,} of {pairs:,} pairs scored by Splink, the rest kept from the month before"
    )


def baseline(warehouse: Path, work: Path, month: str, run: dict, steps: list[dict]) -> None:
    """Plain Splink on the month's linkage input, beside this project's linkage step."""
    import duckdb

    from bench.linkage_eval import plain_splink
    from bench.linkage_scores import pairwise_scores

    truth = work / "city" / "truth" / month / "records.csv"
    ours = next(s["end"] - s["start"] for s in steps if s["step"] == "record_linkage")
    with duckdb.connect(str(warehouse)) as con:
        records = con.execute("SELECT count(*) FROM linkage_input.lnk_person_records").fetchall()[0][0]
        started = time.perf_counter()
        plain_splink(con)
        plain = time.perf_counter() - started
        f1_ours = pairwise_scores(con, truth, "true", "linkage.record_person").f1
        f1_plain = pairwise_scores(con, truth, "true", "linkage.baseline_splink").f1
    print(f"linkage, {records} records: this project {ours:.1f} s ({records / ours:,.0f} rec/s, F1 {f1_ours:.4f}); "
          f"plain Splink {plain:.1f} s ({records / plain:,.0f} rec/s, F1 {f1_plain:.4f})")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
