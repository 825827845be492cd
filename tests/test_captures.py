"""Captures end to end: the raw pages behind the versions, WARC export, no false
versions when extraction changes, re-extraction, extraction health.

Crawls that need other extraction code run from a copy of the project tree in
tmp_path, whose layout modules the test edits between two crawls, as a deploy
of new code would change them.
"""
import gzip
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from newscrawler.captures import CaptureError, page_bytes, page_hash
from newscrawler.reading.web import WebView
from tests.conftest import FIXTURES, PROJECT_DIR, crawl_command, rss_feed
from tests.test_unchanged_pages import stat

PATH = "/1/hi/uk/7984711.stm"
PAGE_A = (FIXTURES / "bbc" / "versions" / "7984711-A.stm.html").read_bytes()
PAGE_B = (FIXTURES / "bbc" / "versions" / "7984711-B.stm.html").read_bytes()
PAGE_A_RESERVED = PAGE_A.replace(b"</head>", b"<!-- served again --></head>", 1)
# the outlet's new layout: the same story without the markers the stm layout knows
PAGE_A_NEW_LAYOUT = PAGE_A.replace(b"<!-- S BO -->", b"<!-- story -->")
CONTENT_TYPE = "text/html"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
STM_LAYOUT = Path("newscrawler/sources/bbc/layout_stm.py")
BBC_SOURCE = Path("newscrawler/sources/bbc/__init__.py")


def at(hours: float) -> str:
    return f"NEWSCRAWLER_NOW={(T0 + timedelta(hours=hours)).isoformat()}"


def crawl(project: Path, site, page: bytes, mongo_uri, database, *settings: str, path: str = PATH):
    url = site.set_page(path, page, content_type=CONTENT_TYPE)
    feed = site.set_page("/feed.xml", rss_feed([url]), content_type="application/rss+xml")
    extra = [part for setting in settings for part in ("-s", setting)]
    result = subprocess.run(crawl_command(feed, mongo_uri, database, *extra), cwd=project, capture_output=True,
                            text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(project)})
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-6000:]
    return result


def newscrawler(project: Path, mongo_uri, database, *args: str, now: str = at(3)):
    """The `newscrawler` command of the project copy, at the test's time (after the test's crawls)."""
    return subprocess.run([sys.executable, "-m", "newscrawler", "-s", f"MONGO_URI={mongo_uri}",
                           "-s", f"MONGO_DATABASE={database}", "-s", now, *args], cwd=project, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(project)})


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the project's code, to change as a deploy would."""
    copy = tmp_path / "project"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in ("newscrawler", "pipelines"):
        shutil.copytree(PROJECT_DIR / package, copy / package, ignore=ignore)
    shutil.copy(PROJECT_DIR / "scrapy.cfg", copy / "scrapy.cfg")
    return copy


def edit(project: Path, module: Path, old: str, new: str) -> None:
    source = (project / module).read_text()
    assert old in source
    (project / module).write_text(source.replace(old, new))


def without_stm_layout(project: Path) -> None:
    edit(project, BBC_SOURCE, "Bbc2010(), BbcStm()", "Bbc2010()")


def with_stm_layout(project: Path) -> None:
    edit(project, BBC_SOURCE, "Bbc2010()", "Bbc2010(), BbcStm()")


# Captures

def test_a_page_fetched_again_in_the_same_bytes_is_stored_once(project, site, store, mongo_uri, database_name):
    crawl(project, site, PAGE_A, mongo_uri, database_name, at(0))
    crawl(project, site, PAGE_B, mongo_uri, database_name, at(1))
    crawl(project, site, PAGE_A, mongo_uri, database_name, at(2))  # back to the first page's bytes: a revert
    url = site.base_url + PATH
    revisions = store.revisions(url)
    assert [r["kind"] for r in revisions] == ["content", "content", "revert"]
    assert revisions[0]["capture"] == revisions[2]["capture"] == page_hash(PAGE_A, CONTENT_TYPE)
    assert revisions[1]["capture"] == page_hash(PAGE_B, CONTENT_TYPE)
    assert store.db.captures.count_documents({}) == 2
    first, second = store.capture(revisions[0]["capture"]), store.capture(revisions[1]["capture"])
    assert page_bytes(first, store.capture) == PAGE_A and page_bytes(second, store.capture) == PAGE_B
    assert second["base"] == first["_id"] and second["stored_size"] < len(PAGE_B) // 100  # a delta
    assert first["stored_size"] < 0.3 * len(PAGE_A)
    assert all(r["extractor"].startswith("bbc-stm@") for r in revisions)
    assert first["status"] == 200 and ["Content-Type", CONTENT_TYPE] in first["headers"]


def test_pages_that_fail_extraction_are_kept_then_expire(project, site, store, mongo_uri, database_name):
    crawl(project, site, PAGE_A, mongo_uri, database_name, at(0))
    failed = crawl(project, site, PAGE_A_NEW_LAYOUT, mongo_uri, database_name, at(1))
    assert stat(failed, "newscrawler/captures/failed_kept") == 1
    [failure] = store.db.extraction_failures.find()
    assert failure["reason"] == "unknown_layout" and failure["url"] == site.base_url + PATH
    assert failure["fetched_at"] == T0 + timedelta(hours=1)
    kept = store.capture(failure["capture"])
    assert page_bytes(kept, store.capture) == PAGE_A_NEW_LAYOUT
    assert kept["base"] == page_hash(PAGE_A, CONTENT_TYPE)  # a delta against the version's capture
    # a month later, the failure and its page are removed by the crawl; the version's page stays
    crawl(project, site, PAGE_A, mongo_uri, database_name, at(24 * 30 + 2))
    assert store.db.extraction_failures.count_documents({}) == 0
    assert [c["_id"] for c in store.db.captures.find()] == [page_hash(PAGE_A, CONTENT_TYPE)]


# WARC

def read_warc(path: Path) -> list:
    with open(path, "rb") as stream:
        return [(record.rec_type, record.rec_headers, record.content_stream().read(), record.http_headers)
                for record in ArchiveIterator(stream)]


def test_export_warc_writes_request_response_and_revisit_records(project, site, store, mongo_uri, database_name,
                                                                 tmp_path):
    crawl(project, site, PAGE_A, mongo_uri, database_name, at(0))
    crawl(project, site, PAGE_B, mongo_uri, database_name, at(1))
    crawl(project, site, PAGE_A, mongo_uri, database_name, at(2))
    crawl(project, site, PAGE_A_NEW_LAYOUT, mongo_uri, database_name, at(3))
    target = tmp_path / "pages.warc.gz"
    exported = newscrawler(project, mongo_uri, database_name, "export-warc", "--article", site.base_url + PATH,
                           "-o", str(target))
    assert exported.returncode == 0, exported.stderr
    assert "3 page(s)" in exported.stdout and "1 revisit" in exported.stdout
    records = read_warc(target)
    assert [kind for kind, *_ in records] == ["warcinfo", "response", "request", "response", "request",
                                              "revisit", "response", "request"]
    assert all(headers.protocol == "WARC/1.1" for _, headers, *_ in records)
    responses = [(headers, payload, http) for kind, headers, payload, http in records if kind == "response"]
    assert [payload for _, payload, _ in responses] == [PAGE_A, PAGE_B, PAGE_A_NEW_LAYOUT]
    assert [http.get_statuscode() for *_, http in responses] == ["200"] * 3
    assert responses[0][2].get_header("Content-Type") == CONTENT_TYPE
    assert responses[0][2].get_header("Content-Length") == str(len(PAGE_A))
    assert responses[0][0].get_header("WARC-Date") == "2026-03-01T12:00:00Z"
    requests = [(headers, http) for kind, headers, _, http in records if kind == "request"]
    assert all(http.protocol == "GET" and http.statusline == f"{PATH} HTTP/1.1" for _, http in requests)
    assert all(http.get_header("User-Agent").startswith("newscrawler/") for _, http in requests)
    assert requests[0][0].get_header("WARC-Concurrent-To") == responses[0][0].get_header("WARC-Record-ID")
    _, revisit, revisit_payload, revisit_http = records[5]
    assert revisit_http.get_statuscode() == "200"
    assert revisit.get_header("WARC-Refers-To") == responses[0][0].get_header("WARC-Record-ID")
    assert revisit.get_header("WARC-Payload-Digest") == responses[0][0].get_header("WARC-Payload-Digest")
    assert revisit.get_header("WARC-Date") == "2026-03-01T14:00:00Z" and revisit_payload == b""
    checked = subprocess.run([sys.executable, "-m", "warcio.cli", "check", "-v", str(target)],
                             capture_output=True, text=True)
    assert checked.returncode == 0 and "digest pass" in checked.stdout, checked.stdout + checked.stderr
    indexed = subprocess.run([sys.executable, "-m", "warcio.cli", "index", str(target)], capture_output=True, text=True)
    assert indexed.returncode == 0 and indexed.stdout.count('"warc-type": "response"') == 3


def test_a_damaged_capture_is_an_error_naming_it_and_changes_nothing(project, site, store, mongo_uri,
                                                                    database_name, tmp_path):
    crawl(project, site, PAGE_A, mongo_uri, database_name, at(0))
    damaged = page_hash(PAGE_A, CONTENT_TYPE)
    stored = store.capture(damaged)
    store.db.captures.update_one({"_id": damaged}, {"$set": {"body": stored["body"][:-40] + b"\0" * 40}})
    with pytest.raises(CaptureError, match=damaged):
        page_bytes(store.capture(damaged), store.capture)
    target = tmp_path / "pages.warc.gz"
    target.write_bytes(b"an earlier export")
    before = {name: list(store.db[name].find()) for name in ("captures", "revisions", "articles")}
    exported = newscrawler(project, mongo_uri, database_name, "export-warc", "-o", str(target))
    assert exported.returncode == 1 and damaged in exported.stderr and "Traceback" not in exported.stderr
    assert target.read_bytes() == b"an earlier export" and list(tmp_path.glob(".pages.warc.gz.*")) == []
    assert {name: list(store.db[name].find()) for name in before} == before


def test_a_warc_target_that_cannot_be_written_is_a_clear_error(project, site, store, mongo_uri, database_name,
                                                              tmp_path):
    crawl(project, site, PAGE_A, mongo_uri, database_name, at(0))
    (tmp_path / "a-file").write_text("not a folder")
    target = tmp_path / "a-file" / "pages.warc.gz"
    exported = newscrawler(project, mongo_uri, database_name, "export-warc", "-o", str(target))
    assert exported.returncode == 1 and "Traceback" not in exported.stderr
    assert f"cannot write the WARC file {target}" in exported.stderr


# No false versions when extraction changes

def test_a_changed_layout_module_reads_the_latest_capture_again_instead_of_storing_a_version(
        project, site, store, mongo_uri, database_name):
    url = site.base_url + PATH
    crawl(project, site, PAGE_A, mongo_uri, database_name, at(0))
    read_before = store.revision(url, 1)["extractor"]
    # a deploy: the stm layout now reads one block less of every page
    edit(project, STM_LAYOUT, "return text_blocks(Selector(text=story).root, skip=_is_not_story)",
         "return text_blocks(Selector(text=story).root, skip=_is_not_story)[:-1]")
    again = crawl(project, site, PAGE_A_RESERVED, mongo_uri, database_name, at(1))  # same text, new bytes
    assert stat(again, "newscrawler/reextraction/same_page") == 1
    assert stat(again, "newscrawler/articles/changed") == 0
    [revision] = store.revisions(url)
    assert revision["reextracted"]["extractor"] != read_before
    assert revision["reextracted"]["extractor"].startswith("bbc-stm@")
    assert revision["reextracted"]["content_hash"] != revision["content_hash"]
    assert store.article(url)["last_check_result"] == "unchanged"
    # the outlet's own edit is still a version
    edited = crawl(project, site, PAGE_B, mongo_uri, database_name, at(2))
    assert stat(edited, "newscrawler/articles/changed") == 1
    assert [r["version"] for r in store.revisions(url)] == [1, 2]


# Re-extraction

def failing_history(project, site, mongo_uri, database_name):
    """Three checks of an article while its layout is not understood: A, B, then A again."""
    without_stm_layout(project)
    for hours, page in ((0, PAGE_A), (1, PAGE_B), (2, PAGE_A)):
        crawl(project, site, page, mongo_uri, database_name, at(hours))
    with_stm_layout(project)  # the layout is understood again


def test_reextract_turns_failed_pages_of_a_now_understood_layout_into_versions_in_order(
        project, site, store, mongo_uri, database_name):
    url = site.base_url + PATH
    failing_history(project, site, mongo_uri, database_name)
    assert store.revisions(url) == [] and store.db.extraction_failures.count_documents({}) == 3
    assert store.db.captures.count_documents({}) == 2
    done = newscrawler(project, mongo_uri, database_name, "reextract", "--failed")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "1 became new articles, 2 new versions with change records" in done.stdout
    revisions = store.revisions(url)
    assert [(r["version"], r["kind"], r["fetched_at"]) for r in revisions] == [
        (1, "content", T0), (2, "content", T0 + timedelta(hours=1)), (3, "revert", T0 + timedelta(hours=2))]
    assert [r["capture"] for r in revisions] == [page_hash(page, CONTENT_TYPE) for page in (PAGE_A, PAGE_B, PAGE_A)]
    changes = store.changes(url)
    assert [(c["from_version"], c["to_version"], c["detected_at"]) for c in changes] == [
        (1, 2, T0 + timedelta(hours=1)), (2, 3, T0 + timedelta(hours=2))]
    assert store.capture(revisions[0]["capture"], body=False)["for_version"] is True
    # pages read again are no checks: extraction health counts the three crawls' checks only
    assert sum(hour["checks"] for hour in store.db.check_counts.find()) == 3
    assert store.article(url)["checks"] == 3  # the three versions; the failed checks were not recorded
    # again: nothing left to do, nothing stored twice
    again = newscrawler(project, mongo_uri, database_name, "reextract", "--failed")
    assert again.returncode == 0 and "Read 0 stored page(s)" in again.stdout and "3 already read" in again.stdout
    assert store.revisions(url) == revisions and store.changes(url) == changes


def test_reextract_resumes_after_an_interruption(project, site, store, mongo_uri, database_name):
    url = site.base_url + PATH
    failing_history(project, site, mongo_uri, database_name)
    first = newscrawler(project, mongo_uri, database_name, "reextract", "--failed", "--limit", "1")
    assert first.returncode == 0 and "Failed extractions: 1 read" in first.stdout
    assert [r["version"] for r in store.revisions(url)] == [1]
    # a run cut short after storing its versions, before recording that it did
    rest = newscrawler(project, mongo_uri, database_name, "reextract", "--failed")
    assert rest.returncode == 0 and "Failed extractions: 2 read" in rest.stdout
    store.db.extraction_failures.update_many({}, {"$unset": {"reextracted": ""}})
    repeated = newscrawler(project, mongo_uri, database_name, "reextract", "--failed")
    assert repeated.returncode == 0, repeated.stderr[-3000:]
    assert "1 the latest version's text, 2 fetched before the latest version" in repeated.stdout
    assert [(r["version"], r["fetched_at"]) for r in store.revisions(url)] == [
        (1, T0), (2, T0 + timedelta(hours=1)), (3, T0 + timedelta(hours=2))]
    assert [c["to_version"] for c in store.changes(url)] == [2, 3]


def test_reextract_of_a_page_fetched_before_the_latest_version_records_a_reading_only(
        project, site, store, mongo_uri, database_name):
    url = site.base_url + PATH
    without_stm_layout(project)
    crawl(project, site, PAGE_B, mongo_uri, database_name, at(0))  # failed
    with_stm_layout(project)
    crawl(project, site, PAGE_A, mongo_uri, database_name, at(1))  # version 1, after the failure
    done = newscrawler(project, mongo_uri, database_name, "reextract")
    assert done.returncode == 0 and "1 fetched before the latest version" in done.stdout, done.stdout
    assert [r["version"] for r in store.revisions(url)] == [1]
    [failure] = store.db.extraction_failures.find()
    assert failure["reextracted"]["outcome"] == "before_latest"
    assert failure["reextracted"]["extractor"].startswith("bbc-stm@") and failure["reextracted"]["content_hash"]


def test_reextract_leaves_a_damaged_capture_alone_and_names_it(project, site, store, mongo_uri, database_name):
    failing_history(project, site, mongo_uri, database_name)
    damaged = page_hash(PAGE_B, CONTENT_TYPE)
    store.db.captures.update_one({"_id": damaged}, {"$set": {"body": b"\x28\xb5\x2f\xfd garbage"}})
    done = newscrawler(project, mongo_uri, database_name, "reextract", "--failed")
    assert done.returncode == 1 and damaged in done.stderr and "1 unreadable" in done.stdout
    # the others are read (A, then A again: unchanged); the damaged one waits, unmarked, for a repair
    assert [r["fetched_at"] for r in store.revisions(site.base_url + PATH)] == [T0]
    assert "1 the latest version's text" in done.stdout
    assert store.db.extraction_failures.count_documents({"reextracted": {"$exists": False}}) == 1


# Extraction health

def test_health_shows_a_layout_change_at_a_source(site, store, mongo_uri, database_name, project):
    paths = [f"/1/hi/uk/798471{n}.stm" for n in range(4)]
    urls = [site.set_page(path, PAGE_A.replace(b"Brown", f"Brown {n}".encode()), content_type=CONTENT_TYPE)
            for n, path in enumerate(paths)]
    feed = site.set_page("/feed.xml", rss_feed(urls), content_type="application/rss+xml")
    env = {**os.environ, "PYTHONPATH": str(project)}

    def crawl_all():
        result = subprocess.run(crawl_command(feed, mongo_uri, database_name), cwd=project, capture_output=True,
                                text=True, timeout=120, env=env)
        assert result.returncode == 0, result.stderr[-3000:]
        return result

    first = crawl_all()
    assert stat(first, "newscrawler/articles/new") == 4 and "jumped" not in first.stderr
    for n, path in enumerate(paths):  # the outlet's new layout
        site.set_page(path, PAGE_A_NEW_LAYOUT.replace(b"Brown", f"Brown {n}".encode()), content_type=CONTENT_TYPE)
    second = crawl_all()
    assert stat(second, "newscrawler/health/failure_jump/bbc") == 1
    assert "Extraction failures at bbc jumped: 100% of 4 checks in this crawl, 0% of 4" in second.stderr
    report = newscrawler(project, mongo_uri, database_name, "health")
    assert report.returncode == 0, report.stderr
    assert "bbc" in report.stdout and "50.0% of 8 checks failed extraction (4)" in report.stdout
    assert "unknown_layout: 4" in report.stdout and f"e.g. {urls[0]}" in report.stdout.replace(urls[1], urls[0])
    page = b"".join(WebView(store, "http://x/")({"REQUEST_METHOD": "GET", "PATH_INFO": "/health", "QUERY_STRING": "",
                                    "wsgi.url_scheme": "http", "SERVER_NAME": "x", "SERVER_PORT": "80"},
                                   lambda status, headers: None)).decode()
    assert "Extraction health" in page and "unknown_layout: 4" in page and "50.0%" in page


def test_an_item_waiting_in_the_journal_keeps_its_capture(tmp_path):
    from newscrawler.items import ArticleItem, PageCapture
    from pipelines.journal import Journal

    capture = PageCapture(url="http://127.0.0.1/a", status=200, headers=[("Content-Type", CONTENT_TYPE)],
                          body=PAGE_A + bytes(range(256)), fetched_at=T0, page_hash=page_hash(PAGE_A, CONTENT_TYPE),
                          request_headers=[("User-Agent", "newscrawler")])
    item = ArticleItem(article_id="http://127.0.0.1/a", url="http://127.0.0.1/a", source="bbc", headline="H",
                       body=["Text."], fetched_at=T0, capture=capture, extractor="bbc-stm@abc")
    journal = Journal(tmp_path / "journal.jsonl")
    journal.append(item)
    [replayed] = Journal.read(journal.path)
    assert replayed == item and isinstance(replayed.capture, PageCapture)
