"""The `newscrawler` command: read tracked articles and their changes.

    newscrawler history URL                  an article's summary and versions
    newscrawler diff URL [FROM TO]           what changed between two versions, side by side (or --inline)
    newscrawler changes [--since 2h]         recent changes, one line each
    newscrawler articles [--search WORDS]    totals, and the tracked articles (or those found)
    newscrawler serve [--port 8080]          the read-only web view
    newscrawler alerts add|list|remove|send|status   pushed alerts of changes
    newscrawler health [--source S]          extraction failures per source, last 24 hours
    newscrawler export-warc -o FILE          the stored pages as a WARC 1.1 file
    newscrawler reextract [--failed]         run today's extractors over the stored pages

The database is the crawl's (MONGO_URI / MONGO_DATABASE in the project
settings, or the embedded local server); `-s NAME=VALUE` overrides a setting.
The reading commands never create a data folder: with no MONGO_URI and no
embedded database in NEWSCRAWLER_DATA_DIR (default: data/ of the project the
package runs from), they say so and exit 2. `newscrawler db status|stop`
tells whether the embedded server runs, what it holds, and stops it.
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
from newscrawler.alerts import commands as alert_commands
from newscrawler.embedded import EmbeddedServerError
from newscrawler.reading.presentation import (
    ANSI, CONTEXT, PLAIN, Comparison, ComparisonPage, Fold, Markup, Parts, article_facts, change_summary,
    compare_versions, format_time, mark_words, printable, significance,
)
from newscrawler.storage import RevisionStore, StorageUnavailable, data_dir, embedded_port
from newscrawler.sources import article_id_of
from newscrawler import embedded

logger = logging.getLogger(__name__)

# What happened to a paragraph, in the margin of a diff.
KIND_SYMBOLS = {"equal": " ", "edited": "~", "added": "+", "removed": "-", "moved": ">"}
RELATIVE_TIME = re.compile(r"(\d+)\s*([mhdw])")
TIME_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_ANSI_CODE = re.compile(r"\x1b\[[0-9;]*m")
_TOKEN = re.compile(r"\S+\s*|\s+")
DIFF_ROWS_PER_PAGE = 1000


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # newscrawler's settings, wherever the command runs: outside the project no scrapy.cfg names them
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "newscrawler.settings")
    if args.command == "db":  # about the server itself: no store to open
        return db_command(args, sys.stdout)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    args.project_settings = project_settings(args.settings)
    try:
        store = open_store(args.project_settings, read_only=args.command != "alerts")  # alerts add may come first
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
    diff_parser.add_argument("--full", action="store_true",
                             help="every paragraph, instead of the changed ones with a few around them")
    diff_parser.add_argument("--context", type=int, default=CONTEXT, metavar="N",
                             help=f"unchanged paragraphs shown around each change (default {CONTEXT})")
    diff_parser.add_argument("--page", type=positive, default=1, metavar="N",
                             help=f"long comparisons come in pages of {DIFF_ROWS_PER_PAGE} paragraphs: show page N")
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

    articles_parser = commands.add_parser("articles", help="totals, and the tracked articles, most recently changed first")
    articles_parser.add_argument("--search", metavar="TEXT",
                                 help="words of the headline (any case), or an address or its beginning")
    articles_parser.add_argument("--source", help="only this source, e.g. bbc")
    articles_parser.add_argument("--status", help="only articles of this status: active, stopped, gone, moved")
    articles_parser.add_argument("--limit", type=positive, default=50, help="at most this many (default 50)")
    articles_parser.add_argument("--page", type=positive, default=1, help="page N of --limit articles each")
    articles_parser.set_defaults(run=articles)

    serve_parser = commands.add_parser("serve", help="the read-only web view")
    serve_parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve_parser.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    serve_parser.add_argument("--base-url", help="the view's public address, which starts the links in feeds "
                                                 "(default: NEWSCRAWLER_WEB_BASE_URL, else http://HOST:PORT/)")
    serve_parser.set_defaults(run=serve)

    alerts_parser = commands.add_parser("alerts", help="pushed alerts of changes: subscriptions and delivery")
    alert_commands.add_arguments(alerts_parser)
    alerts_parser.set_defaults(run=alerts)

    health_parser = commands.add_parser("health", help="extraction failures per source, with reasons and examples")
    health_parser.add_argument("--source", help="only this source")
    health_parser.add_argument("--hours", type=positive, default=24, help="over the last N hours (default 24)")
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
    reextract_parser.add_argument("--limit", type=positive, metavar="N",
                                  help="read at most N stored pages in this run (the next run goes on from there)")
    reextract_parser.set_defaults(run=reextract)
    add_db_parser(commands)
    return parser


def positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more: {text!r}")
    return number


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


def open_store(settings, read_only: bool = True) -> RevisionStore:
    """The database the settings name. Commands that only read never start an
    embedded server for a data folder that does not exist yet (read_only)."""
    store = RevisionStore.from_settings(settings, read_only=read_only)
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
    old, new = _revision(store, article, from_version), _revision(store, article, to_version)
    if old is None or new is None or from_version == to_version:
        print(f"newscrawler: no versions {from_version} and {to_version} to compare; "
              f"{article['url']} has {article.get('version', 1)} version(s)", file=sys.stderr)
        return 1
    change = store.change(article["_id"], to_version) if to_version == from_version + 1 else None
    comparison = compare_versions(old, new, change)
    page = comparison.page(args.page, context=None if args.full else max(0, args.context),
                           rows_per_page=DIFF_ROWS_PER_PAGE)
    if page is None:
        print(f"newscrawler: this comparison has fewer than {args.page} pages", file=sys.stderr)
        return 1
    markup = ANSI if use_colour(args.color, out) else PLAIN
    lines = [printable(line) for line in (
        new.get("headline") or article["_id"],
        article["url"],
        f"version {from_version} ({format_time(old.get('fetched_at'))}) -> "
        f"version {to_version} ({format_time(new.get('fetched_at'))}): {comparison.summary} "
        f"({comparison.significance})",
        "",
    )]
    if args.inline:
        lines += inline_lines(comparison, page, markup, args.width)
    else:
        lines += side_by_side_lines(comparison, page, markup, args.width)
    if page.number < page.count:
        lines.append(f"(page {page.number} of {page.count}; the next one with --page {page.number + 1})")
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


def articles(store: RevisionStore, args, out) -> int:
    skip = (args.page - 1) * args.limit
    if args.search:
        try:
            found = store.search_articles(args.search, source=args.source, skip=skip, limit=args.limit,
                                          address_id=article_id_of)
        except ValueError as error:
            print(f"newscrawler: not an address that can be searched: {error}", file=sys.stderr)
            return 1
    else:
        found = store.list_articles(source=args.source, status=args.status, skip=skip, limit=args.limit)
        out.write("\n".join(totals_lines(store.article_totals(clock_from_settings(args.project_settings)()))) + "\n\n")
    if not found:
        print("No tracked article found.", file=out)
    for article in found:
        print(printable(f"{format_time(article.get('last_changed'))}  {article.get('source', '')}  "
                        f"{article.get('status') or 'unknown'}  v{article.get('version') or '?'}  "
                        f"{article.get('headline') or ''}  {article['_id']}"), file=out)
    if len(found) == args.limit:
        print(f"(more with --page {args.page + 1})", file=out)
    return 0


def totals_lines(totals: dict) -> list[str]:
    lines = ["Tracked articles:"]
    lines += [f"  {source:<12} {status:<8} {count:>9,}" for (source, status), count in totals["articles"].items()]
    due = ", ".join(f"{source} {count:,}" for source, count in totals["due"].items()) or "none"
    lines += [f"Versions stored: {totals['versions']:,}", f"Changes in the last day: {totals['changes_last_day']:,}",
              f"Checks due now: {due}"]
    return lines


def serve(store: RevisionStore, args, out) -> int:
    from newscrawler.reading.web import make_web_server  # only this command needs the web view

    settings = args.project_settings
    server = make_web_server(
        store, args.host, args.port, base_url=args.base_url or settings.get("NEWSCRAWLER_WEB_BASE_URL") or None,
        threads=settings.getint("NEWSCRAWLER_WEB_THREADS", 4),
        timeout=settings.getint("NEWSCRAWLER_WEB_TIMEOUT_SECONDS", 30),
        connection_limit=settings.getint("NEWSCRAWLER_WEB_CONNECTION_LIMIT", 1000),
    )
    host, port = server.server_address[:2]
    print(f"Serving the newscrawler web view at http://{host}:{port}/ (feeds link to {server.base_url}; "
          "Ctrl-C to stop)", file=out, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def alerts(store: RevisionStore, args, out) -> int:
    """`alerts add|list|remove|send|status`: their logic is in newscrawler.alerts.commands."""
    return args.alert_run(store, args.project_settings, args, out)


def health(store: RevisionStore, args, out) -> int:
    from newscrawler.reading.health import health_lines, health_report

    now = clock_from_settings(args.project_settings)()
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
    return run_reextraction(args.project_settings, out, source=args.source, since=args.since,
                            failed_only=args.failed, limit=args.limit)


# Plain-text rendering of a comparison

def use_colour(choice: str, out) -> bool:
    if choice != "auto":
        return choice == "always"
    return out.isatty() and not os.environ.get("NO_COLOR")


def inline_lines(comparison: Comparison, page: ComparisonPage, markup: Markup, width: int) -> list[str]:
    """Each paragraph once, deleted and inserted words marked, its fate in the margin."""
    lines = []
    for row in _page_rows(comparison, page):
        if isinstance(row, Fold):
            lines += [fold_line(row, comparison), ""]
            continue
        symbol = KIND_SYMBOLS[row.kind]
        for line in wrap_marked(row.inline, width - 2, markup):
            lines.append(f"{symbol} {line}".rstrip())
            symbol = " "
        if row.note:
            lines.append(f"  ({row.note})")
        lines.append("")
    return lines


def side_by_side_lines(comparison: Comparison, page: ComparisonPage, markup: Markup, width: int) -> list[str]:
    """Old version on the left, new on the right, paragraph by paragraph."""
    column = max(20, (width - 3) // 2)
    lines = [_pad(f"version {comparison.old['version']}", column) + "   " + f"version {comparison.new['version']}",
             "-" * column + "   " + "-" * column]
    for row in _page_rows(comparison, page):
        if isinstance(row, Fold):
            lines += [fold_line(row, comparison), ""]
            continue
        left = wrap_marked(row.old, column, markup) if row.old else []
        right = wrap_marked(row.new, column, markup) if row.new else []
        if row.note:
            right.append(f"({row.note})")
        gutter = KIND_SYMBOLS[row.kind]
        for old_line, new_line in zip_longest(left, right, fillvalue=""):
            lines.append(f"{_pad(old_line, column)} {gutter} {new_line}".rstrip())
        lines.append("")
    return lines


def fold_line(fold: Fold, comparison: Comparison) -> str:
    last = fold.first + fold.count - 1
    return (f"  ... {fold.count:,} unchanged paragraphs ({fold.first:,} to {last:,} of version "
            f"{comparison.new['version']}; --full shows them) ...")


def _page_rows(comparison: Comparison, page: ComparisonPage) -> list:
    """The page's rows, after the headline on the first page."""
    return ([comparison.headline] if page.number == 1 else []) + page.rows


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
    try:
        wanted = article_id_of(url)
    except ValueError as error:
        print(f"newscrawler: not an article address: {url!r} ({error})", file=sys.stderr)
        return None
    article = store.article(wanted)
    if article is None:
        print(f"newscrawler: no tracked article at {wanted}", file=sys.stderr)
    return article


def _revision(store: RevisionStore, article: dict, version: int) -> dict | None:
    """A version of the article; None for one that cannot exist (the database takes 64-bit numbers)."""
    return store.revision(article["_id"], version) if 1 <= version <= 2**31 - 1 else None


def _print_lines(out, lines) -> None:
    out.write("\n".join(lines).rstrip("\n") + "\n")


# `newscrawler db status|stop`: the embedded database server (newscrawler.embedded)

def add_db_parser(commands) -> None:
    db_parser = commands.add_parser("db", help="the embedded database server: status, stop")
    db_parser.add_argument("action", choices=("status", "stop"),
                           help="status: whether it runs, where, what it holds; stop: stop it cleanly")
    db_parser.set_defaults(run=db_command)


def db_command(args, out) -> int:
    """status: 0 if this data folder's server runs, 1 if not; stop: 0 once none runs. 2: an error."""
    settings = project_settings(args.settings)
    folder, port = data_dir(settings), embedded_port(settings)
    if settings.get("MONGO_URI"):
        print(f"MONGO_URI is set: crawls and commands use {redacted(settings.get('MONGO_URI'))}, "
              f"not the embedded server.", file=out)
    try:
        if args.action == "stop":
            return db_stop(folder, port, out)
        return db_status(folder, port, out)
    except EmbeddedServerError as error:
        print(f"newscrawler: {error}", file=sys.stderr)
        return 2


def db_status(folder, port: int, out) -> int:
    if not folder.is_dir():
        message = embedded.no_database_message(folder.resolve())
        print(message[0].upper() + message[1:], file=out)
        return 1
    server = embedded.running_server(folder, port)
    size = f"{embedded.folder_size(folder / 'db') / 1e6:.1f} MB"
    if server is None:
        print(f"The embedded database server of {folder} is not running (data in {folder / 'db'}, {size}); "
              "the next crawl or newscrawler command starts it.", file=out)
        return 1
    databases = embedded.database_counts(server.uri)
    lines = [f"The embedded database server of {folder} is running at {server.uri}",
             f"  pid        {server.pid}",
             f"  data       {server.storage} ({size})",
             f"  log        {folder / 'server.log'}",
             "  databases  " + (", ".join(f"{name} ({count} articles)" for name, count in databases.items())
                                or "none yet"),
             "  stop it    newscrawler db stop"]
    _print_lines(out, lines)
    return 0


def db_stop(folder, port: int, out) -> int:
    server = embedded.stop_server(folder, port)
    if server is None:
        print(f"No embedded database server of {folder} is running.", file=out)
    else:
        print(f"Stopped the embedded database server at {server.uri} (pid {server.pid}, data in {server.storage}).",
              file=out)
    return 0


def redacted(uri: str) -> str:
    """The URI without its password."""
    return re.sub(r"(//[^:/@]+:)[^@/]*@", r"\1***@", uri)
