"""The landing sensor evaluated on a temporary landing folder, case by case, and the schedule."""

import os
import time

import pytest
from dagster import build_sensor_context

from ingestion.catalogue import FEEDS
from orchestration.sensors import ServiceConfig, evaluate_landing, landing_sensor
from reference import county_codes

CONFIG = ServiceConfig(quiet_seconds=600)
NOW = time.time()
LONG_AGO = NOW - 3600


def deliver(folder, name, content=b"x", when=LONG_AGO):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content)
    os.utime(path, (when, when))
    return path


def complete_month(root, month="2023-06", skip=()):
    for feed in FEEDS:
        if feed.code in skip:
            continue
        if feed.code == "civil_dibao":
            for county in county_codes():
                deliver(root / month, f"civil_dibao__{county}.csv")
        else:
            deliver(root / month, f"{feed.code}.csv")


def test_a_complete_quiet_month_requests_its_run(tmp_path):
    complete_month(tmp_path)
    decision = evaluate_landing(tmp_path, {}, NOW, CONFIG)
    assert [r.partition_key for r in decision.run_requests] == ["2023-06"]
    assert decision.run_requests[0].tags["linfen/trigger"] == "delivery"


@pytest.mark.parametrize(
    ("description", "prepare", "reason"),
    [
        ("a feed not yet delivered", lambda root: complete_month(root, skip={"civil_tekun"}), "waiting for 1 feeds"),
        (
            "a per-county roster of 16 counties",
            lambda root: (complete_month(root), (root / "2023-06" / "civil_dibao__141082.csv").unlink()),
            "civil_dibao (1 counties)",
        ),
        (
            "a file still being written",
            lambda root: (complete_month(root), deliver(root / "2023-06", "civil_exits.csv", b"y", NOW - 30)),
            "waiting for 600 s without changes",
        ),
        ("a month that has not ended", lambda root: complete_month(root, month="2999-01"), "has not ended"),
    ],
    ids=lambda v: v if isinstance(v, str) and " " in v else "",
)
def test_an_incomplete_or_busy_month_is_skipped_with_its_reason(tmp_path, description, prepare, reason):
    prepare(tmp_path)
    decision = evaluate_landing(tmp_path, {}, NOW, CONFIG)
    assert not decision.run_requests, description
    assert any(reason in r for r in decision.skip_reasons), (description, decision.skip_reasons)


def test_a_redelivered_file_with_new_content_requests_a_rerun_and_a_touched_one_does_not(tmp_path):
    complete_month(tmp_path)
    first = evaluate_landing(tmp_path, {}, NOW, CONFIG)
    assert len(first.run_requests) == 1
    again = evaluate_landing(tmp_path, first.cursor, NOW, CONFIG)
    assert not again.run_requests and again.skip_reasons == ["no month folder with new content"]
    path = tmp_path / "2023-06" / "civil_exits.csv"
    os.utime(path, (LONG_AGO + 60, LONG_AGO + 60))  # touched, same content
    touched = evaluate_landing(tmp_path, again.cursor, NOW, CONFIG)
    assert not touched.run_requests
    deliver(tmp_path / "2023-06", "civil_exits.csv", b"a corrected delivery", LONG_AGO + 120)
    redelivered = evaluate_landing(tmp_path, touched.cursor, NOW, CONFIG)
    assert [r.tags["linfen/trigger"] for r in redelivered.run_requests] == ["redelivery"]
    assert redelivered.run_requests[0].run_key != first.run_requests[0].run_key
    deliver(tmp_path / "2023-06", "civil_exits.csv", b"x", LONG_AGO + 180)  # back to the first content
    back = evaluate_landing(tmp_path, redelivered.cursor, NOW, CONFIG)
    assert len(back.run_requests) == 1, "content that returns to an earlier state runs again"
    assert back.run_requests[0].run_key not in {first.run_requests[0].run_key, redelivered.run_requests[0].run_key}


def test_the_sensor_runs_in_dagster_with_its_cursor(tmp_path):
    from orchestration.definitions import defs

    complete_month(tmp_path)
    sensor = landing_sensor(defs.resolve_job_def("monthly_monitoring"), tmp_path, CONFIG)
    result = sensor(build_sensor_context(cursor=None))
    assert [r.partition_key for r in result.run_requests] == ["2023-06"]
    assert result.cursor and "2023-06" in result.cursor


def test_the_schedule_runs_the_month_that_ended():
    from dagster import build_schedule_context

    from orchestration.definitions import defs

    schedule = defs.resolve_schedule_def("monthly_schedule")
    context = build_schedule_context(scheduled_execution_time=__import__("datetime").datetime(2023, 7, 10, 6))
    requests = list(schedule.evaluate_tick(context).run_requests)
    assert [r.partition_key for r in requests] == ["2023-06"]
