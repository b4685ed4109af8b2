"""Decide how the bytes of a Chinese page are encoded, whatever its header and meta claim."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

# Accepts the malformed `httpequiv`/`ContentType` spellings that w3lib misses (w3lib#155).
_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""",
    re.I,
)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))

# Chinese single-byte-looking labels all mean "a superset of GB2312": GB18030 decodes them all.
_ALIASES = {
    "gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "euc-cn": "gb18030",
    "hz-gb-2312": "gb18030",
    "big5": "big5hkscs",
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "utf-8",
}


def normalise_charset(name: str | None) -> str | None:
    """A Python codec name for a declared charset, or None when it is unknown."""
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def declared_charsets(body: bytes, header_charset: str | None) -> list[str]:
    """Charsets the page declares: the HTTP header first, then <meta> tags in the first 4 KB."""
    found = [header_charset] if header_charset else []
    found += [m.decode("ascii", "ignore") for m in _META_CHARSET.findall(body[:4096])]
    return [c for c in (normalise_charset(name) for name in found) if c]


# A body is mostly-valid UTF-8 when it has at least this many well-formed non-ASCII characters per bad
# sequence. GBK text read as UTF-8 has more bad sequences than accidental good ones (a GBK lead byte
# is rarely followed by a UTF-8 continuation byte); a UTF-8 page with a stray byte or a <meta>
# cut mid-character has thousands of good characters per bad one.
UTF8_GOOD_PER_BAD = 20


def detect_encoding(body: bytes, header_charset: str | None = None) -> str:
    """The encoding to decode `body` with (see `decide_encoding`)."""
    return decide_encoding(body, header_charset)[0]


def decide_encoding(body: bytes, header_charset: str | None = None) -> tuple[str, int]:
    """(encoding to decode `body` with, bytes sequences that will decode as U+FFFD).

    UTF-8 wins over any label when the body is valid or mostly-valid UTF-8 (GBK text is almost
    never either), so a GBK page labelled utf-8, a UTF-8 page labelled gbk and a UTF-8 page with
    a stray byte all decode right. Otherwise the first declared non-UTF-8 charset is used, then
    GB18030 if it decodes cleanly, then a guess.
    """
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name, 0
    try:
        body.decode("utf-8")
        return "utf-8", 0
    except UnicodeDecodeError:
        pass
    good, bad = utf8_counts(body)
    if good >= UTF8_GOOD_PER_BAD * bad:
        return "utf-8", bad
    return _declared_or_guessed(body, header_charset), 0


def utf8_counts(body: bytes) -> tuple[int, int]:
    """(well-formed non-ASCII characters, U+FFFD inserted) of a UTF-8 decode of `body`."""
    text = body.decode("utf-8", "replace")
    existing = body.count(b"\xef\xbf\xbd")  # U+FFFD written in the page itself
    bad = text.count("\ufffd") - existing
    ascii_chars = len(text.encode("ascii", "ignore"))
    return len(text) - ascii_chars - bad, bad


def _declared_or_guessed(body: bytes, header_charset: str | None) -> str:
    for charset in declared_charsets(body, header_charset):
        if charset not in ("utf-8", "utf-16", "ascii") and _decodes(body, charset):
            return charset
    if _decodes(body, "gb18030"):
        return "gb18030"
    guess = from_bytes(body[:65536]).best()
    return guess.encoding if guess else "gb18030"


def _decodes(body: bytes, encoding: str) -> bool:
    """True when `body` decodes with at most a stray bad byte per 2,000 (real pages have some)."""
    try:
        text = body.decode(encoding, "replace")
    except LookupError:
        return False
    return text.count("\ufffd") <= len(body) // 2000
