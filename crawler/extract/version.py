"""The extractor's version, recorded with every article it made (`articles.extractor_version`).

Raise it whenever extraction or cleaning changes what an article's text can be, so that
`fanwen reextract` reports and a reader can tell which articles an older extractor made.
"""

EXTRACTOR_VERSION = "2026.12.06.2"
