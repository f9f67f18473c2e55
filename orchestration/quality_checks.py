"""Stage 4: Great Expectations as Dagster asset checks. A failed blocking expectation stops
everything downstream of the checked asset, so no warning is published on bad data."""

from pathlib import Path

from dagster import (
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)
from dagster_dbt import get_asset_key_for_model

from expectations.counts import count_changes
from expectations.suites import (
    QualityThresholds,
    alert_count_suite,
    alerts_suite,
    feed_suites,
    prepare_feed_frame,
)
from expectations.validate import ValidationSummary, update_data_docs, validate_frame
from ingestion.catalogue import FEEDS, Feed
from ingestion.normalise import month_end
from orchestration.dbt_assets import dbt_after_linkage
from orchestration.resources import MonitoringRun


def check_metadata(*summaries: ValidationSummary) -> dict:
    metadata = {
        "rows": summaries[0].rows,
        "expectations": sum(s.evaluated for s in summaries),
        "failed": MetadataValue.json([f.describe() for s in summaries for f in s.failed]),
    }
    if summaries[0].docs_url:
        metadata["data_docs"] = MetadataValue.url(summaries[0].docs_url)
    return metadata


def data_docs_root(run: MonitoringRun) -> Path:
    """The GX project (and its HTML Data Docs) beside the warehouse."""
    return Path(run.warehouse_path).parent / "quality"


def feed_check(feed: Feed) -> AssetChecksDefinition:
    @asset_check(
        asset=AssetKey(["raw", feed.code]),
        name="gx_feed_suite",
        blocking=True,
        description=f"GX suite of {feed.code}: columns present, types after normalisation, natural key "
        "unique, share of valid ID numbers, county in 临汾市, dates and amounts in range, coded values in "
        "their domains; row count within a band of last month's (warning).",
    )
    def _check(run: MonitoringRun) -> AssetCheckResult:
        with run.connect() as con:
            raw = con.execute(
                f'SELECT * FROM raw."{feed.code}" WHERE delivery_month = '
                f'(SELECT max(delivery_month) FROM raw."{feed.code}" WHERE delivery_month <= ?)',
                [run.month],
            ).df()
            previous = con.execute(
                "SELECT rows_loaded FROM raw.load_log WHERE feed_code = ? AND delivery_month < ? "
                "ORDER BY delivery_month DESC LIMIT 1",
                [feed.code, run.month],
            ).fetchall()
        suites = feed_suites(
            feed,
            QualityThresholds(),
            previous[0][0] if previous else None,
            month_end(run.month).isoformat(),
            rows=len(raw),
        )
        frame = prepare_feed_frame(feed, raw)
        blocking = validate_frame(frame, suites["blocking"], feed.code, data_docs_root(run))
        warning = validate_frame(frame, suites["warning"], feed.code, data_docs_root(run))
        if not blocking.success:
            update_data_docs(data_docs_root(run))  # the run stops here: show why
        return AssetCheckResult(
            passed=blocking.success and warning.success,
            severity=AssetCheckSeverity.ERROR if not blocking.success else AssetCheckSeverity.WARN,
            description=blocking.describe() if not blocking.success else warning.describe(),
            metadata=check_metadata(blocking, warning),
        )

    return _check


@asset_check(
    asset=get_asset_key_for_model([dbt_after_linkage], "alerts"),
    name="gx_publication_gate",
    blocking=True,
    description="GX publication gate on the month's alerts: unique identity, rule in the "
    "catalogue, department matching the rule, county in 临汾市, evidence present.",
)
def alerts_publication_gate(run: MonitoringRun) -> AssetCheckResult:
    thresholds = QualityThresholds()
    with run.connect() as con:
        frame = con.execute("SELECT * FROM main.alerts WHERE month = ?", [run.month]).df()
        changes = count_changes(con, run.month, thresholds)
    alerts = validate_frame(frame, alerts_suite(run.month), "alerts", data_docs_root(run))
    counts = validate_frame(changes, alert_count_suite(thresholds), "alert_counts", data_docs_root(run))
    update_data_docs(data_docs_root(run))
    jumped = changes[changes["change_factor"] > thresholds.alert_count_max_factor]
    description = alerts.describe() if not alerts.success else counts.describe()
    if len(jumped):
        description += "; count jumps without override: " + ", ".join(
            f"{r.rule_id} {r.last_month}→{r.this_month}" for r in jumped.itertuples()
        )
    return AssetCheckResult(
        passed=alerts.success and counts.success,
        severity=AssetCheckSeverity.ERROR,
        description=description,
        metadata=check_metadata(alerts, counts),
    )


feed_checks = [feed_check(feed) for feed in FEEDS]


@asset_check(
    asset=get_asset_key_for_model([dbt_after_linkage], "held_back_rules"),
    name="no_rule_held_back",
    description="Warns when a rule raises nothing this month because a feed it relies on is missing or stale.",
)
def no_rule_held_back(run: MonitoringRun) -> AssetCheckResult:
    with run.connect() as con:
        held = con.execute("SELECT rule_id, message FROM main.held_back_rules ORDER BY rule_id").fetchall()
    return AssetCheckResult(
        passed=not held,
        severity=AssetCheckSeverity.WARN,
        description="; ".join(message for _, message in held) or "every rule ran on data within its age",
        metadata={"held_back_rules": MetadataValue.json([rule for rule, _ in held])},
    )
