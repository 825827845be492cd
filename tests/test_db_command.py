"""`newscrawler db status|stop`, and reading commands run from outside the project."""
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pymongo import MongoClient

from newscrawler.embedded import ask_server, ensure_embedded_server, running_server
from newscrawler.reading.cli import main
from tests.conftest import PROJECT_DIR, free_port


def start_detached(data_dir, port: int) -> str:
    """Start a data folder's server from another process, which exits: as a crawl leaves it."""
    code = ("import sys; from pathlib import Path; from newscrawler.embedded import ensure_embedded_server; "
            "print(ensure_embedded_server(Path(sys.argv[1]), int(sys.argv[2])))")
    result = subprocess.run([sys.executable, "-c", code, str(data_dir), str(port)], capture_output=True, text=True,
                            timeout=60, env={**os.environ, "PYTHONPATH": str(PROJECT_DIR)}, check=True)
    return result.stdout.strip()


def has_exited(pid: int) -> bool:
    """No such process, or one that has exited and waits for its parent to reap it."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A data folder; any server still running for it at the end is stopped."""
    monkeypatch.delenv("SCRAPY_SETTINGS_MODULE", raising=False)  # the command sets it: undone afterwards
    monkeypatch.delenv("MONGO_URI", raising=False)
    folder = tmp_path / "data"
    yield folder
    state = folder / "server.json"
    if state.exists() and running_server(folder, 0):
        os.kill(json.loads(state.read_text())["pid"], 15)


def db(data_dir, port: int, action: str, capsys) -> tuple[int, str]:
    status = main(["-s", f"NEWSCRAWLER_DATA_DIR={data_dir}", "-s", f"NEWSCRAWLER_EMBEDDED_PORT={port}", "db", action])
    return status, capsys.readouterr().out


def test_status_then_stop_then_status_of_a_server_a_crawl_left_running(data_dir, capsys, caplog):
    port = free_port()
    uri = start_detached(data_dir, port)
    with MongoClient(uri) as client:
        client.news.articles.insert_many([{"_id": "a"}, {"_id": "b"}])
    pid = json.loads((data_dir / "server.json").read_text())["pid"]

    status, out = db(data_dir, port, "status", capsys)
    assert status == 0
    assert f"The embedded database server of {data_dir} is running at {uri}" in out
    assert f"pid        {pid}" in out and f"data       {data_dir.resolve() / 'db'} (" in out
    assert "news (2 articles)" in out

    status, out = db(data_dir, port, "stop", capsys)
    assert (status, out) == (0, f"Stopped the embedded database server at {uri} (pid {pid}, "
                                f"data in {data_dir.resolve() / 'db'}).\n")
    assert ask_server("127.0.0.1", port) is None and has_exited(pid)

    status, out = db(data_dir, port, "status", capsys)
    assert status == 1 and f"The embedded database server of {data_dir} is not running" in out
    assert db(data_dir, port, "stop", capsys) == (0, f"No embedded database server of {data_dir} is running.\n")

    # a reading command starts it again, and says so; what was stored is there
    caplog.set_level(logging.WARNING)
    assert main(["-s", f"NEWSCRAWLER_DATA_DIR={data_dir}", "-s", f"NEWSCRAWLER_EMBEDDED_PORT={port}",
                 "changes"]) == 0
    assert capsys.readouterr().out == "No changes found.\n"
    assert "Started the embedded database server at" in caplog.text and "newscrawler db stop" in caplog.text
    with MongoClient(running_server(data_dir, port).uri) as client:
        assert client.news.articles.count_documents({}) == 2


def test_stop_never_stops_another_data_directorys_server(data_dir, tmp_path, capsys):
    port = free_port()
    other = tmp_path / "other"
    other_uri = ensure_embedded_server(other, port)
    try:
        data_dir.mkdir()  # a copy of the other's state: its pid and port
        (data_dir / "server.json").write_text((other / "server.json").read_text())
        assert db(data_dir, port, "stop", capsys) == (0, f"No embedded database server of {data_dir} is running.\n")
        assert ask_server("127.0.0.1", port).storage == str(other.resolve() / "db")
        status, out = db(data_dir, port, "status", capsys)
        assert status == 1 and "is not running" in out
    finally:
        os.kill(json.loads((other / "server.json").read_text())["pid"], 15)
    assert other_uri


def command_elsewhere(cwd, *args: str, **env: str) -> subprocess.CompletedProcess:
    """`python -m newscrawler ARGS` run from another directory than the project's."""
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("MONGO_URI", "NEWSCRAWLER_DATA_DIR", "SCRAPY_SETTINGS_MODULE")}
    return subprocess.run([sys.executable, "-m", "newscrawler", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60, env={**environment, "PYTHONPATH": str(PROJECT_DIR), **env})


def test_outside_the_project_the_settings_and_their_environment_still_apply(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    missing = tmp_path / "missing"
    result = command_elsewhere(elsewhere, "history", "https://www.bbc.co.uk/news/uk-1",
                               NEWSCRAWLER_DATA_DIR=str(missing))
    assert result.returncode == 2
    assert f"no embedded database in {missing}: nothing was crawled into it" in result.stderr
    assert list(tmp_path.iterdir()) == [elsewhere] and list(elsewhere.iterdir()) == []  # no data/, no server.lock

    result = command_elsewhere(elsewhere, "db", "status", MONGO_URI="mongodb://reader:secret@db.example:27017/")
    assert "MONGO_URI is set: crawls and commands use mongodb://reader:***@db.example:27017/" in result.stdout
    assert f"{PROJECT_DIR / 'data'}" in result.stdout  # the checkout's data/, wherever the command runs
    assert result.returncode in (0, 1) and list(elsewhere.iterdir()) == []
