"""The publication gate on the alerts: evidence in Chinese words, never one of our codes."""

import pandas as pd
import pytest

from expectations.suites import alerts_suite
from expectations.validate import validate_frame

ALERT = {
    "alert_id": "S02-0123456789",
    "month": "2023-06",
    "rule_id": "S02",
    "level": "橙",
    "department": "民政局",
    "county_code": "141002",
    "subject_person_key": "P1",
    "status": "新增",
    "due_date": "2023-07-14",
    "subject_id_number": "141002199001011234",
}


@pytest.mark.parametrize(
    ("description", "evidence", "passes"),
    [
        (
            "Chinese with record numbers and figures",
            "应急管理局：灾情编号ZQ2023060000002，2023-06-18洪涝；自付26000.5元",
            True,
        ),
        ("a product name in its own spelling", "低保边缘名册身份证号被Excel转为科学计数法，位数丢失", True),
        ("a category code left in the text", "人社局参保信息：机关事业单位基本养老保险；同时为dibao", False),
        ("an English word", "household income above limit", False),
    ],
)
def test_evidence_is_wholly_chinese(description, evidence, passes):
    frame = pd.DataFrame([{**ALERT, "evidence": evidence}])
    assert validate_frame(frame, alerts_suite("2023-06"), "alerts").success is passes, description
