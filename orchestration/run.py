"""Run one month end to end through the same Dagster assets as the UI:

    .venv/bin/python -m orchestration.run --landing DIR --month 2023-06 --warehouse FILE --out DIR

Exits 1, saying why, when a step fails or a blocking quality check stops publication.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dagster import DagsterEventType, DagsterInstance

from orchestration.definitions import MONTHLY_JOB, build_definitions
from orchestration.resources import MonitoringRun


def run_month(run: MonitoringRun):
    """Execute the monthly job in this process; returns Dagster's result."""
    job = build_definitions(run).resolve_job_def(MONTHLY_JOB)
    instance = DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else DagsterInstance.ephemeral()
    run_config = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
    return job.execute_in_process(instance=instance, raise_on_error=False, run_config=run_config)


@contextmanager
def console_to(path: Path) -> Iterator[None]:
    """Send everything written to this process's stdout and stderr, dbt's subprocess included,
    to a log file; the terminal keeps the summary."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(path, "w", encoding="utf-8") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def failures(result) -> list[str]:
    """What went wrong, in words: failed steps with their error, failed blocking checks."""
    reasons = []
    for event in result.all_events:
        if event.event_type == DagsterEventType.STEP_FAILURE:
            error = event.step_failure_data.error
            while error is not None and error.cause is not None and "dagster" in error.cls_name.lower():
                error = error.cause
            lines = error.message.strip().splitlines() if error else ["failed"]
            detail = [ln.strip() for ln in lines[1:] if "Error" in ln or "Failure in" in ln][:6]
            reasons.append(f"step {event.step_key} failed: " + " | ".join([lines[0].strip(), *detail]))
        elif event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if not evaluation.passed:
                severity = evaluation.severity.value if evaluation.severity else "ERROR"
                key = evaluation.asset_check_key
                text = evaluation.description or ""
                reasons.append(f"check {key.asset_key.to_user_string()}:{key.name} ({severity}): {text}")
    return reasons


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.run", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--landing", required=True, help="landing folder holding <YYYY-MM>/<feed files>")
    parser.add_argument("--month", required=True, help="the month to monitor, YYYY-MM")
    parser.add_argument("--warehouse", required=True, help="DuckDB warehouse file (created if missing)")
    parser.add_argument("--out", required=True, help="folder for the county workbooks")
    parser.add_argument(
        "--reviewed-pairs",
        default="",
        help="reviewers' linkage decisions, CSV left_key,right_key,decision (default: beside the warehouse)",
    )
    args = parser.parse_args(argv)
    run = MonitoringRun(
        landing_dir=str(Path(args.landing).resolve()),
        month=args.month,
        warehouse_path=str(Path(args.warehouse).resolve()),
        output_dir=str(Path(args.out).resolve()),
        reviewed_pairs_path=str(Path(args.reviewed_pairs).resolve()) if args.reviewed_pairs else "",
    )
    started = time.perf_counter()
    log_path = Path(run.warehouse_path).parent / "logs" / f"run-{run.month}.log"
    with console_to(log_path):
        result = run_month(run)
    seconds = time.perf_counter() - started
    problems = failures(result)
    blocking = [p for p in problems if "(WARN)" not in p]
    for problem in problems:
        print(("WARNING " if "(WARN)" in problem else "ERROR ") + problem, file=sys.stderr)
    published = Path(run.output_dir) / run.month
    if not result.success or blocking:
        print(
            f"month {run.month} NOT published ({seconds:.0f}s): see the errors above; full log: {log_path}",
            file=sys.stderr,
        )
        return 1
    print(f"month {run.month} done in {seconds:.0f}s")
    print(f"warehouse:        {run.warehouse_path}")
    print(f"county workbooks: {published}")
    print(f"linkage review:   {run.linkage_review_csv} (decisions go to {run.reviewed_pairs})")
    print(f"run log:          {log_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
