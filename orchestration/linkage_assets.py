"""Stage 2: every person-bearing record gets a person key (Splink on the run's connection)."""

from dagster import AssetDep, AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, multi_asset
from dagster_dbt import get_asset_key_for_model

from engines.settings import EngineSettings, SparkFolders
from engines.spark import linkage_session
from linkage.link import export_review, link_records
from orchestration.dbt_assets import dbt_before_linkage
from orchestration.partitions import MONTHS, PREVIOUS_MONTH, check_month_order
from orchestration.resources import MonitoringSettings, Warehouse

RECORD_PERSON = AssetKey(["linkage", "record_person"])
REVIEW_PAIRS = AssetKey(["linkage", "review_pairs"])
KEY_MEMORY = AssetKey(["linkage", "key_memory"])
PERSON_KEY_ORIGINS = AssetKey(["linkage", "person_key_origins"])


@multi_asset(
    specs=[
        AssetSpec(
            RECORD_PERSON,
            deps=[get_asset_key_for_model([dbt_before_linkage], "lnk_person_records")],
            description="Person key and match probability of every person-bearing record.",
            group_name="linkage",
            kinds={"splink", "duckdb"},
        ),
        AssetSpec(
            REVIEW_PAIRS,
            deps=[get_asset_key_for_model([dbt_before_linkage], "lnk_person_records")],
            description="The grey-band pairs for reviewers (also linkage_review/<month>.csv beside the warehouse, "
            "IDs masked); decisions go to linkage_reviewed_pairs.csv and are honoured next run.",
            group_name="linkage",
            kinds={"duckdb"},
        ),
        AssetSpec(
            KEY_MEMORY,
            # a month carries over the keys of the month before: backfills run in month order
            deps=[
                get_asset_key_for_model([dbt_before_linkage], "lnk_person_records"),
                AssetDep(KEY_MEMORY, partition_mapping=PREVIOUS_MONTH),
            ],
            description="Which person each record without a valid ID was linked to, month by month: keys stay "
            "stable when a month's evidence decides nothing.",
            group_name="linkage",
            kinds={"duckdb"},
        ),
        AssetSpec(
            PERSON_KEY_ORIGINS,
            deps=[
                get_asset_key_for_model([dbt_before_linkage], "lnk_person_records"),
                AssetDep(PERSON_KEY_ORIGINS, partition_mapping=PREVIOUS_MONTH),
            ],
            description="People first seen without a valid ID whose ID appeared: their new key and the key "
            "their alerts stay identified by.",
            group_name="linkage",
            kinds={"duckdb"},
        ),
    ],
    partitions_def=MONTHS,
    name="record_linkage",
)
def record_linkage(context: AssetExecutionContext, settings: MonitoringSettings, warehouse: Warehouse):
    month = context.partition_key
    engine = EngineSettings.from_env()
    spark = linkage_session(engine, SparkFolders(warehouse.path)) if engine.is_spark else None
    with warehouse.get_connection() as con:
        context.log.info(check_month_order(con, month))
        report = link_records(
            con,
            config=settings.linkage_config(),
            reviewed_pairs=warehouse.reviewed_pairs(settings),
            month=month,
            spark=spark,
        )
        export_review(con, warehouse.linkage_review_csv(month))
    records = max(report.records, 1)
    yield MaterializeResult(
        asset_key=RECORD_PERSON,
        metadata={
            "records": report.records,
            "people": report.people,
            "link_rate": round((report.exact_id_records + report.probabilistic_records) / records, 4),
            "exact_id_records": report.exact_id_records,
            "probabilistic_records": report.probabilistic_records,
            "singleton_records": report.singleton_records,
            "pairs_scored": report.pairs_scored,
            "pairs_scored_afresh": report.pairs_scored_afresh,
            "scoring_basis_month": report.scoring_basis_month or "",
            "changed_unit_share": round(report.changed_unit_share, 4),
            "basis_drift": round(report.basis_drift, 4),
            "reviewed_decisions_applied": report.decisions_applied,
            "seconds_predict": round(report.seconds_predict, 2),
            "engine": engine.engine.value,
            "lowest_linked_share": round(report.lowest_linked_share, 3),
        },
    )
    yield MaterializeResult(asset_key=REVIEW_PAIRS, metadata={"review_count": report.pairs_for_review})
    yield MaterializeResult(asset_key=KEY_MEMORY, metadata={"remembered_records": report.remembered_records})
    yield MaterializeResult(asset_key=PERSON_KEY_ORIGINS, metadata={"keys_moved": report.keys_moved})
