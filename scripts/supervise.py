#!/usr/bin/env python3
"""Run the processes of a Procfile; restart any that exits; Ctrl-C (or SIGTERM) stops all.

`make run` used honcho, which stops every process when one exits: a worker that quit on a
Redis crash took web and SMTP down with it. Here one process's exit restarts only that
process (after 1 s, doubling to 30 s while it keeps failing fast), and the others keep serving.

    python scripts/supervise.py [Procfile]
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

BACKOFF_START, BACKOFF_MAX, HEALTHY_AFTER = 1.0, 30.0, 60.0


def read_procfile(path: Path) -> dict[str, str]:
    processes = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and ":" in line:
            name, command = line.split(":", 1)
            processes[name.strip()] = command.strip()
    return processes


class Supervised:
    def __init__(self, name: str, command: str, width: int, lock: threading.Lock) -> None:
        self.name, self.command = name, command
        self.prefix = f"{name:<{width}} | "
        self.lock = lock
        self.popen: subprocess.Popen | None = None
        self.started_at = 0.0
        self.delay = BACKOFF_START
        self.restart_at: float | None = None

    def start(self) -> None:
        self.popen = subprocess.Popen(
            shlex.split(self.command),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: we stop it and its children
        )
        self.started_at = time.monotonic()
        self.restart_at = None
        self.say(f"started with pid {self.popen.pid}")
        threading.Thread(target=self._copy_output, args=(self.popen,), daemon=True).start()

    def _copy_output(self, popen: subprocess.Popen) -> None:
        for raw in popen.stdout:
            self.say(raw.decode(errors="replace").rstrip("\n"))

    def say(self, text: str) -> None:
        with self.lock:
            sys.stdout.write(self.prefix + text + "\n")
            sys.stdout.flush()

    def check(self, now: float) -> None:
        """Notice an exit and schedule a restart; restart when its time has come."""
        if self.restart_at is not None:
            if now >= self.restart_at:
                self.start()
            return
        code = self.popen.poll() if self.popen else None
        if code is None:
            return
        if now - self.started_at >= HEALTHY_AFTER:
            self.delay = BACKOFF_START
        self.say(f"exited with code {code}; restarting in {self.delay:.0f} s")
        self.restart_at = now + self.delay
        self.delay = min(self.delay * 2, BACKOFF_MAX)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.popen and self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)


def main(argv: list[str]) -> int:
    procfile = Path(argv[1] if len(argv) > 1 else "Procfile")
    processes = read_procfile(procfile)
    width = max(len(name) for name in processes)
    lock = threading.Lock()
    children = [Supervised(name, command, width, lock) for name, command in processes.items()]
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    for child in children:
        child.start()
    while not stopping.wait(0.2):
        now = time.monotonic()
        for child in children:
            child.check(now)
    for child in children:
        child.stop()
    deadline = time.monotonic() + 10
    for child in children:
        if child.popen is None:
            continue
        try:
            child.popen.wait(max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            child.stop(signal.SIGKILL)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
