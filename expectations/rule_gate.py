"""The rule gate: which rules are held back this month, decided between the two dbt
invocations of the step after linkage (orchestration/dbt_assets.py).

One rule never stops the city. A rule is held back, and every other rule published, when

- its model failed to build (`model_failed`),
- a data test on its model failed (`tests_failed`): the rule tests run at severity warn
  (dbt_project.yml) so dbt goes on with the other rules, and the gate reads their outcome, or
- its alert count jumped past the limit against its baseline month (`count_jump`) and nobody
  approved the jump (expectations/alert_count_overrides.csv, or the run tag APPROVE_TAG).

A held-back rule raises nothing this month; its open alerts are carried over as 暂停 (dbt
model held_back_rules). Every decision, published or not, is kept in main.rule_decisions.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from expectations.suites import QualityThresholds
from reference import mask_id_shapes, quote_ident, table_exists

OVERRIDES = Path(__file__).parent / "alert_count_overrides.csv"
APPROVE_TAG = "linfen/approve_count_jumps"  # a run's tag: rule ids whose count jump is approved, "N08,N01"
DECISIONS_TABLE = "main.rule_decisions"
RULE_MODEL_PREFIX = "alert_"  # models/marts/alert_rules/alert_<rule>.sql


class HoldKind(StrEnum):
    MODEL_FAILED = "model_failed"
    TESTS_FAILED = "tests_failed"
    COUNT_JUMP = "count_jump"


@dataclass(frozen=True)
class RuleHold:
    """One rule held back this month. `detail` is Chinese, for the workbooks' summary sheets
    (after '规则N08暂停预警：'); `engineer_detail` says what failed, IDs masked."""

    rule_id: str
    kind: HoldKind
    detail: str
    engineer_detail: str

    def as_dbt_var(self) -> dict[str, str]:
        return {"rule_id": self.rule_id, "kind": str(self.kind), "detail": self.detail}


@dataclass(frozen=True)
class CountCheck:
    """A rule's count this month against its baseline month, and the limit it was held to."""

    rule_id: str
    this_month: int
    baseline_month: str | None
    baseline_count: int | None
    lower_limit: float | None
    upper_limit: float | None
    approved: bool = False

    @property
    def is_jump(self) -> bool:
        if self.baseline_count is None:
            return False
        return self.this_month > self.upper_limit or self.this_month < self.lower_limit


class NonRuleNodeFailed(RuntimeError):
    """A model or test that is not one rule's failed: it concerns every rule, so the month stops."""


def overrides(path: Path = OVERRIDES) -> set[tuple[str, str]]:
    """(month, rule_id) pairs whose jump in count was examined and accepted."""
    with open(path, encoding="utf-8") as f:
        return {(r["month"], r["rule_id"]) for r in csv.DictReader(f)}


def approved_from_tag(month: str, tag_value: str | None) -> set[tuple[str, str]]:
    """The run tag's rule ids (comma or space separated) as approvals for `month`."""
    ids = (tag_value or "").replace(",", " ").split()
    return {(month, rule_id.strip().upper()) for rule_id in ids}


def rule_id_of_model(model_name: str) -> str | None:
    return model_name[len(RULE_MODEL_PREFIX) :].upper() if model_name.startswith(RULE_MODEL_PREFIX) else None


def _rule_of_node(node: Mapping[str, Any], nodes: Mapping[str, Any]) -> str | None:
    """The rule a model or test node belongs to: a rule model itself, or a test whose models
    are one rule's model."""
    if node["resource_type"] == "model":
        return rule_id_of_model(node["name"]) if "alert_rules" in node["fqn"] else None
    if node["resource_type"] == "test":
        parents = [nodes[p] for p in node.get("depends_on", {}).get("nodes", []) if p in nodes]
        rules = {_rule_of_node(p, nodes) for p in parents if p["resource_type"] == "model"}
        return rules.pop() if len(rules) == 1 and None not in rules else None
    return None


FAILED_STATUSES = {"error", "fail", "warn", "skipped", "runtime error"}


def failed_rules(run_results: Mapping[str, Any], manifest: Mapping[str, Any]) -> list[RuleHold]:
    """The rules whose model failed or whose tests failed in one dbt invocation; raises
    NonRuleNodeFailed when a node that is not one rule's failed (an intermediate model, a test
    across rules)."""
    nodes = manifest["nodes"]
    failed: dict[str, list[tuple[Mapping, Mapping]]] = {}
    others = []
    for result in run_results["results"]:
        node = nodes.get(result["unique_id"])
        status = str(result["status"]).lower()
        if node is None or status not in FAILED_STATUSES:
            continue
        rule = _rule_of_node(node, nodes)
        if rule is None:
            if status in ("error", "fail", "runtime error", "skipped"):
                others.append(f"{node['name']}: {status}: {mask_id_shapes(result.get('message') or '')}")
            continue
        failed.setdefault(rule, []).append((node, result))
    if others:
        raise NonRuleNodeFailed("dbt nodes that every rule relies on failed: " + "; ".join(others))
    holds = []
    for rule, entries in sorted(failed.items()):
        model_errors = [r for n, r in entries if n["resource_type"] == "model"]
        if model_errors:
            message = mask_id_shapes((model_errors[0].get("message") or "").strip().splitlines()[0][:300])
            holds.append(RuleHold(rule, HoldKind.MODEL_FAILED, "本月规则计算出错，数据工程师正在处理", message))
        else:
            tests = sorted(n["name"] for n, _ in entries)
            holds.append(
                RuleHold(
                    rule,
                    HoldKind.TESTS_FAILED,
                    "本月规则结果未通过数据质量检查，数据工程师正在处理",
                    "failed data tests: " + ", ".join(tests),
                )
            )
    return holds


def count_limits(baseline: int, thresholds: QualityThresholds) -> tuple[float, float]:
    """(lower, upper) bounds of this month's count around a baseline month's count. Small
    counts are compared as if they were `alert_count_min_for_factor`: 2 alerts becoming 6 is
    chance, not a jump, while 10 becoming 31 is one; a drop is judged only from a baseline of
    at least that many."""
    base = max(baseline, thresholds.alert_count_min_for_factor)
    upper = thresholds.alert_count_max_factor * base
    lower = baseline / thresholds.alert_count_max_factor if baseline >= thresholds.alert_count_min_for_factor else 0
    return lower, upper


def baseline_months(con: duckdb.DuckDBPyConnection, month: str, rule_ids: Iterable[str]) -> dict[str, str | None]:
    """Per rule, the month its count is compared with: the latest earlier month in which it was
    published (a month it was held back in says nothing of its usual count). None when that
    month would be the warehouse's first: a first month is warm-up, since everything that
    counts from history (working days since delivery, last month's roster, episodes) starts
    there from nothing, and its counts compare with no ordinary month."""
    rule_ids = list(rule_ids)
    if not table_exists(con, "main", "person_month"):
        return dict.fromkeys(rule_ids)
    months = [m for (m,) in con.execute("SELECT DISTINCT month FROM main.person_month ORDER BY month").fetchall()]
    earlier = [m for m in months if m < month]
    held: set[tuple[str, str]] = set()
    if table_exists(con, "main", "rule_decisions"):
        held = set(
            con.execute(
                f"SELECT month, rule_id FROM {DECISIONS_TABLE} WHERE decision = 'held_back' AND month < ?", [month]
            ).fetchall()
        )
    out: dict[str, str | None] = {}
    for rule in rule_ids:
        published = [m for m in earlier if (m, rule) not in held]
        out[rule] = published[-1] if published and published[-1] != months[0] else None
    return out


def count_checks(
    con: duckdb.DuckDBPyConnection,
    month: str,
    rule_tables: Mapping[str, tuple[str, str]],
    thresholds: QualityThresholds,
    approved: set[tuple[str, str]],
) -> list[CountCheck]:
    """Each built rule's row count against its baseline month's published alerts (alert_history,
    not paused). `rule_tables` maps a rule id to its model's (schema, table)."""
    baselines = baseline_months(con, month, rule_tables)
    previous: dict[tuple[str, str], int] = {}
    if table_exists(con, "main", "alert_history"):
        previous = {
            (m, r): n
            for m, r, n in con.execute(
                "SELECT month, rule_id, count(*) FROM main.alert_history WHERE month < ? AND NOT is_paused "
                "GROUP BY ALL",
                [month],
            ).fetchall()
        }
    checks = []
    for rule, (schema, table) in sorted(rule_tables.items()):
        (now,) = con.execute(f"SELECT count(*) FROM {quote_ident(schema)}.{quote_ident(table)}").fetchone()
        baseline = baselines[rule]
        before = previous.get((baseline, rule), 0) if baseline else None
        lower, upper = count_limits(before, thresholds) if before is not None else (None, None)
        checks.append(CountCheck(rule, now, baseline, before, lower, upper, (month, rule) in approved))
    return checks


def jump_holds(checks: Iterable[CountCheck]) -> list[RuleHold]:
    return [
        RuleHold(
            c.rule_id,
            HoldKind.COUNT_JUMP,
            f"预警数由{c.baseline_month}的{c.baseline_count}条变为{c.this_month}条，超出正常变动范围，待市局核准后发布",
            f"count {c.baseline_count} ({c.baseline_month}) -> {c.this_month}, limits "
            f"{c.lower_limit:.1f}-{c.upper_limit:.1f}; approve with the run tag {APPROVE_TAG}={c.rule_id} or a row "
            f"in expectations/alert_count_overrides.csv",
        )
        for c in checks
        if c.is_jump and not c.approved
    ]


def record_decisions(
    con: duckdb.DuckDBPyConnection, month: str, checks: list[CountCheck], holds: list[RuleHold], rule_ids: list[str]
) -> pd.DataFrame:
    """Replace the month's rows of main.rule_decisions (one row per rule of the catalogue) and
    return them: a rerun of the month decides anew."""
    by_rule = {c.rule_id: c for c in checks}
    held = {}
    for hold in holds:
        held.setdefault(hold.rule_id, hold)
    rows = []
    for rule in sorted(rule_ids):
        check, hold = by_rule.get(rule), held.get(rule)
        decision = (
            "held_back" if hold else ("approved_jump" if check and check.is_jump and check.approved else "published")
        )
        rows.append(
            {
                "month": month,
                "rule_id": rule,
                "decision": decision,
                "hold_kind": str(hold.kind) if hold else None,
                "this_month_count": check.this_month if check else None,
                "baseline_month": check.baseline_month if check else None,
                "baseline_count": check.baseline_count if check else None,
                "lower_limit": check.lower_limit if check else None,
                "upper_limit": check.upper_limit if check else None,
                "detail": hold.engineer_detail if hold else None,
            }
        )
    frame = pd.DataFrame(rows)
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {DECISIONS_TABLE} (
            month VARCHAR, rule_id VARCHAR, decision VARCHAR, hold_kind VARCHAR, this_month_count BIGINT,
            baseline_month VARCHAR, baseline_count BIGINT, lower_limit DOUBLE, upper_limit DOUBLE, detail VARCHAR)"""
    )
    con.execute(f"DELETE FROM {DECISIONS_TABLE} WHERE month = ?", [month])
    con.register("decided_rules", frame)
    try:
        con.execute(f"INSERT INTO {DECISIONS_TABLE} BY NAME SELECT * FROM decided_rules")
    finally:
        con.unregister("decided_rules")
    return frame


def decisions_frame(con: duckdb.DuckDBPyConnection, month: str) -> pd.DataFrame:
    """The month's rule decisions, with whether a rule went out with its count beyond its
    limits unapproved (which the gate never allows: the publication gate checks it)."""
    if not table_exists(con, "main", "rule_decisions"):
        return pd.DataFrame(columns=["rule_id", "decision", "published_beyond_limit"])
    return con.execute(
        f"""SELECT *, decision = 'published' AND coalesce(
                this_month_count > upper_limit OR this_month_count < lower_limit, false) AS published_beyond_limit
            FROM {DECISIONS_TABLE} WHERE month = ? ORDER BY rule_id""",
        [month],
    ).df()


def decisions_of(con: duckdb.DuckDBPyConnection, month: str) -> dict[str, dict]:
    """rule id -> the month's decision row (JSON-friendly values)."""
    frame = decisions_frame(con, month)
    return {
        row["rule_id"]: {k: (None if pd.isna(v) else v) for k, v in row.items()} for row in frame.to_dict("records")
    }
