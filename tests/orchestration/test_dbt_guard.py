"""dbt dies with the process that started it: a kill -9 of the orchestrator leaves no dbt
writing to the warehouse behind it (issue 13, case 11)."""

import os
import signal
import subprocess
import sys
import time

import pytest

from orchestration.dbt_settings import DBT_EXECUTABLE

# Stands in for the orchestrator: starts "dbt" as dagster-dbt does (Popen, no shell), says its
# pid, then waits to be killed. The guard execs LINFEN_DBT_REAL, here a long sleep.
ORCHESTRATOR = """
import subprocess, sys, time
child = subprocess.Popen([sys.argv[1], "60"])
print(child.pid, flush=True)
time.sleep(60)
"""


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the guard uses Linux's PR_SET_PDEATHSIG")
@pytest.mark.parametrize("sigterm", ["default", "ignored"], ids=["sigterm_default", "sigterm_ignored_by_the_parent"])
def test_dbt_ends_when_the_orchestrator_is_killed(sigterm):
    """Also when the orchestrator was started ignoring SIGTERM (inherited across exec)."""
    env = {**os.environ, "LINFEN_DBT_REAL": "/bin/sleep"}
    handler = signal.SIG_IGN if sigterm == "ignored" else signal.SIG_DFL
    orchestrator = subprocess.Popen(
        [sys.executable, "-c", ORCHESTRATOR, DBT_EXECUTABLE],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=lambda: signal.signal(signal.SIGTERM, handler),
    )
    dbt_pid = int(orchestrator.stdout.readline())
    deadline = time.monotonic() + 10
    while not open(f"/proc/{dbt_pid}/cmdline").read().startswith("/bin/sleep") and time.monotonic() < deadline:
        time.sleep(0.05)  # the guard has not yet become "dbt"
    assert alive(dbt_pid)
    orchestrator.send_signal(signal.SIGKILL)
    orchestrator.wait()
    deadline = time.monotonic() + 5
    while alive(dbt_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    still_running = alive(dbt_pid)
    if still_running:
        os.kill(dbt_pid, signal.SIGKILL)
    assert not still_running, "dbt kept running after the orchestrator was killed"
