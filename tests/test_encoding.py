"""Charset decisions for the ways Chinese pages mislabel themselves."""

import codecs

from crawler.encoding import detect_encoding

TEXT = "在全市“双减”工作会议上的讲话：朱镕基、龍、臺".encode("gbk")


def test_gbk_page_labelled_utf8_decodes_as_gb18030():
    body = b'<html><head><meta charset="gb2312"></head><body>' + TEXT
    assert detect_encoding(body, "utf-8") == "gb18030"


def test_gb2312_label_with_gbk_only_characters_uses_gb18030():
    body = b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312">' + TEXT
    assert detect_encoding(body, None) == "gb18030"
    assert "镕" in body.decode(detect_encoding(body, None))


def test_malformed_httpequiv_meta_is_read():
    body = b'<meta httpequiv="ContentType" content="text/html; charset=gbk">' + TEXT
    assert detect_encoding(body, None) == "gb18030"


def test_no_charset_anywhere():
    assert detect_encoding(b"<html><body>" + TEXT, None) == "gb18030"


def test_utf8_page_labelled_gbk_stays_utf8():
    assert detect_encoding("<meta charset=gbk>双减".encode("utf-8"), "gbk") == "utf-8"


def test_bom_wins():
    assert detect_encoding(codecs.BOM_UTF8 + "双减".encode("utf-8"), "gbk") == "utf-8"


def test_utf8_page_with_a_stray_byte_or_a_cut_meta_stays_utf8():
    from crawler.encoding import decide_encoding

    page = ('<meta name="description" content="在全市“双减”工作会议上的讲话">' + "<p>在全市“双减”工作会议上的讲话。</p>" * 40).encode()
    stray = page.replace("讲话。".encode(), "讲话。".encode() + b"\xff", 1)
    cut = page.replace("讲话\">".encode(), "讲话".encode()[:-1] + b'">', 1)
    assert decide_encoding(stray, None) == ("utf-8", 1)
    assert decide_encoding(cut, "gbk") == ("utf-8", 1)
    assert detect_encoding(page.decode().encode("gbk"), "utf-8") == "gb18030"  # GBK is never "mostly UTF-8"
