import io
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from newscrawler.reading.cli import main, since_time
from newscrawler.sources import article_id_of as article_id
from tests.conftest import PROJECT_DIR, free_port
from tests.reading_data import HOSTILE_URL, HOSTILE_VERSIONS, MINISTER_URL, MINISTER_VERSIONS, crawl_versions

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
