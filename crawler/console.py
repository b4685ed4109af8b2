"""What a crawl prints on stderr: -q errors only; the default progress and warnings, one line each;
-v Scrapy's own log with tracebacks; -vv debug. URL passwords are masked at every level."""

from __future__ import annotations

import logging
import re
from typing import Any

from crawler.writeguard import record_says_unwritable

QUIET, DEFAULT, VERBOSE, DEBUG = -1, 0, 1, 2
PROGRESS_LOGGER = "fanwen.progress"
# INFO lines a person wants without -v: progress, and a crawl that resumes where a killed one stopped.
ANNOUNCING_LOGGERS = {PROGRESS_LOGGER, "crawler.frontier"}
_MAX_LINE = 400
_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s:/@'\"]*:)[^\s@/'\"]+@")

_installed: list[logging.Handler] = []


def redact(text: str) -> str:
    """`redis://:secret@host/0` -> `redis://:***@host/0`: passwords in URLs never reach a screen or a log."""
    return _PASSWORD.sub(r"\1***@", text)


def _masking_factory(make: Any) -> Any:
    """A log record factory that masks `scheme://user:PASSWORD@host` in every record, whichever handler
    shows it (Scrapy logs its settings, REDIS_URL included, and reinstalls its handler per crawler)."""

    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: logging reports it when the record is shown
            return record
        if "@" in message:
            masked = redact(message)
            if masked != message:
                record.msg, record.args = masked, None
        return record

    make_record.fanwen_masks = True  # type: ignore[attr-defined]
    return make_record


class OneLine(logging.Formatter):
    """`LEVEL: message: ExceptionType: text` on one line, clipped: no traceback without -v."""

    def format(self, record: logging.LogRecord) -> str:
        message = " ".join(record.getMessage().split())
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            text = " ".join(str(exc).split())
            if not text or text not in message:  # Scrapy often says it already
                message += f": {type(exc).__name__}: {text}".rstrip(": ")
        if len(message) > _MAX_LINE:
            message = message[: _MAX_LINE - 1] + "…"
        return message if record.name in ANNOUNCING_LOGGERS and record.levelno < logging.WARNING else f"{record.levelname}: {message}"


class _ConsoleLevel(logging.Filter):
    """Progress lines at INFO, everything else from `level` up."""

    def __init__(self, level: int, progress: bool):
        super().__init__()
        self.level = level
        self.progress = progress

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name in ANNOUNCING_LOGGERS and record.levelno < logging.WARNING:
            return self.progress
        if record.levelno >= logging.ERROR and record_says_unwritable(record, aftermath=True):
            return False  # crawler.writeguard stops the crawl and `fanwen crawl` says it in one line
        return record.levelno >= self.level


def crawl_log_settings(verbosity: int) -> dict[str, Any]:
    """Scrapy settings for a crawl at this verbosity (Scrapy installs its own handler only from -v)."""
    if verbosity >= VERBOSE:
        return {"LOG_LEVEL": "DEBUG" if verbosity >= DEBUG else "INFO", "LOG_INSTALL_ROOT_HANDLER": True}
    return {"LOG_INSTALL_ROOT_HANDLER": False}


def configure(verbosity: int) -> None:
    """Install the console handler for this verbosity (and the password mask on every root handler)."""
    root = logging.getLogger()
    for handler in _installed:
        root.removeHandler(handler)
    _installed.clear()
    if verbosity < VERBOSE:
        handler = logging.StreamHandler()
        handler.setFormatter(OneLine())
        handler.addFilter(_ConsoleLevel(logging.ERROR if verbosity <= QUIET else logging.WARNING, verbosity > QUIET))
        root.addHandler(handler)
        _installed.append(handler)
        root.setLevel(logging.INFO)
    if not getattr(logging.getLogRecordFactory(), "fanwen_masks", False):
        logging.setLogRecordFactory(_masking_factory(logging.getLogRecordFactory()))
