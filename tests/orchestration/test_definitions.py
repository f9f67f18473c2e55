"""The Dagster Definitions load, and the asset graph is what the snapshot says."""

from pathlib import Path

SNAPSHOT = Path(__file__).parent / "asset_graph.snapshot"


def current_graph() -> list[str]:
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    lines = []
    for key in graph.get_all_asset_keys():
        parents = sorted(p.to_user_string() for p in graph.get(key).parent_keys)
        lines.append(f"{key.to_user_string()} <- {', '.join(parents)}")
    lines += [f"check {k.asset_key.to_user_string()}:{k.name}" for k in graph.asset_check_keys]
    return sorted(lines)


def test_definitions_load_with_the_monthly_job():
    from orchestration.definitions import MONTHLY_JOB, defs

    job = defs.resolve_job_def(MONTHLY_JOB)
    assert job.partitions_def is not None and job.tags["linfen/warehouse"].startswith("warehouse-")


def test_asset_graph_matches_the_snapshot():
    """Regenerate with: python -c 'from tests.orchestration.test_definitions import *; write_snapshot()'"""
    assert current_graph() == SNAPSHOT.read_text(encoding="utf-8").splitlines()


def write_snapshot() -> None:
    SNAPSHOT.write_text("\n".join(current_graph()) + "\n", encoding="utf-8")
