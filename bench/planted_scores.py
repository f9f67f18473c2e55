"""Score the month's alerts against the generator's planted cases, rule by rule.

An alert's subject is mapped to a true person through its records (the truth says who each
delivered record is about). Recall: planted cases whose alert was raised. Precision: alerts of
the rule whose subject is one of that rule's planted subjects (for S08, which is about the
delivered data itself, also any roster person whose ID the truth says was damaged on the way).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import duckdb


@dataclass
class RuleScore:
    rule_id: str
    planted: int
    raised: int
    planted_raised: int
    raised_planted: int

    @property
    def recall(self) -> float:
        return self.planted_raised / self.planted if self.planted else 1.0

    @property
    def precision(self) -> float:
        return self.raised_planted / self.raised if self.raised else 1.0


PERSON_TRUTH = """
        truth AS (
            SELECT regexp_extract(filename, '([0-9]{4}-[0-9]{2})/records[.]csv$', 1) AS delivery_month,
                   feed_code, source_file, cast(source_row AS INTEGER) AS source_row, role, pid, id_noise
            FROM read_csv($records, all_varchar = true, filename = true)
        ),
        person_truth AS (
            SELECT r.person_key, mode(t.pid) AS pid
            FROM intermediate.int_person_records r
            JOIN truth t USING (delivery_month, feed_code, source_file, source_row, role)
            GROUP BY r.person_key
        )"""


def planted_alert_scores(con: duckdb.DuckDBPyConnection, truth_dir: Path, month: str) -> list[RuleScore]:
    rows = con.execute(
        f"""
        WITH {PERSON_TRUTH},
        planted AS (
            SELECT DISTINCT rule_id, truth_person_id AS pid FROM read_csv($planted, all_varchar = true)
        ),
        raised AS (
            SELECT a.rule_id, pt.pid, a.subject_person_key
            FROM main.alert_history a LEFT JOIN person_truth pt ON pt.person_key = a.subject_person_key
            WHERE a.month = $month
        ),
        -- S08 is about the delivered data itself: an alert on a roster row whose ID the truth
        -- says was damaged on the way (and that linkage left unresolved) is right, planted or not
        damaged_roster_ids AS (
            SELECT DISTINCT records.person_key
            FROM intermediate.int_person_records records
            JOIN truth USING (delivery_month, feed_code, source_file, source_row, role)
            WHERE records.feed_code IN ('civil_dibao', 'civil_tekun', 'civil_marginal')
                AND truth.id_noise IN ('blank', 'typo', 'transposition', 'excel_damaged')
        ),
        justified AS (
            SELECT raised.rule_id FROM raised JOIN planted USING (rule_id, pid)
            UNION ALL
            SELECT raised.rule_id FROM raised JOIN damaged_roster_ids d ON d.person_key = raised.subject_person_key
            WHERE raised.rule_id = 'S08' AND NOT EXISTS (
                SELECT 1 FROM planted WHERE planted.rule_id = raised.rule_id AND planted.pid = raised.pid
            )
        ),
        planted_raised AS (
            SELECT DISTINCT planted.rule_id, planted.pid FROM planted JOIN raised USING (rule_id, pid)
        ),
        counts AS (
            SELECT rule_id, 'planted' AS kind, count(*) AS n FROM planted GROUP BY ALL
            UNION ALL SELECT rule_id, 'raised', count(*) FROM raised GROUP BY ALL
            UNION ALL SELECT rule_id, 'planted_raised', count(*) FROM planted_raised GROUP BY ALL
            UNION ALL SELECT rule_id, 'raised_planted', count(*) FROM justified GROUP BY ALL
        )
        SELECT
            rules.rule_id,
            coalesce(sum(n) FILTER (WHERE kind = 'planted'), 0),
            coalesce(sum(n) FILTER (WHERE kind = 'raised'), 0),
            coalesce(sum(n) FILTER (WHERE kind = 'planted_raised'), 0),
            coalesce(sum(n) FILTER (WHERE kind = 'raised_planted'), 0)
        FROM reference.alert_rules AS rules LEFT JOIN counts USING (rule_id)
        GROUP BY rules.rule_id ORDER BY rules.rule_id
        """,
        {"records": _records(truth_dir), "planted": str(truth_dir / "planted_alerts.csv"), "month": month},
    ).fetchall()
    return [RuleScore(*row) for row in rows]


def _records(truth_dir: Path) -> str:
    return str(truth_dir.parent / "*" / "records.csv")


def absent_alerts_raised(con: duckdb.DuckDBPyConnection, truth_dir: Path, month: str) -> list[tuple[str, str]]:
    """The ordinary near misses (truth planted_absent.csv) that raised the alert they must not:
    (rule, note)."""
    path = truth_dir / "planted_absent.csv"
    if not path.exists() or not path.stat().st_size:
        return []
    return con.execute(
        f"""
        WITH {PERSON_TRUTH},
        absent AS (SELECT rule_id, truth_person_id AS pid, note FROM read_csv($absent, all_varchar = true))
        SELECT DISTINCT absent.rule_id, absent.note
        FROM absent
        JOIN person_truth USING (pid)
        JOIN main.alert_history a ON a.subject_person_key = person_truth.person_key AND a.rule_id = absent.rule_id
        WHERE a.month = $month
        ORDER BY 1, 2
        """,
        {"records": _records(truth_dir), "absent": str(path), "month": month},
    ).fetchall()


def misrouted_alerts(con: duckdb.DuckDBPyConnection, truth_dir: Path, month: str) -> list[tuple[str, str, str]]:
    """Planted alerts raised outside the county the person lives in: (rule, county sent to,
    county lived in). Only people some record places in a county: for the others the county
    falls back on the ID number's region, which no record can correct."""
    return con.execute(
        f"""
        WITH {PERSON_TRUTH},
        planted AS (
            SELECT DISTINCT rule_id, truth_person_id AS pid, county_code
            FROM read_csv($planted, all_varchar = true)
        )
        SELECT planted.rule_id, a.county_code, planted.county_code
        FROM planted
        JOIN person_truth USING (pid)
        JOIN main.alert_history a ON a.subject_person_key = person_truth.person_key AND a.rule_id = planted.rule_id
        WHERE a.month = $month
            AND a.subject_person_key IN (
                SELECT person_key FROM intermediate.int_person_records WHERE county_code IS NOT NULL
            )
            AND a.county_code <> planted.county_code
            AND NOT list_contains(string_split(coalesce(a.also_county_codes, ''), ','), planted.county_code)
        ORDER BY 1
        """,
        {"records": _records(truth_dir), "planted": str(truth_dir / "planted_alerts.csv"), "month": month},
    ).fetchall()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.planted_scores", description=__doc__)
    parser.add_argument("--warehouse", required=True)
    parser.add_argument("--truth", required=True, help="truth/<month> folder of the generated month")
    parser.add_argument("--month", required=True)
    args = parser.parse_args(argv)
    with duckdb.connect(args.warehouse, read_only=True) as con:
        scores = planted_alert_scores(con, Path(args.truth), args.month)
    print(f"{'rule':<6}{'planted':>8}{'raised':>8}{'recall':>8}{'precision':>10}")
    for s in scores:
        print(f"{s.rule_id:<6}{s.planted:>8}{s.raised:>8}{s.recall:>8.2f}{s.precision:>10.2f}")
    planted = sum(s.planted for s in scores)
    raised = sum(s.raised for s in scores)
    print(
        f"{'all':<6}{planted:>8}{raised:>8}{sum(s.planted_raised for s in scores) / planted:>8.2f}"
        f"{sum(s.raised_planted for s in scores) / raised if raised else 1:>10.2f}"
    )
    with duckdb.connect(args.warehouse, read_only=True) as con:
        absent = absent_alerts_raised(con, Path(args.truth), args.month)
        misrouted = misrouted_alerts(con, Path(args.truth), args.month)
    print(f"ordinary near misses raised: {len(absent)}" + "".join(f"\n  {r} {note}" for r, note in absent))
    print(f"planted alerts sent to another county: {len(misrouted)}" + "".join(f"\n  {m}" for m in misrouted))


if __name__ == "__main__":
    main()
