"""Scrapy settings of the fanwen project. Every FANWEN_* setting is documented in docs/settings.md."""

BOT_NAME = "fanwen"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
# `scrapy crawl` exits 75 when another crawl holds the archive (crawler/commands/crawl.py).
COMMANDS_MODULE = "crawler.commands"

# Politeness for real sites: robots.txt, AutoThrottle, a few connections per host.
USER_AGENT = "fanwen/0.1 (+https://github.com/fanwen-archive/fanwen; archiving 范文 sites for research)"
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
# Scrapy starts this many tasks for every response to process its output: 100 costs more than
# the whole page parse, and the pipelines here are synchronous anyway.
CONCURRENT_ITEMS = 8
# Scrapy re-reads the callback source for this check on every response (bound methods defeat
# its cache): 0.4 ms a page. The spider's generators return nothing.
WARN_ON_GENERATOR_RETURN_VALUE = False
DOWNLOAD_DELAY = 0.25
DOWNLOAD_TIMEOUT = 30
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOGSTATS_INTERVAL = 0  # fanwen.progress reports instead
LOG_LEVEL = "INFO"
LOG_FORMATTER = "crawler.logformat.QuietItems"  # no per-item records below DEBUG
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
# Scrapy's dupefilter with 8 bytes a request, not a set of fingerprints (crawler/seen.py).
DUPEFILTER_CLASS = "crawler.seen.CompactDupeFilter"

# Never download what cannot be an article page in full.
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
FANWEN_MAX_PAGE_BYTES = 4 * 1024 * 1024

# Failures: retry 5xx/429 with backoff, honour Retry-After, stop redirect loops.
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_MAX_TIMES = 10
FANWEN_RETRY_BACKOFF_BASE = 1.0
FANWEN_RETRY_BACKOFF_MAX = 30.0
FANWEN_RETRY_AFTER_MAX = 120.0
FANWEN_DNS_RETRY_TIMES = 1  # a name that does not resolve: retries (then none for that host)

TWISTED_DNS_RESOLVER = "crawler.resolver.StaticHostsResolver"
FANWEN_RESOLVE = {}

# Scope: the start hosts and their mirrors, on the start URLs' scheme and port (crawler.urls.Scope);
# names other than the start hosts never resolve to private, loopback or link-local addresses.
FANWEN_SCOPE_ANY_PORT = False
FANWEN_ALLOW_PRIVATE_ADDRESSES = False

# Sitemaps (robots.txt `Sitemap:` lines and /sitemap.xml): a discovery source beside links, bounded.
FANWEN_SITEMAPS_ENABLED = True
FANWEN_SITEMAP_MAX_BYTES = 50 * 1024 * 1024
FANWEN_SITEMAP_MAX_URLS = 50_000
FANWEN_SITEMAP_MAX_DEPTH = 3
FANWEN_SITEMAP_MAX_FILES = 200

DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.scope.ScopeMiddleware": 40,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.retry.BackoffRetryMiddleware": 550,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.redirects.ChainRedirectMiddleware": 600,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.redirects.ChainMetaRefreshMiddleware": 580,
    "crawler.middlewares.encoding.FixEncodingMiddleware": 585,
    "crawler.middlewares.traps.TrapGuardMiddleware": 50,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.robots.RobotsTxtMiddleware": 100,
    "crawler.middlewares.revisit.NotModifiedMiddleware": 560,
    # Next to the downloader: raw bodies (before HttpCompressionMiddleware, 590) into WARC (docs/warc.md).
    "crawler.capture.middleware.CaptureMiddleware": 960,
}
SPIDER_MIDDLEWARES = {
    "crawler.middlewares.revisit.RevisitSpiderMiddleware": 950,
}
EXTENSIONS = {
    # The crawl's archive: lock, writer, crawl id, resume (asked by the pipelines, scheduler, middlewares).
    "crawler.extensions.archive_session.ArchiveSession": 0,
    "crawler.extensions.pagefilter.PageFilter": 0,
    "crawler.extensions.progress.Progress": 0,
    "crawler.writeguard.ArchiveWriteGuard": 0,
}
ITEM_PIPELINES = {
    "pipelines.clean.CleanPipeline": 100,
    "pipelines.dedupe.ExactDedupePipeline": 200,
    "pipelines.store.StorePipeline": 900,
}

# Where the archive is written (`fanwen crawl --db`), site profiles, trap window, progress.
ARCHIVE_DB = "data/archive.db"
FANWEN_PROFILES_DIR = ""
FANWEN_TRAP_WINDOW = 20
FANWEN_BATCH_SIZE = 200
FANWEN_PROGRESS_INTERVAL = 10.0
# Near-duplicates (docs/dedupe.md): run with the store stage, the archive's single writer.
FANWEN_NEARDUP_ENABLED = True
FANWEN_NEARDUP_THRESHOLD = 0.6
FANWEN_NEARDUP_PARAGRAPHS = True
# More derived data kept by the archive writer: dotted paths of archive.hooks.WriterHook classes, in order.
FANWEN_WRITER_HOOKS = []

# Breadth-first-ish order with articles first (see crawler.spiders.fanwen priorities).
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"

# The frontier is mirrored into the archive so that a crawl killed at any moment resumes (docs/scheduling.md).
SCHEDULER = "crawler.scheduler.DurableScheduler"
FANWEN_FRONTIER_ENABLED = True
# Pending requests wait on disk, not as Request objects in memory (a sitemap queues a whole site at once).
FANWEN_SCHEDULER_DISK_QUEUE = True
# Incremental recrawls (crawler.middlewares.revisit): archived article pages are requested again only
# when due, conditionally; the interval (seconds) starts at INITIAL, doubles while unchanged, halves on a change.
FANWEN_REVISIT_ENABLED = True
FANWEN_REVISIT_INITIAL = 86400.0
FANWEN_REVISIT_MIN = 3600.0
FANWEN_REVISIT_MAX = 2592000.0
# "all": every list, tag and home page the last crawl fetched is fetched again. "new": a list page
# whose article links are all archived counts as unproductive, so list shapes stop like traps
# (FANWEN_TRAP_WINDOW) when nothing is new: cheaper, but a new article linked only deep in a list is found later.
FANWEN_REVISIT_LISTINGS = "all"

# WARC capture (docs/warc.md): request/response/revisit records beside the archive, rotated by size.
FANWEN_WARC_ENABLED = True
FANWEN_WARC_DIR = ""  # "" = beside the archive: data/archive.db -> data/archive.warc/
FANWEN_WARC_MAX_SIZE = 1024 * 1024 * 1024
# Distributed workers: payload digests in Redis live for one to two generations of this many days after
# they were last met (crawler.distributed.capture.DigestGenerations; docs/warc.md).
FANWEN_WARC_DIGESTS_DAYS = 30.0
# Set by `fanwen reextract` / `import-warc` (crawler/capture/replay.py): a crawl that replays captures.
FANWEN_REPLAY = False
FANWEN_REPLAY_SOURCE = ""  # empty: ARCHIVE_DB
FANWEN_REPLAY_SITES: list[str] = []
FANWEN_REPLAY_WARC_DIR = ""  # empty: beside the source archive
FANWEN_REPLAY_ENGINE = "direct"  # reextract/import-warc: direct (crawler.capture.direct) or scrapy (the engine)

# Site boilerplate learning (pipelines.boilerplate): pages to learn from before cleaning, and the
# longest a site's first articles wait for them.
FANWEN_LEARN_PAGES = 20
FANWEN_LEARN_WAIT = 10.0
# Site templates (crawler/templates.py): learned from FANWEN_LEARN_PAGES article pages per layout.
FANWEN_TEMPLATES_ENABLED = True
FANWEN_TEMPLATE_MIN_PAGES = 4

# Distributed crawling (docs/distributed.md): `fanwen worker` / `fanwen archiver --redis URL`.
REDIS_URL = "redis://localhost:6379/0"
# A worker closes once the shared frontier has been empty (nothing queued, nothing in flight) this long.
FANWEN_WORKER_IDLE = 30.0
# A worker's heartbeat lives this long; the requests of a worker silent for longer are requeued.
FANWEN_WORKER_LEASE = 30.0
# DOWNLOAD_DELAY and CONCURRENT_REQUESTS_PER_DOMAIN hold per site across all workers.
FANWEN_SHARED_POLITENESS = True
# Items the archiver has read and not yet archived, at most.
FANWEN_ARCHIVER_MAX_PENDING = 500
# Workers clean articles ahead with the archiver's published boilerplate and derive what the archive
# keeps of them (pipelines.prepare), so the one archiver mostly writes; off: the archiver does it all.
FANWEN_WORKER_PREPARE = True

# Crawl-quality monitors (crawler/monitors.py, docs/cli.md): checked per site when a crawl finishes; a
# crawl that breaks one exits with status 4 and records why in crawls.alarms.
FANWEN_MONITOR_ENABLED = True
FANWEN_MONITOR_MIN_PAGES = 10
FANWEN_MONITOR_SHORT_CHARS = 80
FANWEN_MONITOR_MAX_SHORT = 0.3
FANWEN_MONITOR_MAX_FAILED = 0.2
FANWEN_MONITOR_MAX_DUPLICATES = 0.8
FANWEN_MONITOR_MAX_DECODE = 0.05
FANWEN_MONITOR_MAX_DROP = 0.5
FANWEN_MONITOR_HISTORY = 5
