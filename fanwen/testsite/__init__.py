"""Deterministic local 范文/公文 test sites with ground truth, and an HTTP server for them.

Example:
    from fanwen.testsite import build_sites, serve
    bundle = build_sites(seed=7, articles_per_site=120)
    with serve(bundle) as server:
        print(server.start_urls)
"""
from __future__ import annotations

from .app import SiteApp
from .bundle import build_sites
from .model import ArticleTruth, SiteBundle
from .server import LoggedRequest, SiteServer, serve

__all__ = ["ArticleTruth", "LoggedRequest", "SiteApp", "SiteBundle", "SiteServer", "build_sites", "serve"]
