"""The project's structure: which package may import which (README.md, "Layout")."""
import ast
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def modules_of(package: str) -> list[Path]:
    return sorted((PROJECT / package).rglob("*.py"))


@pytest.mark.parametrize("path", modules_of("newscrawler"), ids=lambda path: str(path.relative_to(PROJECT)))
def test_newscrawler_never_imports_pipelines(path):
    assert not {name for name in imported_modules(path) if name.split(".")[0] == "pipelines"}


@pytest.mark.parametrize("path", modules_of("newscrawler/extraction") + modules_of("newscrawler/sources"),
                         ids=lambda path: str(path.relative_to(PROJECT)))
def test_extraction_and_sources_stay_pure(path):
    """Extraction reads HTML and gives fields: no Scrapy engine, no database, no storage."""
    forbidden = ("scrapy", "pymongo", "newscrawler.storage", "newscrawler.spiders", "newscrawler.reading")
    assert not [name for name in imported_modules(path) if name.startswith(forbidden)]


def test_only_storage_and_the_embedded_server_check_talk_to_mongodb():
    users = {str(path.relative_to(PROJECT)) for path in modules_of("newscrawler") + modules_of("pipelines")
             if any(name.split(".")[0] in ("pymongo", "bson") for name in imported_modules(path))}
    assert users <= {"newscrawler/storage.py", "newscrawler/tallies.py", "newscrawler/embedded.py"}


def test_the_status_tallies_are_a_part_of_storage_only():
    users = {str(path.relative_to(PROJECT)) for path in modules_of("newscrawler") + modules_of("pipelines")
             if "newscrawler.tallies" in imported_modules(path)}
    assert users == {"newscrawler/storage.py"}


def code_words(path: Path) -> set[str]:
    """The names and string literals of a module's code, its docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)}
    words = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            words.add(node.id.lower())
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            words.add(node.value.lower())
    return words


@pytest.mark.parametrize("path", modules_of("newscrawler/spiders"), ids=lambda path: path.name)
def test_the_spiders_know_no_site(path):
    outlets = ("bbc", "guardian", "nytimes", "washingtonpost", "independent")
    assert not [word for word in code_words(path) if any(outlet in word for outlet in outlets)]
