"""End-to-end: `scrapy crawl bbc` processes against a local site and a real database server."""
import json
import os
import signal
import subprocess
from pathlib import Path

from pymongo import MongoClient

from tests.conftest import read_article as extract
from tests import fixture_site
from tests.conftest import FIXTURES, PROJECT_DIR, crawl_command, free_port, rss_feed, run_crawl

VERSIONS = FIXTURES / "bbc" / "versions"
PAGES = FIXTURES / "bbc" / "pages"


def serve_article(site, path: str, fixture: Path) -> str:
    return site.set_page(path, fixture.read_bytes(), content_type="text/html")


def serve_feed(site, article_urls: list[str]) -> str:
    return site.set_page("/feed.xml", rss_feed(article_urls), content_type="application/rss+xml")


def test_a_crawl_without_the_revision_pipeline_still_reads_its_feed_and_pages(site, mongo_uri, database_name):
    """The store is the revision pipeline's to open; a crawl without it (extraction
    only, as bench/crawl_e2e.py runs one) opens it for its own lookups."""
    article_url = serve_article(site, "/1/hi/uk/6072486.stm", VERSIONS / "6072486-A.stm.html")
    result = run_crawl(serve_feed(site, [article_url]), mongo_uri, database_name,
                       "-s", "ITEM_PIPELINES={}", "-a", "recheck=due")
    assert "'item_scraped_count': 1" in result.stderr


def test_unchanged_second_capture_adds_no_revision(site, store, mongo_uri, database_name):
    article_url = serve_article(site, "/1/hi/uk/6072486.stm", VERSIONS / "6072486-A.stm.html")
    feed_url = serve_feed(site, [article_url])
    run_crawl(feed_url, mongo_uri, database_name)
    serve_article(site, "/1/hi/uk/6072486.stm", VERSIONS / "6072486-B.stm.html")
    run_crawl(feed_url, mongo_uri, database_name)
    assert [r["version"] for r in store.revisions(article_url)] == [1]
    assert store.changes(article_url) == []
    assert store.article(article_url)["checks"] == 2


def test_lost_paragraphs_are_recorded_as_removed(site, store, mongo_uri, database_name):
    article_url = serve_article(site, "/1/hi/uk/7984711.stm", VERSIONS / "7984711-A.stm.html")
    feed_url = serve_feed(site, [article_url])
    run_crawl(feed_url, mongo_uri, database_name)
    serve_article(site, "/1/hi/uk/7984711.stm", VERSIONS / "7984711-B.stm.html")
    run_crawl(feed_url, mongo_uri, database_name)

    assert [r["version"] for r in store.revisions(article_url)] == [1, 2]
    [change] = store.changes(article_url)
    removed = [op["text"] for op in change["paragraphs"] if op["op"] == "removed"]
    body_a = extract(article_url, (VERSIONS / "7984711-A.stm.html").read_bytes()).body
    body_b = extract(article_url, (VERSIONS / "7984711-B.stm.html").read_bytes()).body
    lost = [block for block in body_a if block not in body_b]
    assert len(lost) == 2 and removed == lost
    assert change["counts"]["removed"] == 2
    assert change["counts"]["added"] == change["counts"]["edited"] == 0

    run_crawl(feed_url, mongo_uri, database_name)  # the same pages again add nothing
    assert len(store.revisions(article_url)) == 2 and len(store.changes(article_url)) == 1


def test_broken_capture_never_becomes_a_revision(site, store, mongo_uri, database_name):
    article_url = serve_article(site, "/1/hi/uk/7984711.stm", VERSIONS / "7984711-A.stm.html")
    feed_url = serve_feed(site, [article_url])
    run_crawl(feed_url, mongo_uri, database_name)
    serve_article(site, "/1/hi/uk/7984711.stm", VERSIONS / "7984711-invalid.html")
    result = run_crawl(feed_url, mongo_uri, database_name)
    assert [r["version"] for r in store.revisions(article_url)] == [1]
    assert "not stored" in result.stderr


def test_every_article_of_a_local_feed_is_stored(site, store, mongo_uri, database_name):
    feed_url = fixture_site.publish(site)
    result = run_crawl(feed_url, mongo_uri, database_name)
    articles = list(store.db.articles.find())
    assert len(articles) == len(fixture_site.ARTICLE_PAGES)
    assert store.db.revisions.count_documents({}) == len(fixture_site.ARTICLE_PAGES)
    headlines = {a["headline"] for a in articles}
    assert "Mexico counting dead from 'zombie storm' John" in headlines
    assert "'newscrawler/pages/skipped/live': 1" in result.stderr
    assert not any("/live/" in path for path in site.requests)


def test_change_records_are_exported_with_dash_o(site, mongo_uri, database_name, tmp_path, store):
    article_url = serve_article(site, "/1/hi/uk/7984711.stm", VERSIONS / "7984711-A.stm.html")
    feed_url = serve_feed(site, [article_url])
    run_crawl(feed_url, mongo_uri, database_name)
    serve_article(site, "/1/hi/uk/7984711.stm", VERSIONS / "7984711-B.stm.html")
    export = tmp_path / "changes.jsonl"
    run_crawl(feed_url, mongo_uri, database_name, "-O", str(export))
    [record] = [json.loads(line) for line in export.read_text().splitlines()]
    assert record["article_id"] == article_url and record["to_version"] == 2
    assert record["counts"]["removed"] == 2


def test_a_first_crawl_drops_nothing_and_exports_checks_only_to_a_feed_that_names_them(site, mongo_uri,
                                                                                      database_name, tmp_path):
    feed_url = fixture_site.publish(site)
    changes, checks = tmp_path / "changes.jsonl", tmp_path / "checks.jsonl"
    feeds = {str(changes): {"format": "jsonlines"},
             str(checks): {"format": "jsonlines", "item_classes": ["newscrawler.items.ArticleItem"]}}
    result = run_crawl(feed_url, mongo_uri, database_name, "-s", f"FEEDS={json.dumps(feeds)}")
    assert "item_dropped" not in result.stderr
    assert f"'item_scraped_count': {len(fixture_site.ARTICLE_PAGES)}" in result.stderr
    assert f"'newscrawler/articles/new': {len(fixture_site.ARTICLE_PAGES)}" in result.stderr
    assert changes.read_text() == ""  # no article changed: no change record
    exported = [json.loads(line) for line in checks.read_text().splitlines()]
    assert sorted(record["url"] for record in exported) == sorted(
        site.base_url + path for path in fixture_site.ARTICLE_PAGES)


def test_unreachable_database_stops_before_anything_is_fetched(site, database_name):
    feed_url = serve_feed(site, [site.base_url + "/news/uk-12345678"])
    result = subprocess.run(
        crawl_command(feed_url, f"mongodb://127.0.0.1:{free_port()}/", database_name,
                      "-s", "MONGO_TIMEOUT_MS=500"),
        cwd=PROJECT_DIR, capture_output=True, text=True, timeout=60,
    )
    assert site.requests == []
    errors = [line for line in result.stderr.splitlines() if "ERROR" in line]
    assert len(errors) == 1 and "cannot use MongoDB" in errors[0]
    assert "'finish_reason': 'storage_unavailable'" in result.stderr


def test_embedded_server_is_started_then_reused(site, tmp_path):
    article_url = serve_article(site, "/1/hi/uk/6072486.stm", VERSIONS / "6072486-A.stm.html")
    feed_url = serve_feed(site, [article_url])
    port = free_port()
    env = {**os.environ, "NEWSCRAWLER_DATA_DIR": str(tmp_path / "data")}
    env.pop("MONGO_URI", None)
    command = crawl_command(feed_url, None, "embedded_test", "-s", f"NEWSCRAWLER_EMBEDDED_PORT={port}")
    try:
        first = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=120)
        assert f"Started the embedded database server at mongodb://127.0.0.1:{port}/" in first.stderr
        assert "already running" not in first.stderr  # said once, though the pipeline and the spider both ask
        second = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=120)
        assert f"already running at mongodb://127.0.0.1:{port}/" in second.stderr
        with MongoClient(f"mongodb://127.0.0.1:{port}/") as client:
            assert client.embedded_test.articles.find_one({"_id": article_url})["checks"] == 2
    finally:
        state = tmp_path / "data" / "server.json"
        if state.exists():
            os.kill(json.loads(state.read_text())["pid"], signal.SIGTERM)
