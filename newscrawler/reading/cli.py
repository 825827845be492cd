"""The `newscrawler` command: read tracked articles and their changes.

    newscrawler history URL                  an article's summary and versions
    newscrawler diff URL [FROM TO]           two versions side by side (or --inline)
    newscrawler changes [--since 2h]         recent changes, one line each
    newscrawler serve [--port 8080]          the read-only web view
    newscrawler health [--source S]          extraction failures per source, last 24 hours
    newscrawler export-warc -o FILE          the stored pages as a WARC 1.1 file
    newscrawler reextract [--failed]         run today's extractors over the stored pages

The database is the crawl's (MONGO_URI / MONGO_DATABASE in the project
settings, or the embedded local server); `-s NAME=VALUE` overrides a setting.
"""
import argparse
import logging
import os
import re
import shutil
import sys
from datetime import datetime, timedelta, timezone
from itertools import zip_longest

from scrapy.utils.project import get_project_settings

from newscrawler.clock import clock_from_settings
from newscrawler.embedded import EmbeddedServerError
from newscrawler.reading.presentation import (
    ANSI, PLAIN, Comparison, Markup, Parts, article_facts, change_summary, compare_versions, format_time,
    mark_words, printable, significance,
)
from newscrawler.storage import RevisionStore, StorageUnavailable
from newscrawler.sources import article_id_of

logger = logging.getLogger(__name__)

# What happened to a paragraph, in the margin of a diff.
KIND_SYMBOLS = {"equal": " ", "edited": "~", "added": "+", "removed": "-", "moved": ">"}
RELATIVE_TIME = re.compile(r"(\d+)\s*([mhdw])")
TIME_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_ANSI_CODE = re.compile(r"\x1b\[[0-9;]*m")
_TOKEN = re.compile(r"\S+\s*|\s+")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        store = open_store(args.settings)
    except (StorageUnavailable, EmbeddedServerError) as error:
        print(f"newscrawler: {error}", file=sys.stderr)
        return 2
    try:
        return args.run(store, args, sys.stdout)
    finally:
        store.close()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newscrawler", description="Read tracked news articles and their changes.")
    parser.add_argument("-s", "--set", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                        help="override a project setting, e.g. -s MONGO_DATABASE=news")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens on stderr")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    history_parser = commands.add_parser("history", help="an article's summary and its versions")
    history_parser.add_argument("url")
    history_parser.set_defaults(run=history)

    diff_parser = commands.add_parser("diff", help="compare two versions (default: the last two)")
    diff_parser.add_argument("url")
    diff_parser.add_argument("from_version", nargs="?", type=int, metavar="FROM")
    diff_parser.add_argument("to_version", nargs="?", type=int, metavar="TO")
    diff_parser.add_argument("--inline", action="store_true",
                             help="one text with [-deleted-] and {+inserted+} words instead of two columns")
    diff_parser.add_argument("--color", "--colour", choices=("auto", "always", "never"), default="auto",
                             help="colour deleted words red and inserted green (auto: on a terminal, unless NO_COLOR)")
    diff_parser.add_argument("--width", type=int, default=shutil.get_terminal_size((100, 24)).columns,
                             help="line width (default: the terminal's)")
    diff_parser.set_defaults(run=diff)

    changes_parser = commands.add_parser("changes", help="recent changes, newest first, one line each")
    changes_parser.add_argument("--since", type=since_time, metavar="WHEN",
                                help="an ISO date or time (UTC unless it says), or an age: 30m, 2h, 3d, 1w")
    changes_parser.add_argument("--source", help="only this source, e.g. bbc")
    changes_parser.add_argument("--substantive", action="store_true", help="leave out minor changes")
    changes_parser.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    changes_parser.set_defaults(run=changes)

    serve_parser = commands.add_parser("serve", help="the read-only web view")
    serve_parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve_parser.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    serve_parser.set_defaults(run=serve)

    health_parser = commands.add_parser("health", help="extraction failures per source, with reasons and examples")
    health_parser.add_argument("--source", help="only this source")
    health_parser.add_argument("--hours", type=int, default=24, help="over the last N hours (default 24)")
    health_parser.set_defaults(run=health)

    warc_parser = commands.add_parser("export-warc", help="write the stored pages as a WARC 1.1 file")
    _add_capture_filters(warc_parser)
    warc_parser.add_argument("--article", metavar="URL", help="only this article's pages")
    warc_parser.add_argument("-o", "--output", required=True, metavar="FILE", help="the WARC file (gzipped records)")
    warc_parser.set_defaults(run=export_warc)

    reextract_parser = commands.add_parser(
        "reextract", help="read the stored pages again with the current extractors (writes to the database)")
    _add_capture_filters(reextract_parser)
    reextract_parser.add_argument("--failed", action="store_true", help="only pages whose extraction failed")
    reextract_parser.add_argument("--limit", type=int, metavar="N",
                                  help="read at most N stored pages in this run (the next run goes on from there)")
    reextract_parser.set_defaults(run=reextract)
    return parser


def _add_capture_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", help="only this source, e.g. bbc")
    parser.add_argument("--since", type=since_time, metavar="WHEN",
                        help="only pages fetched since: an ISO date or time, or an age like 2h or 3d")


def project_settings(overrides: list[str]):
    settings = get_project_settings()
    for override in overrides:
        name, _, value = override.partition("=")
        settings.set(name, value, priority="cmdline")
    return settings


def open_store(overrides: list[str]) -> RevisionStore:
    store = RevisionStore.from_settings(project_settings(overrides))
    store.open()
    logger.info("Reading MongoDB at %s, database %r", store.uri, store.database_name)
    return store


def since_time(text: str, now: datetime | None = None) -> datetime:
    """`2h`, `3d`... ago, or an ISO date/time (naive means UTC)."""
    now = now or datetime.now(timezone.utc)
    relative = RELATIVE_TIME.fullmatch(text.strip().lower())
    if relative:
        return now - timedelta(**{TIME_UNITS[relative[2]]: int(relative[1])})
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO time or an age like 2h or 3d: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


# Commands: each takes the open store, the parsed arguments and the output stream, returns the exit code.

def history(store: RevisionStore, args, out) -> int:
    article = _find_article(store, args.url)
    if article is None:
        return 1
    versions = store.version_list(article["_id"])
    changes = {change["to_version"]: change for change in store.change_summaries(article["_id"])}
    facts = article_facts(article, len(versions), list(changes.values()))
    lines = [article.get("headline") or article["_id"], *(f"  {name:<12} {value}" for name, value in facts), ""]
    for version in versions:
        change = changes.get(version["version"])
        what = f"  [{change_summary(change)}; {significance(change)}]" if change else ""
        lines.append(f"  v{version['version']:<3} {format_time(version.get('fetched_at'))}  "
                     f"{version.get('headline', '')}{what}")
    _print_lines(out, map(printable, lines))
    return 0


def diff(store: RevisionStore, args, out) -> int:
    article = _find_article(store, args.url)
    if article is None:
        return 1
    if (args.from_version is None) != (args.to_version is None):
        print("newscrawler: give both FROM and TO versions, or neither for the last two", file=sys.stderr)
        return 1
    to_version = args.to_version or article.get("version") or 1
    from_version = args.from_version or to_version - 1
    old, new = store.revision(article["_id"], from_version), store.revision(article["_id"], to_version)
    if old is None or new is None or from_version == to_version:
        print(f"newscrawler: no versions {from_version} and {to_version} to compare; "
              f"{article['url']} has {article.get('version', 1)} version(s)", file=sys.stderr)
        return 1
    comparison = compare_versions(old, new)
    markup = ANSI if use_colour(args.color, out) else PLAIN
    lines = [printable(line) for line in (
        new.get("headline") or article["_id"],
        article["url"],
        f"version {from_version} ({format_time(old.get('fetched_at'))}) -> "
        f"version {to_version} ({format_time(new.get('fetched_at'))}): {comparison.summary} "
        f"({significance({'classification': comparison.classification})})",
        "",
    )]
    if args.inline:
        lines += inline_lines(comparison, markup, args.width)
    else:
        lines += side_by_side_lines(comparison, markup, args.width)
    _print_lines(out, lines)
    return 0


def changes(store: RevisionStore, args, out) -> int:
    found = store.find_changes(source=args.source, substantive_only=args.substantive,
                               since=args.since, limit=args.limit)
    if not found:
        print("No changes found.", file=out)
    for change in found:
        print(printable(f"{format_time(change['detected_at'])}  {change['source']}  "
              f"v{change['from_version']}->v{change['to_version']}  {change.get('new_headline', '')}: "
              f"{change_summary(change)} ({significance(change)})  {change['url']}"), file=out)
    return 0


def serve(store: RevisionStore, args, out) -> int:
    from newscrawler.reading.web import make_web_server  # only this command needs the web view

    server = make_web_server(store, args.host, args.port)
    host, port = server.server_address[:2]
    print(f"Serving the newscrawler web view at http://{host}:{port}/ (Ctrl-C to stop)", file=out, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def health(store: RevisionStore, args, out) -> int:
    from newscrawler.reading.health import health_lines, health_report

    now = clock_from_settings(project_settings(args.settings))()
    _print_lines(out, map(printable, health_lines(health_report(store, now, args.hours, args.source), args.hours)))
    return 0


def export_warc(store: RevisionStore, args, out) -> int:
    from newscrawler.captures import CaptureError, stored_fetches, write_warc

    article = article_id_of(args.article) if args.article else None
    try:
        counts = write_warc(args.output, stored_fetches(store, args.source, args.since, article), store.capture)
    except CaptureError as error:
        print(f"newscrawler: {error}", file=sys.stderr)
        return 1
    print(f"Wrote {args.output}: {counts['response']} page(s) as request and response records, "
          f"{counts['revisit']} revisit record(s) for pages fetched again in the same bytes", file=out)
    return 0


def reextract(store: RevisionStore, args, out) -> int:
    from newscrawler.reextract import run_reextraction  # writes: its logic is not the reading side's

    store.close()  # the crawl it runs opens its own
    return run_reextraction(project_settings(args.settings), out, source=args.source, since=args.since,
                            failed_only=args.failed, limit=args.limit)


# Plain-text rendering of a comparison

def use_colour(choice: str, out) -> bool:
    if choice != "auto":
        return choice == "always"
    return out.isatty() and not os.environ.get("NO_COLOR")


def inline_lines(comparison: Comparison, markup: Markup, width: int) -> list[str]:
    """Each paragraph once, deleted and inserted words marked, its fate in the margin."""
    lines = []
    for row in [comparison.headline, *comparison.rows]:
        symbol = KIND_SYMBOLS[row.kind]
        for line in wrap_marked(row.inline, width - 2, markup):
            lines.append(f"{symbol} {line}".rstrip())
            symbol = " "
        if row.note:
            lines.append(f"  ({row.note})")
        lines.append("")
    return lines


def side_by_side_lines(comparison: Comparison, markup: Markup, width: int) -> list[str]:
    """Old version on the left, new on the right, paragraph by paragraph."""
    column = max(20, (width - 3) // 2)
    lines = [_pad(f"version {comparison.old['version']}", column) + "   " + f"version {comparison.new['version']}",
             "-" * column + "   " + "-" * column]
    for row in [comparison.headline, *comparison.rows]:
        left = wrap_marked(row.old, column, markup) if row.old else []
        right = wrap_marked(row.new, column, markup) if row.new else []
        if row.note:
            right.append(f"({row.note})")
        gutter = KIND_SYMBOLS[row.kind]
        for old_line, new_line in zip_longest(left, right, fillvalue=""):
            lines.append(f"{_pad(old_line, column)} {gutter} {new_line}".rstrip())
        lines.append("")
    return lines


def wrap_marked(parts: Parts, width: int, markup: Markup) -> list[str]:
    """Marked text broken into lines of at most `width` visible characters (longer words overflow)."""
    tokens = [[tag, token] for tag, text in parts for token in _TOKEN.findall(text)]
    lines, current = [], []
    for tag, token in tokens:
        if current and _visible_len(mark_words(current + [[tag, token]], markup).rstrip()) > width:
            lines.append(mark_words(current, markup).rstrip())
            current = []
        current.append([tag, token])
    if current:
        lines.append(mark_words(current, markup).rstrip())
    return lines or [""]


def _visible_len(text: str) -> int:
    return len(_ANSI_CODE.sub("", text))


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _visible_len(text))


def _find_article(store: RevisionStore, url: str) -> dict | None:
    article = store.article(article_id_of(url))
    if article is None:
        print(f"newscrawler: no tracked article at {article_id_of(url)}", file=sys.stderr)
    return article


def _print_lines(out, lines) -> None:
    out.write("\n".join(lines).rstrip("\n") + "\n")
