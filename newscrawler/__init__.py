"""newscrawler: tracks how news articles change after they are published."""
