"""The embedded default database: a local secantusdb server in its own process.

secantusdb speaks the MongoDB wire protocol. It is GPL-2.0, so it is only ever
started as a separate program (`python -m secantus`) and spoken to through
pymongo, never imported. The server is left running after the crawl, so the
next crawl reuses it and users can query the same data directly.

A server is used only once it is known to be the one of this data directory,
whoever else runs one on the same machine: at start it is given a marker, a
document in a small collection of its `admin` database naming the storage it
serves, and `server.json` in the data directory records its pid and port.
The server found at the recorded port, or else at the configured one, is
this directory's if its marker names this directory's storage (or, for a
server started before markers, if the pid it reports in `serverStatus` is the
recorded one). Anything else on the configured port (another data
directory's server, a program that is not MongoDB) is left alone, and this
directory's server is started on a free port instead, which `server.json`
keeps for the next run. This module talks to pymongo only for that
identity, with commands MongoDB has (`serverStatus`, a find and a replace),
and to say what a running server holds (`newscrawler db status`).

`running_server()` finds this directory's server without starting or
writing anything; `stop_server()` stops it (SIGTERM, which secantusdb takes
as a clean shutdown) and waits until its process is gone. Only a server
identified as this directory's is ever stopped.
"""
import fcntl
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import PyMongoError

logger = logging.getLogger(__name__)

STARTUP_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 30
IDENTIFY_TIMEOUT_MS = 2000
MARKER_DATABASE, MARKER_COLLECTION, MARKER_ID = "admin", "newscrawler_embedded", "identity"

_announced: set[str] = set()  # servers this process has logged that it uses: say it once


class EmbeddedServerError(RuntimeError):
    pass


@dataclass
class ServerAnswer:
    """What a MongoDB server says of itself: its pid, and the storage its marker names (None: unmarked)."""
    pid: int
    storage: str | None


@dataclass
class EmbeddedServer:
    uri: str
    pid: int
    storage: Path
    started: bool


def _is_listening(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def _uri(host: str, port: int) -> str:
    return f"mongodb://{host}:{port}/"


def _client(host: str, port: int) -> MongoClient:
    return MongoClient(host, port, directConnection=True, serverSelectionTimeoutMS=IDENTIFY_TIMEOUT_MS,
                       connectTimeoutMS=IDENTIFY_TIMEOUT_MS, socketTimeoutMS=IDENTIFY_TIMEOUT_MS)


def ask_server(host: str, port: int) -> ServerAnswer | None:
    """Who serves host:port, or None if nothing there answers as MongoDB."""
    if not _is_listening(host, port):
        return None
    client = _client(host, port)
    try:
        status = client.admin.command("serverStatus")
        marker = client[MARKER_DATABASE][MARKER_COLLECTION].find_one({"_id": MARKER_ID})
    except PyMongoError:
        return None
    finally:
        client.close()
    return ServerAnswer(pid=int(status.get("pid", -1)), storage=(marker or {}).get("storage"))


def _mark(host: str, port: int, storage: Path) -> None:
    client = _client(host, port)
    try:
        client[MARKER_DATABASE][MARKER_COLLECTION].replace_one(
            {"_id": MARKER_ID}, {"storage": str(storage)}, upsert=True)
    finally:
        client.close()


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


def start_server(storage_path: Path, host: str, port: int, log_path: Path,
                 cache_size: str | None = None) -> subprocess.Popen:
    """Start a secantusdb server process, detached from ours, and wait until it
    listens. `cache_size` ("8G") sizes its WiredTiger cache; secantusdb's own
    default is 1G."""
    storage_path.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "secantus", "--host", host, "--port", str(port),
        "--storage-path", str(storage_path),
    ]
    if cache_size:
        command += ["--cache-size", cache_size]
    with open(log_path, "ab") as log_file:
        process = subprocess.Popen(
            command, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    _wait_until_listening(host, port, process, log_path)
    return process


def ensure_embedded_server(data_dir: Path, port: int, host: str = "127.0.0.1", read_only: bool = False) -> str:
    """The MongoDB URI of the embedded server of `data_dir`: the one already
    running for it, or one started now (on `port`, or on a free port if
    something else holds that one).

    A lock file keeps two crawls starting at once from starting two servers on
    the same data. With `read_only`, a data directory that does not exist is
    an error rather than created. Any failure is an EmbeddedServerError of one line.
    """
    data_dir = data_dir.resolve()
    if read_only and not data_dir.is_dir():
        raise EmbeddedServerError(no_database_message(data_dir))
    try:
        with _locked(data_dir):
            state = _read_state(data_dir)
            ports = dict.fromkeys(filter(None, (state.get("port"), port)))  # the recorded one first
            answers = {candidate: ask_server(host, candidate) for candidate in ports}
            server = (_own_server(data_dir, host, state, answers)
                      or _start_own_server(data_dir, host, port, answers[port]))
    except OSError as error:
        raise EmbeddedServerError(f"cannot use the data directory {data_dir}: {error.strerror or error}") from error
    except PyMongoError as error:  # the server went away while being identified
        raise EmbeddedServerError(f"cannot use the embedded database server of {data_dir}: {error}") from error
    _announce(server, data_dir, read_only)
    return server.uri


def no_database_message(data_dir: Path) -> str:
    return (f"no embedded database in {data_dir}: nothing was crawled into it "
            "(run from the project directory, or set NEWSCRAWLER_DATA_DIR or MONGO_URI)")


@contextmanager
def _locked(data_dir: Path):
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / "server.lock", "a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        yield


def _identified(data_dir: Path, state: dict, answers: dict[int, ServerAnswer | None]
                ) -> tuple[int, ServerAnswer] | None:
    """(port, answer) of this data directory's server, among the servers that answered at these ports."""
    storage = str(data_dir / "db")
    for candidate, answer in answers.items():
        if answer is None:
            continue
        recorded = state.get("pid") == answer.pid and state.get("port") == candidate
        if answer.storage == storage or (answer.storage is None and recorded):
            return candidate, answer
    return None


def _own_server(data_dir: Path, host: str, state: dict, answers: dict[int, ServerAnswer | None]
                ) -> EmbeddedServer | None:
    """The running server of this data directory, marked and recorded in server.json."""
    found = _identified(data_dir, state, answers)
    if found is None:
        return None
    port, answer = found
    if answer.storage is None:
        _mark(host, port, data_dir / "db")  # started by a version without markers
    if not (state.get("pid") == answer.pid and state.get("port") == port):
        _write_state(data_dir, answer.pid, host, port)
    return EmbeddedServer(_uri(host, port), answer.pid, data_dir / "db", started=False)


def running_server(data_dir: Path, port: int, host: str = "127.0.0.1") -> EmbeddedServer | None:
    """This data directory's server if it runs, found at the port server.json
    records or at `port`; nothing is started, created or written."""
    data_dir = data_dir.resolve()
    if not data_dir.is_dir():
        return None
    state = _read_state(data_dir)
    ports = dict.fromkeys(filter(None, (state.get("port"), port)))
    found = _identified(data_dir, state, {candidate: ask_server(host, candidate) for candidate in ports})
    if found is None:
        return None
    return EmbeddedServer(_uri(host, found[0]), found[1].pid, data_dir / "db", started=False)


def stop_server(data_dir: Path, port: int, host: str = "127.0.0.1",
                timeout: float = STOP_TIMEOUT_SECONDS) -> EmbeddedServer | None:
    """Stop this data directory's server, if it runs, and wait until its
    process has exited; returns the server stopped, or None if none ran.
    The lock keeps a crawl from starting a server meanwhile."""
    data_dir = data_dir.resolve()
    if not data_dir.is_dir():
        return None
    try:
        with _locked(data_dir):
            server = running_server(data_dir, port, host)
            if server is None:
                return None
            if not _is_secantus(server.pid):
                raise EmbeddedServerError(f"the embedded database server at {server.uri} says its pid is "
                                          f"{server.pid}, which is no secantusdb process here: not stopped")
            os.kill(server.pid, signal.SIGTERM)
            _wait_until_gone(server, timeout)
    except OSError as error:
        raise EmbeddedServerError(f"cannot stop the embedded database server of {data_dir}: "
                                  f"{error.strerror or error}") from error
    return server


def _is_secantus(pid: int) -> bool:
    """Whether pid is a secantusdb process (as far as /proc tells; True where there is no /proc)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except FileNotFoundError:
        return not Path("/proc/self").exists()
    return any(b"secantus" in part for part in command)


def _process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:  # exited, but not yet reaped by its parent (a zombie)
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def _wait_until_gone(server: EmbeddedServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not _process_gone(server.pid):
        if time.monotonic() > deadline:
            raise EmbeddedServerError(f"the embedded database server at {server.uri} (pid {server.pid}) "
                                      f"was asked to stop but still runs after {timeout:.0f} s")
        time.sleep(0.1)


def database_counts(uri: str) -> dict[str, int]:
    """The server's databases (other than MongoDB's own), each with its number of tracked articles."""
    client = MongoClient(uri, directConnection=True, serverSelectionTimeoutMS=IDENTIFY_TIMEOUT_MS)
    try:
        names = [name for name in client.list_database_names() if name not in ("admin", "config", "local")]
        return {name: client[name].articles.estimated_document_count() for name in sorted(names)}
    except PyMongoError as error:
        raise EmbeddedServerError(f"the embedded database server at {uri} does not answer: {error}") from error
    finally:
        client.close()


def folder_size(folder: Path) -> int:
    """Bytes of the files under folder (0 if it does not exist)."""
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def _start_own_server(data_dir: Path, host: str, port: int, holder: ServerAnswer | None) -> EmbeddedServer:
    """Start this data directory's server on `port`, or on a free one if `port` is held (by `holder`)."""
    storage = data_dir / "db"
    chosen = port
    if _is_listening(host, port):
        chosen = _free_port(host)
        logger.warning("Port %d is held by %s, not by the embedded server of %s: starting that one on port %d",
                       port, _describe(holder), data_dir, chosen)
    process = start_server(storage, host, chosen, data_dir / "server.log")
    answer = ask_server(host, chosen)
    if answer is None or answer.pid != process.pid:
        process.terminate()
        raise EmbeddedServerError(f"another program took port {chosen} while the embedded database server started")
    try:
        _mark(host, chosen, storage)
    except PyMongoError as error:
        process.terminate()
        raise EmbeddedServerError(f"the embedded database server at {_uri(host, chosen)} failed: {error}") from error
    _write_state(data_dir, process.pid, host, chosen)
    return EmbeddedServer(_uri(host, chosen), process.pid, storage, started=True)


def _describe(answer: ServerAnswer | None) -> str:
    if answer is None:
        return "a program that does not answer as MongoDB"
    if answer.storage:
        return f"the embedded server of {Path(answer.storage).parent} (pid {answer.pid})"
    return f"a MongoDB server (pid {answer.pid})"


def _read_state(data_dir: Path) -> dict:
    """server.json: {"pid", "port", "uri"}; {} if missing or unreadable."""
    try:
        state = json.loads((data_dir / "server.json").read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(state, dict):
        return {}
    if "port" not in state and isinstance(state.get("uri"), str):  # written before ports were recorded
        state["port"] = _port_of(state["uri"])
    return state


def _port_of(uri: str) -> int | None:
    try:
        return int(uri.rstrip("/").rsplit(":", 1)[1])
    except (IndexError, ValueError):
        return None


def _write_state(data_dir: Path, pid: int, host: str, port: int) -> None:
    (data_dir / "server.json").write_text(json.dumps({"pid": pid, "port": port, "uri": _uri(host, port)}))


def _announce(server: EmbeddedServer, data_dir: Path, read_only: bool = False) -> None:
    level = logging.DEBUG if server.uri in _announced else logging.INFO
    _announced.add(server.uri)
    if server.started and read_only:  # a command that only reads: say what it leaves running
        logger.warning("Started the embedded database server at %s (pid %d, data in %s) to read it; it keeps "
                       "running for the next crawl: `newscrawler db stop` stops it",
                       server.uri, server.pid, server.storage)
    elif server.started:
        logger.log(level, "Started the embedded database server at %s (pid %d, data in %s, log in %s)",
                   server.uri, server.pid, server.storage, data_dir / "server.log")
    else:
        logger.log(level, "Using the embedded database server already running at %s (pid %d, data in %s)",
                   server.uri, server.pid, server.storage)


def default_data_dir(project_dir: str | None) -> Path:
    """data/ beside scrapy.cfg: of the project directory given, else of the
    checkout this package runs from (a command run elsewhere reads the
    project's data), else of the working directory (a scrapyd job)."""
    if not project_dir:
        checkout = Path(__file__).resolve().parent.parent
        project_dir = checkout if (checkout / "scrapy.cfg").is_file() else os.getcwd()
    return Path(project_dir) / "data"
