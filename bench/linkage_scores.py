"""Pairwise precision, recall and F1 of the person keys against the generator's truth."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

# The generator's truth files (truth/<month>/records.csv, or a glob of them): who each
# delivered record is, keyed as lnk_person_records keys it.
TRUTH_RECORDS_SQL = """
    SELECT regexp_extract(filename, '([0-9]{4}-[0-9]{2})/records[.]csv$', 1) AS delivery_month,
           feed_code, source_file, cast(source_row AS INTEGER) AS source_row, role, pid, id_noise, name_noise,
           phone_noise, place_noise
    FROM read_csv(?, all_varchar = true, filename = true)
"""


def ratio(part: int, whole: int) -> float:
    """part / whole, 1.0 for nothing to count (no pair predicted is no false pair)."""
    return part / whole if whole else 1.0


@dataclass
class PairwiseScores:
    records: int
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int

    @property
    def precision(self) -> float:
        return ratio(self.correct_pairs, self.predicted_pairs)

    @property
    def recall(self) -> float:
        return ratio(self.correct_pairs, self.true_pairs)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def pairwise_scores(
    con: duckdb.DuckDBPyConnection,
    truth_records_csv: Path,
    where: str = "true",
    assignments: str = "linkage.record_person",
) -> PairwiseScores:
    """Score linkage.record_person against the truth files (truth/<month>/records.csv; a glob
    such as truth/*/records.csv covers events delivered in earlier months). `where` filters the
    records considered (SQL over columns of the truth file, e.g. "id_noise = 'typo'"):
    pairs are counted when at least one side passes it. `assignments` names the table of
    (person_record_id, person_key) to score (a trusted identifier, not user input)."""
    rows = con.execute(
        """
        WITH truth AS ("""
        + TRUTH_RECORDS_SQL
        + """),
        joined AS (
            SELECT l.person_record_id, rp.person_key, t.pid, ("""
        + where
        + """) AS focus
            FROM linkage_input.lnk_person_records l
            JOIN """
        + assignments
        + """ rp USING (person_record_id)
            JOIN truth t ON t.delivery_month = l.delivery_month AND t.feed_code = l.feed_code
                        AND t.source_file = l.source_file AND t.source_row = l.source_row AND t.role = l.role
        ),
        -- pairs counted from group sizes (n choose 2), never enumerated: at 1M people the
        -- records number millions. "At least one side in focus" = all pairs - pairs of two
        -- records outside it.
        groups AS (
            SELECT 'truth' AS kind, count(*) AS n, count(*) FILTER (WHERE NOT focus) AS n_out
            FROM joined GROUP BY pid
            UNION ALL
            SELECT 'key', count(*), count(*) FILTER (WHERE NOT focus) FROM joined GROUP BY person_key
            UNION ALL
            SELECT 'both', count(*), count(*) FILTER (WHERE NOT focus) FROM joined GROUP BY pid, person_key
        ),
        pairs AS (
            SELECT kind, sum(n * (n - 1) // 2 - n_out * (n_out - 1) // 2) AS pairs FROM groups GROUP BY kind
        )
        SELECT (SELECT count(*) FROM joined),
               coalesce((SELECT pairs FROM pairs WHERE kind = 'truth'), 0),
               coalesce((SELECT pairs FROM pairs WHERE kind = 'key'), 0),
               coalesce((SELECT pairs FROM pairs WHERE kind = 'both'), 0)
        """,
        [str(truth_records_csv)],
    ).fetchall()[0]
    return PairwiseScores(*rows)


@dataclass
class ContentCeiling:
    """Of the records without a usable ID (blank or Excel-damaged) whose person holds a valid
    ID somewhere this month, how many does what they carry single out?"""

    damaged_records: int
    with_known_person: int
    singled_out: int
    ambiguous: int

    @property
    def share_singled_out(self) -> float:
        return self.singled_out / self.with_known_person if self.with_known_person else 1.0


def content_ceiling(con: duckdb.DuckDBPyConnection, truth_records_csv: Path) -> ContentCeiling:
    """An upper bound for any linkage: a damaged record is singled out when exactly one valid-ID
    person agrees with everything it states — the name's pinyin, home region, sex, the birth
    years it implies, and not already on its one-person-once register — and that person is the
    right one. Records agreeing with several such people cannot be told apart by content."""
    import polars as pl

    from linkage.standardise import standardise
    from linkage.units import linkage_units

    records = con.sql("SELECT * FROM linkage_input.lnk_person_records").pl()
    std = standardise(records)
    units, unresolved = linkage_units(std)
    keys = ["delivery_month", "feed_code", "source_file", "source_row", "role"]
    truth = (
        con.sql(TRUTH_RECORDS_SQL, params=[str(truth_records_csv)])
        .pl()
        .join(records.select("person_record_id", *keys).with_columns(pl.col("source_row").cast(pl.Int32)), on=keys)
    )
    pid_of = dict(truth.select("person_record_id", "pid").iter_rows())
    noise_of = dict(truth.select("person_record_id", "id_noise").iter_rows())
    unit_pid: dict[str, str] = {}
    for id_number, record_id in std.filter(pl.col("id_valid")).select("id_number", "person_record_id").iter_rows():
        unit_pid.setdefault("id:" + id_number, pid_of.get(record_id))
    by_name: dict[str, list[dict]] = {}
    for unit in units.filter(pl.col("unit_id").str.starts_with("id:")).iter_rows(named=True):
        by_name.setdefault(unit["name_pinyin"], []).append(unit)
    known = set(unit_pid.values())

    def agrees(r: dict, u: dict) -> bool:
        for column in ("home_region", "sex"):
            if r[column] and u[column] and r[column] != u[column]:
                return False
        if r["birth_year_low"] is not None and u["birth_year"] is not None:
            if not r["birth_year_low"] <= u["birth_year"] <= r["birth_year_high"]:
                return False
        return not (r["sole_feed"] and r["sole_feed"] in (u["held_registers"] or []))

    counts = [0, 0, 0, 0]
    for r in unresolved.iter_rows(named=True):
        if noise_of.get(r["person_record_id"]) not in ("blank", "excel_damaged"):
            continue
        pid = pid_of[r["person_record_id"]]
        candidates = [unit_pid[u["unit_id"]] for u in by_name.get(r["name_pinyin"], []) if agrees(r, u)]
        counts[0] += 1
        counts[1] += pid in known
        counts[2] += pid in known and candidates == [pid]
        counts[3] += pid in known and pid in candidates and len(candidates) > 1
    return ContentCeiling(*counts)
