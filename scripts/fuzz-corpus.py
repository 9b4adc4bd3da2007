#!/usr/bin/env python3
"""Seeds the fuzz targets' corpora from the test suite (docs/fuzzing.md).

    scripts/fuzz-corpus.py OUT_DIR

Writes OUT_DIR/<target>/seed-<sha1> files: the e2e fixtures, the themes, the string literals of
the unit tests that feed each parser, and, for the binary formats no test keeps as a file
(ZIP, deflate, PDF), small samples built here with Python's zipfile and zlib. Targets whose
first input byte is a control byte (which reader, which file name, how to cut) get each seed
once per control value. Existing files are kept, so a corpus grows from run to run.
"""
import hashlib
import io
import os
import re
import sys
import zipfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# A Swift string literal: """…""" (multi-line) or "…" on one line.
MULTI = re.compile(r'(?m)^([ \t]*)(?:[^\n"]*?)"""\n(.*?)\n([ \t]*)"""', re.S)
SINGLE = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
# Python triple-quoted strings in the e2e tests (configs, address books, policies).
PY_MULTI = re.compile(r'(?:"""|\'\'\')(.*?)(?:"""|\'\'\')', re.S)


def unescape(text):
    """Swift escapes: \\n \\r \\t \\0 \\" \\' \\\\ \\u{…}; interpolations become "x"."""
    text = re.sub(r'\\\((?:[^()]|\([^()]*\))*\)', 'x', text)
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == '\\' and i + 1 < len(text):
            n = text[i + 1]
            if n == 'u' and text[i + 2:i + 3] == '{':
                end = text.find('}', i)
                try:
                    out.append(chr(int(text[i + 3:end], 16)))
                except ValueError:
                    pass
                i = end + 1
                continue
            out.append({'n': '\n', 'r': '\r', 't': '\t', '0': '\0'}.get(n, n))
            i += 2
            continue
        out.append(c)
        i += 1
    return ''.join(out)


def swift_literals(paths):
    for path in paths:
        source = path.read_text(encoding='utf-8')
        for m in MULTI.finditer(source):
            indent = m.group(3)
            lines = [l[len(indent):] if l.startswith(indent) else l.lstrip() for l in m.group(2).split('\n')]
            yield unescape('\n'.join(lines) + '\n')
        for m in SINGLE.finditer(MULTI.sub('', source)):
            yield unescape(m.group(1))


def files(pattern):
    return sorted(ROOT.glob(pattern))


def text_seeds(patterns, keep=lambda s: True, py_patterns=()):
    seen = set()
    for s in swift_literals([p for pat in patterns for p in files(pat)]):
        if s and keep(s) and s not in seen:
            seen.add(s)
            yield s.encode('utf-8')
    for pat in py_patterns:
        for path in files(pat):
            for m in PY_MULTI.finditer(path.read_text(encoding='utf-8')):
                s = m.group(1)
                if keep(s) and s not in seen:
                    seen.add(s)
                    yield s.encode('utf-8')


def zip_bytes(entries, method=zipfile.ZIP_DEFLATED, prefix=b'', zip64=False, comment=b''):
    buffer = io.BytesIO()
    buffer.write(prefix)
    with zipfile.ZipFile(buffer, 'w', method) as archive:
        archive.comment = comment
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = method
            with archive.open(info, 'w', force_zip64=zip64) as f:
                f.write(data)
    return buffer.getvalue()


WORKBOOK = (b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main"><sheets><sheet name="Sheet1" sheetId="1"/><sheet name="&#x540D;&amp;&lt;2&gt;" '
            b'sheetId="2"/><x:sheet name=\'\xe5\x90\x8d\xe7\xb0\xbf\'/></sheets></workbook>')


def zip_seeds():
    office = [('[Content_Types].xml', b'<Types/>'), ('xl/workbook.xml', WORKBOOK)]
    yield zip_bytes(office)
    yield zip_bytes(office, method=zipfile.ZIP_STORED)
    yield zip_bytes(office, zip64=True)
    yield zip_bytes(office, prefix=b'#!/bin/sh\nexit 0\n' * 4)
    yield zip_bytes([('[Content_Types].xml', b'<Types/>'), ('word/document.xml', b'<w:document/>')])
    yield zip_bytes([('[Content_Types].xml', b'<Types/>'), ('ppt/presentation.xml', b'<p/>')])
    yield zip_bytes([('名簿.csv', 'メール,名前\ntaro@example.jp,太郎\n'.encode('utf-8')), ('dir/', b'')],
                    comment=b'comment')
    yield zip_bytes([])
    # Flag bit 0 (encrypted) set in both headers of a stored entry.
    plain = bytearray(zip_bytes([('secret.txt', b'data')], method=zipfile.ZIP_STORED))
    plain[6] |= 1
    central = plain.find(b'PK\x01\x02')
    plain[central + 8] |= 1
    yield bytes(plain)


def deflate_seeds():
    texts = [b'', b'a', b'hello hello hello hello', bytes(range(256)) * 4, b'\0' * 100000, WORKBOOK]
    for t in texts:
        raw = zlib.compressobj(9, zlib.DEFLATED, -15)
        yield raw.compress(t) + raw.flush()          # raw deflate: control bit 0 = raw
        yield zlib.compress(t)                        # zlib: control bit 0 = zlib


def pdf(objects, trailer_root=1, xref=True):
    out = bytearray(b'%PDF-1.7\n%\xe2\xe3\xcf\xd3\n')
    offsets = []
    for number, body in objects:
        offsets.append(len(out))
        out += b'%d 0 obj\n' % number + body + b'\nendobj\n'
    start = len(out)
    if xref:
        out += b'xref\n0 %d\n0000000000 65535 f \n' % (len(objects) + 1)
        for o in offsets:
            out += b'%010d 00000 n \n' % o
    out += b'trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n' % (len(objects) + 1, trailer_root, start)
    return bytes(out)


def pdf_seeds():
    yield pdf([(1, b'<< /Type /Catalog /Pages 2 0 R >>'), (2, b'<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>'),
               (3, b'<< /Type /Page /Parent 2 0 R >>'), (4, b'<< /Type /Page /Parent 2 0 R >>')])
    yield pdf([(1, b'<< /Type /Catalog /Pages 2 0 R >>'), (2, b'<< /Type /Pages /Kids [3 0 R] >>'),
               (3, b'<< /Type /Page >>')], xref=False)
    # The page tree inside a compressed object stream.
    inner = b'2 0 3 40 '
    body = b'<< /Type /Pages /Kids [3 0 R] /Count 7 >>'.ljust(40) + b'<< /Type /Page /Parent 2 0 R >>'
    data = zlib.compress(inner + body)
    stream = (b'<< /Type /ObjStm /N 2 /First %d /Filter /FlateDecode /Length %d >>\nstream\n' % (len(inner), len(data))
              + data + b'\nendstream')
    yield pdf([(1, b'<< /Type /Catalog /Pages 2 0 R >>'), (5, stream)])
    yield b'%PDF-1.4\n1 0 obj << /Type /Page >> endobj\n1 0 obj << /Type /Pages /Count 3 >> endobj\ntrailer << /Root 1 0 R >>'


RECORD = '''# guardmail outbox record: what the user confirmed. Written once, never changed.
format = 1
id = "e1"
message_id = "<abc@example.jp>"
account = "work"
from = "Taro <taro@example.jp>"
mail_from = "taro@example.jp"
subject = "見積書 \\"Q1\\"\\n"
confirmed_at = 1700000000.5
hold_seconds = 60
message_offset = 40
message_size = 60

[[recipients]]
address = "hanako@example.com"
display_name = "Hanako"
field = "to"

[[recipients]]
address = "boss@example.jp"
field = "cc"

[[attachments]]
name = "a.pdf"
size = 100
sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
content_type = "application/pdf"

[confirmation]
confirmed_by = "taro"
via = "composer"
ticked_recipients = ["hanako@example.com"]
ticked_attachments = []
challenges = ["example.com"]

[[confirmation.findings]]
rule_id = "external-domain"
severity = "confirm"
message = "1 recipient outside example.jp"
accepted = true
'''

STATES = [
    'state = "editing"', 'state = "confirming"', 'state = "discarded"',
    'state = "holding"\nrelease_at = 1700000060.25\nrecipients = ["a@example.jp", "b@example.com"]',
    'state = "submitting"\nattempt = 1\nrecipients = ["a@example.jp"]',
    'state = "sent"\nat = 1700000100.0',
    'state = "partially-sent"\nrefused = ["b@example.com"]\nat = 1e-05',
    'state = "failed-temporarily"\nreason = "421 busy"\nattempt = 2\nretry_at = 1700000200.0\nrecipients = ["a@example.jp"]',
    'state = "failed-permanently"\nreason = "550 no"\nrecipients = []',
    'state = "unknown"\nrecipients = ["a@example.jp"]',
    'state = "interrupted"\nrecipients = ["a@example.jp"]',
]


def outbox_seeds():
    """record.toml, NUL, state.toml (the entry is named e1; its message.eml has 100 bytes)."""
    for s in STATES:
        for released in ('false', 'true'):
            state = '# guardmail outbox state\nformat = 1\n%s\nrelease_requested = %s\n' % (s, released)
            yield (RECORD + '\0' + state).encode('utf-8')


def with_controls(seeds, controls):
    for seed in seeds:
        for c in controls:
            yield bytes([c]) + seed


def recipient_seeds():
    seeds = list(text_seeds(['Tests/BulkTests/*.swift'], lambda s: '@' in s or '\n' in s))
    for s in list(seeds):
        try:
            seeds.append(s.decode('utf-8').encode('cp932'))  # the Shift_JIS of the Japanese ones
        except UnicodeEncodeError:
            pass
    return with_controls(seeds, range(4))


def addressbook_seeds():
    """vCard and CSV exports from the address book tests and fixtures, UTF-8 and Shift_JIS, each
    under every file name the target's first byte picks."""
    seeds = list(text_seeds(['Tests/PolicyTests/AddressBookFormatsTests.swift', 'Tests/PolicyTests/AddressBookTests.swift'],
                            lambda s: ':' in s or ',' in s or '@' in s))
    for s in list(seeds):
        try:
            seeds.append(s.decode('utf-8').encode('cp932'))
        except UnicodeEncodeError:
            pass
    seeds += [p.read_bytes() for p in files('Tests/fixtures/addressbooks/*')]
    return with_controls(seeds, range(4))


def policyimport_seeds():
    """The add-ins' settings files of the import tests: FlexConfirmMail's JSON (first byte 0) and
    each OutlookOkan CSV under the first byte that names it in the target (odd bytes), plus every
    file under every reader, so that each reader sees the others' shapes too."""
    names = ["AlertKeywordAndMessageList.csv", "AlertKeywordAndMessageListForSubject.csv", "AlertAddressList.csv",
             "KeywordAndRecipientsList.csv", "AttachmentProhibitedRecipientsList.csv", "InternalDomainList.csv",
             "NameAndDomains.csv", "DeferredDeliveryMinutes.csv", "unknown.csv"]
    bodies = [p.read_bytes() for p in files('Tests/e2e/fixtures/policy-import/*')]
    bodies += list(text_seeds(['Tests/PolicyTests/PolicyImportTests.swift'], lambda s: ',' in s or '{' in s))
    for body in bodies:
        yield bytes([0]) + body
        for index in range(len(names)):
            yield bytes([2 * index + 1]) + body


def office_seeds():
    """Office XML parts and lines that name parties, from the extraction and party tests and the
    documents Tests/fixtures/make_documents.py writes."""
    yield from text_seeds(['Tests/InspectTests/ExtractionTests.swift'], lambda s: '<' in s)
    yield from text_seeds(['Tests/PolicyTests/PartyTests.swift', 'Tests/PolicyTests/AttachmentOtherPartyTests.swift'],
                          lambda s: any(ord(c) > 0x3000 for c in s) or '@' in s)
    for xml in ['<w:document><w:body><w:p><w:r><w:t>田中建設株式会社 御中</w:t></w:r></w:p></w:body></w:document>',
                '<sst><si><t>会社名</t></si><si><r><t>青空</t></r><rPh><t>アオゾラ</t></rPh></si></sst>',
                '<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>x</t></is></c></row>'
                '</sheetData></worksheet>',
                '<workbook xmlns:r="r"><sheets><sheet name="顧客" r:id="rId1"/></sheets></workbook>'
                '<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>']:
        yield xml.encode('utf-8')


def main():
    out = Path(sys.argv[1])
    toml_tests = ['Tests/GuardTOMLTests/*.swift', 'Tests/ConfigTests/*.swift', 'Tests/PolicyTests/*.swift',
                  'Tests/TUITests/*.swift', 'Tests/OutboxTests/*.swift']
    tomlish = lambda s: '=' in s or '[' in s
    themes = [p.read_bytes() for p in files('Themes/*.toml')]
    targets = {
        'address': text_seeds(['Tests/MailCoreTests/AddressTests.swift', 'Tests/MailCoreTests/HeaderEncodingTests.swift',
                               'Tests/BulkTests/*.swift', 'Tests/TUITests/*.swift'], lambda s: '@' in s),
        'message': [p.read_bytes() for p in files('Tests/e2e/fixtures/**/*.eml')]
                   + list(text_seeds(['Tests/MailCoreTests/*.swift'], lambda s: ':' in s or '=?' in s)),
        'toml': themes + list(text_seeds(toml_tests, tomlish, ['Tests/e2e/*.py'])),
        'config': themes + list(text_seeds(toml_tests, tomlish, ['Tests/e2e/*.py'])),
        'recipients': recipient_seeds(),
        'zip': zip_seeds(),
        'inflate': with_controls(deflate_seeds(), [0x00, 0x01, 0xFE, 0x3F, 0x20, 0x41]),
        'pdf': with_controls(pdf_seeds(), [0, 1, 81, 200]),
        'outbox': outbox_seeds(),
        'office': office_seeds(),
        'addressbook': addressbook_seeds(),
        'policyimport': policyimport_seeds(),
    }
    for target, seeds in targets.items():
        directory = out / target
        directory.mkdir(parents=True, exist_ok=True)
        count = 0
        for seed in seeds:
            (directory / ('seed-' + hashlib.sha1(seed).hexdigest())).write_bytes(seed)
            count += 1
        print(f'{target}: {count} seeds')


if __name__ == '__main__':
    main()
