"""Stage 5: one workbook per county and month, published only after the quality gate passed."""

from pathlib import Path

from dagster import MaterializeResult, MetadataValue, asset
from dagster_dbt import get_asset_key_for_model

from orchestration.dbt_assets import dbt_after_linkage
from orchestration.resources import MonitoringRun
from publication.workbooks import publish_county_workbooks


@asset(
    key=["publication", "county_workbooks"],
    deps=[get_asset_key_for_model([dbt_after_linkage], "alerts")],
    group_name="publication",
    kinds={"excel"},
    description="One Chinese alert workbook per county and month, ID numbers masked.",
)
def county_workbooks(run: MonitoringRun) -> MaterializeResult:
    with run.connect() as con:
        written = publish_county_workbooks(con, run.month, Path(run.output_dir))
    folder = Path(run.output_dir) / run.month
    return MaterializeResult(
        metadata={
            "folder": MetadataValue.path(str(folder)),
            "workbooks": len(written),
            "alerts": sum(w.alerts for w in written),
            "alerts_by_county": MetadataValue.json({w.county_name: w.alerts for w in written}),
        }
    )
