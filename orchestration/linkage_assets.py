"""Stage 2: every person-bearing record gets a person key (Splink on the run's connection)."""

from dagster import MaterializeResult, asset
from dagster_dbt import get_asset_key_for_model

from linkage.link import export_review, link_records
from orchestration.dbt_assets import dbt_before_linkage
from orchestration.resources import MonitoringRun


@asset(
    key=["linkage", "record_person"],
    deps=[get_asset_key_for_model([dbt_before_linkage], "lnk_person_records")],
    group_name="linkage",
    kinds={"splink", "duckdb"},
    description=(
        "Person key and match probability of every person-bearing record; the grey-band pairs in "
        "linkage.review_pairs and, for reviewers, linkage_review/<month>.csv beside the warehouse."
    ),
)
def record_person(run: MonitoringRun) -> MaterializeResult:
    with run.connect() as con:
        report = link_records(con, reviewed_pairs=run.reviewed_pairs, month=run.month)
        export_review(con, run.linkage_review_csv)
    return MaterializeResult(
        metadata={
            "records": report.records,
            "people": report.people,
            "exact_id_records": report.exact_id_records,
            "probabilistic_records": report.probabilistic_records,
            "singleton_records": report.singleton_records,
            "remembered_records": report.remembered_records,
            "pairs_scored": report.pairs_scored,
            "pairs_for_review": report.pairs_for_review,
            "reviewed_decisions_applied": report.decisions_applied,
            "seconds_predict": round(report.seconds_predict, 2),
        }
    )
