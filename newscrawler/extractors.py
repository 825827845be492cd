"""Which code read a page: the extractor version kept with every revision and capture.

An extractor version is `<layout name>@<code version>`, e.g. `bbc-2020@3f9a0c12d4e5`.
The code version is a sha256 (its first 12 hex digits) of the source text of every
module whose change could change what a page of the source extracts to:

- the source's own package (its declaration, every layout module and the helpers
  they share: one outlet's layouts share helpers, so a change to any file of the
  folder may change any of its layouts), and the module of every class a layout
  inherits from, wherever it lives;
- `newscrawler/extraction/` (decoding, parsing, text helpers, the generic
  extractor) and `newscrawler/sources/source.py` (which layout is tried);
- `pipelines/normalise.py`: normalising decides the stored text and its hash.

Its source text is read, never imported: newscrawler does not depend on pipelines.

A change of comments counts as a change: the version is cheap to compute, and a
false "changed" costs one re-read of a stored capture, a false "same" a false
version. It is computed once per source and process, from the code the process
runs (what is on disk at start), so a crawl that started before a deploy keeps
the version of the code it runs.
"""
import hashlib
import importlib
import importlib.util
import pkgutil
from functools import lru_cache

# Modules outside the source package whose source text is part of every code version.
SHARED_MODULES = ("newscrawler.sources.source", "pipelines.normalise")
SHARED_PACKAGES = ("newscrawler.extraction",)


def extractor_version(source, layout_name: str | None) -> str:
    """What reads a page of `source` with the layout of this name."""
    return f"{layout_name or 'none'}@{code_version(source)}"


def code_of(extractor: str | None) -> str | None:
    """The code version part of an extractor version."""
    return extractor.rpartition("@")[2] if extractor else None


@lru_cache(maxsize=None)
def code_version(source) -> str:
    """The version of all the code that extracts and normalises pages of `source`."""
    modules = set(SHARED_MODULES)
    packages = set(SHARED_PACKAGES)
    for layout in source.layouts:
        for cls in type(layout).__mro__:
            if cls.__module__.startswith("newscrawler."):
                modules.add(cls.__module__)
                package = cls.__module__.rpartition(".")[0]
                if package.startswith("newscrawler.sources."):
                    packages.add(package)
    for package in packages:
        modules.update(_package_modules(package))
    digest = hashlib.sha256()
    for name in sorted(modules):
        digest.update(name.encode() + b"\0" + _source_text(name).encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()[:12]


def _package_modules(package_name: str) -> list[str]:
    package = importlib.import_module(package_name)  # a package of newscrawler, loaded already
    return [package_name] + [info.name for info in pkgutil.walk_packages(package.__path__, package_name + ".")]


def _source_text(module_name: str) -> str:
    """A module's source text, read by its loader (plain files or an egg), not executed."""
    try:
        spec = importlib.util.find_spec(module_name)
        return (spec.loader.get_source(module_name) if spec and spec.loader else None) or ""
    except (ImportError, OSError):  # a module without source (compiled only): its name still counts
        return ""
