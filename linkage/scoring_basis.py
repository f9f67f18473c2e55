"""The next month scores only what changed.

A pair's probability depends on the two units compared, the model, and the month's scoring
basis: the prior (1 / units) and how common each name is among the people known by a valid
ID. A month keeps the basis of the month before while the people known by ID have drifted
little since the basis was set (`LinkageConfig.rebase_drift`), takes the pairs of two units
unchanged since the month before, and has Splink score only the pairs with a new or changed
unit: the same pairs and probabilities as scoring every pair on that basis
(tests/linkage/test_scoring_basis.py). A month past the drift, with a new model, or with no
month before it scores every pair on a basis of its own.

Units are matched month to month by what they hold (`unit_contents`), not by their ID: a
snapshot row's record ID changes every month. The warehouse keeps the contents and pairs of
the last two months scored (linkage.unit_contents, linkage.scored_pair_contents), so a rerun
of the latest month finds the month before it as the first run did.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from linkage.model import LinkageConfig
from linkage.units import prior_match_probability
from reference import table_exists

NAME_COLUMNS = ("person_name", "name_pinyin")  # the comparisons with frequency adjustments
PAIR_KEY = ["unit_id_l", "unit_id_r"]


@dataclass(frozen=True)
class ScoringBasis:
    """What every pair score of a month rests on besides the two units."""

    month: str | None  # the month whose units set it (None: not kept, a run without a month)
    model_digest: str
    prior: float
    people: int  # units of a valid ID in that month
    name_counts: dict[str, pl.DataFrame]  # column -> (value, people): people known by ID per name


@dataclass(frozen=True)
class ScoringPlan:
    """How this month's pairs are scored: the basis, and the units Splink must pair again
    (None: all of them) with the pairs of the other units taken from `previous_month`."""

    basis: ScoringBasis
    changed: pl.Series | None = None  # per unit (in the units' order): new or changed since previous_month
    previous_month: str | None = None
    changed_share: float = 1.0  # of the units, new or changed since previous_month
    drift: float = 0.0  # of the basis's people: how far the name counts moved since (L1)


def model_digest(model_path: Path) -> str:
    return hashlib.sha256(Path(model_path).read_bytes()).hexdigest()[:16]


def unit_contents(units: pl.DataFrame) -> pl.DataFrame:
    """(unit_id, unit_content): a 128-bit digest of everything the unit holds but its ID."""
    content = pl.struct([c for c in units.columns if c != "unit_id"])
    return units.select(
        "unit_id",
        unit_content=pl.concat_str(
            [content.hash(seed=1).cast(pl.String), content.hash(seed=2).cast(pl.String)], separator="-"
        ),
    )


def fresh_basis(month: str | None, units: pl.DataFrame, model_path: Path) -> ScoringBasis:
    people = units.filter(pl.col("unit_id").str.starts_with("id:"))
    return ScoringBasis(
        month=month,
        model_digest=model_digest(model_path),
        prior=prior_match_probability(units),
        people=people.height,
        name_counts={
            column: people.filter(pl.col(column).is_not_null()).group_by(column).len("people").rename({column: "value"})
            for column in NAME_COLUMNS
        },
    )


def _columns(con: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    return [
        row[0]
        for row in con.sql(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'linkage' AND table_name = ?",
            params=[name],
        ).fetchall()
    ]


def _kept_basis(con: duckdb.DuckDBPyConnection, basis_month: str, digest: str) -> ScoringBasis | None:
    rows = con.sql(
        "SELECT prior, people FROM linkage.scoring_bases WHERE month = ? AND model_digest = ?",
        params=[basis_month, digest],
    ).fetchall()
    if not rows:
        return None
    counts = con.sql(
        "SELECT column_name, value, people FROM linkage.name_counts WHERE basis_month = ?", params=[basis_month]
    ).pl()
    return ScoringBasis(
        month=basis_month,
        model_digest=digest,
        prior=rows[0][0],
        people=rows[0][1],
        name_counts={
            column: counts.filter(pl.col("column_name") == column).select("value", pl.col("people").cast(pl.UInt32))
            for column in NAME_COLUMNS
        },
    )


def basis_drift(basis: ScoringBasis, now: ScoringBasis) -> float:
    """How far the people known by ID moved since the basis: the L1 distance between the two
    months' counts of people per name (characters), over the basis's people."""
    counts = basis.name_counts["person_name"].join(
        now.name_counts["person_name"], on="value", how="full", coalesce=True, suffix="_now"
    )
    moved = counts.select(
        (pl.col("people").fill_null(0).cast(pl.Int64) - pl.col("people_now").fill_null(0)).abs().sum()
    )
    return moved.item() / max(basis.people, 1)


def plan_scoring(
    con: duckdb.DuckDBPyConnection,
    month: str | None,
    units: pl.DataFrame,
    contents: pl.DataFrame,
    model_path: Path,
    config: LinkageConfig,
) -> ScoringPlan:
    """Score afresh, or on the basis of the month before with its pairs of unchanged units."""
    fresh = ScoringPlan(fresh_basis(month, units, model_path))
    if month is None or not table_exists(con, "linkage", "scored_months"):
        return fresh
    earlier = con.sql(
        "SELECT month, basis_month FROM linkage.scored_months WHERE month < ? ORDER BY month DESC LIMIT 1",
        params=[month],
    ).fetchall()
    if not earlier:
        return fresh
    previous, basis_month = earlier[0]
    basis = _kept_basis(con, basis_month, fresh.basis.model_digest)
    if basis is None:  # another model, or the basis was not kept
        return fresh
    before = con.sql("SELECT unit_content FROM linkage.unit_contents WHERE month = ?", params=[previous]).pl()
    # a content held by two units this month may pair with itself, a pair last month did not have
    once = contents.group_by("unit_content").len().filter(pl.col("len") == 1).select("unit_content")
    unchanged = once.join(before.unique(), on="unit_content", how="semi")
    changed = ~contents["unit_content"].is_in(unchanged["unit_content"].implode())
    share = changed.mean() if len(changed) else 0.0
    drift = basis_drift(basis, fresh.basis)
    if drift > config.rebase_drift:
        return ScoringPlan(fresh.basis, changed_share=share, drift=drift)
    if not config.reuse_scored_pairs:  # every pair scored again, on the same basis
        return ScoringPlan(basis, changed_share=share, drift=drift)
    return ScoringPlan(basis, changed, previous, share, drift)


def reused_pairs(con: duckdb.DuckDBPyConnection, plan: ScoringPlan, contents: pl.DataFrame) -> pl.DataFrame | None:
    """The month before's pairs of two units unchanged since, under this month's unit IDs
    (the smaller on the left, as Splink orders them), with their probability and weights."""
    if plan.previous_month is None:
        return None
    kept = con.sql(
        "SELECT * EXCLUDE (month) FROM linkage.scored_pair_contents WHERE month = ?", params=[plan.previous_month]
    ).pl()
    unchanged = contents.filter(~plan.changed)
    pairs = (
        kept.join(unchanged.rename({"unit_id": "a", "unit_content": "content_l"}), on="content_l")
        .join(unchanged.rename({"unit_id": "b", "unit_content": "content_r"}), on="content_r")
        # a content two units held last month and one holds now: their pair is no pair now
        .filter(pl.col("a") != pl.col("b"))
        .with_columns(unit_id_l=pl.min_horizontal("a", "b"), unit_id_r=pl.max_horizontal("a", "b"))
    )
    return pairs.drop("a", "b", "content_l", "content_r")


def remember_scoring(
    con: duckdb.DuckDBPyConnection,
    month: str,
    plan: ScoringPlan,
    contents: pl.DataFrame,
    scored: pl.DataFrame,
    scored_afresh: int,
) -> None:
    """Keep this month's basis, unit contents and scored pairs (by content) for the next month;
    contents and pairs of the last two months scored, bases those months rest on. Idempotent."""
    basis = plan.basis
    pairs = (
        scored.join(contents.rename({"unit_id": "unit_id_l", "unit_content": "a"}), on="unit_id_l")
        .join(contents.rename({"unit_id": "unit_id_r", "unit_content": "b"}), on="unit_id_r")
        .with_columns(content_l=pl.min_horizontal("a", "b"), content_r=pl.max_horizontal("a", "b"))
        .drop("a", "b", *PAIR_KEY)
        .unique(["content_l", "content_r"])
        .with_columns(month=pl.lit(month))
    )
    counts = pl.concat(  # written only by the month that set the basis
        table.select(pl.lit(column).alias("column_name"), "value", "people")
        for column, table in basis.name_counts.items()
    ).with_columns(basis_month=pl.lit(basis.month))
    con.execute("CREATE SCHEMA IF NOT EXISTS linkage")
    con.execute(
        "CREATE TABLE IF NOT EXISTS linkage.scored_months "
        "(month VARCHAR, basis_month VARCHAR, changed_share DOUBLE, basis_drift DOUBLE, pairs BIGINT, "
        "pairs_scored_afresh BIGINT)"
    )
    con.execute(
        "CREATE TABLE IF NOT EXISTS linkage.scoring_bases "
        "(month VARCHAR, model_digest VARCHAR, prior DOUBLE, people BIGINT)"
    )
    con.execute(
        "CREATE TABLE IF NOT EXISTS linkage.name_counts "
        "(column_name VARCHAR, value VARCHAR, people BIGINT, basis_month VARCHAR)"
    )
    con.execute("CREATE TABLE IF NOT EXISTS linkage.unit_contents (unit_content VARCHAR, month VARCHAR)")
    for name, frame in (
        ("contents_frame", contents.select("unit_content", pl.lit(month).alias("month"))),
        ("pairs_frame", pairs),
        ("counts_frame", counts),
    ):
        con.register(name, frame.to_arrow())
    con.execute("BEGIN")
    try:
        con.execute("DELETE FROM linkage.scored_months WHERE month = ?", [month])
        con.execute(
            "INSERT INTO linkage.scored_months VALUES (?, ?, ?, ?, ?, ?)",
            [month, basis.month, plan.changed_share, plan.drift, len(scored), scored_afresh],
        )
        if basis.month == month:
            con.execute("DELETE FROM linkage.scoring_bases WHERE month = ?", [month])
            con.execute(
                "INSERT INTO linkage.scoring_bases VALUES (?, ?, ?, ?)",
                [month, basis.model_digest, basis.prior, basis.people],
            )
            con.execute("DELETE FROM linkage.name_counts WHERE basis_month = ?", [month])
            con.execute("INSERT INTO linkage.name_counts SELECT * FROM counts_frame")
        con.execute("DELETE FROM linkage.unit_contents WHERE month = ?", [month])
        con.execute("INSERT INTO linkage.unit_contents SELECT * FROM contents_frame")
        # the pairs' columns follow the model's comparisons: another model starts the table anew
        if table_exists(con, "linkage", "scored_pair_contents") and set(_columns(con, "scored_pair_contents")) == set(
            pairs.columns
        ):
            con.execute("DELETE FROM linkage.scored_pair_contents WHERE month = ?", [month])
            con.execute("INSERT INTO linkage.scored_pair_contents BY NAME SELECT * FROM pairs_frame")
        else:
            con.execute("CREATE OR REPLACE TABLE linkage.scored_pair_contents AS SELECT * FROM pairs_frame")
        # the last two months scored, and the bases they rest on
        for table in ("unit_contents", "scored_pair_contents"):
            con.execute(
                f"DELETE FROM linkage.{table} WHERE month NOT IN "  # trusted names only
                "(SELECT month FROM linkage.scored_months ORDER BY month DESC LIMIT 2)"
            )
        con.execute(
            "DELETE FROM linkage.name_counts WHERE basis_month NOT IN (SELECT basis_month FROM linkage.scored_months "
            "WHERE month IN (SELECT month FROM linkage.scored_months ORDER BY month DESC LIMIT 2))"
        )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        for name in ("contents_frame", "pairs_frame", "counts_frame"):
            con.unregister(name)
