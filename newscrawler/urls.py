"""The one place where article URLs are canonicalised.

Every URL seen in a feed goes through `canonical_url()` before anything else,
so that tracking queries, fragments and, for a source's own hosts, http vs
https and the source's other spellings of its host and paths (the BBC's
`/go/rss/-/` redirect paths, bbc.com vs bbc.co.uk) all lead to one article
identity: `article_id()`.
"""
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

TRACKING_PARAM_PREFIXES = ("at_", "ns_", "utm_")
TRACKING_PARAMS = {"ocid", "cmp", "fbclid", "gclid", "xtor", "ito", "intlink_from_url"}


def _is_tracking_param(name: str, own: frozenset[str] = frozenset()) -> bool:
    lowered = name.lower()
    return lowered.startswith(TRACKING_PARAM_PREFIXES) or lowered in TRACKING_PARAMS or lowered in own


def canonical_url(url: str, source=None) -> str:
    """The one canonical spelling of an article URL.

    source (a newscrawler.sources.Source) brings its URL rules: its path
    rewrites and tracking parameters apply on any host (a mirror serves the
    same paths), https (for http) and its canonical host only on its own hosts."""
    parts = urlsplit(url.strip())
    scheme, host, path = parts.scheme.lower(), (parts.hostname or "").lower(), parts.path
    netloc = parts.netloc.lower()
    own_tracking = source.tracking_params if source is not None else frozenset()
    if source is not None:
        for pattern, replacement in source.path_rules:
            path = pattern.sub(replacement, path)
        if source.owns_host(host) and scheme in ("http", "https"):
            scheme = "https"
            netloc = source.canonical_host if host in source.host_aliases else host
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking_param(k, own_tracking)]
    )
    return canonicalize_url(urlunsplit((scheme, netloc, path, query, "")))


def article_id(url: str, source=None) -> str:
    """The identity under which an article and its revisions are stored."""
    return canonical_url(url, source)


def host_of(url: str) -> str:
    """The URL's host in lower case, "" if it has none or cannot be parsed."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:  # e.g. a broken IPv6 literal
        return ""


def is_web_url(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https")
