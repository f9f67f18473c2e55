"""Stage 5: one workbook per county and month, published only after the quality gate passed;
then the analysts' read-only copy of the warehouse."""

import errno
import os
import shutil
from pathlib import Path

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset
from dagster_dbt import get_asset_key_for_model

from orchestration.dbt_assets import dbt_after_linkage
from orchestration.partitions import MONTHS
from orchestration.resources import MonitoringSettings, Warehouse
from publication.publish import publish_county_workbooks


@asset(
    key=["publication", "county_workbooks"],
    deps=[get_asset_key_for_model([dbt_after_linkage], "alerts")],
    group_name="publication",
    partitions_def=MONTHS,
    kinds={"excel"},
    description="One Chinese alert workbook per county and month, ID numbers masked; the summary sheet "
    "names the feeds turned away or missing and the rules held back.",
)
def county_workbooks(
    context: AssetExecutionContext, settings: MonitoringSettings, warehouse: Warehouse
) -> MaterializeResult:
    month = context.partition_key
    with warehouse.get_connection() as con:
        written = publish_county_workbooks(con, month, settings.output)
    return MaterializeResult(
        metadata={
            "folder": MetadataValue.path(str(settings.output / month)),
            "workbooks": len(written),
            "alerts": sum(w.alerts for w in written),
            "alerts_by_county": MetadataValue.json({w.county_name: w.alerts for w in written}),
        }
    )


# LINFEN_ANALYST_FULL_IDS=1 (or true/yes/on): the analysts' copy keeps full ID numbers, for a
# deployment whose analysts are cleared for them; unset, every ID number column is masked
FULL_IDS_ENV = "LINFEN_ANALYST_FULL_IDS"


def analyst_full_ids() -> bool:
    return os.environ.get(FULL_IDS_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def id_number_columns(con) -> list[tuple[str, str, str]]:
    """Every column of a base table holding ID numbers (`…id_number…`, its `_raw` delivered text
    too; not the `_status` flag): (schema, table, column). Views read them, so they show masked."""
    return con.execute(
        """
        SELECT c.table_schema, c.table_name, c.column_name
        FROM information_schema.columns AS c
        JOIN information_schema.tables AS t USING (table_catalog, table_schema, table_name)
        WHERE t.table_type = 'BASE TABLE' AND c.data_type = 'VARCHAR'
            AND c.column_name ILIKE '%id_number%' AND c.column_name NOT ILIKE '%_status'
        ORDER BY 1, 2, 3
        """
    ).fetchall()


def mask_id_columns(path: Path) -> int:
    """Mask every ID number column of the copy at `path` as the workbooks do (first 6 and last 4
    characters shown; 10 or fewer: all stars). Returns the columns masked."""
    import duckdb

    con = duckdb.connect(str(path))
    try:
        columns = id_number_columns(con)
        for schema, table, column in columns:
            quoted = f'"{column}"'
            con.execute(
                f'UPDATE "{schema}"."{table}" SET {quoted} = CASE WHEN length({quoted}) <= 10 '
                f"THEN repeat('*', length({quoted})) ELSE left({quoted}, 6) || repeat('*', length({quoted}) - 10) "
                f"|| right({quoted}, 4) END WHERE {quoted} IS NOT NULL"
            )
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return len(columns)


class AnalystCopyError(OSError):
    """The analysts' copy could not be replaced (a full disk): the previous copy stays, whole."""


def publish_analyst_copy(warehouse: Warehouse, copy: Path, full_ids: bool | None = None) -> int:
    """Copy the closed warehouse to `copy` atomically (written aside, then renamed over the old
    copy: an analyst with the old copy open keeps reading it), every ID number column masked
    (first 6 + last 4) unless `full_ids` (default: LINFEN_ANALYST_FULL_IDS). Returns its size in bytes. A copy
    that fails (a full disk) leaves no `.partial` behind and the previous copy in place, and
    raises AnalystCopyError."""
    database = warehouse.path
    with warehouse.get_connection() as con:
        con.execute("CHECKPOINT")  # everything in the file, nothing left in the write-ahead log
    copy.parent.mkdir(parents=True, exist_ok=True)
    partial = copy.with_name(f".{copy.name}.partial")
    try:
        shutil.copyfile(database, partial)
        if not (analyst_full_ids() if full_ids is None else full_ids):
            try:
                mask_id_columns(partial)
            except Exception as exc:  # duckdb's errors: the unmasked copy must not stay
                raise OSError(errno.EIO, f"ID numbers not masked ({type(exc).__name__})") from exc
        with open(partial, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, copy)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise AnalystCopyError(
            exc.errno, f"analyst copy {copy} not replaced ({exc.strerror or exc}); the previous copy stays"
        ) from exc
    return copy.stat().st_size


@asset(
    key=["publication", "analyst_copy"],
    deps=[county_workbooks],
    group_name="publication",
    partitions_def=MONTHS,
    kinds={"duckdb"},
    description="A read-only copy of the warehouse for analysts (<warehouse folder>/analyst/), replaced "
    "atomically after each successful run, so queries never block or break a run; ID numbers masked "
    "(first 6 + last 4) in every table unless LINFEN_ANALYST_FULL_IDS=1.",
)
def analyst_copy(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    """The month is published by then (the county workbooks are swapped in): a copy that cannot
    be written is said as an error in the log and the metadata (`replaced`: false), not as a
    month that was not published."""
    try:
        size = publish_analyst_copy(warehouse, warehouse.analyst_copy)
    except AnalystCopyError as exc:
        context.log.error(f"{exc.strerror}; the month's workbooks are published")
        return MaterializeResult(
            metadata={
                "path": MetadataValue.path(str(warehouse.analyst_copy)),
                "replaced": False,
                "error": str(exc.strerror),
            }
        )
    return MaterializeResult(
        metadata={"path": MetadataValue.path(str(warehouse.analyst_copy)), "bytes": size, "replaced": True}
    )
