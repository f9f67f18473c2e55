"""The feed catalogue (Python) and the dbt project must describe the same columns and roles."""

import re
from pathlib import Path

from ingestion.catalogue import FEEDS

MODELS = Path("dbt_project/models")


def test_every_catalogue_column_reaches_its_staging_model():
    for feed in FEEDS:
        sql = (MODELS / "staging" / f"stg_{feed.code}.sql").read_text(encoding="utf-8")
        for column in feed.warehouse_columns():
            assert re.search(rf"\b{column}\b", sql), f"stg_{feed.code} lacks {column}"


def test_linkage_input_has_every_person_role():
    sql = (MODELS / "linkage_input" / "lnk_person_records.sql").read_text(encoding="utf-8")
    declared = set(re.findall(r"'feed': '(\w+)', 'role': '(\w+)', 'name': '(\w+)', 'id': '(\w+)'", sql))
    expected = {(f.code, r.role, r.name, r.id_number) for f in FEEDS for r in f.roles}
    assert declared == expected


def test_every_rule_model_is_unioned_into_alerts_raised():
    sql = (MODELS / "marts" / "alerts_raised.sql").read_text(encoding="utf-8")
    listed = set(re.findall(r"'(alert_[a-z]\d\d)'", sql))
    files = {p.stem for p in (MODELS / "marts" / "alert_rules").glob("alert_*.sql")}
    assert listed == files


def test_every_rule_has_a_unit_test_with_a_near_miss():
    for model in sorted((MODELS / "marts" / "alert_rules").glob("alert_*.sql")):
        yml = model.with_suffix(".yml").read_text(encoding="utf-8")
        assert "\nunit_tests:" in yml and "NEAR" in yml, f"{model.stem} lacks a unit test with a near miss"
