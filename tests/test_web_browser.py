"""End to end in headless Chromium: the comparison page as a browser renders it.

Chromium is driven through its command line (--dump-dom, --screenshot), so no
WebDriver is needed. CI installs it (.ci/run); elsewhere the tests skip.
"""
import shutil
import subprocess
from urllib.parse import quote

import lxml.html
import pytest

from tests.reading_data import HOSTILE_URL, HOSTILE_VERSIONS, MINISTER_URL, MINISTER_VERSIONS, crawl_versions, web_view

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")


def chromium(tmp_path, url: str, *options: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "chromium-profile"
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", f"--user-data-dir={profile}", *options, url,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def rendered_dom(tmp_path, url: str):
    """The page's DOM after Chromium loaded it (and ran any script that could run)."""
    return lxml.html.document_fromstring(chromium(tmp_path, url, "--dump-dom").stdout)


@pytest.fixture
def site(store):
    crawl_versions(store, MINISTER_URL, MINISTER_VERSIONS)
    crawl_versions(store, HOSTILE_URL, HOSTILE_VERSIONS)
    with web_view(store) as base_url:
        yield base_url


def test_comparison_marks_deleted_and_inserted_words(site, tmp_path):
    page = rendered_dom(tmp_path, f"{site}/compare?url={quote(MINISTER_URL, safe='')}&from=1&to=2")
    assert [element.text_content() for element in page.iter("del")] == [
        "backs", "support", "Critics called it a waste of money."]
    assert [element.text_content() for element in page.iter("ins")] == [
        "rejects", "oppose", "A vote is expected next week."]
    [edited] = page.xpath("//tr[@class='paragraph edited']")
    mark, old, new = edited.xpath("td")
    assert old.text_content() == "The minister said she would support the plan in full."
    assert new.text_content() == "The minister said she would oppose the plan in full."
    assert mark.xpath("span")[0].text == "~"


def test_every_change_is_an_anchor_that_the_margin_links_lead_through(site, tmp_path):
    page = rendered_dom(tmp_path, f"{site}/compare?url={quote(MINISTER_URL, safe='')}&from=1&to=2")
    changed = page.xpath("//tr[starts-with(@id, 'change-')]")
    assert [row.get("id") for row in changed] == ["change-1", "change-2", "change-3", "change-4"]
    assert [row.get("class") for row in changed] == [
        "headline edited", "paragraph edited", "paragraph removed", "paragraph added"]
    [first_change] = page.xpath("//a[text()='↓ first change']")
    assert first_change.get("href") == "#change-1"
    # each row's ↓ leads to the next changed row, ↑ to the one before
    ids = {row.get("id") for row in changed}
    for number, row in enumerate(changed, start=1):
        links = {link.text: link.get("href") for link in row.xpath("td[@class='mark']/a")}
        assert links.get("↓") == (f"#change-{number + 1}" if number < len(changed) else None)
        assert links.get("↑") == (f"#change-{number - 1}" if number > 1 else None)
        assert {href[1:] for href in links.values()} <= ids


def test_no_script_in_article_text_runs(site, tmp_path):
    page = rendered_dom(tmp_path, f"{site}/compare?url={quote(HOSTILE_URL, safe='')}")
    body = page.find("body")
    assert body.get("data-pwned") is None
    assert page.findtext(".//title").startswith("Version 1 to 2: <script>")
    assert page.xpath("//script | //img | //a[starts-with(@href, 'javascript:')]") == []
    inserted = [element.text_content() for element in page.iter("ins")]
    assert "<script>document.body.setAttribute('data-pwned','1')</script>" in inserted
    assert [element.text_content() for element in page.iter("del")] == ["Safe <b>headline</b>", "Old"]


def test_screenshot_of_the_comparison(site, tmp_path):
    screenshot = tmp_path / "comparison.png"
    chromium(tmp_path, f"{site}/compare?url={quote(MINISTER_URL, safe='')}&from=1&to=2",
             "--hide-scrollbars", "--window-size=1000,420", f"--screenshot={screenshot}")
    assert screenshot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
