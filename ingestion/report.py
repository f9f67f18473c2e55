"""What one feed's load came to: its status and counts (Dagster metadata and raw.load_log; counts
only, never a name or an ID number), and the raw tables' bookkeeping columns. Shared by every
stage of ingestion (landing -> reader -> parse -> loader) and the delivery decisions."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

META_COLUMNS = ["record_id", "delivery_month", "source_file", "source_row", "row_issues"]
QUARANTINE_COLUMNS = [
    "feed_code",
    "delivery_month",
    "source_file",
    "source_row",
    "rule",
    "detail",
    "raw_values",
]


class DeliveryStatus(StrEnum):
    """What became of a feed's delivery for a month (raw.load_log.status)."""

    LOADED = "loaded"
    NO_EVENTS = "no_events"  # an event file with no rows: no events this month (feeds.md)
    REJECTED = "rejected"  # unreadable, or failed its blocking checks: counts as not delivered
    MISSING = "missing"  # nothing delivered: the previous delivery stays in force

    @property
    def delivered(self) -> bool:
        return self in (DeliveryStatus.LOADED, DeliveryStatus.NO_EVENTS)


@dataclass
class LoadReport:
    """What one load did; goes to Dagster metadata (counts only, no personal data)."""

    feed_code: str
    month: str
    files: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    quarantine_by_rule: dict[str, int] = field(default_factory=dict)
    id_status_counts: dict[str, int] = field(default_factory=dict)
    missing_optional_columns: list[str] = field(default_factory=list)
    unknown_headers: list[str] = field(default_factory=list)
    last_delivered_month: str | None = None  # when this month's delivery is missing
    # column -> {delivered value -> rows}: codes outside the glossary and its known variants,
    # kept as unknown (NULL) on their rows (feeds.md, "Coded values")
    unknown_codes: dict[str, dict[str, int]] = field(default_factory=dict)
    status: DeliveryStatus = DeliveryStatus.LOADED
    reason: str = ""
    # a feed delivered one file per county: the counties without a file this month (their
    # previous roster stays in force)
    missing_counties: list[str] = field(default_factory=list)
    # event rows of earlier loads that this delivery corrected or withdrew (kept in history)
    events_replaced: int = 0
    # delivered event rows not loaded because a later month's delivery already corrected them
    events_superseded: int = 0
    # ingestion.landing.delivery_digest of the files: the same files are not read twice
    content_digest: str | None = None

    @property
    def delivered(self) -> bool:
        return bool(self.files) and self.status.delivered

    @property
    def unknown_code_rows(self) -> int:
        return sum(sum(values.values()) for values in self.unknown_codes.values())
