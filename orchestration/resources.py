"""The run's settings as a Dagster resource: which month, from which landing folder, into which
warehouse and output folder. One DuckDB writer at a time (stack-notes.md): every asset opens
the warehouse through `connect()` and closes it before the next step runs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULTS = {
    "LINFEN_LANDING": REPO_ROOT / "data" / "demo" / "landing",
    "LINFEN_MONTH": "2023-06",
    "LINFEN_WAREHOUSE": REPO_ROOT / "data" / "warehouse" / "linfen.duckdb",
    "LINFEN_OUTPUT": REPO_ROOT / "data" / "output",
}


class MonitoringRun(ConfigurableResource):
    """Settings of one monthly run."""

    landing_dir: str
    month: str
    warehouse_path: str
    output_dir: str
    # Reviewers' decisions on linkage pairs (CSV left_key,right_key,decision); blank means
    # `linkage_reviewed_pairs.csv` beside the warehouse.
    reviewed_pairs_path: str = ""

    @property
    def reviewed_pairs(self) -> Path:
        return Path(self.reviewed_pairs_path or Path(self.warehouse_path).parent / "linkage_reviewed_pairs.csv")

    @property
    def linkage_review_csv(self) -> Path:
        """Where this month's pairs to review are written for the reviewers: beside the
        warehouse and the decisions file, since the review loop belongs to the data team."""
        return Path(self.warehouse_path).parent / "linkage_review" / f"{self.month}.csv"

    @classmethod
    def from_env(cls) -> MonitoringRun:
        """Settings from LINFEN_* environment variables, defaulting to the demo month."""
        value = lambda name: str(os.environ.get(name, DEFAULTS[name]))  # noqa: E731
        return cls(
            landing_dir=str(Path(value("LINFEN_LANDING")).resolve()),
            month=value("LINFEN_MONTH"),
            warehouse_path=str(Path(value("LINFEN_WAREHOUSE")).resolve()),
            output_dir=str(Path(value("LINFEN_OUTPUT")).resolve()),
            reviewed_pairs_path=os.environ.get("LINFEN_REVIEWED_PAIRS", ""),
        )

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        Path(self.warehouse_path).parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(self.warehouse_path)
        try:
            yield con
        finally:
            con.close()
