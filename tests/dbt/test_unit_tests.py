"""The dbt project's unit tests (given rows → expected rows, one or more per rule with its near
misses) run here, once, on a warehouse that holds every model's inputs; the monthly runs leave
them out (they check the SQL, not the month's data)."""

import os
import shutil
import subprocess

from orchestration.dbt_settings import DBT_EXECUTABLE, DBT_PROJECT_DIR, dbt_environment


def test_every_dbt_unit_test_passes(pipeline_run, tmp_path):
    warehouse = tmp_path / "unit.duckdb"
    shutil.copy(pipeline_run.warehouse, warehouse)
    result = subprocess.run(
        [DBT_EXECUTABLE, "test", "--select", "test_type:unit", "--target-path", str(tmp_path / "target")],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, **dbt_environment(str(warehouse)), "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    summary = next((ln for ln in result.stdout.splitlines() if "Done. PASS=" in ln), result.stdout[-3000:])
    assert result.returncode == 0, summary + result.stdout[-3000:]
    passed = int(summary.split("PASS=")[1].split()[0])
    rule_models = list((DBT_PROJECT_DIR / "models" / "marts" / "alert_rules").glob("alert_*.sql"))
    assert passed >= len(rule_models), summary
