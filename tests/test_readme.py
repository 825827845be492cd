"""The README's pymongo example runs as written on a database the pipelines filled."""
import contextlib
import io
import re

from tests.conftest import PROJECT_DIR
from tests.reading_data import MINISTER_URL, MINISTER_VERSIONS, crawl_versions

README = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")


def example_queries(language: str) -> str:
    section = README[README.index("### Example queries"):]
    return re.search(rf"```{language}\n(.*?)```", section, re.DOTALL).group(1)


def test_the_pymongo_example_needs_no_id_of_a_live_site(store):
    crawl_versions(store, MINISTER_URL, MINISTER_VERSIONS)
    code = example_queries("python")
    assert 'MongoClient("mongodb://127.0.0.1:27217/", tz_aware=True).newscrawler' in code
    code = code.replace('"mongodb://127.0.0.1:27217/"', repr(store.uri)).replace(
        ").newscrawler\n", f")[{store.database_name!r}]\n")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "README.md", "exec"), {})
    lines = printed.getvalue().splitlines()
    assert "Minister rejects plan: the article has changed 2 times, status active" in lines
    assert [line.split()[0] for line in lines[-3:]] == ["1", "2", "3"]  # its versions
