"""The registry of sources: each outlet is one folder here, listed once below.

`source_named("guardian")` finds a source by name, `source_for_host(host)` by
one of its hosts (subdomains included).
"""
from newscrawler.sources.source import Source

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


# One line per source folder (each module's SOURCE is its declaration).
from newscrawler.sources import independent  # noqa: E402
register(independent.SOURCE)
