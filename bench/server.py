"""gunicorn on a free loopback port, always stopped; CPU time read from /proc."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
#: Two workers for two cores (the GIL lets one process use one core), and four
#: threads each so that a worker waiting on the database or a slow client still
#: serves others; gthread is also the worker class that keeps connections alive.
GUNICORN_OPTIONS = ("--worker-class", "gthread", "--workers", "2", "--threads", "4", "--keep-alive", "5")
_TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Server:
    port: int
    pid: int
    command: tuple[str, ...]
    log: Path


def free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def gunicorn(
    app: str, env: Mapping[str, str], log: Path, ready_path: str, options: tuple[str, ...] = GUNICORN_OPTIONS
) -> Iterator[Server]:
    """Serve ``app`` ("module:factory()") with gunicorn ``options`` until the block ends, even on Ctrl-C."""
    port = free_port()
    command = (
        sys.executable,
        "-m",
        "gunicorn",
        *options,
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "60",
        "--graceful-timeout",
        "5",
        "--log-level",
        "warning",
        *_no_control_socket(),
        app,
    )
    with log.open("w") as output:
        # A session of its own: Ctrl-C reaches the benchmark only, which then stops gunicorn.
        process = subprocess.Popen(
            command,
            cwd=REPO,
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_ready(process, port, ready_path, log)
        yield Server(port, process.pid, command, log)
    finally:
        _stop(process)


def _no_control_socket() -> tuple[str, ...]:
    """gunicorn 24+ opens a control socket in ~/.gunicorn by default; the bench needs none."""
    from gunicorn.config import KNOWN_SETTINGS  # type: ignore[import-untyped]

    return ("--no-control-socket",) if any(s.name == "control_socket_disable" for s in KNOWN_SETTINGS) else ()


def _wait_ready(process: subprocess.Popen[bytes], port: int, path: str, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with closing(socket.create_connection(("127.0.0.1", port), timeout=2)) as connection:
                connection.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
                if connection.recv(16).split(b" ")[1:2] == [b"200"]:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer 200 on {path} within {seconds} s:\n{log.read_text()[-3000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=15)
    # The workers are in the session gunicorn was started in; none may outlive it.
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=15)


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, utime + stime in ms) of a process, None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    fields = text.rsplit(")", 1)[1].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) * _TICK_MS


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def server_cpu_ms(master: int) -> dict[int, float]:
    """CPU time of the gunicorn master and of each of its workers, by pid."""
    cpu: dict[int, float] = {}
    for pid in _pids():
        stat = _stat(pid)
        if stat is not None and (pid == master or stat[0] == master):
            cpu[pid] = stat[1]
    return cpu


def postgres_cpu_ms() -> dict[int, float]:
    """CPU time of every PostgreSQL process (backends and background workers), by pid."""
    cpu: dict[int, float] = {}
    for pid in _pids():
        if _comm(pid).startswith("postgres"):
            stat = _stat(pid)
            if stat is not None:
                cpu[pid] = stat[1]
    return cpu


def spent_ms(before: Mapping[int, float], after: Mapping[int, float]) -> float:
    """CPU used between two readings; a process that appeared counts from zero."""
    return sum(ms - before.get(pid, 0.0) for pid, ms in after.items())


def machine_cpu_ms() -> tuple[float, float]:
    """(busy, capacity) in CPU milliseconds since boot, over all cores, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) * _TICK_MS, sum(values) * _TICK_MS
