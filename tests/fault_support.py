"""Real processes for the fault tests: a private Redis, the SMTP server, the web app, the
outbox relay and an RQ worker, each a subprocess we can stop, kill and restart."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLASK = [sys.executable, "-m", "flask", "--app", "wsgi.py"]


def wait_for_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            probe.settimeout(0.2)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port}")


class Process:
    def __init__(
        self, name: str, args: list[str], env: dict, log_dir: Path, port: int | None = None
    ):
        self.name, self.args, self.env, self.port = name, args, env, port
        self.log = log_dir / f"{name}.log"
        self.popen: subprocess.Popen | None = None

    def start(self) -> Process:
        handle = self.log.open("ab")
        self.popen = subprocess.Popen(
            self.args,
            env=self.env,
            cwd=ROOT,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if self.port:
            wait_for_port(self.port)
        return self

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.popen and self.popen.poll() is None:
            os.killpg(self.popen.pid, sig)
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(5)
        if self.port:  # wait until the port is really free before a restart
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                with socket.socket() as probe:
                    if probe.connect_ex(("127.0.0.1", self.port)) != 0:
                        break
                time.sleep(0.05)

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    def tail(self, lines: int = 30) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def redis_process(port: int, log_dir: Path) -> Process:
    return Process(
        "redis",
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        dict(os.environ),
        log_dir,
        port,
    )


class Cap:
    """A size cap on a directory; `grow` makes room, as an operator freeing disk would."""

    def __init__(self, path: Path, size_bytes: int, kind: str) -> None:
        self.path, self.size_bytes, self.kind = path, size_bytes, kind

    def grow(self, size_bytes: int) -> None:
        self.size_bytes = size_bytes
        if self.kind == "tmpfs":
            subprocess.run(
                ["mount", "-o", f"remount,size={size_bytes}", str(self.path)], check=True
            )


@contextlib.contextmanager
def capped_directory(path: Path, size_bytes: int) -> Iterator[Cap]:
    """A directory that really runs out of space: a size-limited tmpfs (needs root).

    Where mounting is not allowed the cap is simulated in this process: a write that would
    take the directory past the cap fails with ENOSPC, as a full disk does.
    """
    path.mkdir(parents=True, exist_ok=True)
    mounted = False
    if os.geteuid() == 0 and shutil.which("mount") and not os.environ.get("NO_TMPFS"):
        mounted = (
            subprocess.run(
                ["mount", "-t", "tmpfs", "-o", f"size={size_bytes}", "tmpfs", str(path)],
                capture_output=True,
            ).returncode
            == 0
        )
    if mounted:
        try:
            yield Cap(path, size_bytes, "tmpfs")
        finally:
            subprocess.run(["umount", "-l", str(path)], capture_output=True)
        return
    cap = Cap(path, size_bytes, "simulated")
    real_fdopen = os.fdopen
    root = str(path)

    class CappedFile:
        def __init__(self, handle) -> None:
            self.handle = handle

        def write(self, data) -> int:
            used = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
            if used + len(data) > cap.size_bytes:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return self.handle.write(data)

        def __getattr__(self, name: str):
            return getattr(self.handle, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            self.handle.close()

    def fdopen(fd: int, *args, **kwargs):
        handle = real_fdopen(fd, *args, **kwargs)
        if os.readlink(f"/proc/self/fd/{fd}").startswith(root):
            return CappedFile(handle)
        return handle

    os.fdopen = fdopen
    try:
        yield cap
    finally:
        os.fdopen = real_fdopen


def children(pid: int) -> list[int]:
    """Direct child processes of `pid` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found
