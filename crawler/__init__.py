"""fanwen: crawl Chinese 范文/公文 sites into a clean, deduplicated SQLite archive."""
