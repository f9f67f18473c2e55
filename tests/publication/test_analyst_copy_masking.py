"""Issue 29: the analysts' copy held full ID numbers with no word about it. By default every ID
number column of every table is masked (first 6 + last 4), the delivered text (`_raw`) too;
views read the masked tables; a full copy only with LINFEN_ANALYST_FULL_IDS=1."""

import duckdb
import pytest

from orchestration.publication_assets import FULL_IDS_ENV, publish_analyst_copy
from orchestration.resources import Warehouse

FULL = "14100219800101123X"


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA raw; CREATE SCHEMA staging")
        con.execute(
            "CREATE TABLE raw.civil_dibao (head_id_number VARCHAR, head_id_number_raw VARCHAR, "
            "head_id_number_status VARCHAR, member_name VARCHAR)"
        )
        con.execute("INSERT INTO raw.civil_dibao VALUES (?, ?, 'valid', '张三'), (NULL, '12345', 'invalid', '李四')",
                    [FULL, f" {FULL} "])  # fmt: skip
        con.execute("CREATE TABLE main.alerts (alert_id VARCHAR, subject_id_number VARCHAR)")
        con.execute("INSERT INTO main.alerts VALUES ('N01-1', ?)", [FULL])
        con.execute("CREATE VIEW staging.stg_civil_dibao AS SELECT head_id_number FROM raw.civil_dibao")
    return Warehouse(database=str(path))


def values(path, query):
    with duckdb.connect(str(path), read_only=True) as con:
        return [r[0] for r in con.execute(query).fetchall()]


def test_every_id_number_column_is_masked_by_default(warehouse, monkeypatch):
    monkeypatch.delenv(FULL_IDS_ENV, raising=False)
    copy = warehouse.analyst_copy
    publish_analyst_copy(warehouse, copy)
    assert values(copy, "SELECT subject_id_number FROM main.alerts") == ["141002********123X"]
    assert values(copy, "SELECT head_id_number FROM raw.civil_dibao ORDER BY member_name") == [
        "141002********123X",
        None,
    ]
    # the delivered text, spaces and all, and a short one wholly starred
    assert values(copy, "SELECT head_id_number_raw FROM raw.civil_dibao ORDER BY member_name") == [
        " 14100**********23X ",
        "*****",
    ]
    assert values(copy, "SELECT head_id_number_status FROM raw.civil_dibao ORDER BY member_name") == [
        "valid",
        "invalid",
    ]
    assert values(copy, "SELECT head_id_number FROM staging.stg_civil_dibao WHERE head_id_number IS NOT NULL") == [
        "141002********123X"
    ]
    # the warehouse itself keeps the full numbers the runs need
    assert values(warehouse.path, "SELECT subject_id_number FROM main.alerts") == [FULL]


@pytest.mark.parametrize("setting", ["1", "true"])
def test_a_full_copy_only_where_configured(warehouse, monkeypatch, setting):
    monkeypatch.setenv(FULL_IDS_ENV, setting)
    publish_analyst_copy(warehouse, warehouse.analyst_copy)
    assert values(warehouse.analyst_copy, "SELECT subject_id_number FROM main.alerts") == [FULL]
