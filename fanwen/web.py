"""The research workbench inside Datasette: search, KWIC and trend tabs, and a reading view with provenance.

Pages are thin over the Python API (fanwen.api.Archive), run in a worker thread per request; the raw
tables stay where Datasette shows them (/archive). The trend chart is inline SVG: no script, no CDN.
"""

from __future__ import annotations

import asyncio
from datetime import date
from html import escape
from pathlib import Path
from typing import Any

from markupsafe import Markup

from fanwen.archive.cjk import BadQuery
from fanwen.archive.filters import known_sites
from fanwen.archive.genre import GENRES, OTHER

TEMPLATES = Path(__file__).resolve().parent / "templates"
TABS = ("search", "kwic", "trend")
COLOURS = ("#1f6fb4", "#d1495b", "#2a9d5c", "#e09f3e", "#6a4c93")
FORM_FIELDS = ("q", "tab", "site", "category", "genre", "since", "until", "by")


def routes() -> list[tuple[str, Any]]:
    return [(r"^/$", workbench), (r"^/-/article/(?P<article_id>\d+)$", article_page)]


def _database(datasette: Any) -> tuple[str, str]:
    """(name, file path) of the archive Datasette serves."""
    db = next(d for name, d in datasette.databases.items() if name != "_internal" and d.path)
    return db.name, db.path


async def _render(datasette: Any, request: Any, template: str, context: dict[str, Any]) -> Any:
    from datasette.utils.asgi import Response

    name, _ = _database(datasette)
    html = await datasette.render_template(template, {**context, "database": name}, request=request)
    return Response.html(html)


async def workbench(request: Any, datasette: Any) -> Any:
    form = {k: (request.args.get(k) or "").strip() for k in FORM_FIELDS}
    form["tab"] = form["tab"] if form["tab"] in TABS else "search"
    form["by"] = form["by"] if form["by"] in ("year", "month") else "year"
    _, path = _database(datasette)
    context = await asyncio.get_running_loop().run_in_executor(None, workbench_context, path, form)
    return await _render(datasette, request, "fanwen_workbench.html", {**context, "form": form, "tabs": TABS})


def _filters(form: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("site", "category", "genre"):
        if form[key]:
            out[key] = form[key]
    for key in ("since", "until"):
        if form[key]:
            date.fromisoformat(form[key])  # ValueError: shown as a message
            out[key] = form[key]
    return out


def workbench_context(path: str, form: dict[str, str]) -> dict[str, Any]:
    """Everything the page shows for the form's query: results of the chosen tab, or an error sentence."""
    import fanwen

    with fanwen.open(path) as a:
        context: dict[str, Any] = {"sites": known_sites(a.conn), "genres": [*GENRES, OTHER], "error": None}
        if not form["q"]:
            return context
        try:
            filters = _filters(form)
            if form["tab"] == "search":
                hits = a.search(form["q"], limit=50, **filters)
                context["hits"] = [{**h, "snippet": _marked(h["snippet"])} for h in _records(hits)]
                context["total"], context["capped"] = hits.attrs["total"], hits.attrs["capped"]
            elif form["tab"] == "kwic":
                lines = a.kwic(form["q"], width=25, limit=200, **filters)
                context["lines"] = _records(lines)
                context["hits_total"], context["articles_total"] = lines.attrs["hits"], lines.attrs["articles"]
                context["estimate"] = lines.attrs["estimate"]
            else:
                queries = form["q"].split("|")
                frame = a.trend([q.strip() for q in queries if q.strip()], by=form["by"], **filters)
                rows = _records(frame)
                context["trend_rows"], context["undated"] = rows, frame.attrs["undated"]
                context["trend_estimated"] = frame.attrs["estimated"]
                context["chart"] = trend_svg(rows)
        except BadQuery as exc:
            context["error"] = f"Query: {exc}"
        except ValueError as exc:
            context["error"] = f"Dates are YYYY-MM-DD ({exc})"
        return context


async def article_page(request: Any, datasette: Any) -> Any:
    from datasette.utils.asgi import NotFound

    import fanwen

    _, path = _database(datasette)
    article_id = int(request.url_vars["article_id"])

    def load() -> dict[str, Any] | None:
        with fanwen.open(path) as a:
            return a.article(article_id)

    record = await asyncio.get_running_loop().run_in_executor(None, load)
    if record is None:
        raise NotFound(f"no article {article_id}")
    q = request.args.get("q") or ""
    return await _render(datasette, request, "fanwen_article.html",
                         {"a": record, "q": q, "paragraphs": [_highlight(p, q) for p in record["body"].split("\n")]})


def _records(frame: Any) -> list[dict[str, Any]]:
    """A DataFrame's rows as dicts, its NaN (missing dates, rates of empty periods) as None."""
    return [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()} for r in frame.to_dict("records")]


def _marked(snippet: str) -> Markup:
    """A snippet with <mark> from fanwen.archive.search: everything escaped but the marks."""
    return Markup(escape(snippet).replace("&lt;mark&gt;", "<mark>").replace("&lt;/mark&gt;", "</mark>"))


def _highlight(text: str, query: str) -> Markup:
    if not query:
        return Markup(escape(text))
    try:
        from fanwen.archive.concordance import compile_query

        compiled = compile_query(query)
    except BadQuery:
        return Markup(escape(text))
    out, last = [], 0
    for m in compiled.finditer(text):
        out += [escape(text[last:m.start()]), f"<mark>{escape(m.group(0))}</mark>"]
        last = m.end()
    return Markup("".join([*out, escape(text[last:])]))


def trend_svg(rows: list[dict[str, Any]], width: int = 760, height: int = 300) -> Markup:
    """A line per query of occurrences per 10,000 characters; Chinese labels are text the browser draws."""
    periods = list(dict.fromkeys(r["period"] for r in rows))
    queries = list(dict.fromkeys(r["query"] for r in rows))
    if not periods:
        return Markup("")
    left, right, top, bottom = 56, 20, 34, 70
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([r["per_10k_chars"] or 0 for r in rows] + [0]) or 1.0
    step = plot_w / max(1, len(periods) - 1)
    x = {p: left + (i * step if len(periods) > 1 else plot_w / 2) for i, p in enumerate(periods)}

    def y(value: float) -> float:
        return top + plot_h - value / peak * plot_h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="fanwen-chart" width="{width}" height="{height}"'
             f' viewBox="0 0 {width} {height}" role="img" aria-label="trend">',
             f'<text x="{left}" y="18" font-size="13">每万字出现次数 (occurrences per 10,000 characters)</text>',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="#888"/>',
             f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#888"/>']
    for value in (0, peak / 2, peak):
        parts.append(f'<text x="{left - 6}" y="{y(value) + 4:.1f}" font-size="11" text-anchor="end">{value:.3g}</text>')
    every = max(1, len(periods) // 24)
    for i, p in enumerate(periods):
        if i % every == 0:
            parts.append(f'<text x="{x[p]:.1f}" y="{top + plot_h + 14}" font-size="11" text-anchor="end"'
                         f' transform="rotate(-60 {x[p]:.1f} {top + plot_h + 14})">{escape(p)}</text>')
    for n, query in enumerate(queries):
        colour = COLOURS[n % len(COLOURS)]
        points = [(x[r["period"]], y(r["per_10k_chars"])) for r in rows
                  if r["query"] == query and r["per_10k_chars"] is not None]
        parts.append(f'<polyline class="series" fill="none" stroke="{colour}" stroke-width="2" points="'
                     + " ".join(f"{px:.1f},{py:.1f}" for px, py in points) + '"/>')
        parts += [f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>' for px, py in points]
        parts.append(f'<rect x="{width - right - 150}" y="{top + n * 18}" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{width - right - 132}" y="{top + n * 18 + 11}" font-size="13">{escape(query)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
