"""Issue 32: a disk filling during the analyst copy said "NOT published" although the month's
workbooks were already swapped in, and a 27 MB `.partial` stayed. The copy that fails leaves
the previous copy whole and no `.partial`; the month stays published, the failure said."""

import errno
import shutil

import duckdb
import pytest
from dagster import build_asset_context

import orchestration.publication_assets as assets
from orchestration.publication_assets import AnalystCopyError, analyst_copy, publish_analyst_copy
from orchestration.resources import Warehouse


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE t AS SELECT range AS i FROM range(100000)")
    return Warehouse(database=str(path))


@pytest.fixture
def disk_full(monkeypatch):
    def copy_half(source, target):
        with open(source, "rb") as s, open(target, "wb") as t:
            t.write(s.read(4096))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(assets.shutil, "copyfile", copy_half)


def test_a_copy_failing_on_a_full_disk_leaves_the_previous_copy_and_no_partial(warehouse, disk_full):
    copy = warehouse.analyst_copy
    copy.parent.mkdir(parents=True)
    copy.write_bytes(b"last month's copy")
    with pytest.raises(AnalystCopyError, match="No space left on device"):
        publish_analyst_copy(warehouse, copy)
    assert copy.read_bytes() == b"last month's copy"
    assert [p.name for p in copy.parent.iterdir()] == [copy.name], "no .partial left behind"


def test_the_asset_says_the_copy_failed_without_failing_the_published_month(warehouse, disk_full):
    result = analyst_copy(build_asset_context(partition_key="2023-06"), warehouse=warehouse)
    assert result.metadata["replaced"] is False
    assert "No space left on device" in result.metadata["error"]
    assert not list(warehouse.analyst_copy.parent.glob("*.partial"))


def test_a_copy_replaces_the_previous_one_whole(warehouse):
    result = analyst_copy(build_asset_context(partition_key="2023-06"), warehouse=warehouse)
    assert result.metadata["replaced"] is True
    with duckdb.connect(str(warehouse.analyst_copy), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM t").fetchall() == [(100000,)]
    shutil.rmtree(warehouse.analyst_copy.parent)
