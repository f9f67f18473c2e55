"""Issue 32: two runs (two warehouses) publishing one month into one `--out` both "succeeded"
and the month's folder was gone; a publication that fails midway must leave the published
folder as it was and nothing half-written beside it."""

import errno
import threading
import time

import pytest

import publication.publish as publish

COUNTIES = [("141002", "尧都区", 95), ("141021", "曲沃县", 23), ("141022", "翼城县", 28)]


class Version:
    label = "v1"
    published_on = None


@pytest.fixture
def quick_publication(monkeypatch):
    """publish_county_workbooks with the warehouse parts replaced: each workbook is a small
    file naming the run that wrote it, written slowly enough for two runs to overlap."""
    writer = threading.local()
    monkeypatch.setattr(publish, "counties", lambda: COUNTIES)
    monkeypatch.setattr(publish, "next_version", lambda con, month: Version())
    monkeypatch.setattr(publish, "record_version", lambda *args: None)
    monkeypatch.setattr(publish, "alert_rows", lambda con, month: [])
    monkeypatch.setattr(publish, "month_notes", lambda *args: [])
    monkeypatch.setattr(publish, "feedback_problems", lambda *args: [])
    monkeypatch.setattr(publish, "first_publication_days", lambda con, month: {})
    monkeypatch.setattr(publish, "write_overviews", lambda con, month, staging, *days: [])
    monkeypatch.setattr(publish, "check_staged_workbooks", lambda *args: None)

    def write(path, *args):
        time.sleep(0.05)
        if getattr(writer, "fail", False):
            raise OSError(errno.ENOSPC, "No space left on device")
        path.write_text(writer.name, encoding="utf-8")

    monkeypatch.setattr(publish, "write_county_workbook", write)
    return writer


def run(writer, name, out, fail=False, errors=None):
    writer.name, writer.fail = name, fail
    try:
        publish.publish_county_workbooks(None, "2023-06", out)
    except Exception as exc:  # noqa: BLE001 - the test reports what each run raised
        (errors if errors is not None else []).append(exc)


def test_two_runs_publishing_one_month_into_one_folder_take_turns(quick_publication, tmp_path):
    out, errors = tmp_path / "out", []
    runs = [threading.Thread(target=run, args=(quick_publication, name, out, False, errors)) for name in ("A", "B")]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join(timeout=60)
    assert errors == []
    folder = out / "2023-06"
    assert folder.is_dir(), "the month's folder is there"
    writers = {p.read_text(encoding="utf-8") for p in folder.glob("*.xlsx")}
    assert len(list(folder.glob("*.xlsx"))) == 3 and len(writers) == 1, "one run's whole set, not a mix"
    assert not list(out.glob(".2023-06.partial*")) and not list(out.glob(".2023-06.previous"))


def test_a_publication_failing_midway_leaves_the_published_month_and_no_partial(quick_publication, tmp_path):
    out = tmp_path / "out"
    run(quick_publication, "first", out)
    before = {p.name: p.read_text(encoding="utf-8") for p in (out / "2023-06").iterdir()}
    errors = []
    run(quick_publication, "second", out, fail=True, errors=errors)
    assert errors and isinstance(errors[0], OSError)
    assert {p.name: p.read_text(encoding="utf-8") for p in (out / "2023-06").iterdir()} == before
    assert not list(out.glob(".2023-06.partial*")), "nothing half-written stays beside the month"
    run(quick_publication, "third", out)
    assert {p.read_text(encoding="utf-8") for p in (out / "2023-06").iterdir()} == {"third"}, "the next run works"
