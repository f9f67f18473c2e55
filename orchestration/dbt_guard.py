"""Start dbt so that it dies with the process that started it.

dagster-dbt runs dbt as a child process. If the orchestrator is killed outright (kill -9, the
machine's OOM killer), an ordinary child keeps running and writing to the warehouse with nobody
watching, and may still hold the file when the rerun starts. On Linux this asks the kernel to
send SIGTERM to dbt when its parent dies (PR_SET_PDEATHSIG, kept across exec), then becomes dbt.
"""

import ctypes
import os
import signal
import sys
from pathlib import Path

PR_SET_PDEATHSIG = 1


def real_dbt() -> str:
    """The dbt installed beside this Python (LINFEN_DBT_REAL overrides it)."""
    return os.environ.get("LINFEN_DBT_REAL") or str(Path(sys.executable).parent / "dbt")


def die_with_parent() -> None:
    """Have the kernel end this process when its parent dies; leave at once if it already has."""
    if not sys.platform.startswith("linux"):
        return
    # an ignored SIGTERM survives exec: a parent that ignores it (a test runner, a supervisor)
    # would make the kernel's signal a no-op for dbt
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    expected = os.environ.get("LINFEN_PARENT_PID")  # set by orchestration/bin/dbt
    if expected and os.getppid() != int(expected):
        sys.exit("dbt not started: the process that asked for it has already ended")


def main() -> None:
    die_with_parent()
    executable = real_dbt()
    os.execv(executable, [executable, *sys.argv[1:]])


if __name__ == "__main__":
    main()
