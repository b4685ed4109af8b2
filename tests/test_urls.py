"""URL canonicalisation, scope and trap rules."""

import pytest

from crawler.urls import Scope, canonicalize, has_repeated_segments, site_of, url_shape


def test_trackers_session_ids_and_fragments_are_dropped():
    assert canonicalize("http://www.x.com/a/1.html?utm_source=wx&utm_medium=share#comments") == "http://www.x.com/a/1.html"
    assert canonicalize("http://www.x.com/a/1.html;jsessionid=ABC123?sid=8f3a&PHPSESSID=z") == "http://www.x.com/a/1.html"
    assert canonicalize("HTTP://WWW.X.COM:80/a/1.html") == "http://www.x.com/a/1.html"


def test_meaningful_query_kept_in_order():
    url = "http://x.com/index.php?m=content&c=tag&a=lists&tag=%E8%AE%B2%E8%AF%9D&page=2"
    assert canonicalize(url) == url


def test_gbk_percent_encoded_query_survives_byte_for_byte():
    assert canonicalize("http://x.com/tags.php?/%C9%E7%BB%E1/") == "http://x.com/tags.php?/%C9%E7%BB%E1/"
    assert canonicalize("http://x.com/s.php?keyword=%C9%E7&utm_source=a") == "http://x.com/s.php?keyword=%C9%E7"


def test_raw_chinese_is_encoded_like_a_browser_does():
    # Path as UTF-8, query in the page's encoding.
    assert canonicalize("http://x.com/tag/会上/") == "http://x.com/tag/%E4%BC%9A%E4%B8%8A/"
    assert canonicalize("http://x.com/tags.php?/会上/", encoding="gb18030") == "http://x.com/tags.php?/%BB%E1%C9%CF/"


def test_scope_covers_mirrors_on_the_start_port_and_folds_them():
    scope = Scope(["http://www.baihua.test:8000/"])
    assert scope.contains("http://m.baihua.test:8000/x.html")
    assert not scope.contains("http://m.baihua.test:9000/x.html")  # another port of the host: another service
    assert not scope.contains("https://baihua.test/")
    assert not scope.contains("http://www.other.test/")
    assert not scope.contains("ftp://www.baihua.test/")
    assert Scope(["http://www.baihua.test:8000/"], any_port=True).contains("http://m.baihua.test:9000/x.html")
    assert scope.canonical("http://m.baihua.test:8000/a/1.html?from=timeline") == "http://www.baihua.test:8000/a/1.html"
    assert site_of("mip.baihua.test") == "baihua.test"


def test_scope_on_a_default_port_admits_the_other_scheme_and_nothing_else():
    scope = Scope(["http://www.baihua.test/"])
    assert scope.contains("https://www.baihua.test/a/1.html")  # sites move between http and https
    assert not scope.contains("http://www.baihua.test:6379/")
    assert not scope.contains("https://www.baihua.test:8443/")


def test_user_info_tricks_are_out_of_scope_and_not_canonicalised():
    scope = Scope(["http://127.0.0.1:8000/"])
    # What a browser (and Scrapy) fetches for this one is http://127.0.0.2:8000/@127.0.0.1:8000/.
    assert not scope.contains("http://127.0.0.2:8000\\@127.0.0.1:8000/")
    assert not scope.contains(scope.canonical("http://127.0.0.2:8000\\@127.0.0.1:8000/"))
    for url in ("http://user:pw@127.0.0.1:8000/", "http://x@127.0.0.1:8000/"):
        assert not scope.contains(url), url
        with pytest.raises(ValueError):
            scope.canonical(url)


def test_unparseable_urls_are_out_of_scope_not_errors():
    scope = Scope(["http://www.baihua.test/"])
    assert scope.refusal("http://[::1") is not None
    assert scope.refusal("http://www.baihua.test:99999/") is not None


def test_shapes_group_generated_urls():
    assert url_shape("http://x.com/archive/2022-09.html") == url_shape("http://x.com/archive/1931-02.html")
    assert url_shape("http://x.com/search/?q=%E4%BC%9A&page=3") == url_shape("http://x.com/search/?q=%E8%AE%B2+%E8%AF%9D&page=9")
    assert url_shape("http://x.com/index.php?m=content&c=tag&a=lists&tag=%E8") != url_shape(
        "http://x.com/index.php?m=content&c=index&a=lists&catid=2"
    )


def test_repeated_segments_are_a_trap():
    assert has_repeated_segments("http://x.com/shiyong/shiyong/")
    assert has_repeated_segments("http://x.com/a/b/a/b/a/")
    assert not has_repeated_segments("http://x.com/2022/09/1203.html")


def test_only_start_hosts_may_resolve_to_private_addresses():
    from crawler.resolver import private_refusal

    start_hosts = {"www.baihua.test", "127.0.0.1"}
    assert private_refusal("www.baihua.test", "127.0.0.1", start_hosts) is None  # a local test site
    assert private_refusal("m.baihua.test", "93.184.216.34", start_hosts) is None  # a public mirror
    for address in ("127.0.0.1", "10.1.2.3", "192.168.0.1", "169.254.169.254", "::1", "0.0.0.0"):
        assert private_refusal("m.baihua.test", address, start_hosts) is not None, address


def test_overlong_links_are_not_followed():
    """Scrapy's UrlLengthMiddleware would drop them after the crawl decided to request them, without a row."""
    from crawler.discover import LinkResolver

    resolver = LinkResolver(Scope(["http://www.baihua.test/"]))
    assert resolver.resolve("http://www.baihua.test/", "/a/" + "x" * 3000 + ".html", "utf-8")[1] is None
    assert resolver.resolve("http://www.baihua.test/", "/a/1.html", "utf-8")[1] == "http://www.baihua.test/a/1.html"
