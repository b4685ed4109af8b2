"""The archive in Datasette: metadata from `schema.TABLES`, canned queries, and a Chinese search box.

Datasette's table search sends `?_search=` to `articles_fts MATCH :search` as it is. Our index holds
CJK bigrams, so `filters_from_request` (run last) replaces the :search parameter with the translated
expression; `fanwen_match()`, `fanwen_char_match()` and `fanwen_snippet()` are SQL functions for the
canned search query.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from datasette import hookimpl
from markupsafe import Markup, escape

from fanwen.archive import cjk
from fanwen.archive.readonly import NotAnArchive, open_readonly
from fanwen.archive.schema import TABLES
from fanwen.archive.search import (BM25, CHARS_ONLY_FROM, INDEX_VERSION, RANK_CAP, any_char_match, index_version,
                                   lone_ideograph, register_functions)

DESCRIPTIONS = {
    "articles": "One row per distinct document: cleaned title and body, breadcrumb categories, related terms.",
    "article_urls": "Every canonical URL at which a document was found.",
    "crawls": "One row per crawl run.",
    "fetches": "The crawl log: every fetched, failed or skipped URL.",
    "meta": "Archive settings such as the schema version.",
    "articles_fts": "Chinese full-text index (CJK bigrams) of articles; search from the articles table.",
    "articles_chars": "Which articles hold each ideograph (one-character searches of `fanwen search`).",
    "articles_unigrams": "Each ideograph alone, while the archive is small: ranks one-character searches.",
}

SEARCH_DESCRIPTION = ("Words, \"phrases\", AND/OR/NOT; best 50 by bm25 among the newest 20,000 matches (all of them,"
                      " exactly, when no more match); one character alone: the newest 50 articles that hold it.")


def search_sql(version: str, cap: int = RANK_CAP) -> str:
    """The canned search query for an archive whose index has layout `version`: bm25 over the newest `cap`
    matches (a bounded cost however common the words are).

    With a character index (`articles_chars`), one ideograph alone is answered from it, newest first:
    the bigram index's prefix query `"党"*` would first gather the rows of every bigram that starts with
    it (12 s for 党 at 1M articles). Each branch is guarded by a term of the parameter alone, which
    SQLite tests before it opens the branch's scan (a guard that reads a table would be tested row by
    row, after the scan): the other branch costs nothing."""
    bigrams = (f"SELECT rowid, {BM25} AS score FROM articles_fts WHERE {{guard}}articles_fts MATCH fanwen_match(:q)"
               f" ORDER BY rowid DESC LIMIT {cap}")
    matches = bigrams.format(guard="")
    if version == INDEX_VERSION or version in CHARS_ONLY_FROM:
        char = f"fanwen_char_match(:q, '{version}')"
        matches = (f"SELECT * FROM ({bigrams.format(guard=f'{char} IS NULL AND ')})\n"
                   "  UNION ALL\n"
                   f"  SELECT * FROM (SELECT rowid, -rowid AS score FROM articles_chars WHERE {char} IS NOT NULL"
                   f" AND articles_chars MATCH coalesce({char}, '\"' || char(1) || '\"') ORDER BY rowid DESC LIMIT {cap})")
    return f"""SELECT a.id, a.title, a.site, a.published_at, fanwen_snippet(a.body, :q) AS snippet, a.url
FROM (
  {matches}
) m JOIN articles a ON a.id = m.rowid
WHERE a.duplicate_of IS NULL
ORDER BY m.score LIMIT 50
"""


def archive_index_version(db_path: str | Path) -> str:
    """The layout of the archive's search index ('' when it is not an archive: `fanwen serve` says so)."""
    try:
        conn = open_readonly(db_path)
    except NotAnArchive:
        return ""
    try:
        return index_version(conn)
    finally:
        conn.close()


QUERIES = {
    "articles_per_site": {"title": "Articles per site",
                          "sql": "SELECT site, count(*) AS articles, sum(chars) AS characters FROM articles GROUP BY site ORDER BY articles DESC"},
    "articles_per_month": {"title": "Articles per month published",
                           "sql": "SELECT substr(published_at, 1, 7) AS month, count(*) AS articles FROM articles GROUP BY month ORDER BY month"},
    "top_terms": {"title": "Most frequent related terms",
                  "sql": "SELECT t.value AS term, count(*) AS articles FROM articles a, json_each(a.terms) t GROUP BY term ORDER BY articles DESC LIMIT 100"},
    "near_duplicate_clusters": {"title": "Near-duplicate clusters, largest first",
                                "description": "Each cluster's representative and how many re-posts link to it (articles.duplicate_of).",
                                "sql": "SELECT r.id, r.title, r.site, r.url, count(*) AS near_duplicates FROM articles m"
                                       " JOIN articles r ON r.id = m.duplicate_of GROUP BY r.id ORDER BY near_duplicates DESC, r.id LIMIT 200"},
    "multi_essay_pages": {"title": "Multi-essay pages by share of text found elsewhere",
                          "sql": "SELECT a.id, a.title, a.url, p.essays, p.paragraphs, p.dup_paragraphs, p.dup_share FROM paragraph_stats p"
                                 " JOIN articles a ON a.id = p.article_id ORDER BY p.dup_share DESC, a.id LIMIT 200"},
    "last_crawl_errors": {"title": "Errors of the last crawl",
                          "sql": "SELECT error, count(*) AS pages FROM fetches WHERE crawl_id = (SELECT max(id) FROM crawls) AND error IS NOT NULL GROUP BY error ORDER BY pages DESC"},
}


def metadata(db_path: str | Path) -> dict[str, Any]:
    """Datasette metadata: descriptions of every table and column, facets, search and canned queries."""
    tables: dict[str, Any] = {
        name: {"description": DESCRIPTIONS.get(name, ""), "columns": dict(columns)} for name, columns in TABLES.items()
    }
    tables["articles"].update({
        "facets": [{"array": "categories"}, {"array": "terms"}, "site"],
        "fts_table": "articles_fts", "fts_pk": "id", "searchmode": "raw",
        "sort_desc": "id",
    })
    tables["articles_fts"]["hidden"] = True
    tables["articles_chars"]["hidden"] = True
    tables["articles_unigrams"]["hidden"] = True
    return {
        "title": "fanwen archive",
        "description": "Chinese 范文/公文 articles archived by fanwen. Search the articles table (e.g. 双减) or use the canned queries.",
        "databases": {Path(db_path).stem: {"tables": tables, "queries": {
            "search": {"title": "Search articles (Chinese full text)", "sql": search_sql(archive_index_version(db_path)),
                       "description": SEARCH_DESCRIPTION},
            **QUERIES}}},
    }


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    """The research workbench (fanwen/web.py) on the home page, and the reading view of an article."""
    from fanwen.web import routes

    return routes()


@hookimpl
def prepare_connection(conn: Any) -> None:
    register_functions(conn)
    # In the web pages a bad expression must not end as "user-defined function raised exception" (an
    # error page): fanwen_match matches nothing instead and extra_template_vars says why, in words.
    conn.create_function("fanwen_match", 1, _match_or_nothing, deterministic=True)
    conn.create_function("fanwen_char_match", 2, _char_match, deterministic=True)


_MATCHES_NOTHING = '"\u0001"'  # a phrase of a control character: no bigram of the index has it


def _match_or_nothing(query: str | None) -> str:
    try:
        return cjk.parse(query or "").match
    except cjk.BadQuery:
        return _MATCHES_NOTHING


def _char_match(query: str | None, version: str) -> str | None:
    """MATCH of articles_chars (layout `version`) for a query that is one ideograph alone, else NULL."""
    try:
        char = lone_ideograph(cjk.parse(query or ""))
    except cjk.BadQuery:
        return None
    return any_char_match(char, version) if char else None


@hookimpl
def extra_template_vars(request: Any, datasette: Any, view_name: str) -> dict[str, Any]:
    """A search expression that cannot be searched (the canned `search` query's q) is said on the page."""
    query = request.args.get("q") if request is not None else None
    if query is not None and request.path.rstrip("/").endswith("/search"):
        try:
            cjk.parse(query)
        except cjk.BadQuery as exc:
            datasette.add_message(request, f"Search: {exc}", datasette.ERROR)
    return {}


@hookimpl(trylast=True)
def filters_from_request(request: Any, table: str) -> Any:
    """Turn the search box's text into the bigram MATCH expression (runs after Datasette's own search filter)."""
    from datasette.filters import FilterArguments
    from datasette.utils.asgi import BadRequest

    query = request.args.get("_search")
    if table != "articles" or not query:
        return None
    try:
        return FilterArguments([], params={"search": cjk.parse(query).match})
    except cjk.BadQuery as exc:
        raise BadRequest(f"Search: {exc}") from exc


@hookimpl
def handle_exception(request: Any, exception: Exception) -> None:
    """A bad request (a search expression that cannot be parsed) is one line in the server's log;
    Datasette's own handler still answers it (400 page or JSON)."""
    from datasette.utils.asgi import Base400

    if isinstance(exception, Base400):
        print(f"{exception.status} {request.path}: {exception.args[0] if exception.args else 'bad request'}",
              file=sys.stderr, flush=True)


def quiet_bad_requests() -> None:
    """Datasette prints a rich traceback, with every local, for each exception, a 400 included, when
    `rich` is installed (frictionless brings it); real errors keep the plain traceback it also prints."""
    import datasette.plugins  # first: it registers the default plugins, handle_exception among them
    import datasette.handle_exception

    datasette.handle_exception.rich = None


@hookimpl
def render_cell(value: Any, column: str) -> Any:
    """Show the <mark> highlights of snippets; everything else stays escaped."""
    if column != "snippet" or not isinstance(value, str):
        return None
    html = str(escape(value)).replace("&lt;mark&gt;", "<mark>").replace("&lt;/mark&gt;", "</mark>")
    return Markup(html)
