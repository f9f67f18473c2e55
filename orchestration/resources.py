"""The service's settings and its warehouse as Dagster resources.

The month is not a setting: it is the run's partition key. One run writes the warehouse at a
time: a run holds the warehouse's lock from its first step to its last (so two months never
interleave), and a second run waits for it (stack-notes.md: DuckDB allows one writing
process). Analysts read a copy published after each successful run, never the live file."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource, InitResourceContext
from dagster_duckdb import DuckDBResource
from pydantic import Field

from linkage.model import LinkageConfig
from orchestration.partitions import check_month_order
from reference import exclusive_lock

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULTS = {
    "LINFEN_LANDING": REPO_ROOT / "data" / "demo" / "landing",
    "LINFEN_WAREHOUSE": REPO_ROOT / "data" / "warehouse" / "linfen.duckdb",
    "LINFEN_OUTPUT": REPO_ROOT / "data" / "output",
}


def _env(name: str) -> str:
    return str(Path(os.environ.get(name, DEFAULTS[name])).resolve())


class WarehouseBusyError(RuntimeError):
    """Another run held the warehouse for longer than this run would wait."""


class WarehouseFileError(RuntimeError):
    """The warehouse file exists but is not a whole DuckDB database (zero bytes, truncated by a
    disk that filled or a copy that stopped, or another kind of file)."""


# DuckDB's file: three 4 KiB headers, then its blocks
DUCKDB_HEADER_BYTES = 3 * 4096


def check_warehouse_file(path: Path) -> None:
    """Raise WarehouseFileError, naming the file and what to do, when `path` exists but is not
    a whole DuckDB database; a missing file is a new warehouse, and a file held by another
    process is checked by the run once it holds it. Cheap: the header and the blocks in use."""
    path = Path(path)
    if not path.exists():
        return
    size = path.stat().st_size
    advice = (
        "nothing was run; restore it from a backup (or the analysts' copy "
        f"{path.parent / 'analyst' / path.name}), or move it away to start a new warehouse"
    )
    if size == 0:
        raise WarehouseFileError(f"warehouse {path} is empty (0 bytes), not a DuckDB database: {advice}")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            return
        first = str(exc).strip().splitlines()[0][:200]
        raise WarehouseFileError(f"warehouse {path} ({size:,} bytes) cannot be opened ({first}): {advice}") from exc
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0][:200]
        raise WarehouseFileError(f"warehouse {path} ({size:,} bytes) cannot be opened ({first}): {advice}") from exc
    try:
        block_size, used = con.execute("SELECT block_size, used_blocks FROM pragma_database_size()").fetchall()[0]
    finally:
        con.close()
    # the blocks in use must fit in the file; the header's total may name trailing free blocks
    # DuckDB never wrote (seen on whole files: one 256 KiB block more than the file holds)
    expected = DUCKDB_HEADER_BYTES + int(used) * int(block_size)
    if size < expected:
        raise WarehouseFileError(
            f"warehouse {path} is truncated: {size:,} bytes, under the {expected:,} its blocks in use need: {advice}"
        )


def rebase_drift_from_env() -> float:
    """LINFEN_REBASE_DRIFT, a share between 0 and 1 (default: LinkageConfig.rebase_drift)."""
    text = os.environ.get("LINFEN_REBASE_DRIFT", "")
    try:
        share = float(text) if text else LinkageConfig().rebase_drift
    except ValueError:
        share = -1.0
    if not 0 <= share <= 1:
        raise ValueError(f"LINFEN_REBASE_DRIFT={text!r}: give a share between 0 and 1, such as 0.05")
    return share


class MonitoringSettings(ConfigurableResource):
    """Where the month's deliveries land and where the county workbooks go."""

    landing_dir: str
    output_dir: str
    # Reviewers' decisions on linkage pairs (CSV left_key,right_key,decision); blank means
    # `linkage_reviewed_pairs.csv` beside the warehouse.
    reviewed_pairs_path: str = ""
    # False (LINFEN_RESCORE_ALL_PAIRS=1): the next month has Splink score every pair again
    # instead of keeping the month before's pairs of unchanged people (linkage.scoring_basis)
    reuse_scored_pairs: bool = True
    # The next month keeps an earlier month's scoring basis while the people known by ID have
    # drifted by at most this share since (LINFEN_REBASE_DRIFT; linkage.model.LinkageConfig)
    rebase_drift: float = LinkageConfig().rebase_drift

    @classmethod
    def from_env(cls) -> MonitoringSettings:
        """Settings from LINFEN_* environment variables, defaulting to the demo folders."""
        return cls(
            landing_dir=_env("LINFEN_LANDING"),
            output_dir=_env("LINFEN_OUTPUT"),
            reviewed_pairs_path=os.environ.get("LINFEN_REVIEWED_PAIRS", ""),
            reuse_scored_pairs=os.environ.get("LINFEN_RESCORE_ALL_PAIRS", "") not in ("1", "true", "yes"),
            rebase_drift=rebase_drift_from_env(),
        )

    def linkage_config(self) -> LinkageConfig:
        return LinkageConfig(reuse_scored_pairs=self.reuse_scored_pairs, rebase_drift=self.rebase_drift)

    @property
    def landing(self) -> Path:
        return Path(self.landing_dir)

    @contextmanager
    def yield_for_execution(self, context: InitResourceContext) -> Iterator[MonitoringSettings]:
        """Hold the output folder for the run, as the warehouse resource holds the warehouse:
        two runs on two warehouses with one output folder run one after the other instead of
        publishing over each other (issue 32)."""
        wait = Warehouse.model_fields["lock_wait_seconds"].default
        with hold_lock(self.output.with_name(self.output.name + ".lock"), self.output, wait, context.log):
            yield self

    @property
    def output(self) -> Path:
        return Path(self.output_dir)


# DuckDB's memory cap (its default is 80% of the machine): the month of 4M people must fit
# 8 GB with every process counted (issue 15), and the run's Python process holds the linkage
# frames beside DuckDB, so DuckDB gets 3 GB and spills the rest to disk.
DUCKDB_MEMORY_LIMIT = "3GB"


class Warehouse(DuckDBResource):
    """The DuckDB warehouse (dagster-duckdb's resource), locked for the whole run."""

    lock_wait_seconds: int = Field(
        default=6 * 3600,
        description="How long a run waits for another run on the same warehouse before failing.",
    )
    open_wait_seconds: int = Field(
        default=120,
        description="How long a step waits for another process's connection to the file to close.",
    )
    memory_limit: str = Field(
        default_factory=lambda: os.environ.get("LINFEN_DUCKDB_MEMORY_LIMIT", DUCKDB_MEMORY_LIMIT),
        description="DuckDB's memory cap on the run's connections and dbt's (LINFEN_DUCKDB_MEMORY_LIMIT); "
        "beyond it DuckDB spills to duckdb_tmp/ beside the warehouse.",
    )

    @classmethod
    def from_env(cls) -> Warehouse:
        return cls(database=_env("LINFEN_WAREHOUSE"))

    @property
    def path(self) -> Path:
        return Path(self.database)

    @property
    def folder(self) -> Path:
        return self.path.parent

    def reviewed_pairs(self, settings: MonitoringSettings) -> Path:
        return Path(settings.reviewed_pairs_path or self.folder / "linkage_reviewed_pairs.csv")

    def linkage_review_csv(self, month: str) -> Path:
        """This month's pairs to review, for the reviewers: beside the warehouse and the
        decisions file, since the review loop belongs to the data team."""
        return self.folder / "linkage_review" / f"{month}.csv"

    @property
    def data_docs_root(self) -> Path:
        """The GX project (and its HTML Data Docs) beside the warehouse."""
        return self.folder / "quality"

    @property
    def analyst_copy(self) -> Path:
        """The read-only copy analysts open (same file name, so dbt's views resolve)."""
        return self.folder / "analyst" / self.path.name

    @property
    def spill_folder(self) -> Path:
        return self.folder / "duckdb_tmp"

    def duckdb_config(self) -> dict:
        """The connection's settings: memory capped, spilling beside the warehouse."""
        return {"memory_limit": self.memory_limit, "temp_directory": str(self.spill_folder)} | dict(
            self.connection_config
        )

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection, closed however the block ends (dbt runs as a subprocess
        between the steps and needs the file free)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        con = self._connect()
        try:
            yield con
        finally:
            con.close()

    def _connect(self) -> duckdb.DuckDBPyConnection:
        """Open the file, waiting up to `open_wait_seconds` while another process (an analyst's
        connection to the live file, a run outside the queue) holds DuckDB's lock."""
        deadline = time.monotonic() + self.open_wait_seconds
        while True:
            try:
                return duckdb.connect(self.database, config=self.duckdb_config())
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower():
                    raise
                if time.monotonic() > deadline:
                    raise WarehouseBusyError(
                        f"{self.path} is held by another process ({str(exc).splitlines()[0][:200]}); analysts "
                        f"open the copy {self.analyst_copy} instead; this run waited {self.open_wait_seconds} s"
                    ) from exc
                time.sleep(1)

    @contextmanager
    def yield_for_execution(self, context: InitResourceContext) -> Iterator[Warehouse]:
        """Hold the warehouse for the run (the in-process executor initialises resources
        once per run): a concurrent run on the same file waits here, then runs."""
        with hold_warehouse(self.path, self.lock_wait_seconds, context.log):
            check_warehouse_file(self.path)  # a zero-byte or truncated file: said, naming it
            month = context.dagster_run.tags.get("dagster/partition") if context.dagster_run else None
            if month and self.path.exists():
                with self.get_connection() as con:
                    context.log.info(check_month_order(con, month))  # before anything of the month is written
            yield self


@contextmanager
def hold_warehouse(path: Path, wait_seconds: float, log=None) -> Iterator[None]:
    """An exclusive lock on `<warehouse>.lock`, waited for up to `wait_seconds`."""
    with hold_lock(path.with_name(path.name + ".lock"), path, wait_seconds, log):
        yield


@contextmanager
def hold_lock(lock_path: Path, held: Path, wait_seconds: float, log=None) -> Iterator[None]:
    """An exclusive lock on `lock_path` for `held` (a warehouse, an output folder), waited for
    up to `wait_seconds`."""

    def busy() -> WarehouseBusyError:
        return WarehouseBusyError(
            f"{held} stayed locked by another run for {wait_seconds:.0f} s; nothing was written by this run"
        )

    def waiting() -> None:
        if log is not None:
            log.info(f"another run holds {held.name}; waiting for it to finish")

    with exclusive_lock(lock_path, wait_seconds, busy, waiting):
        yield
