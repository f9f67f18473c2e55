"""Stage 4: Great Expectations on the month's alerts as Dagster asset checks. The feed suites
run inside the feed assets (a failed feed is turned away, not the month); only a failed check
on the alerts themselves stops publication."""

from collections import Counter

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)
from dagster_dbt import get_asset_key_for_model

from expectations.rule_gate import HoldKind, decisions_frame, decisions_of
from expectations.suites import alert_count_suite, alerts_suite, rule_departments
from expectations.validate import ValidationSummary, update_data_docs, validate_frame
from ingestion.catalogue import FEEDS
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
    "catalogue, department matching the rule, county in 临汾市, evidence present, and no rule "
    "published with its count beyond the rule gate's limits unapproved (a jump holds back that "
    "rule alone, before this gate). A failure stops the workbooks.",
)
def alerts_publication_gate(context: AssetCheckExecutionContext, warehouse: Warehouse) -> AssetCheckResult:
    month = context.partition_key
    with warehouse.get_connection() as con:
        frame = con.execute("SELECT * FROM main.alerts WHERE month = ?", [month]).df()
        decisions = decisions_frame(con, month)
    docs = warehouse.data_docs_root
    alerts = validate_frame(frame, alerts_suite(month), "alerts", docs)
    counts = validate_frame(decisions, alert_count_suite(), "alert_counts", docs)
    update_data_docs(docs)
    description = alerts.describe() if not alerts.success else counts.describe()
    metadata = check_metadata(alerts, counts)
    metadata["alerts"] = len(frame)
    metadata["rules_held_back"] = MetadataValue.json(
        sorted(decisions.loc[decisions["decision"] == "held_back", "rule_id"])
    )
    for alert_type, n in frame.groupby("alert_type").size().items() if len(frame) else []:
        metadata[f"alerts_{alert_type}"] = int(n)
    return AssetCheckResult(
        passed=alerts.success and counts.success,
        severity=AssetCheckSeverity.ERROR,
        description=description,
        metadata=metadata,
    )


HELD_BACK_RULES = get_asset_key_for_model([dbt_after_linkage], "held_back_rules")
RULE_CHECK_PREFIX = "rule_published_"  # rule_published_N08: one check per rule of the catalogue


def rule_published_check(rule_id: str):
    """The check `rule_published_<rule>` on held_back_rules: red when the rule gate held the
    rule back this month (its model or data tests failed, or its count jumped unapproved),
    yellow when a feed it relies on was turned away or is past its age."""

    @asset_check(
        asset=HELD_BACK_RULES,
        name=f"{RULE_CHECK_PREFIX}{rule_id}",
        partitions_def=MONTHS,
        description=f"Rule {rule_id} published this month: red when the rule gate held it back (its model or "
        "data tests failed, or its count jumped unapproved); yellow when a feed it relies on was turned away "
        "or is past its age. Either way its open alerts show 暂停 and every other rule is published.",
    )
    def _check(context: AssetCheckExecutionContext, warehouse: Warehouse) -> AssetCheckResult:
        month = context.partition_key
        with warehouse.get_connection() as con:
            held = con.execute(
                "SELECT message, hold_kinds FROM main.held_back_rules WHERE month = ? AND rule_id = ?",
                [month, rule_id],
            ).fetchall()
            decision = decisions_of(con, month).get(rule_id, {})
        message, kinds = held[0] if held else (None, "")
        by_gate = bool(set((kinds or "").split(",")) & {str(k) for k in HoldKind})
        metadata = {k: v for k, v in decision.items() if v is not None and k not in ("month", "rule_id")}
        return AssetCheckResult(
            passed=message is None,
            severity=AssetCheckSeverity.ERROR if by_gate else AssetCheckSeverity.WARN,
            description=(decision.get("detail") if by_gate else None) or message or "published",
            metadata={"hold_kinds": kinds or "", **metadata},
        )

    return _check


rules_published = [rule_published_check(rule_id) for rule_id, _ in rule_departments()]


DELIVERY_BOARD = "delivery_board"
BOARD_WORDS = {"loaded": "loaded", "no_events": "no events", "rejected": "turned away", "missing": "missing"}


def delivery_board(con, month: str) -> list[dict]:
    """Every feed of the catalogue for the month: its outcome (raw.load_log.status), the reason a
    delivery was turned away, rows loaded and quarantined, and whether its files are the same
    as the previous month's delivery of the feed (same content digest)."""
    rows = con.execute(
        """
        SELECT l.feed_code, l.status, l.reason, l.rows_loaded, l.rows_quarantined,
               l.content_digest IS NOT NULL AND l.content_digest = (
                   SELECT p.content_digest FROM raw.load_log p
                   WHERE p.feed_code = l.feed_code AND p.delivery_month < l.delivery_month
                     AND p.status IN ('loaded', 'no_events')
                   ORDER BY p.delivery_month DESC LIMIT 1) AS same_as_before
        FROM raw.load_log l WHERE l.delivery_month = ?
        """,
        [month],
    ).fetchall()
    logged = {r[0]: r for r in rows}
    board = []
    for feed in FEEDS:
        code, status, reason, loaded, quarantined, same = logged.get(feed.code, (feed.code, None, None, 0, 0, False))
        board.append(
            {
                "feed": code,
                "outcome": BOARD_WORDS.get(status, status or "not run"),
                "reason": reason or "",
                "rows_loaded": int(loaded or 0),
                "rows_quarantined": int(quarantined or 0),
                "same_as_last_month": bool(same),
            }
        )
    return board


def board_markdown(board: list[dict]) -> str:
    lines = [
        "| feed | outcome | rows loaded | rows quarantined | same files as last month | reason |",
        "|---|---|---:|---:|---|---|",
    ]
    for row in board:
        reason = row["reason"].replace("|", "/").replace("\n", " ")
        same = "yes" if row["same_as_last_month"] else ""
        figures = f"{row['rows_loaded']} | {row['rows_quarantined']}"
        lines.append(f"| {row['feed']} | {row['outcome']} | {figures} | {same} | {reason} |")
    return "\n".join(lines)


@asset_check(
    asset=AssetKey(["raw", "load_log"]),
    name=DELIVERY_BOARD,
    partitions_def=MONTHS,
    description="The month's delivery board: every feed's outcome (loaded / turned away with the reason / "
    "missing / no events), rows loaded and quarantined, and whether the files are the same as last month's. "
    "Yellow when a feed was turned away, is missing, or quarantined rows; its rules are held back, the "
    "month is still published.",
)
def month_delivery_board(context: AssetCheckExecutionContext, warehouse: Warehouse) -> AssetCheckResult:
    month = context.partition_key
    with warehouse.get_connection() as con:
        board = delivery_board(con, month)
    counts = Counter(row["outcome"] for row in board)
    quarantined = sum(row["rows_quarantined"] for row in board)
    not_delivered = [row["feed"] for row in board if row["outcome"] not in ("loaded", "no events")]
    summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
    return AssetCheckResult(
        passed=not not_delivered and not quarantined,
        severity=AssetCheckSeverity.WARN,
        description=f"{month}: {summary}; {quarantined} rows quarantined"
        + (f"; not delivered: {', '.join(not_delivered)}" if not_delivered else ""),
        metadata={
            "board": MetadataValue.md(board_markdown(board)),
            **{f"feeds_{outcome.replace(' ', '_')}": n for outcome, n in counts.items()},
            "rows_quarantined": quarantined,
            "feeds_same_as_last_month": sum(row["same_as_last_month"] for row in board),
        },
    )
