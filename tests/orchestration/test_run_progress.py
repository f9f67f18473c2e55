"""The monthly command says what it does while it runs: one line per stage and per feed,
with the elapsed time, before the summary; counts and statuses only."""

import re

from ingestion.catalogue import FEEDS

PROGRESS = re.compile(r"^\[\s*\d+\.\ds\] ", re.MULTILINE)


def test_progress_lines_for_each_stage_and_feed(pipeline_run):
    out = pipeline_run.stdout
    progress = [ln for ln in out.splitlines() if PROGRESS.match(ln)]
    text = "\n".join(progress)
    for feed in FEEDS:
        assert f"feed  {feed.code}: " in text, feed.code
    for stage in ("county_feedback", "delivery_log", "record_linkage", "publication__county_workbooks"):
        assert f"stage {stage} started" in text and f"stage {stage} done (" in text, stage
    assert out.index(progress[-1]) < out.index("month 2023-06 done in")  # as it goes, not after
    assert not re.search(r"\d{17}[\dXx]", text)  # no ID number
