"""Run one month end to end: partition M of the same Dagster job the UI, the sensor and the
schedule launch.

    .venv/bin/python -m orchestration.run --landing DIR --month 2023-06 --warehouse FILE --out DIR

Exit 0: the month was published (feeds turned away or missing are listed, their rules held
back). Exit 1: not published (a step failed, or the gate on the alerts). Exit 2: the arguments
or the landing folder are wrong; nothing ran.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
from dagster import AssetCheckSeverity, DagsterEventType, DagsterInstance
from dagster._core.utils import make_new_run_id

from expectations.rule_gate import APPROVE_TAG
from ingestion.landing import delivered_names, feed_of
from orchestration.definitions import MONTHLY_JOB, build_definitions
from orchestration.partitions import MonthError, MonthOrderError, check_month_order, parse_month
from orchestration.quality_checks import RULE_CHECK_PREFIX
from orchestration.resources import (
    MonitoringSettings,
    Warehouse,
    WarehouseFileError,
    check_warehouse_file,
    rebase_drift_from_env,
)
from reference import counties


class ArgumentProblem(ValueError):
    """Arguments that cannot make a run: said before anything runs."""


def preflight(landing: Path, month: str) -> list[Path]:
    """The month folder's delivered files; ArgumentProblem when the month is not a partition,
    the landing folder does not exist, or the month folder holds no feed at all."""
    try:
        parse_month(month)
    except MonthError as exc:
        raise ArgumentProblem(str(exc)) from None
    if not landing.is_dir():
        raise ArgumentProblem(f"landing folder {landing} does not exist")
    folder = landing / month
    if not folder.is_dir():
        months = sorted(p.name for p in landing.iterdir() if p.is_dir())[-3:]
        raise ArgumentProblem(f"no folder {month} in {landing} (it holds {', '.join(months) or 'no month folder'})")
    files = delivered_names(folder)
    if not any(feed_of(p.name)[0] for p in files):
        raise ArgumentProblem(f"{folder} holds no feed file: a month with nothing delivered is not run")
    return files


def check_order_before_running(warehouse: Path, month: str) -> None:
    """Say at once when the month's predecessor never ran (the linkage step checks again,
    for runs launched from the UI). A warehouse held by a running run is checked later."""
    if not warehouse.exists():
        return
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:
        return
    try:
        check_month_order(con, month)
    except MonthOrderError as exc:
        raise ArgumentProblem(str(exc)) from None
    finally:
        con.close()


REPOSITORY_DAGSTER_HOME = Path(__file__).resolve().parent.parent / "dagster_home"


def instance_for_runs(dagster_home: str | Path | None = None) -> DagsterInstance:
    """The instance at `dagster_home`, else DAGSTER_HOME's (the run shows in the UI), else an
    ephemeral one (the tests, which pop DAGSTER_HOME and call main() in-process)."""
    if dagster_home:
        return DagsterInstance.from_config(str(Path(dagster_home).resolve()))
    return DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else DagsterInstance.ephemeral()


class Progress:
    """One line per stage (step) and per feed on the terminal while the run goes, with the
    time since the run started and the stage's own time: read from the run's events as they
    are stored. Counts and statuses only, never a name or an ID number."""

    def __init__(self, stream, started: float):
        self.stream, self.started, self.step_started = stream, started, {}

    def say(self, text: str) -> None:
        self.stream.write(f"[{time.perf_counter() - self.started:6.1f}s] {text}\n")
        self.stream.flush()

    def stage_time(self, step: str) -> str:
        return f"{time.perf_counter() - self.step_started.get(step, self.started):.1f}s"

    def __call__(self, entry) -> None:
        event = entry.dagster_event
        if event is None:
            return
        step = event.step_key or ""
        kind = event.event_type
        if kind == DagsterEventType.STEP_START:
            self.step_started[step] = time.perf_counter()
            if not step.startswith("raw__"):  # a feed says its outcome when it is loaded
                self.say(f"stage {step} started")
        elif kind == DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.event_specific_data.materialization
            key = materialization.asset_key.path
            metadata = {k: v.value for k, v in materialization.metadata.items()}
            if key[0] == "raw" and "delivery_status" in metadata:
                status = metadata["delivery_status"]
                self.say(
                    f"feed  {key[-1]}: {FEED_STATUS_WORDS.get(status, status)}, "
                    f"{metadata.get('rows_loaded', 0)} rows loaded, {metadata.get('rows_quarantined', 0)} quarantined "
                    f"({self.stage_time(step)})"
                )
        elif kind == DagsterEventType.STEP_SUCCESS:
            if not step.startswith("raw__"):
                self.say(f"stage {step} done ({self.stage_time(step)})")
        elif kind == DagsterEventType.STEP_FAILURE:
            self.say(f"stage {step} FAILED ({self.stage_time(step)}); the errors follow at the end")
        elif kind == DagsterEventType.STEP_SKIPPED:
            self.say(f"stage {step} skipped (its inputs were not produced)")


FEED_STATUS_WORDS = {"loaded": "loaded", "no_events": "no events", "rejected": "TURNED AWAY", "missing": "missing"}


def run_month(
    settings: MonitoringSettings,
    warehouse: Warehouse,
    month: str,
    instance: DagsterInstance | None = None,
    approved_jumps: list[str] = (),
    progress: Progress | None = None,
):
    """Execute partition `month` of the monthly job in this process; returns Dagster's result.
    `approved_jumps`: rule ids whose count jump this month is approved (the run's tag)."""
    job = build_definitions(settings, warehouse).resolve_job_def(MONTHLY_JOB)
    instance = instance or instance_for_runs()
    run_config = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
    tags = {APPROVE_TAG: ",".join(approved_jumps)} if approved_jumps else None
    run_id = make_new_run_id()
    if progress is not None:
        instance.add_event_listener(run_id, progress)
    return job.execute_in_process(
        instance=instance, raise_on_error=False, run_config=run_config, partition_key=month, tags=tags, run_id=run_id
    )


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


@dataclass
class RunSummary:
    """What the terminal says after a run, read from the run's own events (no warehouse
    access: another run may hold it by then)."""

    errors: list[str] = field(default_factory=list)  # stop publication
    feeds: dict[str, dict] = field(default_factory=dict)  # feed -> materialization metadata
    feed_checks: dict[str, tuple[bool, str, str]] = field(default_factory=dict)  # feed -> passed, severity, text
    warnings: list[str] = field(default_factory=list)
    published: dict = field(default_factory=dict)
    unread_files: list[str] = field(default_factory=list)
    held_back_rules: dict[str, str] = field(default_factory=dict)  # rule -> why (the gate's or a feed's)
    analyst_copy: dict = field(default_factory=dict)  # the analyst copy's materialization metadata
    feedback: dict = field(default_factory=dict)  # county code -> files, rows, applied, problems

    def feedback_lines(self) -> list[str]:
        """One line per county that returned a workbook (or whose files could not be read)."""
        names = {code: name for code, name, _ in counties()}
        return [
            f"  反馈 {names.get(code, '区县不明（市级工作簿）')}：{n['files']}个文件，{n['rows']}行，"
            f"采用{n['applied']}，问题{n['problems']}" + (" — 见反馈问题表" if n["problems"] else "")
            for code, n in sorted(self.feedback.items())
        ]

    def feed_lines(self) -> list[str]:
        lines = [
            f"  NOT READ     {name}: no feed is named so (<feed>.<csv|xlsx> or <feed>__<county>.<ext>)"
            for name in self.unread_files
        ]
        for feed, meta in sorted(self.feeds.items()):
            status = meta.get("delivery_status")
            text = self.feed_checks.get(feed, (True, "", ""))[2]
            if status == "rejected":
                lines.append(f"  TURNED AWAY  {feed}: {text}")
            elif status == "missing":
                lines.append(f"  MISSING      {feed}: {text}")
            elif status == "no_events":
                lines.append(f"  NO EVENTS    {feed}: the file holds no rows")
            if meta.get("missing_counties"):
                codes = ", ".join(meta.get("missing_county_codes") or [])
                lines.append(f"  PARTIAL      {feed}: no file for {codes}; their previous roster stays in force")
            if meta.get("unknown_code_rows"):
                codes = "; ".join(
                    f"{column}: " + ", ".join(f"{value!r} ×{n}" for value, n in values.items())
                    for column, values in (meta.get("unknown_codes") or {}).items()
                )
                lines.append(
                    f"  UNKNOWN CODE {feed}: {codes} (kept as unknown; rules reading the column skip the rows)"
                )
        return lines


def summarise(result) -> RunSummary:
    summary = RunSummary()
    skipped: list[str] = []
    for event in result.all_events:
        if event.event_type == DagsterEventType.STEP_FAILURE:
            error = event.step_failure_data.error
            while error is not None and error.cause is not None and "dagster" in error.cls_name.lower():
                error = error.cause
            lines = error.message.strip().splitlines() if error else ["failed"]
            detail = [ln.strip() for ln in lines[1:] if "Error" in ln or "Failure in" in ln][:6]
            summary.errors.append(f"step {event.step_key} failed: " + " | ".join([lines[0].strip(), *detail]))
        elif event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            key = evaluation.asset_check_key
            feed = key.asset_key.path[-1] if key.asset_key.path[0] == "raw" else None
            text = evaluation.description or ""
            if feed:
                summary.feed_checks[feed] = (evaluation.passed, evaluation.severity.value, text)
            elif key.name.startswith(RULE_CHECK_PREFIX):
                if not evaluation.passed:  # that rule held back, every other one published
                    summary.held_back_rules[key.name.removeprefix(RULE_CHECK_PREFIX)] = text
            elif not evaluation.passed:
                where = f"check {key.asset_key.to_user_string()}:{key.name}: {text}"
                is_error = evaluation.severity == AssetCheckSeverity.ERROR
                (summary.errors if is_error else summary.warnings).append(where)
        elif event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.event_specific_data.materialization
            key = materialization.asset_key.path
            metadata = {k: v.value for k, v in materialization.metadata.items()}
            if key[0] == "raw" and "delivery_status" in metadata:
                summary.feeds[key[-1]] = metadata
            elif key == ["publication", "county_workbooks"]:
                summary.published = metadata
            elif key == ["publication", "analyst_copy"]:
                summary.analyst_copy = metadata
            elif key == ["raw", "county_feedback"]:
                summary.feedback = dict(metadata.get("by_county") or {})
            elif key == ["raw", "load_log"]:
                summary.unread_files = list(metadata.get("unread_files") or [])
        elif event.event_type == DagsterEventType.STEP_SKIPPED:
            skipped.append(event.step_key)
    if skipped and not summary.published and not summary.errors:
        # a step whose input was never produced is skipped, and Dagster calls the run a success
        summary.errors.append(
            f"the month was not published: steps skipped for want of their inputs: {', '.join(skipped)}"
        )
    return summary


def write_timings(path: Path, result, summary: RunSummary, instance: DagsterInstance) -> None:
    """Each step's start and end (epoch seconds) and the run's row counts, for the benchmark."""
    steps: dict[str, dict] = {}
    ends = (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE)
    for entry in instance.all_logs(result.run_id):
        event = entry.dagster_event
        if event is None or not event.step_key:
            continue
        if event.event_type == DagsterEventType.STEP_START:
            steps[event.step_key] = {"step": event.step_key, "start": entry.timestamp}
        elif event.step_key in steps and event.event_type in ends:
            steps[event.step_key]["end"] = entry.timestamp
    figures = {
        "rows_read": sum(m.get("rows_read", 0) for m in summary.feeds.values()),
        "alerts": summary.published.get("alerts", 0),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"steps": list(steps.values()), **figures}, indent=1), encoding="utf-8")


def main(argv: list[str] | None = None, default_dagster_home: Path | None = None) -> int:
    """`default_dagster_home`: the instance when neither --dagster-home nor DAGSTER_HOME is
    given (the command line passes the repository's dagster_home/, so its runs show in the UI
    of `make dev`; in-process callers get an ephemeral instance)."""
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.run", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--landing", required=True, help="landing folder holding <YYYY-MM>/<feed files>")
    parser.add_argument("--month", required=True, help="the month to monitor, YYYY-MM (a partition of the job)")
    parser.add_argument("--warehouse", required=True, help="DuckDB warehouse file (created if missing)")
    parser.add_argument("--out", required=True, help="folder for the county workbooks")
    parser.add_argument("--timings", default="", help="write each step's start and end (JSON) to this file")
    parser.add_argument(
        "--reviewed-pairs",
        default="",
        help="reviewers' linkage decisions, CSV left_key,right_key,decision (default: beside the warehouse)",
    )
    parser.add_argument(
        "--rescore-all-pairs",
        action="store_true",
        help="have Splink score every pair again instead of keeping the month before's pairs of unchanged "
        "people (a full rerun: the same result, slower)",
    )
    parser.add_argument(
        "--approve-count-jump",
        action="append",
        default=[],
        metavar="RULE",
        help="publish RULE although its alert count jumped past the gate's limits this month (you looked at "
        "the jump and accept it; repeat for several rules). Without it such a rule is held back alone",
    )
    parser.add_argument(
        "--dagster-home",
        default="",
        help="Dagster instance folder the run is recorded in (default: $DAGSTER_HOME, else the repository's "
        "dagster_home/, the one `make dev` shows)",
    )
    args = parser.parse_args(argv)
    landing = Path(args.landing).resolve()
    try:
        preflight(landing, args.month)
        check_warehouse_file(Path(args.warehouse).resolve())
        check_order_before_running(Path(args.warehouse).resolve(), args.month)
        rebase_drift = rebase_drift_from_env()
    except (ArgumentProblem, WarehouseFileError, ValueError) as exc:
        print(f"ERROR nothing ran: {exc}", file=sys.stderr)
        return 2
    settings = MonitoringSettings(
        landing_dir=str(landing),
        output_dir=str(Path(args.out).resolve()),
        reviewed_pairs_path=str(Path(args.reviewed_pairs).resolve()) if args.reviewed_pairs else "",
        reuse_scored_pairs=not args.rescore_all_pairs,
        rebase_drift=rebase_drift,
    )
    warehouse = Warehouse(database=str(Path(args.warehouse).resolve()))
    started = time.perf_counter()
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    log_path = warehouse.folder / "logs" / f"run-{args.month}-{stamp}-{os.getpid()}.log"
    home = args.dagster_home or ("" if os.environ.get("DAGSTER_HOME") else default_dagster_home)
    instance = instance_for_runs(home)
    # the terminal, kept before the console goes to the log file (a caller's redirected stdout as it is)
    terminal = os.fdopen(os.dup(1), "w", encoding="utf-8") if sys.stdout is sys.__stdout__ else sys.stdout
    progress = Progress(terminal, started)
    progress.say(f"month {args.month}: running (full log: {log_path})")
    try:
        with console_to(log_path):
            result = run_month(
                settings, warehouse, args.month, instance, [r.upper() for r in args.approve_count_jump], progress
            )
    finally:
        if terminal is not sys.stdout:
            terminal.close()
    seconds = time.perf_counter() - started
    summary = summarise(result)
    if args.timings:
        write_timings(Path(args.timings), result, summary, instance)
    for line in summary.feed_lines():
        print(line, file=sys.stderr)
    for line in summary.feedback_lines():
        print(line, file=sys.stderr)
    for rule, why in sorted(summary.held_back_rules.items()):
        print(
            f"  HELD BACK    rule {rule}: {why} (its open alerts show 暂停; every other rule is published)",
            file=sys.stderr,
        )
    for warning in summary.warnings:
        print(f"WARNING {warning}", file=sys.stderr)
    for error in summary.errors:
        print(f"ERROR {error}", file=sys.stderr)
    if not result.success or summary.errors:
        print(
            f"month {args.month} NOT published ({seconds:.0f}s): see the errors above; full log: {log_path}",
            file=sys.stderr,
        )
        return 1
    loaded = sum(1 for m in summary.feeds.values() if m.get("delivery_status") in ("loaded", "no_events"))
    held = f", {len(summary.held_back_rules)} rules held back" if summary.held_back_rules else ""
    print(
        f"month {args.month} done in {seconds:.0f}s: {summary.published.get('alerts', 0)} alerts, "
        f"{loaded} of {len(summary.feeds)} feeds delivered{held}"
    )
    print(f"warehouse:        {warehouse.path}")
    if summary.analyst_copy.get("replaced", True):
        print(f"analyst copy:     {warehouse.analyst_copy} (open read-only; replaced after each run)")
    else:
        why = summary.analyst_copy.get("error") or "see the run log"
        print(f"WARNING analyst copy NOT replaced ({why}); the previous copy stays", file=sys.stderr)
    print(f"county workbooks: {settings.output / args.month}")
    print(
        f"linkage review:   {warehouse.linkage_review_csv(args.month)} "
        f"(decisions go to {warehouse.reviewed_pairs(settings)})"
    )
    print(f"run log:          {log_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(default_dagster_home=REPOSITORY_DAGSTER_HOME if REPOSITORY_DAGSTER_HOME.is_dir() else None))
