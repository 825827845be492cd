"""A small read-only web view of tracked articles and their changes (WSGI, served by waitress).

Pages: `/` recent changes (filters: source, substantive only; paged),
`/articles` every tracked article with totals, and search by headline or
address, `/article?url=...` one article and its versions,
`/compare?url=...&from=N&to=M` two versions side by side with <del>/<ins> word
marks, long unchanged runs folded and long comparisons paged (`&page=`,
`&full=1` for every paragraph), and RSS feeds at `/feed.xml` (`?source=...`,
`?url=...` for one article), whose absolute links start with the configured
base URL, never with the request's Host header, and `/health`, each source's
share of checks whose extraction failed in the last 24 hours.

Every piece of stored text goes through `html.escape`; the pages need no
script, and the Content-Security-Policy header forbids any.
"""
import html
import logging
import threading
import time
from dataclasses import dataclass
from urllib.parse import parse_qs

import waitress
from waitress import wasyncore

from newscrawler.clock import Clock, utc_now
from newscrawler.reading.feeds import changes_feed
from newscrawler.reading.health import DEFAULT_HOURS, health_html, health_report
from newscrawler.reading.presentation import (
    CONTEXT, HTML, ROWS_PER_PAGE, Comparison, ComparisonPage, Fold, Parts, Row, article_facts, article_path,
    articles_path, change_summary, compare_path, compare_versions, feed_path, format_time, list_path, mark_words,
    significance,
)
from newscrawler.storage import DatabaseAway, RevisionStore, StorageUnavailable
from newscrawler.sources import article_id_of
from newscrawler.urls import is_web_url

logger = logging.getLogger(__name__)

PAGE_SIZE = 25
FEED_SIZE = 50
TOTALS_SECONDS = 60  # the totals on /articles are counted again at most this often
TOTALS_WAIT_SECONDS = 2  # how long the first request of a view waits for them
MAX_PAGE = 10_000  # deeper pages of a list cost the server a long skip; filters and search reach further
MAX_VERSION = 2**31 - 1
SECURITY_HEADERS = [
    ("Content-Security-Policy",
     "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; "
     "form-action 'self'; frame-ancestors 'none'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
]
# What happened to a paragraph, in the margin of a comparison (the CLI's marks).
KIND_MARKS = {"edited": "~", "added": "+", "removed": "−", "moved": "→"}
STYLESHEET = b"""
body { font-family: Georgia, serif; max-width: 72rem; margin: 1.5rem auto; padding: 0 1rem; color: #222; }
nav, .meta, form, .pages, .note, .totals { font-family: sans-serif; font-size: 0.9rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 0.4rem 0.6rem; border-bottom: 1px solid #ddd; }
table.comparison td.old, table.comparison td.new { width: 48%; line-height: 1.45; }
td.mark { width: 4%; font-family: sans-serif; font-weight: bold; text-align: center; white-space: nowrap; }
td.mark a { text-decoration: none; font-weight: normal; }
tr.edited td { background: #fff6d5; }
tr.edited td.mark, tr.added td.mark, tr.removed td.mark, tr.moved td.mark { border-left: 4px solid #c90; }
tr.added td.new, ins { background: #d4f7d4; text-decoration: none; }
tr.removed td.old, del { background: #fbd5d5; }
tr.moved td { background: #eef2fb; }
tr.fold td { background: #f3f3f3; color: #555; font-family: sans-serif; font-size: 0.9rem; font-style: italic; }
td.empty { background: #f6f6f6; }
td.time { white-space: nowrap; }
.note { color: #666; display: block; }
.totals table { width: auto; }
dt { font-weight: bold; float: left; clear: left; width: 9rem; }
dd { margin-left: 10rem; }
"""


class NotFound(Exception):
    pass


class BadRequest(Exception):
    pass


@dataclass
class Response:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: str = "200 OK"


@dataclass
class Request:
    query: dict[str, str]

    def integer(self, name: str, default: int | None = None, maximum: int = MAX_PAGE) -> int | None:
        """A whole number from 1 to `maximum`; anything else is a bad request."""
        value = self.query.get(name)
        if value is None or value == "":
            return default
        try:
            number = int(value)
        except ValueError:
            raise BadRequest(f"{name} must be a whole number") from None
        if not 1 <= number <= maximum:
            raise BadRequest(f"{name} must be a whole number from 1 to {maximum}")
        return number

    def page(self) -> int:
        return self.integer("page", 1)

    def text(self, name: str) -> str | None:
        return (self.query.get(name) or "").strip() or None


class WebView:
    """The WSGI application. `base_url` starts the absolute links of feeds."""

    def __init__(self, store: RevisionStore, base_url: str, page_size: int = PAGE_SIZE,
                 rows_per_page: int = ROWS_PER_PAGE, clock: Clock = utc_now):
        self.store = store
        self.base_url = base_url
        self.page_size = page_size
        self.rows_per_page = rows_per_page
        self.clock = clock
        self._totals_cache: tuple[float, str] | None = None  # (when counted, monotonic; html)
        self._totals_error: Exception | None = None  # why the last count failed
        self._totals_lock = threading.Lock()
        self._counting: threading.Thread | None = None
        self._totals_age = TOTALS_SECONDS  # how old totals may be before they are counted again
        self.routes = {
            "/": self.changes_page,
            "/articles": self.articles_page,
            "/article": self.article_page,
            "/compare": self.compare_page,
            "/feed.xml": self.feed,
            "/health": self.health_page,
            "/style.css": lambda request: Response(STYLESHEET, "text/css; charset=utf-8"),
        }

    def __call__(self, environ, start_response):
        response = self._respond(environ)
        start_response(response.status, [("Content-Type", response.content_type),
                                         ("Content-Length", str(len(response.body))), *SECURITY_HEADERS])
        return [b""] if environ["REQUEST_METHOD"] == "HEAD" else [response.body]

    def _respond(self, environ) -> Response:
        if environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
            return error_page("405 Method Not Allowed", "This view is read-only.")
        handler = self.routes.get(environ.get("PATH_INFO") or "/")
        query = {name: values[0] for name, values in parse_qs(environ.get("QUERY_STRING", "")).items()}
        try:
            if handler is None:
                raise NotFound("There is no such page.")
            return handler(Request(query))
        except NotFound as error:
            return error_page("404 Not Found", str(error))
        except BadRequest as error:
            return error_page("400 Bad Request", str(error))
        except (DatabaseAway, StorageUnavailable) as error:
            logger.warning("The database is unavailable for %s: %s", environ.get("PATH_INFO"), error)
            return error_page("503 Service Unavailable", "The database cannot be reached; try again shortly.")
        except Exception:
            logger.exception("Could not answer %s?%s", environ.get("PATH_INFO"), environ.get("QUERY_STRING"))
            return error_page("500 Internal Server Error", "Something went wrong; it has been logged.")

    # Pages

    def changes_page(self, request: Request) -> Response:
        source = request.text("source")
        substantive_only = request.query.get("substantive") == "1"
        page = request.page()
        changes = self.store.find_changes(source=source, substantive_only=substantive_only,
                                          skip=(page - 1) * self.page_size, limit=self.page_size + 1)
        rows = "".join(_change_row(change) for change in changes[:self.page_size])
        pages = []
        if page > 1:
            pages.append(_link(list_path(source, substantive_only, page - 1), "← newer changes"))
        if len(changes) > self.page_size:
            pages.append(_link(list_path(source, substantive_only, page + 1), "older changes →"))
        content = (
            f"{_site_nav()}<h1>Recently changed articles</h1>{self._filter_form(source, substantive_only)}"
            f"{_search_form()}"
            f"<p class=meta>{_link(feed_path(source=source), 'RSS feed of these changes')}</p>"
            + (f"<table><thead><tr><th>Detected</th><th>Source</th><th>Article</th><th>What changed</th>"
               f"</tr></thead><tbody>{rows}</tbody></table>" if rows else "<p>No changes found.</p>")
            + f"<p class=pages>{' · '.join(pages)}</p>"
        )
        return page_response("Recently changed articles", content, feed_path(source=source))

    def articles_page(self, request: Request) -> Response:
        search, source, status = request.text("q"), request.text("source"), request.text("status")
        page = request.page()
        skip, limit = (page - 1) * self.page_size, self.page_size + 1
        if search:
            try:
                articles = self.store.search_articles(search, source=source, skip=skip, limit=limit,
                                                     address_id=article_id_of)
            except ValueError as error:
                raise BadRequest(f"That is not an address that can be searched: {error}") from None
        else:
            articles = self.store.list_articles(source=source, status=status, skip=skip, limit=limit)
        rows = "".join(map(_article_row, articles[:self.page_size]))
        pages = []
        if page > 1:
            pages.append(_link(articles_path(search, source, status, page - 1), "← previous page"))
        if len(articles) > self.page_size:
            pages.append(_link(articles_path(search, source, status, page + 1), "next page →"))
        heading = f"Tracked articles matching “{search}”" if search else "Tracked articles"
        content = (
            f"{_site_nav()}<h1>{html.escape(heading)}</h1>{_search_form(search)}"
            + ("" if search else self._totals() + "<h2>Most recently changed first</h2>")
            + (f"<table><thead><tr><th>Article</th><th>Source</th><th>Status</th><th>Versions</th>"
               f"<th>Last changed</th></tr></thead><tbody>{rows}</tbody></table>" if rows
               else "<p>No tracked article found.</p>")
            + f"<p class=pages>{' · '.join(pages)}</p>"
            + (f"<p class=note>Headline search reads the {self.store.SEARCH_SCAN:,} most recently changed "
               "articles; an address (https://..., or its beginning) finds any.</p>" if search else "")
        )
        return page_response(heading, content)

    def article_page(self, request: Request) -> Response:
        article = self._article(request)
        versions = self.store.version_list(article["_id"])
        changes = {change["to_version"]: change for change in self.store.change_summaries(article["_id"])}
        facts = [(label, _address(text) if label == "Address" else html.escape(text))
                 for label, text in article_facts(article, len(versions), list(changes.values()))]
        facts.append(("Feed", _link(feed_path(article_id=article["_id"]), "RSS feed of this article's changes")))
        rows = "".join(_version_row(version, changes.get(version["version"])) for version in versions)
        content = (
            f"<nav>{_link('/', '← recent changes')} · {_link('/articles', 'tracked articles')}</nav>"
            f"<h1>{html.escape(article.get('headline') or article['_id'])}</h1>"
            f"<dl class=meta>{''.join(f'<dt>{label}</dt><dd>{value}</dd>' for label, value in facts)}</dl>"
            "<h2>Versions</h2><table><thead><tr><th>Version</th><th>Fetched</th><th>Headline</th>"
            f"<th>Change from the version before</th></tr></thead><tbody>{rows}</tbody></table>"
        )
        return page_response(article.get("headline") or article["_id"], content,
                             feed_path(article_id=article["_id"]))

    def compare_page(self, request: Request) -> Response:
        article = self._article(request)
        latest = article.get("version") or 1
        to_version = request.integer("to", latest, maximum=MAX_VERSION)
        from_version = request.integer("from", max(1, to_version - 1), maximum=MAX_VERSION)
        full = request.query.get("full") == "1"
        old = self.store.revision(article["_id"], from_version)
        new = self.store.revision(article["_id"], to_version)
        if old is None or new is None or from_version == to_version:
            raise NotFound(f"This article has no versions {from_version} and {to_version} to compare "
                           f"(it has {latest}).")
        change = self.store.change(article["_id"], to_version) if to_version == from_version + 1 else None
        comparison = compare_versions(old, new, change)
        page = comparison.page(request.page(), context=None if full else CONTEXT, rows_per_page=self.rows_per_page)
        if page is None:
            raise NotFound("This comparison has fewer pages.")
        nav = [_link(article_path(article["_id"]), "← the article and all its versions")]
        if from_version > 1:
            nav.append(_link(compare_path(article["_id"], from_version - 1, to_version - 1), "previous change"))
        if to_version < latest:
            nav.append(_link(compare_path(article["_id"], from_version + 1, to_version + 1), "next change"))
        content = (
            f"<nav>{' · '.join(nav)}</nav>"
            f"<h1>{html.escape(new.get('headline') or article['_id'])}</h1>"
            f"<p class=meta>{html.escape(comparison.summary)} ({html.escape(comparison.significance)})</p>"
            f"{ComparisonTable(article['_id'], comparison, page, full).html()}"
        )
        title = f"Version {from_version} to {to_version}: {new.get('headline')}"
        return page_response(title + (f" (page {page.number})" if page.number > 1 else ""), content)

    def feed(self, request: Request) -> Response:
        source = request.text("source")
        article = self._article(request) if request.query.get("url") else None
        changes = self.store.find_changes_with_words(source=source, article_id=article and article["_id"],
                                                     limit=FEED_SIZE)
        return Response(changes_feed(changes, self.base_url, source=source, article=article),
                        "application/rss+xml; charset=utf-8")

    def health_page(self, request: Request) -> Response:
        report = health_report(self.store, self.clock(), DEFAULT_HOURS, request.query.get("source") or None)
        content = (f"<nav>{_link('/', '← recent changes')}</nav><h1>Extraction health</h1>"
                   f"<p class=meta>Share of each source's checks in the last {DEFAULT_HOURS} hours whose page "
                   f"could not be read (unknown layout, no article text, extraction error).</p>"
                   f"{health_html(report, DEFAULT_HOURS)}")
        return page_response("Extraction health", content)

    # Parts

    def _article(self, request: Request) -> dict:
        url = request.text("url")
        if not url:
            raise BadRequest("Which article? Give its address as ?url=...")
        try:
            wanted = article_id_of(url)
        except ValueError as error:
            raise BadRequest(f"That is not an article address: {error}") from None
        article = self.store.article(wanted)
        if article is None:
            raise NotFound("No article with this address is tracked.")
        return article

    def _filter_form(self, source: str | None, substantive_only: bool) -> str:
        options = "".join(
            f"<option value=\"{html.escape(name)}\"{' selected' if name == source else ''}>{html.escape(name)}</option>"
            for name in self.store.sources()
        )
        checked = " checked" if substantive_only else ""
        return (
            "<form method=get action=\"/\"><label>Source <select name=source><option value=\"\">all</option>"
            f"{options}</select></label> <label><input type=checkbox name=substantive value=1{checked}> "
            "substantive changes only</label> <button type=submit>Show</button></form>"
        )

    def _totals(self) -> str:
        """The totals table, counted again in a thread of its own once older than
        TOTALS_SECONDS. Each count reads an index range, on secantusdb every document
        of it (a minute at a million articles), so a request never waits for a
        recount: it shows the last totals, and only the request that starts the
        first count waits, at most TOTALS_WAIT_SECONDS. A slow count is made less
        often (see _recount_totals)."""
        started = None
        with self._totals_lock:
            cached = self._totals_cache
            if self._counting is None and (cached is None or time.monotonic() - cached[0] > self._totals_age):
                started = self._counting = threading.Thread(target=self._recount_totals, name="web-totals",
                                                            daemon=True)
                started.start()
        if cached is None and started is not None:
            started.join(TOTALS_WAIT_SECONDS)
            cached = self._totals_cache
        if cached is None:
            if self._totals_error is not None:
                raise self._totals_error
            return "<div class=totals><h2>Totals</h2><p class=note>Being counted: reload in a minute.</p></div>"
        return cached[1]

    def _recount_totals(self) -> None:
        began = time.monotonic()
        try:
            self._totals_cache, self._totals_error = (time.monotonic(), self._count_totals()), None
            # a count that takes t seconds waits 9 t before the next: at most a tenth of the server's time
            self._totals_age = max(TOTALS_SECONDS, 9 * (time.monotonic() - began))
        except (DatabaseAway, StorageUnavailable) as error:
            logger.warning("Totals of /articles not counted: %s", error)
            self._totals_error = error
        finally:
            with self._totals_lock:
                self._counting = None

    def _count_totals(self) -> str:
        totals = self.store.article_totals(self.clock())
        rows = "".join(
            f"<tr><td>{_link(articles_path(source=source), source)}</td>"
            f"<td>{_link(articles_path(source=source, status=status), status)}</td><td>{count:,}</td></tr>"
            for (source, status), count in totals["articles"].items()
        )
        due = ", ".join(f"{html.escape(source)} {count:,}" for source, count in totals["due"].items()) or "none"
        return (
            "<div class=totals><h2>Totals</h2><table><thead><tr><th>Source</th><th>Status</th><th>Articles</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
            f"<p>{totals['versions']:,} versions stored; {totals['changes_last_day']:,} changes in the last day; "
            f"checks due now: {due}.</p></div>"
        )


class ComparisonTable:
    """One page of a comparison as an HTML table: a margin of marks linking each
    changed row to the previous and next (`#change-N` anchors, no script), old
    and new text side by side, folded runs linking to the unfolded page."""

    def __init__(self, article: str, comparison: Comparison, page: ComparisonPage, full: bool):
        self.article, self.comparison, self.page, self.full = article, comparison, page, full
        headline = [(comparison.headline, "headline")] if page.number == 1 else []
        self.rows = headline + [(row, "paragraph") for row in page.rows]
        self.changed = sum(1 for row, _ in self.rows if isinstance(row, Row) and row.kind != "equal")

    def html(self) -> str:
        body, number = [], 0
        for row, role in self.rows:
            if isinstance(row, Fold):
                body.append(self._fold(row))
            elif row.kind == "equal":
                body.append(_comparison_row(row, role, "<td class=mark></td>"))
            else:
                number += 1
                body.append(_comparison_row(row, role, self._mark(row, number), f" id=change-{number}"))
        old, new = self.comparison.old, self.comparison.new
        return (
            f"<p class=meta>{self._summary_line()}</p>"
            f"<table class=comparison><thead><tr><th></th><th>{_version_heading(old)}</th>"
            f"<th>{_version_heading(new)}</th></tr></thead><tbody>{''.join(body)}</tbody></table>"
            f"<p class=pages>{' · '.join(self._page_links())}</p>"
        )

    def _summary_line(self) -> str:
        parts = []
        if self.changed:
            parts.append(_link("#change-1", "↓ first change")
                         + html.escape(f" ({self.changed} changed row{'s' if self.changed != 1 else ''} "
                                       f"on this page)"))
        if self.page.count > 1:
            parts.append(html.escape(f"page {self.page.number} of {self.page.count}: a long comparison is "
                                     "shown in pages"))
        parts.append(_link(self._path(1, not self.full),
                           "fold unchanged paragraphs" if self.full else "show every paragraph"))
        return " · ".join(parts)

    def _page_links(self) -> list[str]:
        links = []
        if self.page.number > 1:
            links.append(_link(self._path(self.page.number - 1, self.full), "← previous page"))
        if self.page.number < self.page.count:
            links.append(_link(self._path(self.page.number + 1, self.full), "next page →"))
        return links

    def _path(self, page: int, full: bool) -> str:
        return compare_path(self.article, self.comparison.old["version"], self.comparison.new["version"],
                            page, full)

    def _mark(self, row: Row, number: int) -> str:
        links = []
        if number > 1:
            links.append(_link(f"#change-{number - 1}", "↑", "previous change"))
        elif self.page.number > 1:
            links.append(_link(self._path(self.page.number - 1, self.full), "↑", "previous page"))
        if number < self.changed:
            links.append(_link(f"#change-{number + 1}", "↓", "next change"))
        elif self.page.number < self.page.count:
            links.append(_link(self._path(self.page.number + 1, self.full) + "#change-1", "↓", "next page"))
        return (f"<td class=mark><span title=\"{row.kind}\">{KIND_MARKS[row.kind]}</span>"
                f"{'<br>' + ' '.join(links) if links else ''}</td>")

    def _fold(self, fold: Fold) -> str:
        last = fold.first + fold.count - 1
        words = f"{fold.count:,} unchanged paragraphs ({fold.first:,} to {last:,} of version " \
                f"{self.comparison.new['version']})"
        show = _link(self._path(fold.full_page, True), "show them")
        return f"<tr class=fold><td class=mark>⋯</td><td colspan=2>{html.escape(words)} · {show}</td></tr>"


def _site_nav() -> str:
    return f"<nav>{_link('/', 'recent changes')} · {_link('/articles', 'tracked articles')}</nav>"


def _search_form(search: str | None = None) -> str:
    value = f" value=\"{html.escape(search)}\"" if search else ""
    return ("<form method=get action=\"/articles\"><label>Find an article <input type=search name=q"
            f"{value} placeholder=\"words of the headline, or its address\" size=40></label> "
            "<button type=submit>Search</button></form>")


def _article_row(article: dict) -> str:
    return (
        f"<tr><td>{_link(article_path(article['_id']), article.get('headline') or article['_id'])}</td>"
        f"<td>{html.escape(article.get('source') or '')}</td>"
        f"<td>{html.escape(article.get('status') or 'unknown')}</td><td>{article.get('version') or ''}</td>"
        f"<td class=time>{html.escape(format_time(article.get('last_changed')))}</td></tr>"
    )


def _change_row(change: dict) -> str:
    return (
        f"<tr><td class=time>{html.escape(format_time(change['detected_at']))}</td><td>{html.escape(change['source'])}</td>"
        f"<td>{_link(article_path(change['article_id']), change.get('new_headline') or change['url'])}</td>"
        f"<td>{_change_link(change)}</td></tr>"
    )


def _version_row(version: dict, change: dict | None) -> str:
    return (
        f"<tr><td>{version['version']}</td><td class=time>{html.escape(format_time(version.get('fetched_at')))}</td>"
        f"<td>{html.escape(version.get('headline') or '')}</td>"
        f"<td>{_change_link(change) if change else ''}</td></tr>"
    )


def _change_link(change: dict) -> str:
    """The change's one-line summary, linked to its comparison page."""
    path = compare_path(change["article_id"], change["from_version"], change["to_version"])
    return (f"{_link(path, change_summary(change))}"
            f"<span class=note>{html.escape(significance(change))}</span>")


def _version_heading(revision: dict) -> str:
    return html.escape(f"Version {revision['version']}, {format_time(revision.get('fetched_at'))}")


def _comparison_row(row: Row, role: str, mark: str, anchor: str = "") -> str:
    note = f"<span class=note>{html.escape(row.note)}</span>" if row.note else ""
    return (f"<tr{anchor} class=\"{role} {row.kind}\">{mark}{_cell('old', row.old, role)}"
            f"{_cell('new', row.new, role, note)}</tr>")


def _cell(side: str, parts: Parts, role: str, note: str = "") -> str:
    if not parts:
        return f"<td class=\"{side} empty\"></td>"
    text = mark_words(parts, HTML)
    return f"<td class={side}>{f'<strong>{text}</strong>' if role == 'headline' else text}{note}</td>"


def _address(url: str) -> str:
    """An article's address, a link only if it is http(s): never a javascript: or data: link."""
    return _link(url, url) if is_web_url(url) else html.escape(url)


def _link(href: str, text: str, title: str | None = None) -> str:
    title_attribute = f" title=\"{html.escape(title)}\"" if title else ""
    return f"<a href=\"{html.escape(href)}\"{title_attribute}>{html.escape(text)}</a>"


def page_response(title: str, content: str, feed: str | None = None, status: str = "200 OK") -> Response:
    """A whole HTML page around `content`, which must be escaped already."""
    alternate = (f"<link rel=alternate type=\"application/rss+xml\" href=\"{html.escape(feed)}\">"
                 if feed else "")
    page = (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        "<meta name=viewport content=\"width=device-width, initial-scale=1\">"
        f"<title>{html.escape(title)} · newscrawler</title>"
        f"<link rel=stylesheet href=\"/style.css\">{alternate}</head><body>{content}</body></html>"
    )
    return Response(page.encode("utf-8"), status=status)


def error_page(status: str, message: str) -> Response:
    return page_response(status, f"<h1>{html.escape(status)}</h1><p>{html.escape(message)}</p>"
                                 f"<p>{_link('/', 'Recent changes')}</p>", status=status)


# Serving

SERVE_THREADS = 4  # requests handled at once; waiting connections cost no thread
SERVE_TIMEOUT_SECONDS = 30  # a connection idle this long is closed
SERVE_CONNECTION_LIMIT = 1000  # open connections at most; past it new ones wait in the listen backlog


class WebServer:
    """The view served by waitress: a fixed pool of `threads` runs requests, one
    event loop holds the connections, and idle ones are closed after `timeout`
    seconds, so slow or idle clients cost no thread."""

    def __init__(self, app, host: str, port: int, threads: int = SERVE_THREADS,
                 timeout: int = SERVE_TIMEOUT_SECONDS, connection_limit: int = SERVE_CONNECTION_LIMIT):
        self.base_url = ""  # where feeds link to: set by make_web_server
        self._map = {}
        self._server = waitress.create_server(
            app, map=self._map, host=host, port=port, threads=threads, channel_timeout=timeout,
            cleanup_interval=max(1, min(timeout, 30)), connection_limit=connection_limit,
            ident="newscrawler", expose_tracebacks=False,
            asyncore_use_poll=True,  # select() cannot watch a descriptor numbered 1024 or more
        )

    @property
    def server_address(self) -> tuple[str, int]:
        return self._server.effective_host, self._server.effective_port

    def serve_forever(self) -> None:
        """Serve until shutdown() (from another thread) or Ctrl-C."""
        self._server.run()

    def shutdown(self) -> None:
        """Close every connection and the listening socket; serve_forever() returns."""
        try:
            self._server.trigger.pull_trigger(lambda: wasyncore.close_all(self._map))
        except OSError as error:  # the loop's wake-up pipe is gone: nothing is serving any more
            logger.warning("The web view's event loop could not be woken (%s); closing its sockets", error)
            wasyncore.close_all(self._map, ignore_all=True)

    def server_close(self) -> None:
        """Wait for the request threads to finish."""
        self._server.task_dispatcher.shutdown()


def default_base_url(host: str, port: int) -> str:
    """Where the view is, from the address it listens on ([...] around an IPv6 host)."""
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/"


def make_web_server(store: RevisionStore, host: str = "127.0.0.1", port: int = 8080, page_size: int = PAGE_SIZE,
                    base_url: str | None = None, **serving) -> WebServer:
    """A server for the view (port 0 picks a free one); call serve_forever() on it.

    `base_url` starts the absolute links of feeds (default: http://host:port/);
    `serving`: WebServer's threads, timeout and connection_limit.
    """
    view = WebView(store, base_url or "", page_size)
    server = WebServer(view, host, port, **serving)
    view.base_url = server.base_url = base_url or default_base_url(*server.server_address)
    return server
