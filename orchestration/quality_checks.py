"""Stage 4: Great Expectations on the month's alerts as Dagster asset checks. The feed suites
run inside the feed assets (a failed feed is turned away, not the month); only a failed check
on the alerts themselves stops publication."""

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    MetadataValue,
    asset_check,
)
from dagster_dbt import get_asset_key_for_model

from expectations.counts import count_changes
from expectations.suites import QualityThresholds, alert_count_suite, alerts_suite
from expectations.validate import ValidationSummary, update_data_docs, validate_frame
from orchestration.dbt_assets import dbt_after_linkage
from orchestration.partitions import MONTHS
from orchestration.resources import Warehouse


def check_metadata(*summaries: ValidationSummary) -> dict:
    metadata = {
        "rows": summaries[0].rows,
        "expectations": sum(s.evaluated for s in summaries),
        "failed": MetadataValue.json([f.describe() for s in summaries for f in s.failed]),
    }
    if summaries[0].docs_url:
        metadata["data_docs"] = MetadataValue.url(summaries[0].docs_url)
    return metadata


@asset_check(
    asset=get_asset_key_for_model([dbt_after_linkage], "alerts"),
    name="gx_publication_gate",
    blocking=True,
    partitions_def=MONTHS,
    description="GX publication gate on the month's alerts: unique identity, rule in the "
    "catalogue, department matching the rule, county in 临汾市, evidence present, and no rule's "
    "count jumping beyond the configured factor. A failure stops the workbooks.",
)
def alerts_publication_gate(context: AssetCheckExecutionContext, warehouse: Warehouse) -> AssetCheckResult:
    month = context.partition_key
    thresholds = QualityThresholds()
    with warehouse.get_connection() as con:
        frame = con.execute("SELECT * FROM main.alerts WHERE month = ?", [month]).df()
        changes = count_changes(con, month, thresholds)
    docs = warehouse.data_docs_root
    alerts = validate_frame(frame, alerts_suite(month), "alerts", docs)
    counts = validate_frame(changes, alert_count_suite(thresholds), "alert_counts", docs)
    update_data_docs(docs)
    jumped = changes[changes["change_factor"] > thresholds.alert_count_max_factor]
    description = alerts.describe() if not alerts.success else counts.describe()
    if len(jumped):
        description += "; count jumps without override: " + ", ".join(
            f"{r.rule_id} {r.last_month}→{r.this_month}" for r in jumped.itertuples()
        )
    metadata = check_metadata(alerts, counts)
    metadata["alerts"] = len(frame)
    for alert_type, n in frame.groupby("alert_type").size().items() if len(frame) else []:
        metadata[f"alerts_{alert_type}"] = int(n)
    return AssetCheckResult(
        passed=alerts.success and counts.success,
        severity=AssetCheckSeverity.ERROR,
        description=description,
        metadata=metadata,
    )


@asset_check(
    asset=get_asset_key_for_model([dbt_after_linkage], "held_back_rules"),
    name="no_rule_held_back",
    partitions_def=MONTHS,
    description="Warns when a rule raises nothing this month because a feed it relies on was turned "
    "away, is missing past its age, or stale: its open alerts show 暂停.",
)
def no_rule_held_back(context: AssetCheckExecutionContext, warehouse: Warehouse) -> AssetCheckResult:
    with warehouse.get_connection() as con:
        held = con.execute(
            "SELECT rule_id, message FROM main.held_back_rules WHERE month = ? ORDER BY rule_id",
            [context.partition_key],
        ).fetchall()
    return AssetCheckResult(
        passed=not held,
        severity=AssetCheckSeverity.WARN,
        description="; ".join(message for _, message in held) or "every rule ran on data within its age",
        metadata={"rules_held_back": len(held), "held_back_rules": MetadataValue.json([rule for rule, _ in held])},
    )
