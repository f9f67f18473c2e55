"""Stage 2: every person-bearing record gets a person key (Splink on the run's connection)."""

from dagster import MaterializeResult, asset
from dagster_dbt import get_asset_key_for_model

from linkage.link import link_records
from orchestration.dbt_assets import dbt_before_linkage
from orchestration.resources import MonitoringRun


@asset(
    key=["linkage", "record_person"],
    deps=[get_asset_key_for_model([dbt_before_linkage], "lnk_person_records")],
    group_name="linkage",
    kinds={"splink", "duckdb"},
    description="Person key and match probability of every person-bearing record.",
)
def record_person(run: MonitoringRun) -> MaterializeResult:
    with run.connect() as con:
        report = link_records(con)
    return MaterializeResult(
        metadata={
            "records": report.records,
            "people": report.people,
            "exact_id_records": report.exact_id_records,
            "probabilistic_records": report.probabilistic_records,
            "singleton_records": report.singleton_records,
            "pairs_above_threshold": report.pairs_scored,
        }
    )
