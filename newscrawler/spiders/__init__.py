"""Spiders: read feeds, route article pages to extraction, yield items."""
