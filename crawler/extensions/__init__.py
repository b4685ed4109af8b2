"""Scrapy extensions: one module each."""
