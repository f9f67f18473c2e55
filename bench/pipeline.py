"""Benchmark the monthly pipeline stage by stage on a generated city:

    make bench SIZE=200000        (= .venv/bin/python -m bench.pipeline --people 200000)

Prints seconds and peak memory (RSS) of each stage — generate, ingest, dbt before linkage,
link, plain Splink on the same records (the baseline of issue 3), dbt after linkage, checks,
publish — and records per second of the linkage and of the baseline (`--linkage-only` stops
after the baseline: make bench SIZE=1000000 LINKAGE_ONLY=1). Each stage
runs in a process of its own, so its peak is its own. The stages call the same functions as
the Dagster assets.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from queue import Empty

MONTH = "2023-06"


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def generate(work: Path, people: int, noise: float = 1.0):
    from synthetic.generate import generate_month

    return generate_month(work / "city", people=people, month=MONTH, seed=7, noise=noise)


def ingest(work: Path) -> int:
    """Load the month's feeds and the working-day calendar into work/w.duckdb; rows read."""
    import duckdb

    from ingestion.calendar import load_working_days
    from ingestion.catalogue import FEEDS
    from ingestion.loader import load_feed

    con = duckdb.connect(str(work / "w.duckdb"))
    rows = sum(load_feed(con, feed, work / "city" / "landing", MONTH).rows_read for feed in FEEDS)
    load_working_days(con)
    con.close()
    return rows


def dbt_build(work: Path, selection: list[str]) -> None:
    from orchestration.dbt_settings import DBT_EXECUTABLE, DBT_PROJECT_DIR, dbt_environment

    command = [
        DBT_EXECUTABLE,
        "build",
        "--quiet",
        "--profiles-dir",
        ".",
        "--vars",
        json.dumps({"month": MONTH}),
        *selection,
    ]
    env = dict(os.environ, **dbt_environment(str(work / "w.duckdb")))
    subprocess.run(command, cwd=DBT_PROJECT_DIR, env=env, check=True)


def stage_generate(work: Path, people: int) -> dict:
    month = generate(work, people)
    return {"people": month.people, "records": month.records}


def stage_ingest(work: Path, people: int) -> dict:
    return {"rows": ingest(work)}


def stage_dbt_before(work: Path, people: int) -> dict:
    from orchestration.dbt_settings import BEFORE_LINKAGE

    dbt_build(work, ["--select", BEFORE_LINKAGE])
    return {}


def stage_link(work: Path, people: int) -> dict:
    import duckdb

    from linkage.link import link_records

    con = duckdb.connect(str(work / "w.duckdb"))
    started = time.perf_counter()
    report = link_records(con)
    seconds = time.perf_counter() - started
    con.close()
    return {"records": report.records, "people": report.people, "records_per_s": round(report.records / seconds)}


def stage_plain_splink(work: Path, people: int) -> dict:
    """The baseline on the same records: Splink with default comparisons, trained and run on
    every record (bench.linkage_eval.plain_splink), as the issue asks to compare against."""
    import duckdb

    from bench.linkage_eval import plain_splink

    con = duckdb.connect(str(work / "w.duckdb"))
    records = con.sql("SELECT count(*) FROM linkage_input.lnk_person_records").fetchall()[0][0]
    started = time.perf_counter()
    plain_splink(con)
    seconds = time.perf_counter() - started
    con.close()
    return {"records": records, "records_per_s": round(records / seconds)}


def stage_dbt_after(work: Path, people: int) -> dict:
    from orchestration.dbt_settings import BEFORE_LINKAGE

    dbt_build(work, ["--exclude", BEFORE_LINKAGE])
    return {}


def stage_checks(work: Path, people: int) -> dict:
    import duckdb

    from expectations.suites import QualityThresholds, alerts_suite, feed_suites, prepare_feed_frame
    from expectations.validate import validate_frame
    from ingestion.catalogue import FEEDS

    con = duckdb.connect(str(work / "w.duckdb"), read_only=True)
    evaluated = 0
    for feed in FEEDS:
        frame = prepare_feed_frame(feed, con.execute(f'SELECT * FROM raw."{feed.code}"').df())
        for suite in feed_suites(feed, QualityThresholds()).values():
            evaluated += validate_frame(frame, suite, feed.code).evaluated
    evaluated += validate_frame(con.execute("SELECT * FROM main.alerts").df(), alerts_suite(MONTH), "alerts").evaluated
    con.close()
    return {"expectations": evaluated}


def stage_publish(work: Path, people: int) -> dict:
    import duckdb

    from publication.workbooks import publish_county_workbooks

    con = duckdb.connect(str(work / "w.duckdb"), read_only=True)
    written = publish_county_workbooks(con, MONTH, work / "out")
    con.close()
    return {"alerts": sum(w.alerts for w in written)}


STAGES = [
    ("generate", stage_generate),
    ("ingest", stage_ingest),
    ("dbt before linkage", stage_dbt_before),
    ("link", stage_link),
    ("plain Splink", stage_plain_splink),
    ("dbt after linkage", stage_dbt_after),
    ("checks", stage_checks),
    ("publish", stage_publish),
]


def _child(stage, work: Path, people: int, queue) -> None:
    started = time.perf_counter()
    figures = stage(work, people)
    queue.put((time.perf_counter() - started, _peak_mb(), figures))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.pipeline", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--work", help="folder to work in (default: a temporary one)")
    parser.add_argument("--linkage-only", action="store_true", help="stop after the linkage and its baseline")
    args = parser.parse_args(argv)
    stages = STAGES[: [n for n, _ in STAGES].index("plain Splink") + 1] if args.linkage_only else STAGES
    work = Path(args.work or tempfile.mkdtemp(prefix="linfen-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    context = multiprocessing.get_context("fork")
    print(f"benchmark: {args.people} people, month {MONTH}, work folder {work}, {os.cpu_count()} cores")
    print(f"{'stage':<20}{'seconds':>10}{'peak MB':>10}  figures")
    total = 0.0
    for name, stage in stages:
        queue = context.Queue()
        process = context.Process(target=_child, args=(stage, work, args.people, queue))
        process.start()
        while True:
            try:
                seconds, peak, figures = queue.get(timeout=5)
                break
            except Empty:
                if not process.is_alive():
                    sys.exit(f"stage {name} failed with exit code {process.exitcode}")
        process.join()
        total += seconds
        print(f"{name:<20}{seconds:>10.1f}{peak:>10.0f}  {json.dumps(figures, ensure_ascii=False)}", flush=True)
    print(f"{'total':<20}{total:>10.1f}")


if __name__ == "__main__":
    main()
