"""Distributed crawling on scrapy-redis: workers share one frontier, one archiver writes the archive.

scrapy-redis provides the shared request queue (a sorted set) and dupefilter (a set of request
fingerprints); the modules here are the glue it lacks: in-flight recovery of requests taken by a
worker that died (frontier.py, scheduler.py, ledger.py), the spider's seen set and TrapGuard in
Redis (spider.py), items over a Redis stream acknowledged after the archive commits (stream.py,
archiver.py), shared per-site politeness (polite.py) and worker life (worker.py). docs/distributed.md
explains the design.
"""
