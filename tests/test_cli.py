import io
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from urllib.request import Request, urlopen

import pytest

from newscrawler.reading.cli import DIFF_ROWS_PER_PAGE, main, since_time
from newscrawler.sources import article_id_of as article_id
from tests.conftest import PROJECT_DIR, free_port
from tests.reading_data import (
    HOSTILE_URL, HOSTILE_VERSIONS, MINISTER_URL, MINISTER_VERSIONS, T0, crawl_versions, long_versions,
)

# The same article as MINISTER_URL, spelled as a feed might link it.
MINISTER_LINK = "http://bbc.com/news/uk-politics-12345678?utm_source=rss#top"


@pytest.fixture
def stored(store):
    crawl_versions(store, MINISTER_URL, MINISTER_VERSIONS)
    crawl_versions(store, HOSTILE_URL, HOSTILE_VERSIONS)
    return store


@pytest.fixture
def run(stored, capsys):
    """main() against the test database: (exit code, stdout, stderr)."""
    def run_main(*args):
        code = main(["-s", f"MONGO_URI={stored.uri}", "-s", f"MONGO_DATABASE={stored.database_name}", *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err
    return run_main


def test_history_summarises_the_article_and_lists_its_versions(run):
    code, out, _ = run("history", MINISTER_LINK)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Minister rejects plan"
    assert "  Source       bbc" in lines
    assert f"  Address      {MINISTER_URL}" in lines
    assert "  First seen   2026-11-25 09:00 UTC" in lines
    assert "  Versions     3; the article has changed 2 times" in lines
    assert "  Last change  2026-11-25 12:00 UTC: 1 paragraph edited (minor: whitespace or punctuation only)" in lines
    assert any(line.startswith("  Status       still being checked, next check 2026-11-25") for line in lines)
    versions = [line for line in lines if line.startswith("  v")]
    assert versions[0] == "  v1   2026-11-25 09:00 UTC  Minister backs plan"
    assert versions[1] == ("  v2   2026-11-25 11:00 UTC  Minister rejects plan  [1 paragraph edited, 1 added, "
                           "1 removed; headline changed; substantive]")
    assert versions[2].endswith("[1 paragraph edited; minor: whitespace or punctuation only]")


def test_history_says_when_the_article_is_no_longer_checked(run, stored):
    stored.record_check(article_id(MINISTER_URL), {
        "status": "stopped", "status_reason": "it will not be checked again for changes", "next_check": None})
    stored.flush_checks()
    _, out, _ = run("history", MINISTER_URL)
    assert "  Status       stopped: it will not be checked again for changes" in out.splitlines()


def test_inline_diff_marks_deleted_and_inserted_words_in_plain_text_when_piped(run):
    code, out, _ = run("diff", MINISTER_LINK, "1", "2", "--inline")
    assert code == 0
    assert "\x1b[" not in out
    lines = out.splitlines()
    assert lines[:3] == [
        "Minister rejects plan",
        MINISTER_URL,
        "version 1 (2026-11-25 09:00 UTC) -> version 2 (2026-11-25 11:00 UTC): "
        "1 paragraph edited, 1 added, 1 removed; headline changed (substantive)",
    ]
    assert "~ Minister [-backs-] {+rejects+} plan" in lines
    assert "  The plan was published on Monday." in lines
    assert "~ The minister said she would [-support-] {+oppose+} the plan in full." in lines
    assert "- [-Critics called it a waste of money.-]" in lines
    assert "+ {+A vote is expected next week.+}" in lines


def test_diff_defaults_to_the_last_two_versions_side_by_side(run):
    code, out, _ = run("diff", MINISTER_URL, "--width", "100")
    assert code == 0
    assert "version 2 (2026-11-25 11:00 UTC) -> version 3 (2026-11-25 12:00 UTC)" in out
    [changed] = [line for line in out.splitlines() if "[-" in line]
    old_side, new_side = changed.split(" ~ ")
    assert old_side.rstrip() == "The plan was published on [-Monday.-]"
    assert new_side == "The plan was published on {+Monday!+}"
    assert all(len(line) <= 100 for line in out.splitlines()[3:])


def test_side_by_side_wraps_long_paragraphs_into_both_columns(run):
    _, out, _ = run("diff", MINISTER_URL, "1", "2", "--width", "60")
    lines = out.splitlines()
    assert lines[4].split() == ["version", "1", "version", "2"]
    assert [line.rstrip() for line in lines if "the plan in" in line or line.startswith("full.")] == [
        "[-support-] the plan in      ~ {+oppose+} the plan in full.",
        "full.                        ~",
    ]
    assert "[-Critics called it a-]      -" in lines
    assert "                             + {+A vote is expected next+}" in lines
    assert all(len(line) <= 60 for line in lines[4:])


def test_colour_always_uses_red_and_green_instead_of_markers(run):
    _, out, _ = run("diff", MINISTER_URL, "1", "2", "--inline", "--color", "always")
    assert "\x1b[31msupport\x1b[0m" in out and "\x1b[32moppose\x1b[0m" in out
    assert "[-" not in out and "{+" not in out


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("no_color, coloured", [(None, True), ("1", False)])
def test_colour_auto_on_a_terminal_unless_no_color(stored, monkeypatch, no_color, coloured):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    if no_color:
        monkeypatch.setenv("NO_COLOR", no_color)
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    main(["-s", f"MONGO_URI={stored.uri}", "-s", f"MONGO_DATABASE={stored.database_name}",
          "diff", MINISTER_URL, "1", "2", "--inline"])
    assert ("\x1b[31m" in terminal.getvalue()) is coloured
    assert ("[-support-]" in terminal.getvalue()) is not coloured


def test_article_text_cannot_send_terminal_control_sequences(run):
    _, out, _ = run("diff", HOSTILE_URL, "--inline", "--color", "always")
    assert "{+" not in out and "\x1b[32m" in out  # colours are ours...
    assert "\x1b]" not in out and "\x07" not in out  # ...the article's escape sequence is not
    assert "A terminal escape \ufffd]0;pwned\ufffd to retitle the window." in out


def test_changes_lists_recent_changes_newest_first(run):
    code, out, _ = run("changes")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("2026-11-25 13:00 UTC  bbc  v1->v2  <script>")
    assert lines[1] == ("2026-11-25 12:00 UTC  bbc  v2->v3  Minister rejects plan: 1 paragraph edited "
                        f"(minor: whitespace or punctuation only)  {MINISTER_URL}")
    assert lines[2] == ("2026-11-25 11:00 UTC  bbc  v1->v2  Minister rejects plan: 1 paragraph edited, "
                        f"1 added, 1 removed; headline changed (substantive)  {MINISTER_URL}")


def test_changes_filters_by_significance_source_and_time(run):
    _, out, _ = run("changes", "--substantive")
    assert len(out.splitlines()) == 2 and "minor" not in out
    _, out, _ = run("changes", "--since", "2026-11-25T11:30")
    assert [line[:20] for line in out.splitlines()] == ["2026-11-25 13:00 UTC", "2026-11-25 12:00 UTC"]
    _, out, _ = run("changes", "--source", "guardian")
    assert out == "No changes found.\n"


def test_since_takes_ages_and_iso_times():
    now = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
    assert since_time("2h", now) == now - timedelta(hours=2)
    assert since_time("3d", now) == now - timedelta(days=3)
    assert since_time("2026-11-24", now) == datetime(2026, 11, 24, tzinfo=timezone.utc)
    assert since_time("2026-11-24T10:00+01:00", now) == datetime(2026, 11, 24, 9, tzinfo=timezone.utc)


def test_unknown_article_and_missing_versions_are_errors(run):
    code, out, err = run("history", "https://www.bbc.co.uk/news/uk-00000000")
    assert code == 1 and out == ""
    assert "no tracked article at https://www.bbc.co.uk/news/uk-00000000" in err
    code, _, err = run("diff", MINISTER_URL, "2", "7")
    assert code == 1 and "no versions 2 and 7 to compare" in err


def test_unreachable_database_is_one_clear_line(capsys):
    code = main(["-s", f"MONGO_URI=mongodb://127.0.0.1:{free_port()}/", "-s", "MONGO_TIMEOUT_MS=300",
                 "history", MINISTER_URL])
    assert code == 2
    assert capsys.readouterr().err.startswith("newscrawler: cannot use MongoDB at mongodb://127.0.0.1:")


def test_runs_as_python_module():
    result = subprocess.run([sys.executable, "-m", "newscrawler", "diff", "--help"], cwd=PROJECT_DIR,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert "--inline" in result.stdout and "--color" in result.stdout


LONG_URL = "https://www.bbc.co.uk/news/world-11223344"


def test_diff_shows_the_changes_with_a_few_paragraphs_around_them_and_folds_the_rest(run, stored):
    crawl_versions(stored, LONG_URL, long_versions(189, edited=[94]))
    code, out, _ = run("diff", LONG_URL, "--inline")
    assert code == 0
    body = out.splitlines()[4:]
    assert body[:4] == ["  A very long article", "", "  ... 91 unchanged paragraphs (1 to 91 of version 2; "
                        "--full shows them) ...", ""]
    assert [line[:16] for line in body if line.startswith(("  Paragraph", "~ Paragraph"))] == [
        "  Paragraph 92: ", "  Paragraph 93: ", "  Paragraph 94: ", "~ Paragraph 95: ", "  Paragraph 96: ",
        "  Paragraph 97: ", "  Paragraph 98: "]
    assert body[-1] == "  ... 91 unchanged paragraphs (99 to 189 of version 2; --full shows them) ..."
    assert len(out.splitlines()) == 23  # it was 383: every paragraph
    _, one, _ = run("diff", LONG_URL, "--inline", "--context", "1")
    assert "  Paragraph 94: " in one and "Paragraph 93: " not in one
    _, full, _ = run("diff", LONG_URL, "--inline", "--full")
    assert "..." not in full and all(f"Paragraph {n}: " in full for n in range(1, 190))


def test_side_by_side_folds_too(run, stored):
    crawl_versions(stored, LONG_URL, long_versions(50, edited=[0]))
    _, out, _ = run("diff", LONG_URL, "--width", "100")
    lines = out.splitlines()
    assert lines[-1] == "  ... 46 unchanged paragraphs (5 to 50 of version 2; --full shows them) ..."
    assert "Paragraph 4: " in out and "Paragraph 5: " not in out


def test_replaced_words_are_marked_alike_in_headline_and_paragraphs(run, stored):
    url = "https://www.bbc.co.uk/news/uk-10000001"
    crawl_versions(stored, url, [(T0, "What the minister then did", ["She then did a u-turn on the plan."]),
                                 (T0 + timedelta(hours=1), "What the minister chose to do",
                                  ["She chose to do a u-turn on the plan."])])
    _, out, _ = run("diff", url, "--inline")
    assert "~ What the minister [-then did-] {+chose to do+}" in out.splitlines()
    assert "~ She [-then did-] {+chose to do+} a u-turn on the plan." in out.splitlines()


def test_a_long_comparison_comes_in_pages(run, stored):
    crawl_versions(stored, LONG_URL, long_versions(1200))  # every paragraph edited
    stored.db.changes.update_one({"article_id": LONG_URL}, {"$set": {"summarised": True},
                                                           "$unset": {"paragraphs": ""}})
    code, out, _ = run("diff", LONG_URL, "--inline")
    assert code == 0
    last_line = out.splitlines()[-1]
    assert re.fullmatch(r"\(page 1 of \d+; the next one with --page 2\)", last_line)
    assert 0 < out.count("\n~ ") <= DIFF_ROWS_PER_PAGE
    count = int(last_line.split()[3][:-1])
    _, last, _ = run("diff", LONG_URL, "--inline", "--page", str(count))
    assert "~ Paragraph 1200: {+indeed+}" in last and "--page" not in last
    code, _, err = run("diff", LONG_URL, "--page", str(count + 1))
    assert code == 1 and "fewer than" in err


def test_unreadable_addresses_and_impossible_versions_are_errors_not_crashes(run):
    code, out, err = run("diff", "http://[")
    assert code == 1 and out == "" and "not an article address" in err
    code, _, err = run("diff", MINISTER_URL, "1", str(2**63))
    assert code == 1 and "no versions 1 and 9223372036854775808 to compare" in err


def test_articles_gives_totals_then_the_tracked_articles(run, stored):
    crawl_versions(stored, "https://www.bbc.co.uk/news/science-55555555",
                   [(T0, "Unchanged science story", ["Only one version."])])
    code, out, _ = run("-s", "NEWSCRAWLER_NOW=2026-11-25T14:00:00+00:00", "articles")
    assert code == 0
    lines = out.splitlines()
    assert lines[:6] == ["Tracked articles:", "  bbc          active           3", "Versions stored: 6",
                         "Changes in the last day: 3", "Checks due now: bbc 3", ""]
    assert [line.split("  ")[-1] for line in lines[6:]] == [HOSTILE_URL, MINISTER_URL,
                                                            "https://www.bbc.co.uk/news/science-55555555"]
    assert lines[7] == f"2026-11-25 12:00 UTC  bbc  active  v3  Minister rejects plan  {MINISTER_URL}"
    _, paged, _ = run("articles", "--limit", "2")
    assert paged.splitlines()[-1] == "(more with --page 2)"


def test_articles_search_by_headline_words_or_address(run, stored):
    _, out, _ = run("articles", "--search", "minister PLAN")
    assert [line.split("  ")[-1] for line in out.splitlines()] == [MINISTER_URL]
    _, out, _ = run("articles", "--search", MINISTER_LINK)
    assert [line.split("  ")[-1] for line in out.splitlines()] == [MINISTER_URL]
    _, out, _ = run("articles", "--search", "nothing like this")
    assert out == "No tracked article found.\n"
    _, out, _ = run("articles", "--search", "<script>")
    assert "\x1b" not in out and out.count("\n") == 1


def test_serve_links_feeds_to_the_base_url_it_is_given(stored):
    command = [sys.executable, "-m", "newscrawler", "-s", f"MONGO_URI={stored.uri}", "-s",
               f"MONGO_DATABASE={stored.database_name}", "serve", "--port", "0",
               "--base-url", "https://news.example.org/"]
    with subprocess.Popen(command, cwd=PROJECT_DIR, stdout=subprocess.PIPE, text=True) as server:
        try:
            address = re.search(r"at (http://\S+/) ", server.stdout.readline())[1]
            request = Request(address + "feed.xml", headers={"Host": "evil.example"})
            with urlopen(request, timeout=10) as response:
                feed = response.read().decode()
        finally:
            server.terminate()
    links = re.findall(r"<link>(.*?)</link>", feed)
    assert len(links) == 4 and all(link.startswith("https://news.example.org/") for link in links)
