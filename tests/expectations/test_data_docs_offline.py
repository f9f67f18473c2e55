"""GX Data Docs open offline: the built pages reference no http(s) stylesheet, script or image,
and link the local stand-ins that exist on disk."""

import re
from pathlib import Path

import pandas as pd

from expectations.suites import alerts_suite
from expectations.validate import update_data_docs, validate_frame
from tests.expectations.test_alerts_suite import ALERT

REMOTE = re.compile(r'<(?:link|script|img)\b[^>]*(?:href|src)="https?://', re.IGNORECASE)


def test_data_docs_reference_no_remote_css_or_js(tmp_path):
    frame = pd.DataFrame([ALERT, {**ALERT, "evidence": "an English word"}])
    validate_frame(frame, alerts_suite("2023-06"), "alerts", tmp_path)
    site = Path(update_data_docs(tmp_path).removeprefix("file://")).parent
    pages = list(site.rglob("*.html"))
    assert len(pages) >= 2  # the index and the validation page
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert not REMOTE.search(html), page
        for local in re.findall(r'(?:href|src)="([^"]*static/offline/[^"]*)"', html):
            assert (page.parent / local).is_file(), (page, local)
        assert "offline.js" in html, page
