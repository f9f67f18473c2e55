"""The feed gate: a delivery is validated with its GX suites before any of it is written, so a
delivery that fails its blocking expectations is not loaded at all (feeds.md: it counts as not
delivered, the previous delivery stays in force)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from expectations.suites import QualityThresholds, feed_suites, prepare_feed_frame
from expectations.validate import ValidationSummary, update_data_docs, validate_frame
from ingestion.catalogue import Feed
from ingestion.loader import META_COLUMNS
from reference import month_end


@dataclass
class FeedValidation:
    blocking: ValidationSummary
    warning: ValidationSummary

    @property
    def passed(self) -> bool:
        return self.blocking.success


def records_frame(feed: Feed, records: list[dict]) -> pd.DataFrame:
    """The rows as the raw table will hold them (all text)."""
    columns = META_COLUMNS + feed.warehouse_columns()
    return pd.DataFrame({c: pd.Series([r.get(c) for r in records], dtype="object") for c in columns})


def validate_delivery(
    feed: Feed,
    records: list[dict],
    month: str,
    previous_rows: int | None,
    docs_root: Path | None = None,
    thresholds: QualityThresholds | None = None,
) -> FeedValidation:
    """Run the feed's blocking and warning suites on the parsed delivery."""
    thresholds = thresholds or QualityThresholds()
    suites = feed_suites(feed, thresholds, previous_rows, month_end(month).isoformat(), rows=len(records))
    frame = prepare_feed_frame(feed, records_frame(feed, records))
    blocking = validate_frame(frame, suites["blocking"], feed.code, docs_root)
    warning = validate_frame(frame, suites["warning"], feed.code, docs_root)
    if not blocking.success and docs_root is not None:
        update_data_docs(docs_root)  # the delivery is turned away: show why
    return FeedValidation(blocking, warning)
