"""The embedded server of a data directory: found, or started, and never another's."""
import json
import logging
import os
import signal

import pytest
from pymongo import MongoClient

from newscrawler.embedded import EmbeddedServerError, ask_server, default_data_dir, ensure_embedded_server
from tests.conftest import PROJECT_DIR, free_port


class EmbeddedServers:
    """Data directories under tmp_path; every server started for them is stopped at the end."""

    def __init__(self, folder):
        self.folder = folder

    def data_dir(self, name: str):
        return self.folder / name

    def stop_all(self):
        for state in self.folder.glob("*/server.json"):
            try:
                os.kill(json.loads(state.read_text())["pid"], signal.SIGTERM)
            except ProcessLookupError:
                pass


@pytest.fixture
def servers(tmp_path):
    embedded = EmbeddedServers(tmp_path)
    yield embedded
    embedded.stop_all()


def port_of(uri: str) -> int:
    return int(uri.rstrip("/").rsplit(":", 1)[1])


def test_a_second_data_directory_never_uses_the_first_ones_server(servers, caplog):
    caplog.set_level(logging.INFO, logger="newscrawler.embedded")
    port = free_port()
    first, second = servers.data_dir("alice"), servers.data_dir("bob")
    first_uri = ensure_embedded_server(first, port)
    assert port_of(first_uri) == port

    second_uri = ensure_embedded_server(second, port)

    assert port_of(second_uri) != port
    assert f"Port {port} is held by the embedded server of {first.resolve()}" in caplog.text
    with MongoClient(second_uri) as client:
        client.news.articles.insert_one({"_id": "written by bob"})
    with MongoClient(first_uri) as client:
        assert client.news.articles.find_one({"_id": "written by bob"}) is None
    # each directory finds its own server again: bob's on the port its server.json keeps
    caplog.clear()
    assert ensure_embedded_server(second, port) == second_uri
    assert ensure_embedded_server(first, port) == first_uri
    assert ask_server("127.0.0.1", port_of(second_uri)).storage == str(second.resolve() / "db")


def test_a_port_held_by_something_else_than_mongodb_is_left_alone(servers, garbage_listener, caplog):
    uri = ensure_embedded_server(servers.data_dir("carol"), garbage_listener)
    assert port_of(uri) != garbage_listener
    assert (f"Port {garbage_listener} is held by a program that does not answer as MongoDB"
            in caplog.text)
    with MongoClient(uri, serverSelectionTimeoutMS=3000) as client:
        assert client.admin.command("ping")["ok"] == 1


def test_the_server_in_use_is_logged_once_per_process(servers, caplog):
    caplog.set_level(logging.INFO, logger="newscrawler.embedded")
    data_dir, port = servers.data_dir("dave"), free_port()
    ensure_embedded_server(data_dir, port)
    ensure_embedded_server(data_dir, port)
    announcements = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert announcements == [
        f"Started the embedded database server at mongodb://127.0.0.1:{port}/ (pid "
        f"{json.loads((data_dir / 'server.json').read_text())['pid']}, data in {data_dir.resolve() / 'db'}, "
        f"log in {data_dir.resolve() / 'server.log'})"]


def test_a_data_directory_that_cannot_be_made_is_one_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(EmbeddedServerError, match=r"^cannot use the data directory .*a-file/data: Not a directory$"):
        ensure_embedded_server(blocker / "data", free_port())


def test_read_only_use_creates_no_data_directory(tmp_path):
    with pytest.raises(EmbeddedServerError, match="no embedded database in"):
        ensure_embedded_server(tmp_path / "data", free_port(), read_only=True)
    assert list(tmp_path.iterdir()) == []


def test_default_data_directory_is_the_projects_wherever_the_command_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert default_data_dir(None) == PROJECT_DIR / "data"
    assert default_data_dir(str(tmp_path)) == tmp_path / "data"
