"""The embedded default database: a local secantusdb server in its own process.

secantusdb speaks the MongoDB wire protocol. It is GPL-2.0, so it is only ever
started as a separate program (`python -m secantus`) and spoken to through
pymongo, never imported. The server is left running after the crawl, so the
next crawl reuses it and users can query the same data directly.
"""
import fcntl
import json
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

logger = logging.getLogger(__name__)

STARTUP_TIMEOUT_SECONDS = 30


class EmbeddedServerError(RuntimeError):
    pass


def _is_listening(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


def _wait_until_listening(host: str, port: int, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if _is_listening(host, port):
            return
        if process.poll() is not None:
            raise EmbeddedServerError(
                f"embedded database server exited with code {process.returncode}; see {log_path}"
            )
        time.sleep(0.1)
    raise EmbeddedServerError(f"embedded database server did not listen on {host}:{port}; see {log_path}")


def start_server(storage_path: Path, host: str, port: int, log_path: Path) -> subprocess.Popen:
    """Start a secantusdb server process, detached from ours, and wait until it listens."""
    storage_path.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "secantus", "--host", host, "--port", str(port),
        "--storage-path", str(storage_path),
    ]
    with open(log_path, "ab") as log_file:
        process = subprocess.Popen(
            command, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    _wait_until_listening(host, port, process, log_path)
    return process


def ensure_embedded_server(data_dir: Path, port: int, host: str = "127.0.0.1") -> str:
    """Start the embedded server under `data_dir`, or reuse the one already there.

    Returns its MongoDB URI. A lock file keeps two crawls starting at once from
    starting two servers on the same data.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    uri = f"mongodb://{host}:{port}/"
    state_path = data_dir / "server.json"
    with open(data_dir / "server.lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        if _is_listening(host, port):
            logger.info("Using the embedded database server already running at %s (data in %s)",
                        uri, data_dir / "db")
            return uri
        process = start_server(data_dir / "db", host, port, data_dir / "server.log")
        state_path.write_text(json.dumps({"pid": process.pid, "uri": uri}))
    logger.info("Started the embedded database server at %s (pid %d, data in %s, log in %s)",
                uri, process.pid, data_dir / "db", data_dir / "server.log")
    return uri


def default_data_dir(project_dir: str | None) -> Path:
    return Path(project_dir or os.getcwd()) / "data"
