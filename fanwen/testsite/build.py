"""Build the deterministic site model of every family: documents, posts, routes and traps."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from .families import Family
from .families.base import split_href
from .families.content import HEAD_RE
from .families.dede import ENC_CYCLE
from .families.duanwen import short_text
from .model import Category, Doc, Post, Site
from .text import TextGen
from .variants import apply_plan

START = datetime(2016, 1, 1)
SPAN_S = int((datetime(2023, 12, 31) - START).total_seconds())
DECOR_WORDS = ("优秀", "精选", "通用", "汇总", "热门", "推荐", "最新")
DECOR_TAGS = ("【优秀范文】", "【精选】", "【推荐】", "【通用】", "【最新】", "【精品】")


def build_site(fam: Family, seed: int, n_articles: int, used_titles: set[str]) -> Site:
    """Generate one site of a family with n_articles distinct public documents."""
    rng = random.Random(f"{seed}|{fam.name}")
    gen = TextGen(random.Random(f"{seed}|{fam.name}|text"), gbk_extras=fam.charset == "gbk")
    cats = _categories(fam)
    leaves = [c for c in cats if c.genres]
    weights = [rng.uniform(0.6, 2.5) for _ in leaves]
    weights[rng.randrange(len(leaves))] *= 3
    styles, style_w = zip(*fam.date_styles)
    short_rng = random.Random(f"{seed}|{fam.name}|short")

    docs: list[Doc] = []
    for i in range(n_articles + max(4, n_articles // 30)):
        private = i >= n_articles
        cat = rng.choices(leaves, weights)[0]
        essays = rng.choice((2, 3, 3, 4)) if rng.random() < 0.15 else 1
        when = START + timedelta(seconds=rng.randrange(SPAN_S))
        if fam.short_articles:
            essays = 1
        t = gen.document(rng.choice(cat.genres), used_titles, essays=essays, year=when.year)
        paragraphs = short_text(t.paragraphs, short_rng) if fam.short_articles else t.paragraphs
        docs.append(Doc(t.title, t.genre, paragraphs, t.terms, when.strftime("%Y-%m-%d %H:%M:%S"),
                        rng.choices(styles, style_w)[0], essays, -1 if private else cat.index, private, topic=t.topic))
    vgen = TextGen(random.Random(f"{seed}|{fam.name}|variants"), gbk_extras=fam.charset == "gbk")
    if not fam.short_articles:  # variants and pay walls need long documents
        apply_plan(docs, n_articles, vgen, random.Random(f"{seed}|{fam.name}|variants"), used_titles)
    public = docs[:n_articles]
    designed = {id(d) for d in public if d.variant} | {id(d.variant_of) for d in public if d.variant_of}
    singles = [d for d in public if d.essays == 1 and len(d.paragraphs) >= 8 and id(d) not in designed]
    for d in (rng.sample(singles, max(1, n_articles // 100)) if singles else ()):
        d.partial_at = rng.randint(4, len(d.paragraphs) - 3)
    copies = [(d, 0) for d in public]
    for d in rng.sample([d for d in public if d.partial_at is None], max(2, n_articles // 20)):
        copies += [(d, k) for k in range(1, rng.randint(2, 3))]
    copies.sort(key=lambda c: (c[0].published, c[1], c[0].title))

    posts: list[Post] = []
    aid = fam.id_start
    canon: dict[int, Post] = {}
    for d, k in copies:
        aid += rng.randint(*fam.id_gap)
        first = canon.get(id(d))
        post = _post(fam, rng, len(posts), aid, d, cats, first)
        if first is None:
            canon[id(d)] = post
        post.canonical = first.index if first else post.index
        posts.append(post)
    private = [_post(fam, rng, i, 80000 + 3 * i, d, cats, None) for i, d in enumerate(docs[n_articles:])]
    for p in private:
        p.page_paths = [fam.private_path(p.aid, k) for k in range(len(p.pages))]
    _ensure_features(fam, rng, posts)

    newest = sorted(range(len(posts)), key=lambda i: (posts[i].doc.published, posts[i].aid), reverse=True)
    for i in newest:
        cats[posts[i].doc.category].posts.append(i)
    for c in cats:
        if c.parent is None:
            kids = {k.index for k in cats if k.parent == c.index}
            c.posts = [i for i in newest if posts[i].doc.category in kids]
    terms: dict[str, list[int]] = {}
    for p in posts:
        for t in p.doc.terms:
            terms.setdefault(t, [])
    for i in newest:
        for t in posts[i].doc.terms:
            terms[t].append(i)
    hot = sorted(terms, key=lambda t: -len(terms[t]))[:20]
    site = Site(fam, seed, cats, posts, private, list(terms), terms, {}, newest, hot_searches=hot)
    site.routes = _routes(fam, site)
    _traps(fam, rng, site)
    return site


def _categories(fam: Family) -> list[Category]:
    cats: list[Category] = []
    for name, slug, children in fam.categories:
        parent = Category(len(cats), name, fam.cat_path(None, slug), slug, 0, None, ())
        cats.append(parent)
        for cname, cslug, genres in children:
            cats.append(Category(len(cats), cname, fam.cat_path(slug, cslug), cslug, 0, parent.index, genres))
    for name, slug in fam.empty_channels:
        cats.append(Category(len(cats), name, fam.cat_path(None, slug), slug, 0, None, ()))
    for c in cats:
        c.tid = c.index + 1
    return cats


def _post(fam: Family, rng: random.Random, index: int, aid: int, d: Doc, cats: list[Category], first: Post | None) -> Post:
    """One copy of a document with its randomly chosen page features."""
    paras = d.visible
    essays = d.essays
    if first is not None:
        options = _decorations(rng, essays) + list(DECOR_TAGS)
        decoration = next(x for x in options if x != first.decoration)
        pages = first.pages
    else:
        decoration = _decorations(rng, essays)[0]
        pages = _split_pages(rng, paras) if d.partial_at is None and not d.private else [(0, len(paras))]
    post = Post(index, aid, d, decoration, pages)
    if d.partial_at is not None:
        post.layout = "partial"
    else:
        x = rng.random()
        if fam.hidden_layout and x < 0.2:
            post.layout = fam.hidden_layout
        elif x > 0.9:
            post.layout = "malformed"
    if post.layout == "hiddenA" and not _place_hidden(rng, post):
        post.layout = "plain"
    if rng.random() < 0.15:
        post.domain_at = _place_domain(rng, paras, post)
    if post.layout in ("plain", "malformed") and rng.random() < 0.15:
        post.tuijian_at = rng.randint(1, max(1, len(paras) - 3))
    post.intro = -1 if rng.random() < 0.1 else rng.choice((0, 1, 2, 3) if essays > 1 else (0, 0, 3))
    post.repeat = rng.choices((0, 1, 2, 3), (0.2, 0.4, 0.25, 0.15))[0]
    post.outro = -1 if rng.random() < 0.3 else rng.randrange(3)
    post.notice = rng.choices((0, 1, 2), (0.6, 0.2, 0.2))[0]
    post.download = rng.choices(("", "doc", "soft", "both"), (0.82, 0.1, 0.05, 0.03))[0]
    post.ws = rng.randrange(3 if post.layout == "malformed" else 4)
    post.bold_heads = rng.random() < 0.5
    post.enc = ENC_CYCLE[index % len(ENC_CYCLE)] if fam.charset == "gbk" else "normal"
    post.tags_alt = rng.random() < 0.3
    if not d.private:
        cat = cats[d.category]
        post.page_paths = [fam.article_path(cat, aid, d.published, k) for k in range(len(pages))]
    return post


def _decorations(rng: random.Random, essays: int) -> list[str]:
    """Two candidate title decorations (the second is used for re-posts)."""
    out = []
    for _ in range(3):
        x = rng.random()
        if x < 0.25:
            out.append("")
        elif x < 0.5:
            out.append(rng.choice(DECOR_TAGS))
        else:
            n = essays if essays > 1 and rng.random() < 0.6 else rng.randint(3, 16)
            w = rng.choice(DECOR_WORDS)
            out.append(f"({w}{n}篇)" if rng.random() < 0.5 else f"（{w}{n}篇）")
    return out


def _split_pages(rng: random.Random, paras: tuple[str, ...]) -> list[tuple[int, int]]:
    n = len(paras)
    if sum(map(len, paras)) < 2000 or n < 8 or rng.random() > 0.3:
        return [(0, n)]
    k = 3 if n >= 12 and rng.random() < 0.4 else 2
    cuts = sorted(rng.sample(range(3, n - 2), k - 1))
    while any(b - a < 3 for a, b in zip([0] + cuts, cuts + [n])):
        cuts = sorted(rng.sample(range(3, n - 2), k - 1))
    bounds = [0] + cuts + [n]
    return [(bounds[i], bounds[i + 1]) for i in range(k)]


def _cjk(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fff"


def _place_hidden(rng: random.Random, post: Post) -> bool:
    """Choose the paragraph and offset where 当前隐藏内容免费查看 cuts the text."""
    lo, hi = post.pages[0]
    paras = post.doc.visible
    cands = [i for i in range(max(lo + 1, 2), hi - 1) if len(paras[i]) >= 40 and not HEAD_RE.match(paras[i])]
    if not cands:
        return False
    i = rng.choice(cands)
    text = paras[i]
    offs = [o for o in range(10, len(text) - 10) if not (text[o - 1].isascii() or text[o].isascii())]
    if not offs:
        return False
    post.hidden_at = (i, rng.choice(offs))
    return True


def _place_domain(rng: random.Random, paras: tuple[str, ...], post: Post) -> tuple[int, int] | None:
    cands = [i for i, p in enumerate(paras) if len(p) > 30 and not HEAD_RE.match(p)
             and not (post.layout == "hiddenA" and i == post.hidden_at[0])]
    if not cands:
        return None
    i = rng.choice(cands)
    offs = [o for o in range(5, len(paras[i]) - 5) if _cjk(paras[i][o - 1]) and _cjk(paras[i][o])]
    return (i, rng.choice(offs)) if offs else None


def _ensure_features(fam: Family, rng: random.Random, posts: list[Post]) -> None:
    """Guarantee that every trap feature occurs at least once, even on tiny sites."""
    plain = [p for p in posts if p.layout == "plain" and p.canonical == p.index]
    if not any(p.download in ("doc", "both") for p in posts):
        plain[0].download = "doc"
    if not any(p.download in ("soft", "both") for p in posts):
        plain[1].download = "soft"
    if fam.name == "phpcms":
        plain[2].bom = True     # exactly one UTF-8 page with a BOM
    if not any(p.domain_at for p in posts):
        for p in plain:
            p.domain_at = _place_domain(rng, p.doc.visible, p)
            if p.domain_at:
                break
    if not any(p.layout == "malformed" for p in posts):
        plain[3].layout = "malformed"
        plain[3].ws = 0
    if fam.hidden_layout and not any(p.layout == fam.hidden_layout for p in posts):
        for p in plain[4:]:
            p.layout = fam.hidden_layout
            if p.layout != "hiddenA" or _place_hidden(rng, p):
                break
            p.layout = "plain"


def _routes(fam: Family, site: Site) -> dict[str, tuple]:
    routes: dict[str, tuple] = {"/": ("home",), "/index.html": ("home",)}
    for c in site.categories:
        for n in range(1, fam.page_count(len(c.posts)) + 1):
            for key in fam.list_keys(c, n):
                routes[key] = ("list", c.index, n)
    for t, posts in site.term_posts.items():
        for n in range(1, fam.page_count(len(posts), fam.tag_size) + 1):
            routes[fam.route_key(*split_href(fam.tag_href(t, n)))] = ("tag", t, n)
    for p in site.posts:
        for k, path in enumerate(p.page_paths):
            routes[fam.route_key(path, "")] = ("article", p.index, k)
    routes["/private/"] = ("private_index",)
    for p in site.private:
        for k, path in enumerate(p.page_paths):
            routes[fam.route_key(path, "")] = ("private", p.index, k)
    return routes


def _traps(fam: Family, rng: random.Random, site: Site) -> None:
    """Per-site traps: once-failing articles, the 301, dead links and session-id pages."""
    simple = [p for p in site.posts if p.layout == "plain" and len(p.pages) == 1 and p.canonical == p.index]
    flaky = {"baihua": (500, None), "dede": (503, 1), "phpcms": (429, 1)}.get(fam.name)
    if flaky:
        site.flaky[simple[-1].path] = flaky
    if fam.name == "baihua":
        site.redirects[f"/a/{simple[-2].aid}.html"] = simple[-2].path
        keys = [k for k, r in site.routes.items() if r[0] in ("list", "tag", "article") and not k.endswith("index.html")]
        site.sid_pages = set(rng.sample(sorted(keys), max(3, len(keys) // 12)))
    used = {p.aid for p in site.posts}
    leaf = max((c for c in site.categories if c.parent is not None), key=lambda c: len(c.posts))
    newest = site.posts[leaf.posts[0]]
    aid = next(a for a in range(newest.aid + 1, newest.aid + 100) if a not in used)
    site.dead_links[leaf.index] = fam.article_path(leaf, aid, newest.doc.published, 0)
