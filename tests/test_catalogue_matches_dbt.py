"""The feed catalogue is the one source of the feeds: the dbt files that describe them are
generated from it, and the hand-written staging models carry every catalogue column."""

import re
from pathlib import Path

from ingestion.catalogue import FEEDS
from ingestion.catalogue_files import stale_files

MODELS = Path("dbt_project/models")


def test_the_generated_dbt_files_are_current():
    stale = stale_files()
    assert not stale, f"regenerate with `python -m ingestion.catalogue_files`: {[p.name for p in stale]}"


def test_every_catalogue_column_reaches_its_staging_model():
    for feed in FEEDS:
        sql = (MODELS / "staging" / f"stg_{feed.code}.sql").read_text(encoding="utf-8")
        for column in feed.warehouse_columns():
            assert re.search(rf"\b{column}\b", sql), f"stg_{feed.code} lacks {column}"


def test_every_rule_model_is_unioned_into_alerts_raised():
    sql = (MODELS / "marts" / "alerts_raised.sql").read_text(encoding="utf-8")
    listed = set(re.findall(r"'(alert_[a-z]\d\d)'", sql))
    files = {p.stem for p in (MODELS / "marts" / "alert_rules").glob("alert_*.sql")}
    assert listed == files


def test_every_rule_has_a_unit_test_with_a_near_miss():
    for model in sorted((MODELS / "marts" / "alert_rules").glob("alert_*.sql")):
        yml = model.with_suffix(".yml").read_text(encoding="utf-8")
        assert "\nunit_tests:" in yml and "NEAR" in yml, f"{model.stem} lacks a unit test with a near miss"


def test_feeds_delivered_per_county_are_staged_county_by_county():
    for feed in FEEDS:
        sql = (MODELS / "staging" / f"stg_{feed.code}.sql").read_text(encoding="utf-8")
        if feed.kind == "snapshot":
            assert ("per_county=true" in sql) == feed.delivery.per_county, feed.code
