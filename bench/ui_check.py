"""Check the service as an engineer meets it: start `dagster dev` on a generated city of three
months, ask its GraphQL API what the UI shows (partitions, sensor, schedule), launch a backfill
of the three months, wait for its runs, and report the order they ran in and the per-partition
materialisations; optionally screenshot the UI pages with headless Chromium.

    .venv/bin/python -m bench.ui_check --people 1500 [--screenshots DIR]

Needs nothing outside the project except Chromium for the screenshots (`apt-get install
chromium`); not part of `make test` (it takes minutes and starts a server).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MONTHS = ["2023-06", "2023-07", "2023-08"]
PORT = 3737


def graphql(query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        body = json.loads(response.read())
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    return body["data"]


def wait_for_server(seconds: float = 180) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            graphql("{ version }")
            return
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(2)
    raise TimeoutError("dagster dev did not answer")


REPOSITORY = """{ repositoriesOrError { ... on RepositoryConnection { nodes { name location { name }
  sensors { name sensorState { status } } schedules { name cronSchedule scheduleState { status } }
  partitionSets { name } } } } }"""

PARTITIONS = """query($selector: RepositorySelector!, $name: String!) {
  partitionSetOrError(repositorySelector: $selector, partitionSetName: $name) {
    ... on PartitionSet { partitionsOrError { ... on Partitions { results { name } } } } } }"""

BACKFILL = """mutation($params: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $params) {
  __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message } } }"""

RUNS = """query($id: String!) { runsOrError(filter: {tags: [{key: "dagster/backfill", value: $id}]}) {
  ... on Runs { results { runId status startTime endTime tags { key value } } } } }"""

MATERIALISATIONS = """query($path: [String!]!) { assetOrError(assetKey: {path: $path}) {
  ... on Asset { assetMaterializations(limit: 20) { partition runId metadataEntries { label
  ... on IntMetadataEntry { intValue } ... on FloatMetadataEntry { floatValue } } } } } }"""


def screenshot(url: str, path: Path) -> None:
    profile = tempfile.mkdtemp()
    subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={profile}",
            "--window-size=1600,1000",
            "--virtual-time-budget=15000",
            f"--screenshot={path}",
            url,
        ],
        check=False,
        capture_output=True,
        timeout=120,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=1500)
    parser.add_argument("--screenshots", type=Path)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ui_check_"))
    python = sys.executable
    subprocess.run(
        [python, "-m", "synthetic", "--people", str(args.people), "--month", MONTHS[0], "--months", "3",
         "--out", str(work / "city")],
        check=True, capture_output=True,
    )  # fmt: skip
    home = work / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    env = dict(
        os.environ,
        DAGSTER_HOME=str(home),
        LINFEN_LANDING=str(work / "city" / "landing"),
        LINFEN_WAREHOUSE=str(work / "warehouse" / "linfen.duckdb"),
        LINFEN_OUTPUT=str(work / "out"),
        LINFEN_QUIET_SECONDS="100000",  # the backfill, not the sensor, runs these months here
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        GX_ANALYTICS_ENABLED="false",
    )
    server = subprocess.Popen(
        [str(Path(python).parent / "dagster"), "dev", "-p", str(PORT), "-h", "127.0.0.1"],
        cwd=REPO,
        env=env,
        stdout=open(work / "dagster_dev.log", "w"),  # noqa: SIM115 - lives as long as the server
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_server()
        repo = graphql(REPOSITORY)["repositoriesOrError"]["nodes"][0]
        selector = {"repositoryName": repo["name"], "repositoryLocationName": repo["location"]["name"]}
        print("sensors:  ", [(s["name"], s["sensorState"]["status"]) for s in repo["sensors"]])
        print("schedules:", [(s["name"], s["cronSchedule"], s["scheduleState"]["status"]) for s in repo["schedules"]])
        set_name = next(p["name"] for p in repo["partitionSets"] if p["name"].startswith("monthly_monitoring"))
        partitions = graphql(PARTITIONS, {"selector": selector, "name": set_name})
        names = [r["name"] for r in partitions["partitionSetOrError"]["partitionsOrError"]["results"]]
        print(f"partitions: {len(names)}, {names[0]} … {names[-1]}")
        launched = graphql(
            BACKFILL,
            {"params": {"selector": {"partitionSetName": set_name, "repositorySelector": selector},
                        "partitionNames": MONTHS, "fromFailure": False}},
        )["launchPartitionBackfill"]  # fmt: skip
        backfill = launched["backfillId"]
        print("backfill:", backfill)
        deadline = time.time() + 1800
        runs: list = []
        while time.time() < deadline:
            runs = graphql(RUNS, {"id": backfill})["runsOrError"]["results"]
            if len(runs) == len(MONTHS) and all(r["status"] in ("SUCCESS", "FAILURE", "CANCELED") for r in runs):
                break
            time.sleep(10)
        for run in sorted(runs, key=lambda r: r["startTime"] or 0):
            month = next(t["value"] for t in run["tags"] if t["key"] == "dagster/partition")
            print(f"run {run['runId'][:8]} {month} {run['status']} {run['startTime']:.0f}–{run['endTime'] or 0:.0f}")
        ordered = sorted(runs, key=lambda r: r["startTime"] or 0)
        months_in_order = [next(t["value"] for t in r["tags"] if t["key"] == "dagster/partition") for r in ordered]
        overlap = any(
            a["endTime"] and b["startTime"] < a["endTime"] for a, b in zip(ordered, ordered[1:], strict=False)
        )
        print("ran in month order:", months_in_order == MONTHS, "| overlapping runs:", overlap)
        for path in (["raw", "civil_dibao"], ["linkage", "record_person"], ["publication", "county_workbooks"]):
            data = graphql(MATERIALISATIONS, {"path": path})["assetOrError"]["assetMaterializations"]
            for m in sorted(data, key=lambda m: m["partition"] or ""):
                numbers = {e["label"]: e.get("intValue", e.get("floatValue")) for e in m["metadataEntries"]}
                numbers = {k: v for k, v in numbers.items() if v is not None}
                print(f"  {'/'.join(path)} [{m['partition']}] {numbers}")
        if args.screenshots:
            graphql("mutation { setNuxSeen }")  # the "join the community" dialog covers every page otherwise
            args.screenshots.mkdir(parents=True, exist_ok=True)
            base = f"http://127.0.0.1:{PORT}"
            location = selector["repositoryLocationName"]
            pages = {
                "asset_graph": f"{base}/asset-groups",
                "job_partitions": f"{base}/locations/{location}/jobs/monthly_monitoring/partitions",
                "feed_asset": f"{base}/assets/raw/civil_dibao",
                "automation": f"{base}/automation",
            }
            for name, url in pages.items():
                screenshot(url, args.screenshots / f"{name}.png")
                print("screenshot:", args.screenshots / f"{name}.png")
        return 0 if months_in_order == MONTHS and not overlap and all(r["status"] == "SUCCESS" for r in runs) else 1
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        print("work folder:", work)


if __name__ == "__main__":
    sys.exit(main())
