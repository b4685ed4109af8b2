"""Downloader middlewares: one module each."""
