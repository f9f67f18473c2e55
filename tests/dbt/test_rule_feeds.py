"""Seed rule_feeds declares the feeds each rule relies on: a rule is held back when one of them is
turned away or too old (int_rules_held_by_feeds). A rule model that reads a staging model its
rows do not name would raise alerts on a stale feed. The ref graph comes from the real dbt
manifest (`dbt parse`), not from reading the SQL text."""

import csv
import json
import os
import subprocess

import pytest

from orchestration.dbt_settings import DBT_EXECUTABLE, DBT_PROJECT_DIR, dbt_environment

SEEDS = DBT_PROJECT_DIR / "seeds"


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("rule_feeds")
    target = tmp / "target"
    result = subprocess.run(
        [DBT_EXECUTABLE, "parse", "--target-path", str(target)],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, **dbt_environment(str(tmp / "parse.duckdb")), "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    return json.loads((target / "manifest.json").read_text(encoding="utf-8"))


def staging_read_by_rule(manifest: dict) -> dict[str, set[str]]:
    """rule_id -> the feed codes of the stg_ models its model refs directly."""
    nodes = manifest["nodes"]
    read: dict[str, set[str]] = {}
    for node in nodes.values():
        if node["resource_type"] != "model" or "alert_rules" not in node["fqn"]:
            continue
        rule_id = node["name"].removeprefix("alert_").upper()
        parents = (nodes.get(uid) for uid in node["depends_on"]["nodes"])
        read[rule_id] = {
            p["name"].removeprefix("stg_") for p in parents if p and p["name"].startswith("stg_")
        }
    return read


def declared(path=SEEDS / "rule_feeds.csv") -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            out.setdefault(row["rule_id"], set()).add(row["feed_code"])
    return out


def test_every_staging_model_a_rule_reads_is_declared_in_rule_feeds(manifest):
    read = staging_read_by_rule(manifest)
    assert len(read) >= 30, sorted(read)  # the catalogue's 30 rules are all found in the graph
    seen = declared()
    missing = {rule: sorted(feeds - seen.get(rule, set())) for rule, feeds in sorted(read.items())}
    missing = {rule: feeds for rule, feeds in missing.items() if feeds}
    assert not missing, f"dbt_project/seeds/rule_feeds.csv lacks (rule: feeds its model reads): {missing}"


def test_rule_feeds_name_known_rules_and_feeds():
    with open(SEEDS / "feeds.csv", encoding="utf-8", newline="") as f:
        feeds = {row["feed_code"] for row in csv.DictReader(f)}
    with open(SEEDS / "alert_rules.csv", encoding="utf-8", newline="") as f:
        rules = {row["rule_id"] for row in csv.DictReader(f)}
    with open(SEEDS / "rule_feeds.csv", encoding="utf-8", newline="") as f:
        bad = [
            (line, row["rule_id"], row["feed_code"])
            for line, row in enumerate(csv.DictReader(f), start=2)
            if row["rule_id"] not in rules or row["feed_code"] not in feeds
        ]
    assert not bad, f"dbt_project/seeds/rule_feeds.csv rows naming no rule of alert_rules or no feed of feeds: {bad}"


def test_the_check_finds_a_missing_row(manifest, tmp_path):
    """The comparison itself: a seed without N03's disability_cards row is reported."""
    seed = tmp_path / "rule_feeds.csv"
    with open(SEEDS / "rule_feeds.csv", encoding="utf-8") as f:
        seed.write_text("".join(ln for ln in f if ln.strip() != "N03,disability_cards,"), encoding="utf-8")
    read = staging_read_by_rule(manifest)
    assert "disability_cards" in read["N03"]
    assert "disability_cards" in read["N03"] - declared(seed).get("N03", set())
