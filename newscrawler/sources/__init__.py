"""The registry of sources: each outlet is one folder here, listed once below.

`source_named("guardian")` finds a source by name, `source_for_host(host)` by
one of its hosts (subdomains included).
"""
from newscrawler.sources.source import Source
from newscrawler.urls import article_id, host_of

SOURCES: dict[str, Source] = {}


def register(source: Source) -> Source:
    SOURCES[source.name] = source
    return source


def source_named(name: str) -> Source:
    """The source of this name; KeyError naming the known ones if there is none."""
    try:
        return SOURCES[name]
    except KeyError:
        raise KeyError(f"no source named {name!r}; known: {', '.join(sorted(SOURCES))}") from None


def source_for_host(host: str) -> Source | None:
    return next((source for source in SOURCES.values() if source.owns_host(host)), None)


def article_id_of(url: str) -> str:
    """The article id of a URL typed or linked anywhere: by the rules of the
    source whose host it is, if any (bbc.com and bbc.co.uk are one article)."""
    return article_id(url, source_for_host(host_of(url)))


# The registry: one line per source folder (its module's SOURCE is its declaration).
from newscrawler.sources import bbc, guardian, independent, nytimes, washingtonpost  # noqa: E402

register(bbc.SOURCE)
register(guardian.SOURCE)
register(independent.SOURCE)
register(nytimes.SOURCE)
register(washingtonpost.SOURCE)
