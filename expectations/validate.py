"""Run a suite on a pandas frame in an in-memory GX context and summarise the outcome in
figures only (no values), fit for Dagster metadata."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from functools import lru_cache, wraps
from pathlib import Path

import great_expectations as gx
import pandas as pd
import yaml
from great_expectations.data_context.data_context.file_data_context import FileDataContext
from great_expectations.data_context.store.tuple_store_backend import TupleFilesystemStoreBackend

from expectations.duckdb_sql import CONNECTION_STRING

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


# Counts only: no delivered value (an ID number, a name) is kept as an "unexpected value" sample
# in the validation results, the stored JSON or the Data Docs.
RESULT_FORMAT = {"result_format": "BASIC", "partial_unexpected_count": 0, "include_unexpected_rows": False}


@dataclass
class FailedExpectation:
    expectation: str
    column: str | None
    unexpected_count: int | None
    unexpected_percent: float | None

    def describe(self) -> str:
        where = f" on {self.column}" if self.column else ""
        figures = ""
        if self.unexpected_count is not None:
            figures = f": {self.unexpected_count} rows ({self.unexpected_percent or 0:.2f}%)"
        return f"{self.expectation}{where}{figures}"


@dataclass
class ValidationSummary:
    suite: str
    success: bool
    evaluated: int
    rows: int
    failed: list[FailedExpectation] = field(default_factory=list)
    docs_url: str | None = None

    def describe(self) -> str:
        if self.success:
            return f"{self.suite}: {self.evaluated} expectations passed on {self.rows} rows"
        return f"{self.suite}: " + "; ".join(f.describe() for f in self.failed)


def _quiet(context):
    """No progress bars in run logs."""
    try:
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context.variables.progress_bars = ProgressBarsConfig(globally=False)
    except (ImportError, AttributeError):  # progress bars are cosmetic
        pass
    return context


@lru_cache(maxsize=1)
def _context():
    context = gx.get_context(mode="ephemeral")
    return _quiet(context)


log = logging.getLogger(__name__)
GX_FOLDER, GX_YML = "gx", "great_expectations.yml"
PREVIOUS = ".previous"  # the project config as it was while a new one is written


def write_atomically(path: Path, data: bytes) -> None:
    """Write a file aside, flush it to disk, then rename it over `path`: a full disk or a kill
    leaves the old file whole (and no stray temporary file), never half of the new one."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with open(partial, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _atomic_store_set(self, key, value, **kwargs):
    """TupleFilesystemStoreBackend._set (suites, checkpoints, validation results as JSON), the
    file written atomically."""
    if not isinstance(key, tuple):
        key = key.to_tuple()
    filepath = Path(self.full_base_directory, self._convert_key_to_filepath(key))
    filepath.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(filepath, value.encode("utf-8") if isinstance(value, str) else value)
    return str(filepath)


def _atomic_project_config(save):
    """FileDataContext._save_project_config writes great_expectations.yml in place (truncated
    first): the old file is renamed aside before and put back if the write fails, so a disk
    filling up during the gate leaves the project as it was (issue 32)."""

    @wraps(save)
    def saved(self) -> None:
        path = Path(self.root_directory, self.GX_YML)
        aside = path.with_name(path.name + PREVIOUS)
        if path.exists():
            os.replace(path, aside)
        try:
            save(self)
        except BaseException:
            if aside.exists():
                os.replace(aside, path)
            raise
        if not path.exists() and aside.exists():  # GX logs a PermissionError and goes on
            os.replace(aside, path)
        aside.unlink(missing_ok=True)

    saved.linfen_atomic = True
    return saved


if not getattr(FileDataContext._save_project_config, "linfen_atomic", False):
    FileDataContext._save_project_config = _atomic_project_config(FileDataContext._save_project_config)
    TupleFilesystemStoreBackend._set = _atomic_store_set


def _readable_yaml(path: Path) -> bool:
    try:
        return isinstance(yaml.safe_load(path.read_text(encoding="utf-8")), dict)
    except (OSError, UnicodeError, yaml.YAMLError):
        return False


def repair_project(root: Path) -> list[str]:
    """Bring a GX project left broken by an earlier run (a disk that filled, a kill) back to a
    state GX opens: the config restored from the copy set aside while it was written, or the
    project moved aside to be made anew when there is none; unreadable stored JSON (suites,
    checkpoints, validation results, all written again by the next validation) removed. Says
    what it did."""
    done: list[str] = []
    project = Path(root) / GX_FOLDER
    config, aside = project / GX_YML, project / (GX_YML + PREVIOUS)
    if not project.is_dir():
        return done
    for partial in project.rglob(".*.partial"):
        partial.unlink(missing_ok=True)
    if not config.exists() and aside.exists() or config.exists() and not _readable_yaml(config):
        if aside.exists() and _readable_yaml(aside):
            os.replace(aside, config)
            done.append(f"{config}: unreadable, restored from the copy kept while it was written")
        else:
            broken = project.with_name(f"{GX_FOLDER}.broken-{time.strftime('%Y%m%dT%H%M%S')}")
            shutil.move(project, broken)
            done.append(f"{config}: unreadable; the project moved to {broken} and made anew")
            return done
    for stored in project.rglob("*.json"):
        try:
            json.loads(stored.read_text(encoding="utf-8"))
        except (OSError, UnicodeError, ValueError):
            stored.unlink(missing_ok=True)
            done.append(f"{stored}: unreadable, removed (written again by the next validation)")
    return done


@lru_cache(maxsize=4)
def _file_context(root: str):
    """A GX project on disk (<root>/gx) whose Data Docs site is rebuilt after each validation;
    what an earlier run left broken is repaired first (repair_project)."""
    for what in repair_project(Path(root)):
        log.warning(what)
    context = gx.get_context(mode="file", project_root_dir=root)
    return _quiet(context)


def _batch_definition(context, asset_name: str):
    source = context.data_sources.add_or_update_pandas("warehouse")
    try:
        asset = source.get_asset(asset_name)
    except LookupError:
        asset = source.add_dataframe_asset(name=asset_name)
    try:
        return asset.get_batch_definition("whole")
    except (KeyError, LookupError, ValueError):
        return asset.add_batch_definition_whole_dataframe("whole")


def _sql_batch_definition(context, asset_name: str, table: str):
    """A table asset on a (temporary) view lent by `expectations.duckdb_sql.handed_over`."""
    source = context.data_sources.add_or_update_sql("warehouse_sql", connection_string=CONNECTION_STRING)
    try:
        source.delete_asset(asset_name)
    except LookupError:
        pass
    return source.add_table_asset(name=asset_name, table_name=table).add_batch_definition_whole_table("whole")


def _validated(batch_definition, suite: gx.ExpectationSuite, docs_root: Path | None, batch_parameters: dict):
    """Run the suite on the batch; with `docs_root`, through a checkpoint that stores the result
    for the Data Docs. Returns (result, docs address)."""
    if docs_root is None:
        return batch_definition.get_batch(batch_parameters=batch_parameters).validate(
            suite, result_format=RESULT_FORMAT
        ), None
    context = _file_context(str(docs_root))
    stored = context.suites.add_or_update(gx.ExpectationSuite(name=suite.name, expectations=list(suite.expectations)))
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=suite.name, data=batch_definition, suite=stored)
    )
    checkpoint = context.checkpoints.add_or_update(
        gx.Checkpoint(name=suite.name, validation_definitions=[definition], actions=[], result_format=RESULT_FORMAT)
    )
    outcome = checkpoint.run(batch_parameters=batch_parameters)  # stored for the Data Docs
    return next(iter(outcome.run_results.values())), context.get_docs_sites_urls()[0]["site_url"]


def _summary(result, suite: gx.ExpectationSuite, rows: int, docs_url: str | None) -> ValidationSummary:
    failed = [
        FailedExpectation(
            expectation=r.expectation_config.type,
            column=r.expectation_config.kwargs.get("column") or r.expectation_config.kwargs.get("column_A"),
            unexpected_count=r.result.get("unexpected_count"),
            unexpected_percent=r.result.get("unexpected_percent"),
        )
        for r in result.results
        if not r.success
    ]
    return ValidationSummary(suite.name, bool(result.success), len(result.results), rows, failed, docs_url)


def validate_frame(
    frame: pd.DataFrame, suite: gx.ExpectationSuite, asset_name: str, docs_root: Path | None = None
) -> ValidationSummary:
    """Validate a whole (small) frame: the alerts, the workbooks' cells. With `docs_root`, the
    validation is stored in a GX project there and its Data Docs (HTML) are updated; the
    summary carries their address."""
    context = _context() if docs_root is None else _file_context(str(docs_root))
    batch_definition = _batch_definition(context, asset_name)
    result, docs_url = _validated(batch_definition, suite, docs_root, {"dataframe": frame})
    return _summary(result, suite, len(frame), docs_url)


def validate_sql(
    table: str, rows: int, suite: gx.ExpectationSuite, asset_name: str, docs_root: Path | None = None
) -> ValidationSummary:
    """Validate the rows of a table or view that `expectations.duckdb_sql.handed_over` lent
    (DuckDB runs the expectations as SQL; nothing is copied into pandas)."""
    context = _context() if docs_root is None else _file_context(str(docs_root))
    batch_definition = _sql_batch_definition(context, asset_name, table)
    result, docs_url = _validated(batch_definition, suite, docs_root, {})
    return _summary(result, suite, rows, docs_url)


def update_data_docs(docs_root: Path) -> str:
    """Rebuild the HTML Data Docs from the stored validations (once a run: it renders them all)."""
    context = _file_context(str(docs_root))
    context.build_data_docs()
    url = context.get_docs_sites_urls()[0]["site_url"]
    if url.startswith("file://"):
        make_docs_offline(Path(url.removeprefix("file://")).parent)
    return url


OFFLINE_ASSETS = Path(__file__).parent / "data_docs_offline"
_REMOTE_TAGS = (
    re.compile(r'<link\b[^>]*href="https?://[^"]*"[^>]*>\s*'),
    re.compile(r'<script\b[^>]*src="https?://[^"]*"[^>]*>\s*</script>\s*'),
    re.compile(r'<img\b[^>]*src="https?://[^"]*"[^>]*>'),
)


def make_docs_offline(site: Path) -> int:
    """GX Data Docs load their CSS and JS from CDNs: offline the index is unstyled and empty.
    Drop every remote stylesheet, script and image and link the local stand-ins
    (data_docs_offline/: a small stylesheet and a script drawing the index's tables, tabs and
    collapsible sections). Returns the pages rewritten."""
    static = site / "static" / "offline"
    static.mkdir(parents=True, exist_ok=True)
    for asset in OFFLINE_ASSETS.iterdir():
        shutil.copyfile(asset, static / asset.name)
    pages = 0
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        if "static/offline/offline.js" in html:
            continue
        for pattern in _REMOTE_TAGS:
            html = pattern.sub("", html)
        html = re.sub(r"url\('https?://[^']*'\)", "none", html)
        rel = Path(os.path.relpath(static, page.parent)).as_posix()
        local = f'<link rel="stylesheet" href="{rel}/offline.css"><script src="{rel}/offline.js"></script>'
        html = html.replace("</head>", local + "</head>", 1)
        write_atomically(page, html.encode("utf-8"))
        pages += 1
    return pages
