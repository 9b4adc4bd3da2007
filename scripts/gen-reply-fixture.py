#!/usr/bin/env python3
"""Writes Tests/e2e/fixtures/reply/outlook-reply-all.eml: a message shaped as Outlook writes it
(ISO-2022-JP subject with Windows extension characters, multipart/alternative text and HTML,
a PDF attachment), for the reply e2e test. Run once; the output is committed.
"""
import base64
import importlib.util
import pathlib
import random

here = pathlib.Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("fixtures", here / "gen-charset-fixtures.py")
gen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen)


def word(text):
    return "=?ISO-2022-JP?B?%s?=" % base64.b64encode(gen.iso2022jp_windows(text)).decode()


def folded_b64(data):
    text = base64.b64encode(data).decode()
    return "\r\n".join(text[i:i + 76] for i in range(0, len(text), 76))


body = "佐藤です。\r\n髙橋様の件、承知しました。\r\n①と②の資料を添付します。\r\n"
html = "<html><body><p>佐藤です。</p><p>髙橋様の件、承知しました。</p><script>alert(1)</script></body></html>"
pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + random.Random(7).randbytes(4000) + b"\n%%EOF\n"
lines = [
    "Received: from client.example.com (client.example.com [192.0.2.1]) by mx.example.jp",
    "From: %s <ichiro@client.example.com>" % word("佐藤 一郎"),
    "To: %s <taro@example.jp>, hanako@example.jp" % word("山田 太郎"),
    "Cc: %s <suzuki@client.example.com>" % word("鈴木"),
    "Subject: %s" % word("RE: ①見積書の件 ㈱山田"),
    "Date: Mon, 7 Dec 2026 10:15:00 +0900",
    "Message-ID: <ORIG-1@client.example.com>",
    "In-Reply-To: <ROOT-0@example.jp>",
    "References: <ROOT-0@example.jp>",
    "MIME-Version: 1.0",
    "X-Mailer: Microsoft Outlook 16.0",
    'Content-Type: multipart/mixed; boundary="----=_NextPart_000_0001"',
    "",
    "This is a multi-part message in MIME format.",
    "",
    "------=_NextPart_000_0001",
    'Content-Type: multipart/alternative; boundary="----=_NextPart_001_0002"',
    "",
    "------=_NextPart_001_0002",
    'Content-Type: text/plain; charset="iso-2022-jp"',
    "Content-Transfer-Encoding: 7bit",
    "",
]
raw = "\r\n".join(lines).encode() + b"\r\n" + gen.iso2022jp_windows(body).replace(b"\x1b(B\r\n", b"\x1b(B\r\n")
raw += "\r\n".join([
    "",
    "------=_NextPart_001_0002",
    'Content-Type: text/html; charset="utf-8"',
    "Content-Transfer-Encoding: base64",
    "",
    folded_b64(html.encode()),
    "",
    "------=_NextPart_001_0002--",
    "",
    "------=_NextPart_000_0001",
    'Content-Type: application/pdf; name="%s"' % word("①見積書.pdf"),
    "Content-Transfer-Encoding: base64",
    'Content-Disposition: attachment; filename="%s"' % word("①見積書.pdf"),
    "",
    folded_b64(pdf),
    "",
    "------=_NextPart_000_0001--",
    "",
]).encode()
out = here.parent / "Tests/e2e/fixtures/reply/outlook-reply-all.eml"
out.write_bytes(raw)
print(out)
