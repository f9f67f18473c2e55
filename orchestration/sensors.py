"""Runs that start by themselves: a sensor on the landing root requests a month's run when its
folder is complete and quiet, and a rerun when a file is re-delivered with new content or a
county returns a workbook (`<month>/county_feedback/`); a monthly schedule runs the previous
month with whatever has arrived."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from dagster import (
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    build_schedule_from_partitioned_job,
    sensor,
)

from ingestion.catalogue import FEEDS
from ingestion.landing import FileState, missing_feeds, month_digest, month_folders, scan_month
from orchestration.partitions import MONTHS


@dataclass(frozen=True)
class ServiceConfig:
    """How the service waits for deliveries. Not from a regulation: operating choices of the
    data team, set here or by the LINFEN_* variables named beside each."""

    # Feeds a month needs before the sensor starts it (default: all 19 of feeds.md); a month
    # lacking some still runs from the monthly schedule. LINFEN_REQUIRED_FEEDS, comma-separated.
    required_feeds: tuple[str, ...] = tuple(f.code for f in FEEDS)
    # Seconds without any file changing before a folder counts as delivered (uploads of large
    # files take minutes). LINFEN_QUIET_SECONDS.
    quiet_seconds: int = 600
    # Day of the month on which the schedule runs the previous month with whatever arrived
    # (*placeholder*: the bureau's own deadline for departments to deliver). LINFEN_SCHEDULE_DAY.
    schedule_day: int = 10
    schedule_hour: int = 6  # in the partitions' time zone, Asia/Shanghai
    sensor_interval_seconds: int = 60
    # Whether the sensor and the schedule start switched on. Off unless a deployment says so
    # (LINFEN_AUTOMATION=on): opening the UI on a demo or a copy of the warehouse must not start
    # runs that republish months; in the UI they can be switched on by hand.
    automation_on: bool = False

    @classmethod
    def from_env(cls) -> ServiceConfig:
        default = cls()
        feeds = os.environ.get("LINFEN_REQUIRED_FEEDS")
        return cls(
            required_feeds=tuple(f.strip() for f in feeds.split(",") if f.strip()) if feeds else default.required_feeds,
            quiet_seconds=int(os.environ.get("LINFEN_QUIET_SECONDS", default.quiet_seconds)),
            schedule_day=int(os.environ.get("LINFEN_SCHEDULE_DAY", default.schedule_day)),
            automation_on=os.environ.get("LINFEN_AUTOMATION", "off").strip().lower() in ("on", "1", "true", "yes"),
        )


@dataclass
class LandingDecision:
    """What one evaluation of the landing root decided."""

    run_requests: list[RunRequest] = field(default_factory=list)
    skip_reasons: list[str] = field(default_factory=list)
    cursor: dict = field(default_factory=dict)


def evaluate_landing(root: Path, cursor: dict, now: float, config: ServiceConfig) -> LandingDecision:
    """Decide, for every month folder under `root`, whether to request its run. The cursor
    keeps each file's size, time and content digest, and the content digest of each month's
    last requested run: a re-delivered file with new content requests a rerun, a file merely
    touched does not."""
    files = cursor.get("files", {})
    requested = cursor.get("requested", {})
    keys = set(MONTHS.get_partition_keys())
    decision = LandingDecision(
        cursor={"files": {}, "requested": dict(requested), "requests": dict(cursor.get("requests", {}))}
    )
    for folder in month_folders(root):
        month = folder.name
        known = {name: FileState.from_json(v) for name, v in files.get(month, {}).items()}
        states = scan_month(folder, known)
        decision.cursor["files"][month] = {name: s.to_json() for name, s in states.items()}
        if month not in keys:
            decision.skip_reasons.append(f"{month}: not a month that can run yet (it has not ended)")
            continue
        if not states:
            continue
        missing = missing_feeds(set(states), config.required_feeds)
        if missing:
            shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
            decision.skip_reasons.append(f"{month}: waiting for {len(missing)} feeds ({shown})")
            continue
        quiet_for = now - max(s.mtime_ns for s in states.values()) / 1e9
        if quiet_for < config.quiet_seconds:
            decision.skip_reasons.append(
                f"{month}: a file changed {quiet_for:.0f} s ago; waiting for {config.quiet_seconds} s without changes"
            )
            continue
        digest = month_digest(states)
        if requested.get(month) == digest:
            continue
        trigger = "redelivery" if month in requested else "delivery"
        count = cursor.get("requests", {}).get(month, 0) + 1  # content may come back to an earlier state
        decision.run_requests.append(
            RunRequest(run_key=f"{month}:{count}:{digest[:16]}", partition_key=month, tags={"linfen/trigger": trigger})
        )
        decision.cursor["requested"][month] = digest
        decision.cursor["requests"][month] = count
    if not decision.run_requests and not decision.skip_reasons:
        decision.skip_reasons.append("no month folder with new content")
    return decision


def landing_sensor(job, landing_root: Path, config: ServiceConfig):
    @sensor(
        job=job,
        name="landing_sensor",
        minimum_interval_seconds=config.sensor_interval_seconds,
        default_status=DefaultSensorStatus.RUNNING if config.automation_on else DefaultSensorStatus.STOPPED,
        description=f"Watches {landing_root}: requests a month's run when its folder holds the required feeds "
        f"and nothing changed for {config.quiet_seconds} s, and a rerun when a file comes again with new content "
        "or a county returns a workbook into the month's county_feedback/.",
    )
    def _sensor(context: SensorEvaluationContext) -> SensorResult:
        cursor = json.loads(context.cursor) if context.cursor else {}
        decision = evaluate_landing(landing_root, cursor, time.time(), config)
        return SensorResult(
            run_requests=decision.run_requests,
            skip_reason=SkipReason("; ".join(decision.skip_reasons)) if not decision.run_requests else None,
            cursor=json.dumps(decision.cursor),
        )

    return _sensor


def monthly_schedule(job, config: ServiceConfig):
    """The previous month, on the configured day, with whatever has arrived."""
    return build_schedule_from_partitioned_job(
        job,
        name="monthly_schedule",
        day_of_month=config.schedule_day,
        hour_of_day=config.schedule_hour,
        default_status=DefaultScheduleStatus.RUNNING if config.automation_on else DefaultScheduleStatus.STOPPED,
        description=f"Runs the month that ended, on day {config.schedule_day} of the next month at "
        f"{config.schedule_hour}:00 (Asia/Shanghai), with the feeds delivered by then.",
    )
