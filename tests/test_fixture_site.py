"""`python -m tests.fixture_site`: the offline site of the README, served from disk."""
import os
import signal
import subprocess
import sys
from urllib.request import urlopen

from tests import fixture_site
from tests.conftest import PROJECT_DIR, free_port


def fetch(url: str) -> bytes:
    with urlopen(url, timeout=10) as response:
        return response.read()


def test_edits_show_at_the_next_fetch_and_ctrl_c_stops_it(tmp_path):
    port, folder = free_port(), tmp_path / "site"
    server = subprocess.Popen([sys.executable, "-m", "tests.fixture_site", "--port", str(port), "--dir", str(folder)],
                              cwd=PROJECT_DIR, stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(PROJECT_DIR)},
                              # started as a background job is: SIGINT ignored, which the child inherits
                              preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    try:
        listing = [server.stdout.readline() for _ in range(1 + len(fixture_site.ARTICLE_PAGES) + 1)]
        base_url = f"http://127.0.0.1:{port}"
        assert listing[0].startswith(f"Serving the fixture feed at {base_url}/rss.xml (Ctrl-C to stop)")
        assert listing[1:] == [f"  {base_url}{path}  {folder / name}\n" for path, name in [
            ("/rss.xml", "rss.xml"), *fixture_site.ARTICLE_PAGES.items()]]
        assert f"<link>{base_url}/news/health-54528983".encode() in fetch(f"{base_url}/rss.xml")

        page = folder / "54528983.html"
        assert fetch(f"{base_url}/news/health-54528983") == page.read_bytes()
        page.write_bytes(page.read_bytes().replace(b"Sage", b"SAGE"))
        assert b"SAGE" in fetch(f"{base_url}/news/health-54528983")  # no restart
        assert b"SAGE" not in (fixture_site.FIXTURES / "pages" / "54528983.html").read_bytes()

        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=10) == 0
    finally:
        server.kill()
        server.wait()


def test_a_copy_already_there_is_kept(tmp_path):
    edited = tmp_path / "54528983.html"
    edited.write_bytes(b"<html>edited</html>")
    files = fixture_site.copied_to(tmp_path)
    assert edited.read_bytes() == b"<html>edited</html>"
    assert files["/rss.xml"].read_bytes() == fixture_site.FEED.read_bytes()
