"""One real month through the monthly command: Dagster assets, dbt on DuckDB, Splink, GX."""

import re
import shutil
from pathlib import Path

import duckdb
import fastexcel
import pytest

from bench.linkage_scores import pairwise_scores
from bench.planted_scores import absent_alerts_raised, misrouted_alerts, planted_alert_scores
from publication.workbooks import ALERT_COLUMNS, DISPOSAL_COLUMNS, NO_VALID_ID

RULE_MODELS = Path("dbt_project/models/marts/alert_rules")
IMPLEMENTED_RULES = sorted(p.stem.removeprefix("alert_").upper() for p in RULE_MODELS.glob("alert_*.sql"))
# A whole ID number, but not a run of digits inside a hex digest: GX's stored validations
# carry a pandas data fingerprint (an md5) that holds 18 digits in a row now and then.
UNMASKED_ID = re.compile(r"(?<![0-9a-f])\d{17}[\dXx](?![0-9a-f])")
MASKED_ID = re.compile(r"^\d{6}\*{8}[\dX]{4}$")
ALERT_COLUMNS_REQUIRED = [
    "alert_id",
    "month",
    "rule_id",
    "alert_type",
    "level",
    "department",
    "county_code",
    "subject_person_key",
    "subject_id_number",
    "subject_name",
    "household_key",
    "evidence",
    "due_date",
    "status",
]


@pytest.fixture(scope="module")
def warehouse(pipeline_run):
    assert pipeline_run.exit_code == 0, pipeline_run.stderr[-3000:]
    con = duckdb.connect(str(pipeline_run.warehouse), read_only=True)
    yield con
    con.close()


def workbooks(pipeline_run):
    return sorted((pipeline_run.output / "2023-06").glob("*.xlsx"))


def test_the_monthly_command_says_where_the_results_are(pipeline_run):
    assert pipeline_run.exit_code == 0, pipeline_run.stderr[-3000:]
    assert "county workbooks:" in pipeline_run.stdout and "warehouse:" in pipeline_run.stdout


def test_alerts_has_the_agreed_columns(warehouse):
    columns = [r[0] for r in warehouse.execute("DESCRIBE main.alerts").fetchall()]
    assert set(ALERT_COLUMNS_REQUIRED) <= set(columns)
    assert warehouse.execute("SELECT count(*) FROM main.alerts WHERE month <> '2023-06'").fetchall()[0][0] == 0


def test_planted_cases_of_every_rule_raise_their_alerts(pipeline_run, warehouse):
    scores = planted_alert_scores(warehouse, pipeline_run.month.truth_dir, "2023-06")
    assert {s.rule_id for s in scores if s.planted} == set(IMPLEMENTED_RULES)
    missed = [(s.rule_id, s.planted - s.planted_raised) for s in scores if s.recall < 1]
    assert not missed, f"planted cases without their alert: {missed}"


def test_ordinary_months_hold_no_false_alarm_and_alerts_reach_the_county_people_live_in(pipeline_run, warehouse):
    """The ordinary cases of issue 11: the relatives of a 单人保 member and of a 特困 person,
    the dead after a costly stay, a couple whose grant went to the husband raise nothing; a
    person who moved county is sent to the new one."""
    truth = pipeline_run.month.truth_dir
    assert absent_alerts_raised(warehouse, truth, "2023-06") == []
    assert misrouted_alerts(warehouse, truth, "2023-06") == []


def test_rules_raise_little_beyond_the_planted_cases(pipeline_run, warehouse):
    """The background population is generated with its assistance in place. What a rule
    raises beyond its planted cases comes from records that linkage could not join (a roster
    member whose medical-insurance record has no usable ID looks uninsured: P01, U01; a roster ID
    damaged by the generator's noise that no other record resolves is a true S08)."""
    scores = planted_alert_scores(warehouse, pipeline_run.month.truth_dir, "2023-06")
    linkage_sensitive = {"P01", "U01", "S08"}  # S08 is exactly what linkage could not resolve
    assert all(s.precision == 1 for s in scores if s.rule_id not in linkage_sensitive), [
        (s.rule_id, s.raised, s.raised_planted) for s in scores if s.precision < 1
    ]
    assert sum(s.raised_planted for s in scores) / sum(s.raised for s in scores) >= 0.7


def test_alert_identity_is_stable_and_the_rerun_is_idempotent(pipeline_run, warehouse, tmp_path):
    """The month's linkage, marts and publication run again on the same warehouse (the asset
    subset a rerun changes: loading a delivery twice is tested in tests/ingestion) give the same
    alerts and add nothing to the history."""
    from dagster import AssetSelection

    from orchestration.definitions import MONTHLY_JOB, build_definitions
    from orchestration.linkage_assets import record_linkage
    from orchestration.resources import MonitoringSettings, Warehouse

    before = warehouse.execute("SELECT alert_id, rule_id, subject_person_key FROM main.alerts ORDER BY 1").fetchall()
    copy = tmp_path / "again.duckdb"
    shutil.copy(pipeline_run.warehouse, copy)
    settings = MonitoringSettings(landing_dir=str(pipeline_run.month.landing_dir), output_dir=str(tmp_path / "out"))
    defs = build_definitions(settings, Warehouse(database=str(copy)))
    rerun = AssetSelection.assets(record_linkage).downstream().resolve(defs.resolve_asset_graph())
    result = defs.resolve_job_def(MONTHLY_JOB).execute_in_process(
        partition_key="2023-06", asset_selection=list(rerun), raise_on_error=False
    )
    assert result.success
    with duckdb.connect(str(copy), read_only=True) as con:
        after = con.execute("SELECT alert_id, rule_id, subject_person_key FROM main.alerts ORDER BY 1").fetchall()
        history = con.execute("SELECT count(*), count(DISTINCT alert_id) FROM main.alert_history").fetchall()[0]
    assert before == after
    assert history[0] == history[1] == len(after)


def test_one_workbook_per_county_with_only_its_own_alerts(pipeline_run, warehouse):
    files = workbooks(pipeline_run)
    assert len(files) == 17
    counties_of = {
        alert_id: [county, *(also or "").split(",")]
        for alert_id, county, also in warehouse.execute(
            "SELECT alert_id, county_code, also_county_codes FROM main.alerts"
        ).fetchall()
    }
    published = set()
    for path in files:
        code = path.name[:6]
        reader = fastexcel.read_excel(str(path))
        assert reader.sheet_names == ["汇总", "预警明细", "填报说明"]
        sheet = reader.load_sheet("预警明细", dtypes="string").to_polars()
        assert sheet.columns == ALERT_COLUMNS + DISPOSAL_COLUMNS
        ids = sheet["预警编号"].to_list()
        assert all(code in counties_of[alert_id] for alert_id in ids), path.name
        published |= {(alert_id, code) for alert_id in ids}
    routed = {(alert_id, county) for alert_id, counties in counties_of.items() for county in counties if county}
    assert published == routed, "every alert in the workbook of each county it is routed to, and only there"


def test_no_id_number_is_published_unmasked(pipeline_run):
    for path in workbooks(pipeline_run):
        reader = fastexcel.read_excel(str(path))
        for name in reader.sheet_names:
            frame = reader.load_sheet(name, header_row=None, dtypes="string").to_polars()
            for column in frame.columns:
                for value in frame[column].drop_nulls().to_list():
                    assert not UNMASKED_ID.search(value), f"{path.name}/{name}"
        ids = reader.load_sheet("预警明细", dtypes="string").to_polars()["身份证号"].drop_nulls().to_list()
        assert all(MASKED_ID.match(v) or v == NO_VALID_ID for v in ids), path.name


def test_linkage_is_measured_against_the_truth(pipeline_run, warehouse):
    scores = pairwise_scores(warehouse, pipeline_run.month.truth_dir / "records.csv")
    assert scores.records > 0
    assert scores.precision >= 0.995, scores
    assert scores.f1 >= 0.97, scores


def test_no_personal_data_in_what_a_run_writes_outside_the_warehouse(month_runs):
    """The terminal, the run logs (dbt's and GX's output included), the Data Docs and GX's
    stored validations, the linkage review CSVs: no whole ID number anywhere."""
    run = month_runs["2023-07"]
    assert not UNMASKED_ID.search(run.stdout + run.stderr)
    written = [
        p
        for p in run.service_dir.rglob("*")
        if p.is_file() and p.suffix in (".log", ".html", ".json", ".csv") and "analyst" not in p.parts
    ]
    assert any(p.suffix == ".log" for p in written) and any(p.suffix == ".csv" for p in written)
    leaks = [p.name for p in written if UNMASKED_ID.search(p.read_text(encoding="utf-8", errors="replace"))]
    assert not leaks, leaks


def test_quality_reports_are_written_as_data_docs(pipeline_run):
    index = pipeline_run.service_dir / "quality" / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    assert index.exists()
    validations = list(index.parent.glob("validations/**/*.html"))
    folders = {p.relative_to(index.parent / "validations").parts[:2] for p in validations}
    assert ("alerts", "publication_gate") in folders
    assert ("civil_dibao", "blocking") in folders
