"""build_sites(): the sites plus their ground truth, useful pages and named trap URLs."""
from __future__ import annotations

from typing import Any

from .build import build_site
from .families import FAMILIES, Family
from .families.base import split_href
from .model import ArticleTruth, HostPath, Post, Site, SiteBundle


def build_sites(seed: int = 7, articles_per_site: int = 120,
                families: tuple[type[Family], ...] = FAMILIES) -> SiteBundle:
    """Deterministically generate every family's site: same arguments, same pages and truth.

    `families` picks the sites (e.g. `(Duanwen,)`, which is not in the default FAMILIES)."""
    if articles_per_site < 20:
        raise ValueError("articles_per_site must be at least 20 so that every trap can be placed")
    used_titles: set[str] = set()
    sites = [build_site(cls(), seed, articles_per_site, used_titles) for cls in families]
    truth = [t for s in sites for t in site_truth(s)]
    useful: set[HostPath] = set()
    disallowed: set[HostPath] = set()
    for s in sites:
        useful |= {(s.host, p) for p in useful_paths(s)}
        disallowed |= {(h, p) for h, paths in s.family.disallowed(s).items() for p in paths}
    return SiteBundle(seed, articles_per_site, sites, truth, useful, disallowed, trap_paths(sites))


def _truth(site: Site, post: Post, copies: list[Post], paths: dict[int, str]) -> ArticleTruth:
    fam, doc = site.family, post.doc
    cats = [n for n, _ in fam.post_trail(site, post)]
    return ArticleTruth(
        host=fam.host, site=fam.host.removeprefix("www."), family=fam.name, path=post.path,
        all_paths=sorted(p.path for p in copies), title=doc.title, published_at=doc.published_at,
        categories=cats, terms=list(doc.terms), body="\n".join(doc.visible), reachable=not doc.private,
        partial=doc.partial_at is not None, variant=doc.variant,
        variant_of=paths[id(doc.variant_of)] if doc.variant_of is not None else None)


def site_truth(site: Site) -> list[ArticleTruth]:
    """One truth entry per distinct document (canonical = lowest id), private ones unreachable."""
    groups: dict[int, list[Post]] = {}
    for p in site.posts:
        groups.setdefault(p.canonical, []).append(p)
    paths = {id(site.posts[c].doc): site.posts[c].path for c in groups}
    out = [_truth(site, site.posts[c], copies, paths) for c, copies in groups.items()]
    out += [_truth(site, p, [p], paths) for p in site.private]
    return out


def useful_paths(site: Site) -> list[str]:
    """Pages a good crawler needs: home, lists (+pagination), tags (+pagination), article parts."""
    fam = site.family
    out = ["/"]
    for c in site.categories:
        out += [fam.list_href(c, n) for n in range(1, fam.page_count(len(c.posts)) + 1)]
    for t, posts in site.term_posts.items():
        out += [fam.tag_href(t, n) for n in range(1, fam.page_count(len(posts), fam.tag_size) + 1)]
    out += [path for p in site.posts for path in p.page_paths]
    return out


def trap_paths(sites: list[Site]) -> dict[str, Any]:
    """Named trap entry URLs as (host, path) tuples or lists of them."""
    bh = next((s for s in sites if s.family.name == "baihua"), None)
    dede = next((s for s in sites if s.family.name == "dede"), None)
    traps: dict[str, Any] = {"robots": [(x, "/robots.txt") for s in sites for x in s.hosts],
                             "private_index": [(s.host, "/private/") for s in sites],
                             "not_found": [(s.host, path) for s in sites for path in s.dead_links.values()]}
    if bh is not None:
        h = bh.host
        traps.update({
            "calendar": (h, f"/archive/{bh.posts[bh.latest[0]].doc.published[:7]}.html"),
            "search": (h, bh.family.search_href(bh.hot_searches[0])),
            "repeated_segments": (h, "/shiyong/shiyong/"),
            "redirect_loop": (h, "/go/a.html"),
            "binary_30mb": (h, "/soft/30mb.html"),
            "mirror": (bh.family.mirror, bh.posts[0].path),
            "session_id_pages": sorted((h, bh.family.href(bh, bh.routes[k])) for k in bh.sid_pages),
        })
    traps["binary_doc"] = next((s.host, f"/uploads/fanwen-{p.aid}.doc") for s in sites for p in s.posts
                               if p.download in ("doc", "both"))
    for s in sites:
        for key, (status, _) in s.flaky.items():
            name = {500: "error_500_once", 503: "retry_after_503", 429: "retry_after_429"}[status]
            traps[name] = (s.host, key)
        for old, new in s.redirects.items():
            traps["redirect_301"] = (s.host, old)
            traps["redirect_301_target"] = (s.host, new)
    feature = {"hidden_a": lambda p: p.layout == "hiddenA", "hidden_b": lambda p: p.layout == "hiddenB",
               "partial": lambda p: p.layout == "partial", "malformed_html": lambda p: p.layout == "malformed",
               "multi_page": lambda p: len(p.pages) > 1, "domain_injected": lambda p: p.domain_at is not None,
               "reposts": lambda p: p.canonical != p.index, "utf8_bom": lambda p: p.bom}
    for name, pred in feature.items():
        traps[name] = [(s.host, p.path) for s in sites for p in s.posts if pred(p)]
    if dede is None:
        return traps
    fam = dede.family
    for enc in ("utf8_header", "meta_gb2312", "none", "malformed_meta"):
        traps[f"charset_{enc}"] = sorted(
            (dede.host, path) for path in useful_paths(dede)
            if fam.page_enc(dede, key := fam.route_key(*split_href(path)), dede.routes[key]) == enc)
    return traps

