"""Packaging: the `newscrawler` command, and the egg that scrapyd-deploy builds."""
from setuptools import find_packages, setup

setup(
    name="newscrawler",
    version="0.1",
    description="Tracks how news articles change after they are published",
    packages=find_packages(exclude=["tests", "tests.*", "bench", "bench.*"]),
    python_requires=">=3.11",
    entry_points={
        "scrapy": ["settings = newscrawler.settings"],
        "console_scripts": ["newscrawler = newscrawler.reading.cli:main"],
    },
)
