"""Pairwise precision, recall and F1 of the person keys against the generator's truth."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb


@dataclass
class PairwiseScores:
    records: int
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

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
        WITH truth AS (
            SELECT regexp_extract(filename, '([0-9]{4}-[0-9]{2})/records[.]csv$', 1) AS delivery_month,
                   feed_code, source_file, cast(source_row AS INTEGER) AS source_row, role, pid,
                   id_noise, name_noise
            FROM read_csv(?, all_varchar = true, filename = true)
        ),
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
        pairs AS (
            SELECT a.pid = b.pid AS same_truth, a.person_key = b.person_key AS same_key
            FROM joined a JOIN joined b
              ON a.person_record_id < b.person_record_id
             AND (a.pid = b.pid OR a.person_key = b.person_key)
             AND (a.focus OR b.focus)
        )
        SELECT (SELECT count(*) FROM joined),
               count(*) FILTER (WHERE same_truth),
               count(*) FILTER (WHERE same_key),
               count(*) FILTER (WHERE same_truth AND same_key)
        FROM pairs
        """,
        [str(truth_records_csv)],
    ).fetchall()[0]
    return PairwiseScores(*rows)
