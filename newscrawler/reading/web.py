"""A small read-only web view of tracked articles and their changes (stdlib WSGI).

Pages: `/` recent changes (filters: source, substantive only; paged),
`/article?url=...` one article and its versions, `/compare?url=...&from=N&to=M`
two versions side by side with <del>/<ins> word marks, and RSS feeds at
`/feed.xml` (`?source=...`, `?url=...` for one article), and `/health`, each
source's share of checks whose extraction failed in the last 24 hours.

Every piece of stored text goes through `html.escape`; the pages need no
script, and the Content-Security-Policy header forbids any.
"""
import html
import logging
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.util import application_uri

from newscrawler.clock import utc_now
from newscrawler.reading.feeds import changes_feed
from newscrawler.reading.presentation import (
    HTML, Parts, Row, article_facts, article_path, change_summary, compare_path, compare_versions, feed_path,
    format_time, list_path, mark_words, significance,
)
from newscrawler.storage import RevisionStore
from newscrawler.sources import article_id_of
from newscrawler.urls import is_web_url

logger = logging.getLogger(__name__)

PAGE_SIZE = 25
FEED_SIZE = 50
SECURITY_HEADERS = [
    ("Content-Security-Policy",
     "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; "
     "form-action 'self'; frame-ancestors 'none'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
]
STYLESHEET = b"""
body { font-family: Georgia, serif; max-width: 72rem; margin: 1.5rem auto; padding: 0 1rem; color: #222; }
nav, .meta, form, .pages, .note { font-family: sans-serif; font-size: 0.9rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 0.4rem 0.6rem; border-bottom: 1px solid #ddd; }
table.comparison td { width: 50%; line-height: 1.45; }
tr.added td.new, ins { background: #d4f7d4; text-decoration: none; }
tr.removed td.old, del { background: #fbd5d5; }
tr.moved td { background: #eef2fb; }
td.empty { background: #f6f6f6; }
td.time { white-space: nowrap; }
.note { color: #666; display: block; }
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
    base_url: str

    def integer(self, name: str, default: int | None = None) -> int | None:
        value = self.query.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except ValueError:
            raise BadRequest(f"{name} must be a whole number") from None


class WebView:
    """The WSGI application."""

    def __init__(self, store: RevisionStore, page_size: int = PAGE_SIZE):
        self.store = store
        self.page_size = page_size
        self.routes = {
            "/": self.changes_page,
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
            return handler(Request(query, application_uri(environ)))
        except NotFound as error:
            return error_page("404 Not Found", str(error))
        except BadRequest as error:
            return error_page("400 Bad Request", str(error))

    # Pages

    def changes_page(self, request: Request) -> Response:
        source = request.query.get("source") or None
        substantive_only = request.query.get("substantive") == "1"
        page = max(1, request.integer("page", 1))
        changes = self.store.find_changes(source=source, substantive_only=substantive_only,
                                          skip=(page - 1) * self.page_size, limit=self.page_size + 1)
        rows = "".join(_change_row(change) for change in changes[:self.page_size])
        pages = []
        if page > 1:
            pages.append(_link(list_path(source, substantive_only, page - 1), "← newer changes"))
        if len(changes) > self.page_size:
            pages.append(_link(list_path(source, substantive_only, page + 1), "older changes →"))
        content = (
            f"<h1>Recently changed articles</h1>{self._filter_form(source, substantive_only)}"
            f"<p class=meta>{_link(feed_path(source=source), 'RSS feed of these changes')}</p>"
            + (f"<table><thead><tr><th>Detected</th><th>Source</th><th>Article</th><th>What changed</th>"
               f"</tr></thead><tbody>{rows}</tbody></table>" if rows else "<p>No changes found.</p>")
            + f"<p class=pages>{' · '.join(pages)}</p>"
        )
        return page_response("Recently changed articles", content, feed_path(source=source))

    def article_page(self, request: Request) -> Response:
        article = self._article(request)
        versions = self.store.version_list(article["_id"])
        changes = {change["to_version"]: change for change in self.store.change_summaries(article["_id"])}
        facts = [(label, _address(text) if label == "Address" else html.escape(text))
                 for label, text in article_facts(article, len(versions), list(changes.values()))]
        facts.append(("Feed", _link(feed_path(article_id=article["_id"]), "RSS feed of this article's changes")))
        rows = "".join(_version_row(version, changes.get(version["version"])) for version in versions)
        content = (
            f"<nav>{_link('/', '← recent changes')}</nav>"
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
        to_version = request.integer("to", latest)
        from_version = request.integer("from", to_version - 1)
        old = self.store.revision(article["_id"], from_version)
        new = self.store.revision(article["_id"], to_version)
        if old is None or new is None or from_version == to_version:
            raise NotFound(f"This article has no versions {from_version} and {to_version} to compare "
                           f"(it has {latest}).")
        comparison = compare_versions(old, new)
        nav = [_link(article_path(article["_id"]), "← the article and all its versions")]
        if from_version > 1:
            nav.append(_link(compare_path(article["_id"], from_version - 1, to_version - 1), "previous change"))
        if to_version < latest:
            nav.append(_link(compare_path(article["_id"], from_version + 1, to_version + 1), "next change"))
        rows = _comparison_row(comparison.headline, "headline") + "".join(map(_comparison_row, comparison.rows))
        content = (
            f"<nav>{' · '.join(nav)}</nav>"
            f"<h1>{html.escape(new.get('headline') or article['_id'])}</h1>"
            f"<p class=meta>{html.escape(comparison.summary)} "
            f"({html.escape(significance({'classification': comparison.classification}))})</p>"
            f"<table class=comparison><thead><tr><th>{_version_heading(old)}</th>"
            f"<th>{_version_heading(new)}</th></tr></thead><tbody>{rows}</tbody></table>"
        )
        return page_response(f"Version {from_version} to {to_version}: {new.get('headline')}", content)

    def feed(self, request: Request) -> Response:
        source = request.query.get("source") or None
        article = self._article(request) if request.query.get("url") else None
        changes = self.store.find_changes(source=source, article_id=article and article["_id"], limit=FEED_SIZE)
        return Response(changes_feed(changes, request.base_url, source=source, article=article),
                        "application/rss+xml; charset=utf-8")

    def health_page(self, request: Request) -> Response:
        from newscrawler.reading.health import DEFAULT_HOURS, health_html, health_report

        report = health_report(self.store, utc_now(), DEFAULT_HOURS, request.query.get("source") or None)
        content = (f"<nav>{_link('/', '← recent changes')}</nav><h1>Extraction health</h1>"
                   f"<p class=meta>Share of each source's checks in the last {DEFAULT_HOURS} hours whose page "
                   f"could not be read (unknown layout, no article text, extraction error).</p>"
                   f"{health_html(report, DEFAULT_HOURS)}")
        return page_response("Extraction health", content)

    # Parts

    def _article(self, request: Request) -> dict:
        url = request.query.get("url")
        if not url:
            raise BadRequest("Which article? Give its address as ?url=...")
        article = self.store.article(article_id_of(url))
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


def _comparison_row(row: Row, role: str = "paragraph") -> str:
    note = f"<span class=note>{html.escape(row.note)}</span>" if row.note else ""
    return (f"<tr class=\"{role} {row.kind}\">{_cell('old', row.old, role)}"
            f"{_cell('new', row.new, role, note)}</tr>")


def _cell(side: str, parts: Parts, role: str, note: str = "") -> str:
    if not parts:
        return f"<td class=\"{side} empty\"></td>"
    text = mark_words(parts, HTML)
    return f"<td class={side}>{f'<strong>{text}</strong>' if role == 'headline' else text}{note}</td>"


def _address(url: str) -> str:
    """An article's address, a link only if it is http(s): never a javascript: or data: link."""
    return _link(url, url) if is_web_url(url) else html.escape(url)


def _link(href: str, text: str) -> str:
    return f"<a href=\"{html.escape(href)}\">{html.escape(text)}</a>"


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

class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _LoggingHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        logger.debug("%s " + format, self.address_string(), *args)


def make_web_server(store: RevisionStore, host: str = "127.0.0.1", port: int = 8080,
                    page_size: int = PAGE_SIZE) -> WSGIServer:
    """A server for the view (port 0 picks a free one); call serve_forever() on it."""
    return make_server(host, port, WebView(store, page_size), server_class=_ThreadingWSGIServer,
                       handler_class=_LoggingHandler)
