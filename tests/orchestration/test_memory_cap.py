"""DuckDB runs capped and spilling, in the run's connections and in dbt's (issue 15: the month
must fit 8 GB with every process counted)."""

from orchestration.dbt_settings import dbt_environment
from orchestration.resources import Warehouse


def test_the_runs_connections_are_capped_and_spill_beside_the_warehouse(tmp_path, monkeypatch):
    monkeypatch.setenv("LINFEN_DUCKDB_MEMORY_LIMIT", "1GB")
    warehouse = Warehouse(database=str(tmp_path / "w.duckdb"))
    with warehouse.get_connection() as con:
        limit = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
        spill = con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0]
    assert limit.replace(" ", "") in ("1GB", "953.6MiB"), limit
    assert spill == str(tmp_path / "duckdb_tmp")


def test_dbt_gets_the_same_cap_and_spill_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("LINFEN_DUCKDB_MEMORY_LIMIT", "1GB")
    env = dbt_environment(str(tmp_path / "w.duckdb"))
    assert env["LINFEN_DUCKDB_MEMORY_LIMIT"] == "1GB"
    assert env["LINFEN_DUCKDB_TEMP"] == str(tmp_path / "duckdb_tmp")
