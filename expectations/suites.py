"""Great Expectations suites as code: one per feed, and the publication gate on `alerts`.

Each suite comes in two severities: `blocking` expectations make alerts wrong when they fail
and stop publication; `warning` ones are shown in the Dagster UI with their figures."""

from __future__ import annotations

import csv
from dataclasses import dataclass

import great_expectations as gx
import great_expectations.expectations as gxe
import pandas as pd

from ingestion.catalogue import AMOUNT, DATE, INT, Feed
from ingestion.normalise import EARLIEST_DATE, USABLE_ID_STATUSES, IdStatus
from reference import ID_SHAPED_PATTERN, NO_VALID_ID, SEEDS_DIR, county_codes


@dataclass(frozen=True)
class QualityThresholds:
    """Source: issue 5 (quality gates): warn below 95% valid ID numbers, fail below 80%; a
    rule's alert count may change by at most a factor of 3 from its baseline month, counts
    under 10 compared as 10 (expectations/rule_gate.py: count_limits, baseline_months), unless
    the jump is approved in expectations/alert_count_overrides.csv or by the run tag; a rule
    past its limits is held back alone. Placeholders: chosen, not from a policy document."""

    valid_id_share_warn: float = 0.95
    valid_id_share_fail: float = 0.80
    # A share over a handful of rows says nothing (one mistyped ID in a 4-row 举报 file is
    # 25%): below this many rows the valid-ID share only warns.
    min_rows_for_id_share_gate: int = 20
    row_count_band: float = 2.0  # warn when a feed has more than twice or under half last month's rows
    alert_count_max_factor: float = 3.0
    alert_count_min_for_factor: int = 10


ALERT_STATUSES = ("新增", "持续", "已解除", "暂停", "已处置")  # domain.md, statuses

MASKED_ID_PATTERN = rf"^(\d{{6}}\*{{8}}[\dX]{{4}}|{NO_VALID_ID})$"


AS_DATE = "__as_date"  # a date column parsed, for the range checks (expectations.feed_gate)


TYPE_PATTERNS = {
    DATE: r"^\d{4}-\d{2}-\d{2}$",
    AMOUNT: r"^\d+(\.\d+)?$",
    INT: r"^\d+$",
}


def feed_suites(
    feed: Feed,
    thresholds: QualityThresholds,
    previous_rows: int | None = None,
    latest_date: str = "9999-12-31",
    rows: int | None = None,
) -> dict[str, gx.ExpectationSuite]:
    """{"blocking": …, "warning": …} for one feed's raw table of the month. `previous_rows` is
    last month's row count (for the band), `latest_date` the month's last day, `rows` this
    delivery's row count (a small delivery's valid-ID share only warns)."""
    blocking: list = [gxe.ExpectColumnToExist(column=c) for c in ["record_id", *feed.warehouse_columns()]]
    blocking.append(gxe.ExpectColumnValuesToBeUnique(column="record_id"))
    warning: list = []
    for role in feed.roles:
        status = f"{role.id_number}_status"
        # Where the agreement says the ID is often blank, the share counts delivered IDs only.
        accepted = [str(s) for s in USABLE_ID_STATUSES] + ([str(IdStatus.BLANK)] if role.id_often_blank else [])
        if rows is None or rows >= thresholds.min_rows_for_id_share_gate:
            blocking.append(
                gxe.ExpectColumnValuesToBeInSet(
                    column=status, value_set=accepted, mostly=thresholds.valid_id_share_fail
                )
            )
        warning.append(
            gxe.ExpectColumnValuesToBeInSet(column=status, value_set=accepted, mostly=thresholds.valid_id_share_warn)
        )
        blocking.append(gxe.ExpectColumnValuesToNotBeNull(column=role.name))
    if "county" in feed.column_names:
        blocking.append(gxe.ExpectColumnValuesToBeInSet(column="county", value_set=county_codes()))
    for column in feed.columns:
        if column.type in TYPE_PATTERNS:
            blocking.append(gxe.ExpectColumnValuesToMatchRegex(column=column.name, regex=TYPE_PATTERNS[column.type]))
        if column.type == DATE:
            blocking.append(
                gxe.ExpectColumnValuesToBeBetween(
                    column=f"{column.name}{AS_DATE}",
                    min_value=pd.Timestamp(EARLIEST_DATE),
                    max_value=pd.Timestamp(latest_date),
                )
            )
        if column.codes is not None:
            # the loader maps every known spelling onto the glossary and keeps an unknown value
            # as unknown (NULL, counted in the load report): anything else is a loader fault
            blocking.append(gxe.ExpectColumnValuesToBeInSet(column=column.name, value_set=list(column.codes.values)))
    if previous_rows:
        warning.append(
            gxe.ExpectTableRowCountToBeBetween(
                min_value=int(previous_rows / thresholds.row_count_band),
                max_value=int(previous_rows * thresholds.row_count_band),
            )
        )
    return {
        "blocking": gx.ExpectationSuite(name=f"{feed.code}.blocking", expectations=blocking),
        "warning": gx.ExpectationSuite(name=f"{feed.code}.warning", expectations=warning),
    }


def rule_departments() -> list[tuple[str, str]]:
    with open(SEEDS_DIR / "alert_rules.csv", encoding="utf-8") as f:
        return [(r["rule_id"], r["department"]) for r in csv.DictReader(f)]


def alerts_suite(month: str) -> gx.ExpectationSuite:
    """The publication gate: what must hold before any county receives a warning."""
    rules = rule_departments()
    expectations: list = [
        gxe.ExpectColumnValuesToNotBeNull(column=column)
        for column in (
            "alert_id",
            "month",
            "rule_id",
            "level",
            "department",
            "subject_person_key",
            "evidence",
            "status",
            "due_date",
        )
    ]
    expectations += [
        gxe.ExpectColumnValuesToBeUnique(column="alert_id"),
        gxe.ExpectColumnValuesToBeInSet(column="month", value_set=[month]),
        gxe.ExpectColumnValuesToBeInSet(column="rule_id", value_set=[r for r, _ in rules]),
        gxe.ExpectColumnPairValuesToBeInSet(column_A="rule_id", column_B="department", value_pairs_set=rules),
        # an alert whose person has no known county goes to the city workbook: never dropped,
        # never blocking the counties' files (domain.md); a known county must be one of 临汾's
        gxe.ExpectColumnValuesToBeInSet(column="county_code", value_set=county_codes()),
        gxe.ExpectColumnValuesToBeInSet(column="level", value_set=["红", "橙", "黄"]),
        gxe.ExpectColumnValuesToBeInSet(column="status", value_set=list(ALERT_STATUSES)),
        gxe.ExpectColumnValuesToMatchRegex(column="subject_id_number", regex=r"^\d{17}[\dX]$"),
        # evidence is read by county staff: Chinese words, never a code of ours ("同时为dibao");
        # record numbers (ZQ2023…, JS…) are upper case and pass
        gxe.ExpectColumnValuesToNotMatchRegex(column="evidence", regex=EVIDENCE_CODE_WORD),
    ]
    return gx.ExpectationSuite(name="alerts.publication_gate", expectations=expectations)


EVIDENCE_CODE_WORD = r"(?<![A-Za-z])[a-z_]{3,}"  # a lower-case word: a code; "Excel" passes


def published_workbooks_suite() -> gx.ExpectationSuite:
    """What must hold of the workbooks about to be published: one row per published alert and
    file, read back from the files, with the county of the file and the county the alert is
    routed to (an S05 duplicate goes to each county that lists the person)."""
    return gx.ExpectationSuite(
        name="publication.county_workbooks",
        expectations=[
            gxe.ExpectColumnValuesToMatchRegex(column="id_number_shown", regex=MASKED_ID_PATTERN),
            gxe.ExpectColumnPairValuesToBeEqual(column_A="file_county_code", column_B="alert_county_code"),
            gxe.ExpectCompoundColumnsToBeUnique(column_list=["file_county_code", "alert_id"]),
            gxe.ExpectColumnValuesToNotBeNull(column="alert_county_code"),
        ],
    )


def published_text_suite() -> gx.ExpectationSuite:
    """Every text cell of every workbook about to be published: no ID number unmasked, by the
    one rule the workbooks mask by (reference.id_shapes): `cell` is the cell folded as that rule
    reads it (full-width digits, NBSP, ideographic spaces), so ID_SHAPED_PATTERN sees a
    full-width or spaced ID; a 户编号 cell is checked apart (`household_number_is_id`: a
    checksum-valid 18-character ID there, as a 15-digit 户编码 is a household's own number)."""
    return gx.ExpectationSuite(
        name="publication.text_cells",
        expectations=[
            gxe.ExpectColumnValuesToNotMatchRegex(column="cell", regex=ID_SHAPED_PATTERN),
            gxe.ExpectColumnValuesToBeInSet(column="household_number_is_id", value_set=[False]),
        ],
    )


def alert_count_suite() -> gx.ExpectationSuite:
    """Per rule, the rule gate's decision (main.rule_decisions): no rule published with its
    count beyond its limits unless the jump was approved (expectations/rule_gate.py)."""
    return gx.ExpectationSuite(
        name="alerts.count_change",
        expectations=[gxe.ExpectColumnValuesToBeInSet(column="published_beyond_limit", value_set=[False])],
    )
