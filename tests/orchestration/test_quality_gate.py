"""A failed blocking quality check stops the warnings from being published."""

import csv
import io
import shutil
from contextlib import redirect_stderr, redirect_stdout


def test_a_feed_failing_its_blocking_suite_stops_publication(small_month, tmp_path):
    from orchestration.run import main

    landing = tmp_path / "landing"
    shutil.copytree(small_month.landing_dir, landing)
    path = landing / "2023-06" / "civil_tekun.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    id_column = next(i for i, h in enumerate(rows[0]) if "身份" in h or "证件" in h)
    for row in rows[1:]:
        row[id_column] = "12345"  # every ID number unusable: far below the 80% floor
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(
            [
                "--landing",
                str(landing),
                "--month",
                "2023-06",
                "--warehouse",
                str(tmp_path / "w.duckdb"),
                "--out",
                str(tmp_path / "out"),
            ]
        )
    assert code == 1
    assert "raw/civil_tekun:gx_feed_suite (ERROR)" in err.getvalue()
    assert "NOT published" in err.getvalue()
    assert not (tmp_path / "out" / "2023-06").exists()
