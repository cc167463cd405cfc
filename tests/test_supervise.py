"""`make run`'s supervisor: one process exiting restarts only that process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _pids(log: Path, name: str) -> list[int]:
    lines = log.read_text().splitlines() if log.exists() else []
    return [
        int(line.rsplit(" ", 1)[1])
        for line in lines
        if line.startswith(name) and "started with pid" in line
    ]


def _wait(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_a_process_that_exits_is_restarted_and_the_others_keep_running(tmp_path):
    procfile = tmp_path / "Procfile"
    sleeper = f"{sys.executable} -c 'import time; time.sleep(60)'"
    procfile.write_text(f"web: {sleeper}\nworker: {sleeper}\n")
    log = tmp_path / "supervisor.log"
    with log.open("wb") as out:
        supervisor = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "supervise.py"), str(procfile)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait(lambda: _pids(log, "web") and _pids(log, "worker"))
        web, worker = _pids(log, "web")[0], _pids(log, "worker")[0]
        os.kill(worker, signal.SIGKILL)  # the worker dies (as on a Redis crash)
        _wait(lambda: len(_pids(log, "worker")) == 2)
        os.kill(web, 0)  # web was never stopped
        assert _pids(log, "web") == [web]
        assert supervisor.poll() is None
    finally:
        supervisor.send_signal(signal.SIGTERM)
        supervisor.wait(15)
    assert supervisor.returncode == 0
    for pid in _pids(log, "web") + _pids(log, "worker"):
        _wait(lambda pid=pid: not Path(f"/proc/{pid}").exists())
