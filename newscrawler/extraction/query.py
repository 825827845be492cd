"""Precompiled queries that run on lxml elements directly.

parsel's Selector.xpath and .css look the query up on every call and wrap
every node they find in a new Selector; the layouts only read the nodes, so
they evaluate these on the page's root element (see Page.find) or on
elements found from it instead. `css` compiles the same XPath that
Selector.css would run, so the results are the same nodes in the same order.
"""
from lxml import etree
from parsel.csstranslator import HTMLTranslator

_CSS_TO_XPATH = HTMLTranslator()


def xpath(query: str) -> etree.XPath:
    """query compiled; calling it on an element gives the list of results,
    strings as plain str (as parsel gives them)."""
    return etree.XPath(query, smart_strings=False)


def css(query: str) -> etree.XPath:
    """CSS query (with parsel's ::attr() and ::text) compiled as parsel's XPath."""
    return xpath(css_xpath(query))


def css_xpath(query: str) -> str:
    """The XPath that parsel runs for CSS query."""
    return _CSS_TO_XPATH.css_to_xpath(query)


# libxml2 tests an attribute of the elements on a path faster (1.5 to 5 times
# on the BBC pages) when the path goes to the attribute nodes and back to
# their elements than when it tests each element with a predicate. These
# build such paths; each finds the same elements, in document order.


def having(path: str, attribute: str, value: str) -> str:
    """XPath of the elements of path whose attribute is value: path[@attribute = 'value']."""
    return f"{path}/@{attribute}[. = '{value}']/.."


def having_class(path: str, name: str) -> str:
    """XPath of the elements of path with class name, as the CSS class selector `.name`."""
    return (
        f"{path}/@class[contains(., '{name}')]"
        f"[contains(concat(' ', normalize-space(.), ' '), ' {name} ')]/.."
    )


def class_containing(path: str, text: str) -> str:
    """XPath of the elements of path whose class attribute contains text:
    path[contains(@class, 'text')]."""
    return f"{path}/@class[contains(., '{text}')]/.."
