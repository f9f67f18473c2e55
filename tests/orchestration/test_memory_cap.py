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


def test_dbt_sets_the_spill_folder_once_when_the_database_opens(tmp_path):
    """dbt-duckdb SETs its `settings` again on every cursor; once DuckDB has spilled, setting
    temp_directory again fails ("Cannot switch temporary directory"), which stopped dbt at 4M
    people. The cap and the spill folder are config_options, given once at connect."""
    import duckdb
    import pytest
    import yaml

    from orchestration.resources import REPO_ROOT

    profile = yaml.safe_load((REPO_ROOT / "dbt_project" / "profiles.yml").read_text(encoding="utf-8"))
    output = profile["linfen_monitoring"]["outputs"]["duckdb"]
    assert {"memory_limit", "temp_directory"} <= set(output["config_options"])
    assert not {"memory_limit", "temp_directory"} & set(output.get("settings") or {})

    spill = str(tmp_path / "spill")
    con = duckdb.connect(str(tmp_path / "w.duckdb"), config={"memory_limit": "100MB", "temp_directory": spill})
    con.execute("CREATE TABLE t AS SELECT md5(i::VARCHAR) AS h FROM range(3000000) r(i) ORDER BY h")
    with pytest.raises(duckdb.Error, match="temporary directory"):
        con.cursor().execute(f"SET temp_directory = '{spill}'")
    con.close()
