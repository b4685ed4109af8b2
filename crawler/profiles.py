"""Optional per-site profiles (data/sites/*.toml) that override the generic heuristics."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_PROFILE_DIR = Path(__file__).resolve().parent.parent / "data" / "sites"


class ProfileError(ValueError):
    """A profile file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class SiteProfile:
    """CSS selectors and URL patterns for one site; every field is optional."""

    name: str
    sites: tuple[str, ...]
    title: str | None = None
    body: str | None = None
    breadcrumb: str | None = None
    terms: str | None = None
    article_urls: tuple[re.Pattern[str], ...] = ()
    list_urls: tuple[re.Pattern[str], ...] = ()
    ignore_urls: tuple[re.Pattern[str], ...] = ()
    boilerplate: tuple[re.Pattern[str], ...] = field(default=())


def load_profile(path: Path) -> SiteProfile:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"{path}: {exc}") from exc
    sites = data.get("sites")
    if not sites or not isinstance(sites, list):
        raise ProfileError(f"{path}: 'sites' must list the site names it applies to, e.g. sites = [\"example.com\"]")
    selectors = data.get("selectors", {})
    urls = data.get("urls", {})
    try:
        return SiteProfile(
            name=path.stem,
            sites=tuple(s.lower() for s in sites),
            title=selectors.get("title"),
            body=selectors.get("body"),
            breadcrumb=selectors.get("breadcrumb"),
            terms=selectors.get("terms"),
            article_urls=_patterns(urls.get("article", [])),
            list_urls=_patterns(urls.get("list", [])),
            ignore_urls=_patterns(urls.get("ignore", [])),
            boilerplate=_patterns(data.get("clean", {}).get("boilerplate", [])),
        )
    except re.error as exc:
        raise ProfileError(f"{path}: bad regular expression: {exc}") from exc


def _patterns(items: list[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(item) for item in items)


class ProfileRegistry:
    """The profiles of a folder, looked up by site name."""

    def __init__(self, profiles: list[SiteProfile]):
        self._by_site = {site: profile for profile in profiles for site in profile.sites}

    @classmethod
    def from_dir(cls, folder: Path | None) -> ProfileRegistry:
        if folder is None or not folder.is_dir():
            return cls([])
        return cls([load_profile(path) for path in sorted(folder.glob("*.toml"))])

    def for_site(self, site: str) -> SiteProfile | None:
        return self._by_site.get(site)
