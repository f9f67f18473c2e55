"""Issue 32: a disk filling during the gate truncated `great_expectations.yml`, and every later
run failed until `quality/` was deleted. The project config and GX's stored files are written
atomically, and what a killed run left broken is repaired when the project is next opened."""

import errno

import great_expectations as gx
import great_expectations.expectations as gxe
import pandas as pd
import pytest
from great_expectations.data_context.data_context import file_data_context

from expectations import validate
from expectations.validate import GX_FOLDER, GX_YML, validate_frame


def suite(name: str) -> gx.ExpectationSuite:
    return gx.ExpectationSuite(name=name, expectations=[gxe.ExpectColumnToExist(column="a")])


def run_gate(root, asset: str):
    validate._file_context.cache_clear()  # as a new run does
    return validate_frame(pd.DataFrame({"a": [1, 2]}), suite(asset), asset, root)


def config_of(root):
    return root / GX_FOLDER / GX_YML


def test_a_disk_filling_while_the_config_is_written_leaves_it_whole(tmp_path, monkeypatch):
    root = tmp_path / "quality"
    assert run_gate(root, "first").success
    before = config_of(root).read_text(encoding="utf-8")

    real_open = open

    def disk_full(path, mode="r", *args, **kwargs):
        handle = real_open(path, mode, *args, **kwargs)
        if "w" in mode and str(path).endswith(GX_YML):
            handle.write("config_version: 4.0\nfluent_datasources:\n  warehouse:\n    type: pan")
            handle.close()
            raise OSError(errno.ENOSPC, "No space left on device")
        return handle

    monkeypatch.setattr(file_data_context, "open", disk_full, raising=False)
    with pytest.raises(OSError):
        run_gate(root, "second")  # a new asset: GX saves its data source in the config
    monkeypatch.undo()
    assert config_of(root).read_text(encoding="utf-8") == before, "the config as it was before the failed write"
    assert run_gate(root, "third").success, "the next run works"


def test_a_config_truncated_by_an_earlier_run_is_repaired(tmp_path):
    root = tmp_path / "quality"
    assert run_gate(root, "first").success
    text = config_of(root).read_text(encoding="utf-8")
    config_of(root).write_text(text[: len(text) // 3] + "\n  - [unclosed", encoding="utf-8")
    assert run_gate(root, "second").success, "the project is made anew instead of every run failing"
    assert list(tmp_path.glob(f"quality/{GX_FOLDER}.broken-*")), "the broken project kept aside for a look"


def test_a_truncated_stored_suite_is_removed_and_written_again(tmp_path):
    root = tmp_path / "quality"
    assert run_gate(root, "first").success
    stored = next((root / GX_FOLDER / "expectations").glob("*.json"))
    stored.write_text('{"name": "fir', encoding="utf-8")
    assert run_gate(root, "first").success
    assert stored.read_text(encoding="utf-8").startswith("{") and len(stored.read_text(encoding="utf-8")) > 20
