"""A parsed page as the layouts read it.

Several layouts, and several fields of one layout, ask the same questions of a
page (is there a story container, which <meta> says what, what JSON-LD is
there); a Page answers each once. It only remembers answers about its own
tree, so extraction stays a pure function of the HTML.
"""
from functools import cached_property

from newscrawler.extraction.text import json_ld_objects, visible_text


class Page:
    def __init__(self, root):
        self.root = root  # the lxml root element, as parsel's Selector.root
        self._found = {}

    def find(self, query) -> list:
        """The results of query (a compiled XPath) on the page's root element.
        The same list for every call: read it, do not change it."""
        found = self._found.get(query)
        if found is None:
            found = self._found[query] = query(self.root)
        return found

    def first(self, query, default=None):
        found = self.find(query)
        return found[0] if found else default

    def first_text(self, query) -> str:
        """The visible text of the first result of query, or ""."""
        element = self.first(query)
        return visible_text(element) if element is not None else ""

    def meta(self, name: str) -> str | None:
        """The content of the first <meta name="name" content="..."> in the page.
        (Which is what //meta[@name=$name]/@content finds first.)"""
        return self._meta_contents.get(name)

    def meta_property(self, name: str) -> str | None:
        """The content of the first <meta property="name" content="..."> (Open Graph, article:*)."""
        return self._meta_properties.get(name)

    @cached_property
    def _meta_contents(self) -> dict[str, str]:
        return self._meta_by("name")

    @cached_property
    def _meta_properties(self) -> dict[str, str]:
        return self._meta_by("property")

    def _meta_by(self, attribute: str) -> dict[str, str]:
        contents = {}
        for meta in self.root.iter("meta"):
            key, content = meta.get(attribute), meta.get("content")
            if key is not None and content is not None:
                contents.setdefault(key, content)
        return contents

    @cached_property
    def json_ld(self) -> list[dict]:
        """Every JSON-LD object in the page; see text.json_ld_objects."""
        return json_ld_objects(self.root)
