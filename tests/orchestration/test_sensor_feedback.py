"""Issue 32: workbooks the counties return into `<month>/county_feedback/` start no run from the
sensor. They are watched like the month's feeds: a new or changed returned workbook requests
a rerun of the month once it is quiet; one still being written waits."""

import time

from ingestion.landing import scan_month
from orchestration.sensors import ServiceConfig, evaluate_landing
from tests.orchestration.test_sensors import complete_month, deliver

CONFIG = ServiceConfig(quiet_seconds=600)
NOW = time.time()


def test_a_returned_workbook_requests_a_rerun_of_the_month(tmp_path):
    complete_month(tmp_path)
    first = evaluate_landing(tmp_path, {}, NOW, CONFIG)
    assert [r.partition_key for r in first.run_requests] == ["2023-06"]
    again = evaluate_landing(tmp_path, first.cursor, NOW, CONFIG)
    assert again.run_requests == []
    deliver(tmp_path / "2023-06" / "county_feedback", "141002_尧都区_低收入人口监测预警_2023-05.xlsx", b"returned")
    returned = evaluate_landing(tmp_path, again.cursor, NOW, CONFIG)
    assert [r.partition_key for r in returned.run_requests] == ["2023-06"]
    assert returned.run_requests[0].tags["linfen/trigger"] == "redelivery"


def test_a_returned_workbook_still_being_written_waits(tmp_path):
    complete_month(tmp_path)
    first = evaluate_landing(tmp_path, {}, NOW, CONFIG)
    deliver(tmp_path / "2023-06" / "county_feedback", "141002_尧都区.xlsx", b"half", NOW - 20)
    decision = evaluate_landing(tmp_path, first.cursor, NOW, CONFIG)
    assert decision.run_requests == [] and "waiting for 600 s without changes" in decision.skip_reasons[0]


def test_returned_workbooks_are_named_apart_from_the_feeds(tmp_path):
    deliver(tmp_path / "2023-06", "civil_exits.csv")
    deliver(tmp_path / "2023-06" / "county_feedback", "civil_exits.csv", b"a workbook named oddly")
    deliver(tmp_path / "2023-06" / "county_feedback", "~$141002.xlsx", b"Excel's lock file")
    assert sorted(scan_month(tmp_path / "2023-06")) == ["civil_exits.csv", "county_feedback/civil_exits.csv"]
